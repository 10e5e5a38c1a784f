// Dropout and alpha dropout. Both are the identity in evaluation mode; in training mode they
// draw a keep-mask from the ForwardContext's RNG (an error when there is none).
//
// dropout (Srivastava et al. 2014): y = x * m / (1 - p), m ~ Bernoulli(1 - p); g = gy * m/(1-p).
// alpha_dropout (Klambauer et al. 2017): dropped units are set to SELU's negative saturation
// a' = -scale*alpha, then an affine map restores zero mean and unit variance:
//   y = A (x m + a' (1 - m)) + B,  A = ((1 - p)(1 + p a'^2))^(-1/2),  B = -A a' p;
//   g = A m gy.                     (PyTorch's F.alpha_dropout)
#include <cmath>

#include "nnfit/error.hpp"
#include "nnfit/layers.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

class Dropout final : public Layer {
 public:
  Dropout(double rate, bool alpha) : rate_(rate), alpha_(alpha) {}
  std::string type() const override { return alpha_ ? "alpha_dropout" : "dropout"; }
  json config() const override { return {{"type", type()}, {"rate", rate_}}; }
  Index setup(Index input_size) override { return input_size; }

  // input, output: [batch, units]
  void forward(const Matrix& input, Matrix& output, const ForwardContext& context) override {
    training_ = context.training && rate_ > 0.0;
    if (!training_) {
      output = input;
      return;
    }
    if (!context.rng) throw ConfigError(type() + ": training mode needs an RNG in the context");
    mask_.resize(input.rows(), input.cols());
    for (Index i = 0; i < mask_.size(); ++i)
      mask_.data()[i] = context.rng->bernoulli(1.0 - rate_) ? 1.0f : 0.0f;
    output.resize(input.rows(), input.cols());
    if (!alpha_) {
      output.array() = input.array() * mask_.array() * static_cast<float>(1.0 / (1.0 - rate_));
    } else {
      output.array() =
          a() * (input.array() * mask_.array() + kSaturation * (1.0f - mask_.array())) + b();
    }
  }
  // gy, g: [batch, units]
  void backward(const Matrix&, const Matrix&, const Matrix& gy, Matrix* g) override {
    if (!g) return;
    if (!training_) {
      *g = gy;
      return;
    }
    const float scale = alpha_ ? a() : static_cast<float>(1.0 / (1.0 - rate_));
    g->resize(gy.rows(), gy.cols());
    g->array() = gy.array() * mask_.array() * scale;
  }

 private:
  static constexpr float kSaturation =
      static_cast<float>(-1.0507009873554804934193349852946 * 1.6732632423543772848170429916717);
  float a() const {
    return static_cast<float>(
        1.0 / std::sqrt((1.0 - rate_) * (1.0 + rate_ * double(kSaturation) * kSaturation)));
  }
  float b() const { return static_cast<float>(-double(a()) * kSaturation * rate_); }

  double rate_;
  bool alpha_;
  bool training_ = false;
  Matrix mask_;
};

const Schema<DropoutOptions>& dropout_schema() {
  static const auto schema = Schema<DropoutOptions>().number("rate", &DropoutOptions::rate,
                                                             "the probability of dropping a unit",
                                                             Bounds::unit_open_above());
  return schema;
}

template <bool Alpha>
std::unique_ptr<Layer> build_dropout(const DropoutOptions& options) {
  return std::make_unique<Dropout>(options.rate, Alpha);
}

}  // namespace

LayerRecipe dropout(const DropoutOptions& options) {
  return LayerRegistry::recipe("dropout", dropout_schema(), options, build_dropout<false>);
}
LayerRecipe alpha_dropout(const DropoutOptions& options) {
  return LayerRegistry::recipe("alpha_dropout", dropout_schema(), options, build_dropout<true>);
}

void add_dropout_layers(Registries& r) {
  r.layers.add("dropout", "zeroes units with probability rate in training (Srivastava et al. 2014)",
               dropout_schema(), build_dropout<false>);
  r.layers.add("alpha_dropout", "SELU-preserving dropout (Klambauer et al. 2017)", dropout_schema(),
               build_dropout<true>);
}

}  // namespace nnfit
