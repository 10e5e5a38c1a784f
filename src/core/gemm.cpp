#include "nnfit/gemm.hpp"

#include <limits>
#include <stdexcept>
#include <string>

#ifdef NNFIT_GEMM_OPENBLAS
#include <cblas.h>  // OpenBLAS's own: it declares openblas_get_corename() and the rest
#endif

namespace nnfit {

namespace {

Index rows_of(const MatrixOperand& m, bool transposed) {
  return transposed ? m.cols() : m.rows();
}
Index cols_of(const MatrixOperand& m, bool transposed) {
  return transposed ? m.rows() : m.cols();
}

void check_shapes(const MatrixOperand& a, bool ta, const MatrixOperand& b, bool tb, Index rows,
                  Index cols) {
  if (cols_of(a, ta) != rows_of(b, tb) || rows_of(a, ta) != rows || cols_of(b, tb) != cols)
    throw std::logic_error("multiply: shapes do not match");
}

template <class Out>
void eigen_product(const MatrixOperand& a, bool ta, const MatrixOperand& b, bool tb, Out& c,
                   bool accumulate) {
  // Four spelled-out cases: Eigen picks its kernel from the expression's static type.
  auto assign = [&](const auto& product) {
    if (accumulate)
      c.noalias() += product;
    else
      c.noalias() = product;
  };
  if (!ta && !tb) assign(a * b);
  if (!ta && tb) assign(a * b.transpose());
  if (ta && !tb) assign(a.transpose() * b);
  if (ta && tb) assign(a.transpose() * b.transpose());
}

#ifdef NNFIT_GEMM_OPENBLAS
// OpenBLAS's kernels for this CPU, when they are at least as wide as this build's own code;
// otherwise the reason they are not used. Decided once per process.
struct OpenBlasChoice {
  bool use = false;
  std::string description;
};

bool is_avx512_core(const std::string& core) {
  return core == "SkylakeX" || core == "Cooperlake" || core == "SapphireRapids";
}
[[maybe_unused]] bool is_avx2_core(const std::string& core) {
  return is_avx512_core(core) || core == "Haswell" || core == "Zen";
}

const OpenBlasChoice& openblas_choice() {
  static const OpenBlasChoice choice = [] {
    // nnfit runs its own threads (train.threads); OpenBLAS's threads would oversubscribe the
    // cores, and its single-threaded mode is what makes concurrent calls from nnfit's
    // threads (and from arms run side by side) safe and fast.
    openblas_set_num_threads(1);
    const std::string core = openblas_get_corename();
    std::string config = openblas_get_config();
    config = config.substr(0, config.find(' ', config.find(' ') + 1));  // "OpenBLAS 0.3.21"
    OpenBlasChoice c;
#if defined(__AVX512F__)
    c.use = is_avx512_core(core);
    const char* width = "AVX-512";
#elif defined(__AVX2__)
    c.use = is_avx2_core(core);
    const char* width = "AVX2";
#else
    c.use = true;
    const char* width = "";
#endif
    if (c.use)
      c.description = config + " (" + core + " kernels)";
    else
      c.description = std::string("eigen (") + config + " picked " + core +
                      " kernels, narrower than this build's " + width +
                      "; OPENBLAS_CORETYPE may name an older core, or OpenBLAS may not know "
                      "this CPU)";
    return c;
  }();
  return choice;
}

CBLAS_TRANSPOSE op(bool transposed) {
  return transposed ? CblasTrans : CblasNoTrans;
}

// A batch of 256 or more times an output layer of 10 classes ran 2x faster on Eigen; every
// other product of the step was faster on OpenBLAS (docs/PERFORMANCE.md).
bool worth_openblas(Index m, Index n, Index k) {
  constexpr Index kMax = std::numeric_limits<blasint>::max();  // CBLAS takes 32-bit sizes
  if (m > kMax || n > kMax || k > kMax) return false;
  return (n >= 16 || m <= 64) && openblas_choice().use;
}

void openblas_product(const MatrixOperand& a, bool ta, const MatrixOperand& b, bool tb, float* c,
                      Index ldc, Index m, Index n, bool accumulate) {
  const Index k = cols_of(a, ta);
  cblas_sgemm(CblasRowMajor, op(ta), op(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), 1.0f, a.data(), static_cast<blasint>(a.outerStride()),
              b.data(), static_cast<blasint>(b.outerStride()), accumulate ? 1.0f : 0.0f, c,
              static_cast<blasint>(ldc));
}
#endif

}  // namespace

void multiply(MatrixOperand a, bool transpose_a, MatrixOperand b, bool transpose_b, Matrix& c) {
  const Index m = rows_of(a, transpose_a), n = cols_of(b, transpose_b);
  check_shapes(a, transpose_a, b, transpose_b, m, n);
  c.resize(m, n);
#ifdef NNFIT_GEMM_OPENBLAS
  if (worth_openblas(m, n, cols_of(a, transpose_a)))
    return openblas_product(a, transpose_a, b, transpose_b, c.data(), n, m, n, false);
#endif
  eigen_product(a, transpose_a, b, transpose_b, c, false);
}

void multiply_add(MatrixOperand a, bool transpose_a, MatrixOperand b, bool transpose_b,
                  Eigen::Ref<Matrix> c) {
  const Index m = c.rows(), n = c.cols();
  check_shapes(a, transpose_a, b, transpose_b, m, n);
#ifdef NNFIT_GEMM_OPENBLAS
  if (worth_openblas(m, n, cols_of(a, transpose_a)))
    return openblas_product(a, transpose_a, b, transpose_b, c.data(), c.outerStride(), m, n, true);
#endif
  eigen_product(a, transpose_a, b, transpose_b, c, true);
}

std::string gemm_backend() {
#ifdef NNFIT_GEMM_OPENBLAS
  return openblas_choice().description;
#else
  return "eigen";
#endif
}

}  // namespace nnfit
