// Adam and AdamW: torch.optim.Adam / AdamW's rules exactly. t counts optimiser steps.
//   adam:  g = grad + weight_decay * p          (L2, coupled)
//   adamw: p *= 1 - lr * weight_decay; g = grad (decoupled, Loshchilov and Hutter 2019)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  (amsgrad: vmax = max(vmax, v), used for v)
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)      (eps after the root)
// Kingma and Ba 2015, "Adam: a method for stochastic optimization".
#include <cmath>

#include "nnfit/registry.hpp"
#include "optimizers/flat.hpp"

namespace nnfit {

namespace {

class Adam final : public Optimizer {
 public:
  Adam(ParameterView p, SpecReader& s, bool decoupled)
      : Optimizer(p, s.number_in("lr", 1e-3, 0.0, 1e6, true)),
        decoupled_(decoupled),
        beta1_(s.number_in("beta1", 0.9, 0.0, 1.0, false, true)),
        beta2_(s.number_in("beta2", 0.999, 0.0, 1.0, false, true)),
        eps_(s.number_in("eps", 1e-8, 0.0, 1.0)),
        weight_decay_(s.number_in("weight_decay", decoupled ? 1e-2 : 0.0, 0.0, 1e6)),
        amsgrad_(s.boolean("amsgrad", false)) {
    add_buffer("exp_avg");
    add_buffer("exp_avg_sq");
    if (amsgrad_) add_buffer("max_exp_avg_sq");
  }
  std::string name() const override { return decoupled_ ? "adamw" : "adam"; }
  json config() const override {
    return {{"type", name()},     {"lr", base_lr_}, {"beta1", beta1_},
            {"beta2", beta2_},    {"eps", eps_},    {"weight_decay", weight_decay_},
            {"amsgrad", amsgrad_}};
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
        p -= step_size * m / (vmax.sqrt() / bias_correction2_sqrt + eps);
      } else {
        p -= step_size * m / (v.sqrt() / bias_correction2_sqrt + eps);
      }
    });
  }

 private:
  bool decoupled_;
  double beta1_, beta2_, eps_, weight_decay_;
  bool amsgrad_;
};

}  // namespace

void add_adam(Registries& r) {
  r.optimizers.add("adam", "Adam with L2 weight decay (torch.optim.Adam)",
                   "lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0, amsgrad=false",
                   [](SpecReader& s, ParameterView p) -> std::unique_ptr<Optimizer> {
                     return std::make_unique<Adam>(p, s, false);
                   });
  r.optimizers.add("adamw", "Adam with decoupled weight decay (torch.optim.AdamW)",
                   "lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, amsgrad=false",
                   [](SpecReader& s, ParameterView p) -> std::unique_ptr<Optimizer> {
                     return std::make_unique<Adam>(p, s, true);
                   });
}

}  // namespace nnfit
