// Activations: forward values against the formulas of docs/ACTIVATIONS.md computed in
// long double, derivatives against long-double central differences of those formulas,
// PyTorch's conventions at exactly x = 0, finiteness up to |x| = 1e4, and the layer-level
// finite-difference check (standalone and fused into Dense) on both sides of 0 and at
// large |x|.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "tests/support.hpp"

using namespace nnfit;
using Real = long double;

namespace {

const Real kSeluAlpha = 1.6732632423543772848170429916717L;
const Real kSeluScale = 1.0507009873554804934193349852946L;

Real sigmoid(Real x) {
  return 1.0L / (1.0L + std::exp(-x));
}
// The mathematical softplus; PyTorch's switch to x above the threshold is tested on its own.
Real softplus(Real x) {
  return std::log1p(std::exp(x));
}

// Reference formulas, written from ACTIVATIONS.md (and the papers) independently of the code.
const std::map<std::string, std::function<Real(Real)>>& references() {
  static const std::map<std::string, std::function<Real(Real)>> table = {
      {"linear", [](Real x) { return x; }},
      {"relu", [](Real x) { return x > 0 ? x : 0; }},
      {"leaky_relu", [](Real x) { return x > 0 ? x : 0.01L * x; }},
      {"elu", [](Real x) { return x > 0 ? x : std::expm1(x); }},
      {"selu", [](Real x) { return kSeluScale * (x > 0 ? x : kSeluAlpha * std::expm1(x)); }},
      {"celu", [](Real x) { return x > 0 ? x : std::expm1(x); }},
      {"softsign", [](Real x) { return x / (1 + std::fabs(x)); }},
      {"softplus", softplus},
      {"sigmoid", sigmoid},
      {"tanh", [](Real x) { return std::tanh(x); }},
      {"gelu", [](Real x) { return 0.5L * x * (1 + std::erf(x / std::sqrt(2.0L))); }},
      {"silu", [](Real x) { return x * sigmoid(x); }},
      {"swish", [](Real x) { return x * sigmoid(x); }},
      {"mish", [](Real x) { return x * std::tanh(softplus(x)); }},
  };
  return table;
}

// Every built-in activation (docs/ACTIVATIONS.md lists them); the registry must know each one.
const std::vector<std::string> kBuiltins = {"linear",  "relu",     "leaky_relu", "elu",     "selu",
                                            "celu",    "softsign", "softplus",   "sigmoid", "tanh",
                                            "softmax", "gelu",     "silu",       "swish",   "mish"};

// Activations registered by the tests below (deliberately wrong ones among them).
const std::vector<std::string> kTestOnly = {"broken_elu", "square_plus"};

// What the registry holds (built-ins and anything registered since): the tests below walk it,
// so a new activation gets the same checks without being added to a list here.
std::vector<std::string> registered(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& name : names)
    if (std::find(kTestOnly.begin(), kTestOnly.end(), name) == kTestOnly.end()) out.push_back(name);
  return out;
}

const std::vector<float> kPoints = {-1000.0f, -50.0f, -20.0f, -3.0f, -1.0f, -0.5f, -0.1f, -0.01f,
                                    0.01f,    0.1f,   0.5f,   1.0f,  3.0f,  20.0f, 50.0f, 1000.0f};

Matrix row_of(const std::vector<float>& values) {
  Matrix m(1, static_cast<Index>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) m(0, static_cast<Index>(i)) = values[i];
  return m;
}

// f(x) and f'(x) from the implementation at the given points.
std::pair<Matrix, Matrix> evaluate(const Activation& a, const Matrix& x) {
  Matrix y, g;
  a.forward(x, y);
  const Matrix ones = Matrix::Ones(x.rows(), x.cols());
  a.backward(x, y, ones, g);
  return {y, g};
}

}  // namespace

TEST_CASE("the registry knows every built-in activation") {
  for (const auto& name : kBuiltins) {
    CAPTURE(name);
    CHECK(registry().activations.find(name) != nullptr);
  }
}

TEST_CASE("every registered activation has a reference formula here (softmax: its own test)") {
  for (const auto& name : registered(registry().activations.names())) {
    CAPTURE(name);
    CHECK((name == "softmax" || references().count(name) == 1));
  }
}

