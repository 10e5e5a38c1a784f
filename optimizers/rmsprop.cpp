// RMSprop: torch.optim.RMSprop's rule exactly.
//   g = grad + weight_decay * p;  s = alpha s + (1 - alpha) g^2
//   centered: a = alpha a + (1 - alpha) g; avg = sqrt(s - a^2) + eps, else avg = sqrt(s) + eps
//   momentum > 0: buf = momentum buf + g / avg; p -= lr buf, else p -= lr g / avg
// Tieleman and Hinton 2012, lecture 6.5 of "Neural networks for machine learning".
#include "nnfit/registry.hpp"
#include "optimizers/flat.hpp"

namespace nnfit {

namespace {

class Rmsprop final : public Optimizer {
 public:
  Rmsprop(ParameterView p, SpecReader& s)
      : Optimizer(p, s.number_in("lr", 0.01, 0.0, 1e6, true)),
        alpha_(s.number_in("alpha", 0.99, 0.0, 1.0)),
        eps_(s.number_in("eps", 1e-8, 0.0, 1.0)),
        weight_decay_(s.number_in("weight_decay", 0.0, 0.0, 1e6)),
        momentum_(s.number_in("momentum", 0.0, 0.0, 1.0)),
        centered_(s.boolean("centered", false)) {
    add_buffer("square_avg");
    if (centered_) add_buffer("grad_avg");
    if (momentum_ > 0.0) add_buffer("momentum_buffer");
  }
  std::string name() const override { return "rmsprop"; }
  json config() const override {
    return {{"type", "rmsprop"},
            {"lr", base_lr_},
            {"alpha", alpha_},
            {"eps", eps_},
            {"weight_decay", weight_decay_},
            {"momentum", momentum_},
            {"centered", centered_}};
  }
  void update(Index begin, Index end, std::int64_t) override {
    const auto a = static_cast<float>(alpha_);
    const auto one_minus_a = static_cast<float>(1.0 - alpha_);  // in double, as PyTorch
    const auto wd = static_cast<float>(weight_decay_);
    const auto lr = static_cast<float>(lr_);
    const auto eps = static_cast<float>(eps_);
    const auto mom = static_cast<float>(momentum_);
    float* square_avg = buffers_.at("square_avg").data();
    float* grad_avg = centered_ ? buffers_.at("grad_avg").data() : nullptr;
    float* momentum_buffer = momentum_ > 0.0 ? buffers_.at("momentum_buffer").data() : nullptr;
    // g and avg are used several times: evaluated once per block into inline workspaces
    // (locals, so that threads updating disjoint ranges do not share them).
    Eigen::Array<float, Eigen::Dynamic, 1, Eigen::ColMajor, kUpdateBlock, 1> g, avg;
    for_each_block(begin, end, [&](Index start, Index size) {
      auto p = block_of(params_.values, start, size);
      auto sq = block_of(square_avg, start, size);
      g = block_of(params_.gradients, start, size) + wd * p;
      sq = a * sq + one_minus_a * g.square();
      if (grad_avg) {
        auto ga = block_of(grad_avg, start, size);
        ga = a * ga + one_minus_a * g;
        avg = (sq - ga.square()).sqrt() + eps;
      } else {
        avg = sq.sqrt() + eps;
      }
      if (momentum_buffer) {
        auto buf = block_of(momentum_buffer, start, size);
        buf = mom * buf + g / avg;
        p -= lr * buf;
      } else {
        p -= lr * g / avg;
      }
    });
  }

 private:
  double alpha_, eps_, weight_decay_, momentum_;
  bool centered_;
};

}  // namespace

void add_rmsprop(Registries& r) {
  r.optimizers.add("rmsprop", "RMSprop (torch.optim.RMSprop)",
                   "lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=false",
                   [](SpecReader& s, ParameterView p) -> std::unique_ptr<Optimizer> {
                     return std::make_unique<Rmsprop>(p, s);
                   });
}

}  // namespace nnfit
