// RMSprop: torch.optim.RMSprop's rule exactly.
//   g = grad + weight_decay * p;  s = alpha s + (1 - alpha) g^2
//   centered: a = alpha a + (1 - alpha) g; avg = sqrt(s - a^2) + eps, else avg = sqrt(s) + eps
//   momentum > 0: buf = momentum buf + g / avg; p -= lr buf, else p -= lr g / avg
// Tieleman and Hinton 2012, lecture 6.5 of "Neural networks for machine learning".
#include "nnfit/optimizers.hpp"
#include "nnfit/registry.hpp"
#include "optimizers/flat.hpp"

namespace nnfit {

namespace {

const Schema<RmspropOptions>& rmsprop_schema() {
  using O = RmspropOptions;
  static const auto schema =
      Schema<O>()
          .number("lr", &O::lr, "learning rate", Bounds::positive())
          .number("alpha", &O::alpha, "decay of the squared gradient's running mean", {0.0, 1.0})
          .number("eps", &O::eps, "added to the root", {0.0, 1.0})
          .number("weight_decay", &O::weight_decay, "L2 penalty, added to the gradient",
                  Bounds::at_least(0.0, 1e6))
          .number("momentum", &O::momentum, "momentum factor", {0.0, 1.0})
          .boolean("centered", &O::centered, "normalise by the gradient's variance estimate");
  return schema;
}

class Rmsprop final : public Optimizer {
 public:
  Rmsprop(ParameterView p, const RmspropOptions& o)
      : Optimizer(p, o.lr),
        alpha_(o.alpha),
        eps_(o.eps),
        weight_decay_(o.weight_decay),
        momentum_(o.momentum),
        centered_(o.centered) {
    add_buffer("square_avg");
    if (centered_) add_buffer("grad_avg");
    if (momentum_ > 0.0) add_buffer("momentum_buffer");
  }
  std::string name() const override { return "rmsprop"; }
  json config() const override {
    json spec =
        rmsprop_schema().write({base_lr_, alpha_, eps_, weight_decay_, momentum_, centered_});
    spec["type"] = name();
    return spec;
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
        avg = exact_sqrt(sq - ga.square()) + eps;
      } else {
        avg = exact_sqrt(sq) + eps;
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

std::unique_ptr<Optimizer> build_rmsprop(const RmspropOptions& options, ParameterView parameters) {
  return std::make_unique<Rmsprop>(parameters, options);
}

OptimizerRecipe rmsprop(const RmspropOptions& options) {
  return OptimizerRegistry::recipe("rmsprop", rmsprop_schema(), options, build_rmsprop);
}

void add_rmsprop(Registries& r) {
  r.optimizers.add("rmsprop", "RMSprop (torch.optim.RMSprop)", rmsprop_schema(), build_rmsprop);
}

}  // namespace nnfit