TEST_CASE("forward values match the reference formulas") {
  for (const auto& [name, f] : references()) {
    CAPTURE(name);
    auto activation = make_activation(name);
    const auto [y, g] = evaluate(*activation, row_of(kPoints));
    for (std::size_t i = 0; i < kPoints.size(); ++i) {
      CAPTURE(kPoints[i]);
      const Real expected = f(kPoints[i]);
      CHECK(std::fabs(y(0, static_cast<Index>(i)) - expected) <=
            2e-6L * std::max<Real>(1, std::fabs(expected)));
    }
  }
}

TEST_CASE("derivatives match long-double central differences of the formulas") {
  for (const auto& [name, f] : references()) {
    CAPTURE(name);
    auto activation = make_activation(name);
    const auto [y, g] = evaluate(*activation, row_of(kPoints));
    for (std::size_t i = 0; i < kPoints.size(); ++i) {
      const Real x = kPoints[i];
      const Real h = 1e-6L * std::max<Real>(1, std::fabs(x));
      const Real expected = (f(x + h) - f(x - h)) / (2 * h);
      CAPTURE(x);
      CHECK(std::fabs(g(0, static_cast<Index>(i)) - expected) <=
            1e-5L * std::max<Real>(1, std::fabs(expected)));
    }
  }
}

TEST_CASE("softmax rows sum to one and match the formula") {
  auto softmax = make_activation("softmax");
  Matrix x(2, 3);
  x << 1, 2, 3, -1000, 0, 1000;
  Matrix y;
  softmax->forward(x, y);
  const Real z = std::exp(1.0L) + std::exp(2.0L) + std::exp(3.0L);
  CHECK(y(0, 0) == doctest::Approx(static_cast<double>(std::exp(1.0L) / z)));
  CHECK(y(0, 2) == doctest::Approx(static_cast<double>(std::exp(3.0L) / z)));
  CHECK(y(1, 2) == doctest::Approx(1.0));
  CHECK(y(1, 0) == 0.0f);
  CHECK(y.allFinite());
}

TEST_CASE("derivatives at exactly x = 0 follow PyTorch (the x <= 0 branch)") {
  const std::map<std::string, double> expected = {
      {"relu", 0.0}, {"leaky_relu", 0.01}, {"elu", 1.0},      {"selu", 1.7580993408473766},
      {"celu", 1.0}, {"softsign", 1.0},    {"softplus", 0.5}, {"sigmoid", 0.25},
      {"tanh", 1.0}, {"gelu", 0.5},        {"silu", 0.5},     {"mish", 0.6}};
  for (const auto& [name, derivative] : expected) {
    CAPTURE(name);
    const auto [y, g] = evaluate(*make_activation(name), Matrix::Zero(1, 1));
    CHECK(g(0, 0) == doctest::Approx(derivative).epsilon(1e-6));
  }
  // With a non-default alpha the two ELU branches no longer meet: PyTorch takes alpha.
  const auto [y, g] =
      evaluate(*make_activation(json{{"type", "elu"}, {"alpha", 0.5}}), Matrix::Zero(1, 1));
  CHECK(g(0, 0) == doctest::Approx(0.5));
}

TEST_CASE("every activation stays finite for |x| up to 1e4") {
  for (const auto& name : registered(registry().activations.names())) {
    CAPTURE(name);
    const auto [y, g] = evaluate(*make_activation(name), row_of({-1e4f, -88.8f, 88.8f, 1e4f}));
    CHECK(y.allFinite());
    CHECK(g.allFinite());
  }
}

TEST_CASE("softplus is linear above beta*x > threshold, as PyTorch") {
  auto softplus = make_activation(json{{"type", "softplus"}, {"beta", 2}, {"threshold", 10}});
  const auto [y, g] = evaluate(*softplus, row_of({5.5f, 4.0f}));
  CHECK(y(0, 0) == 5.5f);
  CHECK(g(0, 0) == 1.0f);
  CHECK(y(0, 1) == doctest::Approx(std::log1p(std::exp(8.0)) / 2.0));
}

