// Losses: values against their formulas in long double, gradients against central
// differences of the loss itself, at small and large logits, with labels and float targets.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/support.hpp"

using namespace nnfit;

namespace {

// Central differences of loss.evaluate with respect to each output, in double.
void check_loss_gradient(const Loss& loss, Matrix z, const Target& t) {
  Matrix analytic;
  loss.evaluate(z, t, &analytic);
  for (Index i = 0; i < z.size(); ++i) {
    const float original = z.data()[i];
    const double h = 1e-3 * std::max(1.0, std::abs(static_cast<double>(original)));
    z.data()[i] = static_cast<float>(original + h);
    const double up = static_cast<double>(z.data()[i]) - original;
    const double plus = loss.evaluate(z, t, nullptr);
    z.data()[i] = static_cast<float>(original - h);
    const double down = original - static_cast<double>(z.data()[i]);
    const double minus = loss.evaluate(z, t, nullptr);
    z.data()[i] = original;
    const double numeric = (plus - minus) / (up + down);
    CAPTURE(i);
    CAPTURE(original);
    const double noise = 32 * 1.2e-7 * std::max(1.0, std::abs(plus)) / h;
    CHECK(std::abs(numeric - analytic.data()[i]) <= 1e-5 + 1e-3 * std::abs(numeric) + noise);
  }
}

Matrix logits() {
  Matrix z(4, 3);
  z << 0.5f, -1.0f, 2.0f,    //
      -0.01f, 0.01f, 0.0f,   //
      30.0f, -20.0f, 50.0f,  //
      -1000.0f, 1000.0f, 3.0f;
  return z;
}

}  // namespace

TEST_CASE("softmax cross-entropy with labels: value from log-sum-exp, stable at 1e3") {
  auto loss = make_loss("softmax_cross_entropy");
  const Matrix z = logits();
  const std::vector<std::int32_t> labels = {2, 0, 0, 1};
  long double expected = 0;
  for (Index i = 0; i < z.rows(); ++i) {
    long double m = z.row(i).maxCoeff(), sum = 0;
    for (Index j = 0; j < 3; ++j) sum += std::exp(static_cast<long double>(z(i, j)) - m);
    expected += m + std::log(sum) - z(i, labels[static_cast<std::size_t>(i)]);
  }
  expected /= 4;
  CHECK(loss->evaluate(z, labels, nullptr) == doctest::Approx(static_cast<double>(expected)));
  check_loss_gradient(*loss, z, labels);
}

TEST_CASE("softmax cross-entropy with one-hot rows equals the label form") {
  auto loss = make_loss("softmax_cross_entropy");
  const Matrix z = logits();
  const std::vector<std::int32_t> labels = {2, 0, 0, 1};
  Matrix onehot = Matrix::Zero(4, 3);
  for (Index i = 0; i < 4; ++i) onehot(i, labels[static_cast<std::size_t>(i)]) = 1;
  Matrix g1, g2;
  CHECK(loss->evaluate(z, onehot, &g1) == doctest::Approx(loss->evaluate(z, labels, &g2)));
  CHECK((g1 - g2).cwiseAbs().maxCoeff() < 1e-7f);
  Matrix soft(4, 3);
  soft << 0.2f, 0.3f, 0.5f, 1, 0, 0, 0.5f, 0.5f, 0, 0, 0.1f, 0.9f;
  check_loss_gradient(*loss, z, soft);
}

TEST_CASE("softmax cross-entropy rejects labels out of range and mismatched batches") {
  auto loss = make_loss("softmax_cross_entropy");
  const Matrix z = logits();
  CHECK_THROWS_WITH_AS(loss->evaluate(z, std::vector<std::int32_t>{0, 1, 3, 0}, nullptr),
                       doctest::Contains("label 3 in row 2 is outside [0, 3)"), ConfigError);
  CHECK_THROWS_AS(loss->evaluate(z, std::vector<std::int32_t>{0, 1}, nullptr), ConfigError);
}

TEST_CASE("mse is the mean over all elements without 1/2") {
  auto loss = make_loss("mse");
  Matrix z(2, 2), t(2, 2);
  z << 1, 2, 3, 4;
  t << 0, 2, 5, 3;
  CHECK(loss->evaluate(z, t, nullptr) == doctest::Approx((1.0 + 0 + 4 + 1) / 4));
  check_loss_gradient(*loss, logits(), Matrix(Matrix::Constant(4, 3, 0.7f)));
  CHECK_THROWS_AS(loss->evaluate(z, std::vector<std::int32_t>{0, 1}, nullptr), ConfigError);
}

TEST_CASE("binary cross-entropy from logits is stable and matches its formula") {
  auto loss = make_loss("binary_cross_entropy");
  Matrix z(4, 1);
  z << -1000, -2, 0.5f, 1000;
  const std::vector<std::int32_t> y = {0, 1, 0, 1};
  // -[y log s(z) + (1-y) log(1 - s(z))]: 0, log(1+e^2), log(1+e^0.5), 0
  const double expected = (0 + std::log1p(std::exp(2.0)) + std::log1p(std::exp(0.5)) + 0) / 4;
  CHECK(loss->evaluate(z, y, nullptr) == doctest::Approx(expected));
  Matrix t(4, 3);
  t << 0, 1, 0.5f, 1, 0, 0.2f, 0, 0, 1, 1, 1, 0;
  check_loss_gradient(*loss, logits(), t);
  CHECK_THROWS_AS(loss->evaluate(z, std::vector<std::int32_t>{0, 2, 0, 1}, nullptr), ConfigError);
}

TEST_CASE("huber: quadratic below delta, linear above") {
  auto loss = make_loss(json{{"type", "huber"}, {"delta", 2.0}});
  Matrix z(1, 3), t(1, 3);
  z << 0.5f, 5, -3;
  t << 0, 0, 0;
  // 0.5*0.25, 2*(5-1), 2*(3-1)
  CHECK(loss->evaluate(z, t, nullptr) == doctest::Approx((0.125 + 8 + 4) / 3));
  check_loss_gradient(*loss, logits(), Matrix(Matrix::Constant(4, 3, 0.25f)));
}

TEST_CASE("losses by name: unknown names and keys are errors that list the valid ones") {
  CHECK_THROWS_WITH_AS(make_loss("mse_loss"), doctest::Contains("did you mean 'mse'?"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(make_loss(json{{"type", "huber"}, {"delt", 1}}),
                       doctest::Contains("loss.delt: unknown key 'delt' (did you mean 'delta'?)"),
                       ConfigError);
}
