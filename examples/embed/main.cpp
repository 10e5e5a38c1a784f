// Embedding nnfit: build a model from JSON and in code, add a custom activation and a custom
// layer, check their gradients, train on generated spirals with the Trainer and a callback,
// save and reload.
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

    // Data from nnfit's spirals generator, split and standardised by a data spec.
    const nnfit::Data data = nnfit::load_data(nnfit::json{{"source", "spirals"},
                                                          {"samples", 1000},
                                                          {"turns", 1.5},
                                                          {"scale", "standardize"},
                                                          {"validation", 0.2}},
                                              /*seed=*/7);

    auto loss = nnfit::make_loss("softmax_cross_entropy");
    auto optimizer =
        nnfit::make_optimizer(nnfit::json{{"type", "adam"}, {"lr", 0.01}}, model.parameters());
    auto schedule = nnfit::make_schedule(nnfit::json{{"type", "cosine"}, {"warmup_steps", 20}});
    nnfit::TrainConfig config;
    config.epochs = 40;
    config.batch_size = 32;
    config.stop_at = nnfit::StopAt{"val_accuracy", 0.99};
    nnfit::Trainer trainer(model, *loss, *optimizer, *schedule, data, config, /*seed=*/7);
    nnfit::Trainer::Callbacks callbacks;
    callbacks.on_epoch_end = [](const nnfit::EpochRecord& r) {
      if (r.epoch % 5 == 0 || r.validation.accuracy >= 0.99)
        std::printf("epoch %2d  train loss %.4f  val accuracy %.3f\n", r.epoch, r.train.loss,
                    r.validation.accuracy.value_or(0));
    };
    const auto result = trainer.run(callbacks);
    const nnfit::Evaluation evaluation = nnfit::evaluate(model, *loss, data.validation, 256);
    const double accuracy = evaluation.metrics.accuracy.value_or(0);
    std::printf("validation accuracy %.3f after %zu epochs%s\n", accuracy, trainer.history().size(),
                result.target_reached ? " (target reached)" : "");

    nnfit::Matrix x(data.validation.size(), 2);
    for (nnfit::Index i = 0; i < x.rows(); ++i)
      x.row(i) = data.validation.samples->x.row(data.validation.rows[static_cast<std::size_t>(i)]);
    const nnfit::Matrix logits = model.predict(x);

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
    return accuracy >= 0.97 && same ? 0 : 1;
  } catch (const nnfit::Error& e) {
    std::fprintf(stderr, "embed: %s\n", e.what());
    return 1;
  }
}
