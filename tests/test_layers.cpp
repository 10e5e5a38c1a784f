// Layers other than activations: Dense's convention and gradients, PReLU, dropout and alpha
// dropout in both modes.
#include <doctest/doctest.h>

#include "tests/support.hpp"

using namespace nnfit;

namespace {
Matrix random_matrix(Index rows, Index cols, Rng& rng, double scale = 1.0) {
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.normal() * scale);
  return m;
}
}  // namespace

TEST_CASE("dense computes y = x W^T + b with weight [out, in] and bias [out]") {
  auto model =
      Model::from_json(json::parse(R"({"inputs": 3, "layers": [{"type": "dense", "units": 2}]})"));
  auto w = model.parameter("layers.0.weight");
  auto b = model.parameter("layers.0.bias");
  REQUIRE(w.rows() == 2);
  REQUIRE(w.cols() == 3);
  REQUIRE(b.size() == 2);
  w << 1, 2, 3, -1, 0, 1;
  b << 0.5f, -0.5f;
  Matrix x(2, 3);
  x << 1, 1, 1, 2, 0, -1;
  const Matrix y = model.predict(x);
  CHECK(y(0, 0) == 6.5f);   // 1+2+3 + 0.5
  CHECK(y(0, 1) == -0.5f);  // -1+0+1 - 0.5
  CHECK(y(1, 0) == -0.5f);  // 2-3 + 0.5
  CHECK(y(1, 1) == -3.5f);  // -2-1 - 0.5
  const auto& info = model.parameter_info();
  CHECK(info[0].shape == std::vector<std::int64_t>{2, 3});
  CHECK(info[1].shape == std::vector<std::int64_t>{2});
}

TEST_CASE("dense gradients, with and without bias, at small and large inputs") {
  Rng rng(7);
  for (const bool bias : {true, false}) {
    for (const double scale : {0.01, 1.0, 50.0}) {
      CAPTURE(bias);
      CAPTURE(scale);
      auto layer = make_layer(json{{"type", "dense"}, {"units", 5}, {"bias", bias}});
      const auto result = check_gradients(*layer, random_matrix(4, 6, rng, scale));
      INFO(result.summary());
      CHECK(result.ok);
      CHECK(result.checked == 4 * 6 + 5 * 6 + (bias ? 5 : 0));
    }
  }
}

TEST_CASE("prelu: shared and per-unit slopes, gradients on both sides of 0") {
  Matrix x(3, 4);
  x << -2, -0.01f, 0.01f, 2, -50, 50, -1000, 1000, -0.5f, 0.3f, -0.2f, 7;
  for (const bool shared : {true, false}) {
    CAPTURE(shared);
    auto layer = make_layer(json{{"type", "prelu"}, {"shared", shared}, {"init", 0.2}});
    const auto result = check_gradients(*layer, x);
    INFO(result.summary());
    CHECK(result.ok);
    CHECK(result.checked == x.size() + (shared ? 1 : 4));
  }
  auto model = Model::from_json(json::parse(R"({"inputs": 2, "layers": [{"type": "prelu"}]})"));
  Rng rng(1);
  model.initialize(rng);
  CHECK(model.parameter("layers.0.weight")(0, 0) == 0.25f);  // PyTorch's default
  Matrix in(1, 2);
  in << -4, 4;
  const Matrix out = model.predict(in);
  CHECK(out(0, 0) == -1.0f);
  CHECK(out(0, 1) == 4.0f);
}

TEST_CASE("dropout: identity in evaluation, mask and 1/(1-p) scaling in training") {
  auto model = Model::from_json(
      json::parse(R"({"inputs": 1000, "layers": [{"type": "dropout", "rate": 0.25}]})"));
  Matrix x = Matrix::Ones(20, 1000);
  CHECK(model.predict(x) == x);
  Rng rng(5);
  const Matrix y = model.forward(x, {.training = true, .rng = &rng});
  const auto kept = (y.array() != 0.0f).cast<double>().sum() / static_cast<double>(y.size());
  CHECK(kept == doctest::Approx(0.75).epsilon(0.02));
  CHECK(((y.array() == 0.0f) || (y.array() == 1.0f / 0.75f)).all());
  CHECK(y.cast<double>().mean() == doctest::Approx(1.0).epsilon(0.02));
  CHECK_THROWS_AS(model.forward(x, {.training = true, .rng = nullptr}), ConfigError);
}

TEST_CASE("alpha dropout keeps zero mean and unit variance of SELU-normalised inputs") {
  auto model = Model::from_json(
      json::parse(R"({"inputs": 500, "layers": [{"type": "alpha_dropout", "rate": 0.2}]})"));
  Rng rng(11);
  const Matrix x = random_matrix(400, 500, rng);
  CHECK(model.predict(x) == x);
  const Matrix y = model.forward(x, {.training = true, .rng = &rng});
  const double mean = y.cast<double>().mean();
  const double variance = (y.cast<double>().array() - mean).square().mean();
  CHECK(std::abs(mean) < 0.02);
  CHECK(variance == doctest::Approx(1.0).epsilon(0.03));
}

TEST_CASE("dropout gradients in training mode use the same mask") {
  Rng rng(2);
  for (const char* type : {"dropout", "alpha_dropout"}) {
    CAPTURE(type);
    auto layer = make_layer(json{{"type", type}, {"rate", 0.3}});
    GradientCheckOptions options;
    options.training = true;
    const auto result = check_gradients(*layer, random_matrix(6, 5, rng, 3.0), options);
    INFO(result.summary());
    CHECK(result.ok);
  }
}

TEST_CASE("model gradient check: a deep MLP with every kind of layer") {
  auto model = Model::from_json(json::parse(R"({"inputs": 3, "layers": [
      {"type": "dense", "units": 6, "activation": "selu"},
      {"type": "alpha_dropout", "rate": 0.1},
      {"type": "dense", "units": 5}, {"type": "prelu", "shared": false},
      {"type": "dense", "units": 5, "activation": {"type": "leaky_relu", "slope": 0.1}},
      {"type": "dropout", "rate": 0.2},
      {"type": "dense", "units": 4}, {"type": "softplus"},
      {"type": "dense", "units": 3}]})"));
  Rng rng(9);
  model.initialize(rng);
  const Matrix x = random_matrix(5, 3, rng, 2.0);
  const std::vector<std::int32_t> labels = {0, 2, 1, 1, 0};
  GradientCheckOptions options;
  options.training = true;
  auto loss = make_loss("softmax_cross_entropy");
  const auto result = check_gradients(model, *loss, x, labels, options);
  INFO(result.summary());
  CHECK(result.ok);
  CHECK(result.checked == model.num_parameters());
}
