// Dense (fully connected) layer, y = f(x W^T + b), with an optional fused activation f.
//
// weight: [units, in] and bias: [units], as PyTorch's nn.Linear. Fusing the activation keeps
// the pre-activation z = x W^T + b in a workspace of the layer, so backward can use it.
// Spec: {"type": "dense", "units": N, "bias": true, "init": "auto", "bias_init": "auto",
//        "activation": name or spec}. bias_init is "zeros", "torch_default" or a number;
// "auto" means torch_default when init is torch_default, else zeros.
#include <cmath>

#include "layers/activation_layer.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/gemm.hpp"
#include "nnfit/init.hpp"
#include "nnfit/layers.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

class Dense final : public Layer {
 public:
  explicit Dense(const DenseOptions& o)
      : units_(o.units),
        has_bias_(o.bias),
        init_(o.init),
        bias_init_(o.bias_init),
        activation_(o.activation ? o.activation.make() : nullptr) {}

  std::string type() const override { return "dense"; }
  json config() const override {
    json spec = {{"type", "dense"},
                 {"units", units_},
                 {"bias", has_bias_},
                 {"init", init_},
                 {"bias_init", bias_init_}};
    if (activation_) spec["activation"] = activation_->config();
    return spec;
  }
  Index setup(Index input_size) override {
    inputs_ = input_size;
    return units_;
  }
  std::vector<ParameterShape> parameter_shapes() const override {
    std::vector<ParameterShape> shapes = {{"weight", units_, inputs_, false}};
    if (has_bias_) shapes.push_back({"bias", 1, units_, true});
    return shapes;
  }
  void bind(float* parameters, float* gradients) override {
    weight_ = parameters;
    weight_grad_ = gradients;
    bias_ = has_bias_ ? parameters + units_ * inputs_ : nullptr;
    bias_grad_ = has_bias_ ? gradients + units_ * inputs_ : nullptr;
  }
  void initialize(Rng& rng, const Layer* next) override {
    const std::string init = choose_init(init_, activation_ ? activation_->recommended_init() : "",
                                         next ? next->recommended_init() : "");
    initialize_weight(init, weight(), rng);
    if (!has_bias_) return;
    auto b = bias();
    if (bias_init_.is_number()) {
      b.setConstant(bias_init_.get<float>());
    } else if (bias_init_ == "torch_default" || (bias_init_ == "auto" && init == "torch_default")) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(inputs_));
      for (Index i = 0; i < units_; ++i) b[i] = static_cast<float>(rng.uniform(-bound, bound));
    } else {
      b.setZero();
    }
  }
  std::string recommended_init() const override {
    return activation_ ? activation_->recommended_init() : "";
  }
  const Matrix* preactivation() const override { return activation_ ? &preactivation_ : nullptr; }
  std::string activation_name() const override { return activation_ ? activation_->name() : ""; }

  // input: [batch, in] -> output: [batch, units]
  void forward(const Matrix& input, Matrix& output, const ForwardContext&) override {
    Matrix& z = activation_ ? preactivation_ : output;
    multiply(input, false, weight(), true, z);
    if (has_bias_) z.rowwise() += bias();
    if (activation_) activation_->forward(z, output);
  }
  // gy: [batch, units] -> g: [batch, in]; adds dL/dW = gz^T x and dL/db = sum of gz's rows.
  void backward(const Matrix& input, const Matrix& output, const Matrix& gy, Matrix* g) override {
    const Matrix* gz = &gy;
    if (activation_) {
      activation_->backward(preactivation_, output, gy, preactivation_grad_);
      gz = &preactivation_grad_;
    }
    multiply_add(*gz, true, input, false, weight_gradient());
    if (has_bias_) bias_gradient() += gz->colwise().sum();
    if (g) multiply(*gz, false, weight(), false, *g);
  }

 private:
  MatrixMap weight() const { return MatrixMap(weight_, units_, inputs_); }
  MatrixMap weight_gradient() const { return MatrixMap(weight_grad_, units_, inputs_); }
  RowVectorMap bias() const { return RowVectorMap(bias_, units_); }
  RowVectorMap bias_gradient() const { return RowVectorMap(bias_grad_, units_); }

  Index units_;
  Index inputs_ = 0;
  bool has_bias_;
  std::string init_;
  json bias_init_;
  std::unique_ptr<Activation> activation_;
  float* weight_ = nullptr;
  float* weight_grad_ = nullptr;
  float* bias_ = nullptr;
  float* bias_grad_ = nullptr;
  Matrix preactivation_;
  Matrix preactivation_grad_;
};

