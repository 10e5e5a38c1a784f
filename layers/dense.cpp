// Dense (fully connected) layer, y = f(x W^T + b), with an optional fused activation f.
//
// weight: [units, in] and bias: [units], as PyTorch's nn.Linear. Fusing the activation keeps
// the pre-activation z = x W^T + b in a workspace of the layer, so backward can use it.
// Spec: {"type": "dense", "units": N, "bias": true, "init": "auto", "bias_init": "auto",
//        "activation": name or spec}. bias_init is "zeros", "torch_default" or a number;
// "auto" means torch_default when init is torch_default, else zeros.
#include <cmath>

#include "layers/activation_layer.hpp"
#include "nnfit/init.hpp"
#include "nnfit/json_text.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

class Dense final : public Layer {
 public:
  Dense(Index units, bool bias, std::string init, json bias_init,
        std::unique_ptr<Activation> activation)
      : units_(units),
        has_bias_(bias),
        init_(std::move(init)),
        bias_init_(std::move(bias_init)),
        activation_(std::move(activation)) {}

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
  json resolved_config(const Layer* next) const override {
    json spec = config();
    const std::string init = resolved_init(next);
    spec["init"] = init;
    if (bias_init_ == "auto")
      spec["bias_init"] = init == "torch_default" ? "torch_default" : "zeros";
    return spec;
  }
  // "auto": the fused activation's recommendation, else the next layer's, else Glorot.
  std::string resolved_init(const Layer* next) const {
    if (init_ != "auto") return init_;
    if (activation_) return activation_->recommended_init();
    if (next && !next->recommended_init().empty()) return next->recommended_init();
    return "glorot_uniform";
  }
  void initialize(Rng& rng, const Layer* next) override {
    const std::string init = resolved_init(next);
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
    z.resize(input.rows(), units_);
    z.noalias() = input * weight().transpose();
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
    weight_gradient().noalias() += gz->transpose() * input;
    if (has_bias_) bias_gradient() += gz->colwise().sum();
    if (g) {
      g->resize(input.rows(), inputs_);
      g->noalias() = *gz * weight();
    }
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

}  // namespace

void add_dense_layer(Registries& r) {
  r.layers.add(
      "dense", "fully connected, y = f(x W^T + b); weight [units, in], bias [units]",
      "units (required), bias=true, init=auto, bias_init=auto, activation=none",
      [](SpecReader& s) -> std::unique_ptr<Layer> {
        if (!s.has("units"))
          s.diagnostics().error(s.path_of("units"), "missing (a positive integer)");
        const auto units = s.integer("units", 1, 1, 1 << 24);
        const bool bias = s.boolean("bias", true);
        std::vector<std::string> inits = registry().initializers.names();
        inits.push_back("auto");
        const std::string init = s.choice("init", "auto", inits);
        json bias_init = "auto";
        if (const json* b = s.raw("bias_init")) {
          if ((b->is_number() && std::isfinite(b->get<double>())) ||
              (b->is_string() && (*b == "auto" || *b == "zeros" || *b == "torch_default"))) {
            bias_init = *b;
          } else {
            s.diagnostics().error(
                s.path_of("bias_init"),
                "expected a number or one of: auto, zeros, torch_default; found " + brief_json(*b));
          }
        }
        std::unique_ptr<Activation> activation;
        if (const json* a = s.raw("activation")) {
          const std::string where = s.path_of("activation");
          const std::string name = a->is_string()   ? a->get<std::string>()
                                   : a->is_object() ? a->value("type", std::string())
                                                    : std::string();
          if (!registry().activations.find(name) && registry().layers.find(name)) {
            s.diagnostics().error(where, "'" + name +
                                             "' is a layer with parameters of its own and cannot "
                                             "be fused into dense; add it as a separate layer");
          } else if (const auto* entry =
                         lookup(registry().activations, *a, where, s.diagnostics())) {
            const json spec = a->is_object() ? *a : json::object();
            SpecReader inner(spec, where, s.diagnostics());
            inner.accept("type");
            activation = entry->make(inner);
            inner.finish();
          }
        }
        return std::make_unique<Dense>(units, bias, init, bias_init, std::move(activation));
      });
}

}  // namespace nnfit
