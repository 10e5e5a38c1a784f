// Embedding nnfit: build a model from JSON and in code, add a custom activation and a custom
// layer, check their gradients, train on a generated two-spirals problem, save and reload.
// Usage: embed [model.safetensors]. Exit status 0 when the model learned and reloaded intact.
#include <cmath>
#include <cstdio>
#include <nnfit/nnfit.hpp>

namespace {

// A custom layer: y = x * s with one learnable scale per unit. Forward and backward side by
// side, shapes in the comments, parameters as views into the model's flat buffer.
class Scale final : public nnfit::Layer {
 public:
  std::string type() const override { return "scale"; }
  nnfit::json config() const override { return {{"type", "scale"}}; }
  nnfit::Index setup(nnfit::Index inputs) override { return units_ = inputs; }
  std::vector<nnfit::ParameterShape> parameter_shapes() const override {
    return {{"weight", 1, units_, true}};
  }
  void bind(float* values, float* gradients) override {
    scale_ = values;
    scale_grad_ = gradients;
  }
  void initialize(nnfit::Rng&, const nnfit::Layer*) override {
    nnfit::RowVectorMap(scale_, units_).setOnes();
  }
  // input, output: [batch, units]
  void forward(const nnfit::Matrix& input, nnfit::Matrix& output,
               const nnfit::ForwardContext&) override {
    output = input.array().rowwise() * nnfit::RowVectorMap(scale_, units_).array();
  }
  // gy, g: [batch, units]; dL/ds = sum over the batch of gy * x
  void backward(const nnfit::Matrix& input, const nnfit::Matrix&, const nnfit::Matrix& gy,
                nnfit::Matrix* g) override {
    nnfit::RowVectorMap(scale_grad_, units_) +=
        (gy.array() * input.array()).colwise().sum().matrix();
    if (g) *g = gy.array().rowwise() * nnfit::RowVectorMap(scale_, units_).array();
  }

 private:
  nnfit::Index units_ = 0;
  float* scale_ = nullptr;
  float* scale_grad_ = nullptr;
};

// Two interleaved spirals: 2 inputs, 2 classes.
void spirals(nnfit::Index n, nnfit::Rng& rng, nnfit::Matrix& x, std::vector<std::int32_t>& y) {
  x.resize(2 * n, 2);
  y.clear();
  for (nnfit::Index i = 0; i < 2 * n; ++i) {
    const double t = 0.25 + 3.0 * static_cast<double>(i / 2) / static_cast<double>(n);
    const double sign = i % 2 ? -1.0 : 1.0;
    x(i, 0) = static_cast<float>(sign * t / 3.25 * std::cos(t * 3.14159265) + 0.01 * rng.normal());
    x(i, 1) = static_cast<float>(sign * t / 3.25 * std::sin(t * 3.14159265) + 0.01 * rng.normal());
    y.push_back(static_cast<std::int32_t>(i % 2));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "embed_model.safetensors";
  try {
    // A user-defined activation, usable by name from then on.
    nnfit::register_activation(
        "squareplus", [](float x) { return 0.5f * (x + std::sqrt(x * x + 4.0f)); },
        [](float x, float) { return 0.5f * (1.0f + x / std::sqrt(x * x + 4.0f)); });

    // The custom layer passes the public gradient checker.
    Scale probe;
    nnfit::Matrix probe_input(3, 4);
    probe_input << -2, -0.1f, 0.1f, 2, 5, -5, 0.5f, -0.5f, 20, -20, 1, -1;
    const auto check = nnfit::check_gradients(probe, probe_input);
    std::printf("gradient check of the custom layer: %s\n", check.summary().c_str());
    if (!check.ok) return 1;

    // A model from a JSON spec, extended in code with the custom layer.
    auto model = nnfit::Model::from_json(nnfit::json::parse(R"({"inputs": 2, "layers": [
        {"type": "dense", "units": 64, "activation": "selu"},
        {"type": "dense", "units": 64, "activation": "squareplus"}]})"));
    model.add(std::make_unique<Scale>());
    model.add(nnfit::json{{"type", "dense"}, {"units", 2}});

    nnfit::Rng rng(42);
    model.initialize(rng);
    nnfit::Matrix x;
    std::vector<std::int32_t> y;
    spirals(200, rng, x, y);

    auto loss = nnfit::make_loss("softmax_cross_entropy");
    auto optimizer =
        nnfit::make_optimizer(nnfit::json{{"type", "adam"}, {"lr", 0.01}}, model.parameters());
    auto schedule = nnfit::make_schedule(nnfit::json{{"type", "cosine"}, {"warmup_steps", 50}});
    const int steps = 1500;
    for (int step = 0; step < steps; ++step) {
      optimizer->set_lr(optimizer->base_lr() * schedule->factor(step, 1, steps));
      const auto result = nnfit::train_step(model, *loss, *optimizer, x, y, rng);
      if (step % 300 == 0 || step == steps - 1)
        std::printf("step %4d  loss %.4f  gradient norm %.4f\n", step, result.loss,
                    result.gradient_norm);
    }

    const nnfit::Matrix logits = model.predict(x);
    int correct = 0;
    for (nnfit::Index i = 0; i < logits.rows(); ++i)
      correct += (logits(i, 1) > logits(i, 0)) == (y[static_cast<std::size_t>(i)] == 1);
    const double accuracy = static_cast<double>(correct) / static_cast<double>(logits.rows());
    std::printf("training accuracy %.3f on %ld points\n", accuracy, static_cast<long>(x.rows()));

    // The custom layer is not in the registry, so reload the weights into a model built the
    // same way (Model::load rebuilds from the saved spec when every layer is registered).
    model.save(path);
    auto reloaded = nnfit::Model::from_json(nnfit::json::parse(R"({"inputs": 2, "layers": [
        {"type": "dense", "units": 64, "activation": "selu"},
        {"type": "dense", "units": 64, "activation": "squareplus"}]})"));
    reloaded.add(std::make_unique<Scale>()).add(nnfit::json{{"type", "dense"}, {"units", 2}});
    reloaded.load_weights(path);
    const bool same = reloaded.predict(x) == logits;
    std::printf("saved to %s; reloaded predictions identical: %s\n", path.c_str(),
                same ? "yes" : "no");
    return accuracy >= 0.95 && same ? 0 : 1;
  } catch (const nnfit::Error& e) {
    std::fprintf(stderr, "embed: %s\n", e.what());
    return 1;
  }
}
