// Adam and AdamW: torch.optim.Adam / AdamW's rules exactly. t counts optimiser steps.
//   adam:  g = grad + weight_decay * p          (L2, coupled)
//   adamw: p *= 1 - lr * weight_decay; g = grad (decoupled, Loshchilov and Hutter 2019)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  (amsgrad: vmax = max(vmax, v), used for v)
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)      (eps after the root)
// Kingma and Ba 2015, "Adam: a method for stochastic optimization".
#include <cmath>

#include "nnfit/optimizers.hpp"
#include "nnfit/registry.hpp"
#include "optimizers/flat.hpp"

namespace nnfit {

namespace {

// Adam's and AdamW's fields: the same, with AdamW's own defaults.
template <class Options>
Schema<Options> adam_schema() {
  return Schema<Options>()
      .number("lr", &Options::lr, "learning rate", Bounds::positive())
      .number("beta1", &Options::beta1, "decay of the gradient's running mean",
              {0.0, 1.0, false, true})
      .number("beta2", &Options::beta2, "decay of the squared gradient's running mean",
              {0.0, 1.0, false, true})
      .number("eps", &Options::eps, "added to the root of the second moment", {0.0, 1.0})
      .number("weight_decay", &Options::weight_decay,
              std::is_same_v<Options, AdamWOptions> ? "decoupled weight decay"
                                                    : "L2 penalty, added to the gradient",
              Bounds::at_least(0.0, 1e6))
      .boolean("amsgrad", &Options::amsgrad, "use the running maximum of the second moment");
}

class Adam final : public Optimizer {
 public:
  template <class Options>
  Adam(ParameterView p, const Options& o)
      : Optimizer(p, o.lr),
        decoupled_(std::is_same_v<Options, AdamWOptions>),
        beta1_(o.beta1),
        beta2_(o.beta2),
        eps_(o.eps),
        weight_decay_(o.weight_decay),
        amsgrad_(o.amsgrad) {
    add_buffer("exp_avg");
    add_buffer("exp_avg_sq");
    if (amsgrad_) add_buffer("max_exp_avg_sq");
  }
  std::string name() const override { return decoupled_ ? "adamw" : "adam"; }
  json config() const override {
    json spec = decoupled_ ? adam_schema<AdamWOptions>().write(options<AdamWOptions>())
                           : adam_schema<AdamOptions>().write(options<AdamOptions>());
    spec["type"] = name();
    return spec;
  }
  void update(Index begin, Index end, std::int64_t step) override {
    // 1 - beta in double, then float: 1.0f - 0.999f is 1.3e-5 off (PyTorch does the same).
    const auto b1 = static_cast<float>(beta1_);
    const auto b2 = static_cast<float>(beta2_);
    const auto one_minus_b1 = static_cast<float>(1.0 - beta1_);
    const auto one_minus_b2 = static_cast<float>(1.0 - beta2_);
    const auto wd = static_cast<float>(weight_decay_);
    const double t = static_cast<double>(step);
    const auto step_size = static_cast<float>(lr_ / (1.0 - std::pow(beta1_, t)));
    const auto bias_correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(beta2_, t)));
    const auto eps = static_cast<float>(eps_);
    const auto decay = static_cast<float>(1.0 - lr_ * weight_decay_);
    float* exp_avg = buffers_.at("exp_avg").data();
    float* exp_avg_sq = buffers_.at("exp_avg_sq").data();
    float* max_exp_avg_sq = amsgrad_ ? buffers_.at("max_exp_avg_sq").data() : nullptr;
    for_each_block(begin, end, [&](Index start, Index size) {
      auto p = block_of(params_.values, start, size);
      auto grad = block_of(params_.gradients, start, size);
      auto m = block_of(exp_avg, start, size);
      auto v = block_of(exp_avg_sq, start, size);
      if (decoupled_) {
        p *= decay;
        m = b1 * m + one_minus_b1 * grad;
        v = b2 * v + one_minus_b2 * grad.square();
      } else {
        m = b1 * m + one_minus_b1 * (grad + wd * p);
        v = b2 * v + one_minus_b2 * (grad + wd * p).square();
      }
      if (max_exp_avg_sq) {
        auto vmax = block_of(max_exp_avg_sq, start, size);
        vmax = vmax.max(v);
        p -= step_size * m / (exact_sqrt(vmax) / bias_correction2_sqrt + eps);
      } else {
        p -= step_size * m / (exact_sqrt(v) / bias_correction2_sqrt + eps);
      }
    });
  }

 private:
  template <class Options>
  Options options() const {
    return {base_lr_, beta1_, beta2_, eps_, weight_decay_, amsgrad_};
  }
  bool decoupled_;
  double beta1_, beta2_, eps_, weight_decay_;
  bool amsgrad_;
};

}  // namespace

template <class Options>
std::unique_ptr<Optimizer> build_adam(const Options& options, ParameterView parameters) {
  return std::make_unique<Adam>(parameters, options);
}

OptimizerRecipe adam(const AdamOptions& options) {
  return OptimizerRegistry::recipe("adam", adam_schema<AdamOptions>(), options,
                                   build_adam<AdamOptions>);
}
OptimizerRecipe adamw(const AdamWOptions& options) {
  return OptimizerRegistry::recipe("adamw", adam_schema<AdamWOptions>(), options,
                                   build_adam<AdamWOptions>);
}

void add_adam(Registries& r) {
  r.optimizers.add("adam", "Adam with L2 weight decay (torch.optim.Adam)",
                   adam_schema<AdamOptions>(), build_adam<AdamOptions>);
  r.optimizers.add("adamw", "Adam with decoupled weight decay (torch.optim.AdamW)",
                   adam_schema<AdamWOptions>(), build_adam<AdamWOptions>);
}

}  // namespace nnfit