const char* kBiasInits = "auto | zeros | torch_default | a number";

void read_bias_init(SpecReader& s, DenseOptions& o) {
  const json* b = s.raw("bias_init");
  if (!b) return;
  if ((b->is_number() && std::isfinite(b->get<double>())) ||
      (b->is_string() && (*b == "auto" || *b == "zeros" || *b == "torch_default")))
    o.bias_init = *b;
  else
    s.diagnostics().error(
        s.path_of("bias_init"),
        "expected a number or one of: auto, zeros, torch_default; found " + brief_json(*b));
}

// "activation": a name or {"type": name, ...} of an activation function (not a layer with
// parameters of its own, which cannot be fused).
void read_fused_activation(SpecReader& s, DenseOptions& o) {
  const json* a = s.raw("activation");
  if (!a) return;
  const std::string where = s.path_of("activation");
  const std::string name = spec_type(*a);
  if (!registry().activations.find(name) && registry().layers.find(name))
    s.diagnostics().error(where, "'" + name +
                                     "' is a layer with parameters of its own and cannot be "
                                     "fused into dense; add it as a separate layer");
  else
    o.activation = read_recipe(registry().activations, *a, where, s.diagnostics());
}

const Schema<DenseOptions>& dense_schema() {
  using O = DenseOptions;
  static const auto schema =
      Schema<O>()
          .integer("units", &O::units, "outputs of the layer", 1, 1 << 24)
          .required()
          .boolean("bias", &O::bias, "add a learned bias")
          .choice(
              "init", &O::init,
              [] {
                auto names = registry().initializers.names();
                names.push_back("auto");
                return names;
              },
              "the weight initialiser; auto: from the activation that follows",
              "initializer | auto")
          .custom({"bias_init", kBiasInits, "auto", "auto: torch_default when init is, else zeros"},
                  read_bias_init, [](const O& o, json& j) { j["bias_init"] = o.bias_init; })
          .custom({"activation", "activation name or object", nullptr,
                   "fused into the layer (none: linear)"},
                  read_fused_activation, [](const O& o, json& j) {
                    if (o.activation) j["activation"] = o.activation.resolved;
                  });
  return schema;
}

std::unique_ptr<Layer> build_dense(const DenseOptions& options) {
  return std::make_unique<Dense>(options);
}

std::string recommended_by(const DenseOptions& options) {
  return options.activation ? options.activation.recommended_init : "";
}

LayerRecipe dense_recipe(const DenseOptions& options) {
  return LayerRegistry::recipe("dense", dense_schema(), options, build_dense,
                               recommended_by(options));
}

}  // namespace

std::string choose_init(const std::string& init, const std::string& own, const std::string& next) {
  if (init != "auto") return init;
  if (!own.empty()) return own;
  if (!next.empty()) return next;
  return "glorot_uniform";
}

json resolved_layers(const std::vector<LayerRecipe>& layers) {
  json out = json::array();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    json spec = layers[i].resolved;
    if (layers[i].type == "dense") {
      const std::string own =
          spec.contains("activation") ? layers[i].recommended_init : std::string();
      const std::string next = i + 1 < layers.size() ? layers[i + 1].recommended_init : "";
      const std::string init = choose_init(spec["init"].get<std::string>(), own, next);
      spec["init"] = init;
      if (spec["bias_init"] == "auto")
        spec["bias_init"] = init == "torch_default" ? "torch_default" : "zeros";
    }
    out.push_back(std::move(spec));
  }
  return out;
}

LayerRecipe dense(const DenseOptions& options) {
  if (options.units < 1 || options.units > (1 << 24))
    throw ConfigError("dense: units must be in [1, 16777216], not " +
                      std::to_string(options.units));
  return dense_recipe(options);
}
LayerRecipe dense(Index units, ActivationRecipe activation) {
  DenseOptions options;
  options.units = units;
  options.activation = std::move(activation);
  return dense(options);
}
LayerRecipe dense(Index units, const std::string& activation_name) {
  return dense(units, activation(activation_name));
}

void add_dense_layer(Registries& r) {
  r.layers.add_reader(
      "dense", "fully connected, y = f(x W^T + b); weight [units, in], bias [units]",
      dense_schema().fields(), [](SpecReader& s) { return dense_recipe(dense_schema().read(s)); });
}

}  // namespace nnfit