TEST_CASE("gelu's tanh approximation matches its formula") {
  auto gelu = make_activation(json{{"type", "gelu"}, {"approximate", "tanh"}});
  const auto [y, g] = evaluate(*gelu, row_of({-2.0f, 0.7f}));
  auto f = [](double x) {
    return 0.5 * x * (1 + std::tanh(std::sqrt(2 / 3.141592653589793) * (x + 0.044715 * x * x * x)));
  };
  CHECK(y(0, 0) == doctest::Approx(f(-2.0)).epsilon(1e-6));
  CHECK(y(0, 1) == doctest::Approx(f(0.7)).epsilon(1e-6));
  CHECK(g(0, 1) == doctest::Approx((f(0.7 + 1e-6) - f(0.7 - 1e-6)) / 2e-6).epsilon(1e-4));
}

TEST_CASE("layer-level gradient check of every activation, both sides of 0 and large |x|") {
  // Rows: near 0 on both sides, moderate, and large magnitudes (|x| = 20, 50, 1e3).
  Matrix x(4, 4);
  x << -0.01f, 0.01f, -0.3f, 0.3f,   //
      -1.5f, 1.5f, -3.0f, 3.0f,      //
      -20.0f, 20.0f, -50.0f, 50.0f,  //
      -1000.0f, 1000.0f, -7.0f, 7.0f;
  // Every activation, and the layers that are activations with learned parameters (prelu).
  for (const auto& name : registered(activation_arm_names())) {
    CAPTURE(name);
    auto layer = make_layer(json{{"type", name}});
    const auto result = check_gradients(*layer, x);
    INFO(result.summary());
    CHECK(result.ok);
    // Every input, and every learned parameter (prelu's one shared slope).
    Index parameters = 0;
    for (const auto& shape : layer->parameter_shapes()) parameters += shape.rows * shape.cols;
    CHECK(result.checked == x.size() + parameters);
  }
}

TEST_CASE("gradient check of Dense with each activation fused") {
  Rng rng(3);
  Matrix x(5, 3);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal() * 2.0);
  for (const auto& name : registered(registry().activations.names())) {
    CAPTURE(name);
    auto layer = make_layer(json{{"type", "dense"}, {"units", 4}, {"activation", name}});
    const auto result = check_gradients(*layer, x);
    INFO(result.summary());
    CHECK(result.ok);
    CHECK(result.checked == x.size() + 3 * 4 + 4);
  }
}

TEST_CASE("the gradient checker catches a wrong derivative") {
  // ELU with the derivative written as alpha*(f(x)+alpha) would pass at alpha = 1; use 2.
  register_activation(
      "broken_elu", [](float x) { return x > 0 ? x : 2.0f * std::expm1(x); },
      [](float x, float y) { return x > 0 ? 1.0f : 2.0f * (y + 2.0f); });
  Matrix x(1, 2);
  x << -0.5f, 0.5f;
  auto layer = make_layer(json{{"type", "broken_elu"}});
  const auto result = check_gradients(*layer, x);
  CHECK_FALSE(result.ok);
  CHECK(result.failures.size() == 1);
}

TEST_CASE("a user-registered activation works from JSON, fused, and in the checker") {
  register_activation(
      "square_plus", [](float x) { return 0.5f * (x + std::sqrt(x * x + 4.0f)); },
      [](float x, float) { return 0.5f * (1.0f + x / std::sqrt(x * x + 4.0f)); },
      "squareplus (So 2021)", "he_normal");
  auto model = Model::from_json(json::parse(R"({"inputs": 2, "layers": [
      {"type": "dense", "units": 3, "activation": "square_plus"},
      {"type": "square_plus"}, {"type": "dense", "units": 1}]})"));
  Rng rng(1);
  model.initialize(rng);
  Matrix x(2, 2);
  x << 1, -2, 0.5, 3;
  Matrix t(2, 1);
  t << 0.3f, -0.1f;
  auto loss = make_loss("mse");
  const auto result = check_gradients(model, *loss, x, t);
  INFO(result.summary());
  CHECK(result.ok);
  CHECK_THROWS_AS(register_activation(
                      "relu", [](float x) { return x; }, [](float, float) { return 1.0f; }),
                  ConfigError);
}
