// SGD with momentum, dampening, Nesterov and L2 weight decay: torch.optim.SGD's rule exactly.
//   g = grad + weight_decay * p
//   buf = g                                   on the first step
//   buf = momentum * buf + (1 - dampening) g  afterwards
//   d = g + momentum * buf (nesterov) or buf  (d = g when momentum is 0)
//   p -= lr * d
#include "nnfit/optimizers.hpp"
#include "nnfit/registry.hpp"
#include "optimizers/flat.hpp"

namespace nnfit {

namespace {

const Schema<SgdOptions>& sgd_schema() {
  static const auto schema =
      Schema<SgdOptions>()
          .number("lr", &SgdOptions::lr, "learning rate", Bounds::positive())
          .number("momentum", &SgdOptions::momentum, "momentum factor", {0.0, 1.0})
          .number("dampening", &SgdOptions::dampening, "dampening of the momentum", {0.0, 1.0})
          .number("weight_decay", &SgdOptions::weight_decay, "L2 penalty, added to the gradient",
                  Bounds::at_least(0.0, 1e6))
          .boolean("nesterov", &SgdOptions::nesterov, "Nesterov momentum")
          .check([](const SgdOptions& o, SpecReader& s) {
            if (o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0))
              s.diagnostics().error(s.path_of("nesterov"), "needs momentum > 0 and dampening = 0");
          });
  return schema;
}

class Sgd final : public Optimizer {
 public:
  Sgd(ParameterView p, const SgdOptions& o)
      : Optimizer(p, o.lr),
        momentum_(o.momentum),
        dampening_(o.dampening),
        weight_decay_(o.weight_decay),
        nesterov_(o.nesterov) {
    if (nesterov_ && (momentum_ <= 0.0 || dampening_ != 0.0))
      throw ConfigError("sgd: nesterov needs momentum > 0 and dampening = 0");
    if (momentum_ > 0.0) add_buffer("momentum_buffer");
  }
  std::string name() const override { return "sgd"; }
  json config() const override {
    json spec = sgd_schema().write({base_lr_, momentum_, dampening_, weight_decay_, nesterov_});
    spec["type"] = name();
    return spec;
  }
  void update(Index begin, Index end, std::int64_t step) override {
    const auto lr = static_cast<float>(lr_);
    const auto wd = static_cast<float>(weight_decay_);
    const auto m = static_cast<float>(momentum_);
    const auto keep = static_cast<float>(1.0 - dampening_);
    float* buffer = momentum_ > 0.0 ? buffers_.at("momentum_buffer").data() : nullptr;
    for_each_block(begin, end, [&](Index start, Index size) {
      auto p = block_of(params_.values, start, size);
      auto grad = block_of(params_.gradients, start, size);
      if (!buffer) {
        p -= lr * (grad + wd * p);
        return;
      }
      auto buf = block_of(buffer, start, size);
      if (step == 1)
        buf = grad + wd * p;
      else
        buf = m * buf + keep * (grad + wd * p);
      if (nesterov_)
        p -= lr * ((grad + wd * p) + m * buf);
      else
        p -= lr * buf;
    });
  }

 private:
  double momentum_, dampening_, weight_decay_;
  bool nesterov_;
};

}  // namespace

std::unique_ptr<Optimizer> build_sgd(const SgdOptions& options, ParameterView parameters) {
  return std::make_unique<Sgd>(parameters, options);
}

OptimizerRecipe sgd(const SgdOptions& options) {
  return OptimizerRegistry::recipe("sgd", sgd_schema(), options, build_sgd);
}

void add_sgd(Registries& r) {
  r.optimizers.add("sgd", "stochastic gradient descent (torch.optim.SGD)", sgd_schema(), build_sgd);
}

}  // namespace nnfit
