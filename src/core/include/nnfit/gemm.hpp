// Matrix products: C = op(A) op(B) (+ C), row-major, on the backend chosen at build time.
//
// Every product of a training step goes through here (dense forward x W^T, the weight
// gradient gz^T x, the input gradient gz W). The backend is a build option (NNFIT_GEMM:
// openblas or eigen; docs/PERFORMANCE.md measures both, and BLIS, oneDNN and libxsmm, at
// these shapes): OpenBLAS ran the step's products 1.2-1.4x faster than Eigen on one core.
//
// At run time OpenBLAS is used only when the kernels it picked for this CPU are as wide as
// the code nnfit was compiled for (an old OpenBLAS may not know a new CPU, or
// OPENBLAS_CORETYPE may name an older one); otherwise Eigen's products run, and
// gemm_backend() says so. A large batch times an output layer of a few classes runs on Eigen
// too: OpenBLAS was 2x slower there. nnfit runs its own threads, so on first use it sets
// OpenBLAS to one thread for the whole process (an embedder that wants OpenBLAS's threads
// for its own products sets them back afterwards). Results are deterministic for a given
// binary, machine, OpenBLAS core type and thread count.
#pragma once

#include <string>

#include "nnfit/types.hpp"

namespace nnfit {

// A read-only matrix operand: a Matrix or a view of a flat buffer, without a copy.
using MatrixOperand = Eigen::Ref<const Matrix>;

// c = op(a) op(b), c resized to [m, n]; op transposes when the flag is set. Shapes: op(a)
// [m, k], op(b) [k, n]. c must not overlap a or b.
void multiply(MatrixOperand a, bool transpose_a, MatrixOperand b, bool transpose_b, Matrix& c);
// c += op(a) op(b) into a fixed view (a layer's gradient in the flat buffer).
void multiply_add(MatrixOperand a, bool transpose_a, MatrixOperand b, bool transpose_b,
                  Eigen::Ref<Matrix> c);

// What runs the products: "openblas 0.3.21 (Cooperlake kernels)", "eigen", or "eigen
// (OpenBLAS picked Haswell kernels, narrower than this build's AVX-512; ...)".
std::string gemm_backend();

}  // namespace nnfit
