// PReLU, f(x) = x if x > 0 else a*x with a learnable slope a; f'(x) = 1 if x > 0 else a,
// df/da = x if x <= 0 else 0. He, Zhang, Ren, Sun 2015, "Delving deep into rectifiers".
//
// Spec: {"type": "prelu", "shared": true, "init": 0.25}. Shared (PyTorch's default,
// num_parameters=1) learns one slope for the layer; "shared": false one per unit. The
// parameter is named `weight`, as in PyTorch.
#include "nnfit/layers.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

class Prelu final : public Layer {
 public:
  explicit Prelu(const PreluOptions& o)
      : options_(o), shared_(o.shared), init_(static_cast<float>(o.init)) {}
  std::string type() const override { return "prelu"; }
  json config() const override;
  Index setup(Index input_size) override {
    units_ = input_size;
    return input_size;
  }
  std::vector<ParameterShape> parameter_shapes() const override {
    return {{"weight", 1, shared_ ? 1 : units_, true}};
  }
  void bind(float* parameters, float* gradients) override {
    slope_ = parameters;
    slope_grad_ = gradients;
  }
  void initialize(Rng&, const Layer*) override {
    RowVectorMap(slope_, shared_ ? 1 : units_).setConstant(init_);
  }
  std::string recommended_init() const override { return "he_normal"; }
  bool is_activation() const override { return true; }
  std::string activation_name() const override { return "prelu"; }

  // input, output: [batch, units]
  void forward(const Matrix& input, Matrix& output, const ForwardContext&) override {
    output.resize(input.rows(), input.cols());
    if (shared_) {
      output.array() = (input.array() > 0.0f).select(input.array(), slope_[0] * input.array());
    } else {
      const auto a = RowVectorMap(slope_, units_).array().replicate(input.rows(), 1);
      output.array() = (input.array() > 0.0f).select(input.array(), a * input.array());
    }
  }
  // gy, g: [batch, units]; adds df/da summed over the batch (and the units when shared).
  void backward(const Matrix& input, const Matrix&, const Matrix& gy, Matrix* g) override {
    const auto negative_part = (input.array() > 0.0f).select(0.0f, gy.array() * input.array());
    if (shared_) {
      slope_grad_[0] += negative_part.sum();
    } else {
      RowVectorMap(slope_grad_, units_).array() += negative_part.colwise().sum();
    }
    if (!g) return;
    g->resize(input.rows(), input.cols());
    if (shared_) {
      g->array() = (input.array() > 0.0f).select(gy.array(), slope_[0] * gy.array());
    } else {
      const auto a = RowVectorMap(slope_, units_).array().replicate(input.rows(), 1);
      g->array() = (input.array() > 0.0f).select(gy.array(), a * gy.array());
    }
  }

 private:
  PreluOptions options_;
  bool shared_;
  float init_;
  Index units_ = 0;
  float* slope_ = nullptr;
  float* slope_grad_ = nullptr;
};

const Schema<PreluOptions>& prelu_schema() {
  static const auto schema =
      Schema<PreluOptions>()
          .boolean("shared", &PreluOptions::shared,
                   "one slope for the layer (PyTorch's default); false: one per unit")
          .number("init", &PreluOptions::init, "the slopes' initial value");
  return schema;
}

json Prelu::config() const {
  json spec = prelu_schema().write(options_);
  spec["type"] = type();
  return spec;
}

std::unique_ptr<Layer> build_prelu(const PreluOptions& options) {
  return std::make_unique<Prelu>(options);
}

}  // namespace

LayerRecipe prelu(const PreluOptions& options) {
  return LayerRegistry::recipe("prelu", prelu_schema(), options, build_prelu, "he_normal");
}

void add_prelu_layer(Registries& r) {
  r.layers.add("prelu", "x if x > 0 else a*x, learnable a (He et al. 2015)", prelu_schema(),
               build_prelu, {.recommended_init = "he_normal", .learned_activation = true});
}

}  // namespace nnfit
