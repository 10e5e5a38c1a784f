// nnfit::multiply and multiply_add (nnfit/gemm.hpp) against a product summed in
// double, for every transpose combination, at shapes that take each backend's path (a
// 10-column output at batch 256 runs on Eigen, the rest on OpenBLAS when it is built in), and
// on views with an outer stride wider than their width.
#include <doctest/doctest.h>

#include "tests/support.hpp"

using namespace nnfit;

namespace {
Matrix random_matrix(Index rows, Index cols, Rng& rng) {
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.normal());
  return m;
}

// op(a) op(b) summed in double, element by element.
Eigen::MatrixXd reference(const Matrix& a, bool ta, const Matrix& b, bool tb) {
  const Eigen::MatrixXd ad = a.cast<double>(), bd = b.cast<double>();
  const Eigen::MatrixXd opa = ta ? Eigen::MatrixXd(ad.transpose()) : ad;
  const Eigen::MatrixXd opb = tb ? Eigen::MatrixXd(bd.transpose()) : bd;
  return opa * opb;
}

// Largest |x - y| relative to sqrt(k), the size of a sum of k unit-normal products' error.
double error(const Matrix& c, const Eigen::MatrixXd& expected, Index k) {
  return (c.cast<double>() - expected).cwiseAbs().maxCoeff() / std::sqrt(static_cast<double>(k));
}

struct Shape {
  Index m, n, k;
};
}  // namespace

TEST_CASE("multiply and multiply_add match a double-precision product in every layout") {
  INFO("backend: " << gemm_backend());
  Rng rng(3);
  for (const Shape s : {Shape{64, 256, 784}, Shape{256, 10, 128}, Shape{64, 10, 128},
                        Shape{10, 128, 64}, Shape{3, 5, 7}, Shape{1, 1, 1}}) {
    for (const bool ta : {false, true}) {
      for (const bool tb : {false, true}) {
        CAPTURE(s.m);
        CAPTURE(s.n);
        CAPTURE(s.k);
        CAPTURE(ta);
        CAPTURE(tb);
        const Matrix a = ta ? random_matrix(s.k, s.m, rng) : random_matrix(s.m, s.k, rng);
        const Matrix b = tb ? random_matrix(s.n, s.k, rng) : random_matrix(s.k, s.n, rng);
        const Eigen::MatrixXd expected = reference(a, ta, b, tb);
        Matrix c(2, 2);  // resized by multiply
        multiply(a, ta, b, tb, c);
        REQUIRE(c.rows() == s.m);
        REQUIRE(c.cols() == s.n);
        CHECK(error(c, expected, s.k) < 1e-5);

        // Accumulating into a view of a wider buffer leaves the columns beside it alone.
        Matrix wide = Matrix::Constant(s.m, s.n + 3, 0.5f);
        Eigen::Map<Matrix, 0, Eigen::OuterStride<>> view(wide.data(), s.m, s.n,
                                                         Eigen::OuterStride<>(s.n + 3));
        multiply_add(a, ta, b, tb, view);
        CHECK(error(wide.leftCols(s.n), (expected.array() + 0.5).matrix(), s.k) < 1e-5);
        CHECK((wide.rightCols(3).array() == 0.5f).all());
      }
    }
  }
}

TEST_CASE("multiply refuses operands whose shapes do not fit") {
  Rng rng(4);
  const Matrix a = random_matrix(4, 3, rng), b = random_matrix(4, 3, rng);
  Matrix c;
  CHECK_THROWS_AS(multiply(a, false, b, false, c), std::logic_error);
  multiply(a, false, b, true, c);  // [4, 3] x [3, 4]
  CHECK(c.rows() == 4);
  Matrix wrong(3, 3);
  CHECK_THROWS_AS(multiply_add(a, false, b, true, wrong), std::logic_error);
}

TEST_CASE("gemm_backend names what runs the products") {
  const std::string backend = gemm_backend();
  CHECK(!backend.empty());
  CHECK((backend.rfind("eigen", 0) == 0 || backend.rfind("OpenBLAS", 0) == 0));
}
