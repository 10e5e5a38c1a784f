// SGD with momentum, dampening, Nesterov and L2 weight decay: torch.optim.SGD's rule exactly.
//   g = grad + weight_decay * p
//   buf = g                                   on the first step
//   buf = momentum * buf + (1 - dampening) g  afterwards
//   d = g + momentum * buf (nesterov) or buf  (d = g when momentum is 0)
//   p -= lr * d
#include "nnfit/registry.hpp"
#include "optimizers/flat.hpp"

namespace nnfit {

namespace {

class Sgd final : public Optimizer {
 public:
  Sgd(ParameterView p, SpecReader& s)
      : Optimizer(p, s.number_in("lr", 0.01, 0.0, 1e6, true)),
        momentum_(s.number_in("momentum", 0.0, 0.0, 1.0)),
        dampening_(s.number_in("dampening", 0.0, 0.0, 1.0)),
        weight_decay_(s.number_in("weight_decay", 0.0, 0.0, 1e6)),
        nesterov_(s.boolean("nesterov", false)) {
    if (nesterov_ && (momentum_ <= 0.0 || dampening_ != 0.0))
      s.diagnostics().error(s.path_of("nesterov"), "needs momentum > 0 and dampening = 0");
    if (momentum_ > 0.0) add_buffer("momentum_buffer");
  }
  std::string name() const override { return "sgd"; }
  json config() const override {
    return {{"type", "sgd"},
            {"lr", base_lr_},
            {"momentum", momentum_},
            {"dampening", dampening_},
            {"weight_decay", weight_decay_},
            {"nesterov", nesterov_}};
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

void add_sgd(Registries& r) {
  r.optimizers.add("sgd", "stochastic gradient descent (torch.optim.SGD)",
                   "lr=0.01, momentum=0, dampening=0, weight_decay=0, nesterov=false",
                   [](SpecReader& s, ParameterView p) -> std::unique_ptr<Optimizer> {
                     return std::make_unique<Sgd>(p, s);
                   });
}

}  // namespace nnfit
