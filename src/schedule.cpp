// Learning-rate schedules (formulas in include/nnfit/schedule.hpp).
#include "nnfit/schedule.hpp"

#include <cmath>
#include <numbers>

#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

// The shared part: the linear warm-up every schedule takes.
class ScheduleBase : public Schedule {
 public:
  explicit ScheduleBase(SpecReader& s) : warmup_(s.integer("warmup_steps", 0, 0)) {}
  double factor(std::int64_t step, std::int64_t steps_per_epoch,
                std::int64_t total_steps) const final {
    const double warm = step < warmup_ ? static_cast<double>(step + 1) / warmup_ : 1.0;
    const std::int64_t epoch = steps_per_epoch > 0 ? step / steps_per_epoch : 0;
    return warm * shape(step, epoch, std::max<std::int64_t>(total_steps, 1));
  }
  json config() const final {
    json spec = parameters();
    spec["warmup_steps"] = warmup_;
    return spec;
  }

 protected:
  virtual double shape(std::int64_t step, std::int64_t epoch, std::int64_t total) const = 0;
  virtual json parameters() const = 0;

 private:
  std::int64_t warmup_;
};

class Constant final : public ScheduleBase {
 public:
  using ScheduleBase::ScheduleBase;
  double shape(std::int64_t, std::int64_t, std::int64_t) const override { return 1.0; }
  json parameters() const override { return {{"type", "constant"}}; }
};

class StepDecay final : public ScheduleBase {
 public:
  explicit StepDecay(SpecReader& s)
      : ScheduleBase(s),
        step_size_(s.integer("step_size", 1, 1)),
        gamma_(s.number_in("gamma", 0.1, 0.0, 1.0, true)) {}
  double shape(std::int64_t, std::int64_t epoch, std::int64_t) const override {
    return std::pow(gamma_, static_cast<double>(epoch / step_size_));
  }
  json parameters() const override {
    return {{"type", "step"}, {"step_size", step_size_}, {"gamma", gamma_}};
  }

 private:
  std::int64_t step_size_;
  double gamma_;
};

class Exponential final : public ScheduleBase {
 public:
  explicit Exponential(SpecReader& s)
      : ScheduleBase(s), gamma_(s.number_in("gamma", 0.9, 0.0, 1.0, true)) {}
  double shape(std::int64_t, std::int64_t epoch, std::int64_t) const override {
    return std::pow(gamma_, static_cast<double>(epoch));
  }
  json parameters() const override { return {{"type", "exponential"}, {"gamma", gamma_}}; }

 private:
  double gamma_;
};

class Cosine final : public ScheduleBase {
 public:
  explicit Cosine(SpecReader& s)
      : ScheduleBase(s), min_factor_(s.number_in("min_factor", 0.0, 0.0, 1.0)) {}
  double shape(std::int64_t step, std::int64_t, std::int64_t total) const override {
    const double t = std::min<double>(static_cast<double>(step), static_cast<double>(total));
    return min_factor_ + (1.0 - min_factor_) * 0.5 * (1.0 + std::cos(std::numbers::pi * t / total));
  }
  json parameters() const override { return {{"type", "cosine"}, {"min_factor", min_factor_}}; }

 private:
  double min_factor_;
};

template <class T>
ScheduleFactory make() {
  return [](SpecReader& s) -> std::unique_ptr<Schedule> { return std::make_unique<T>(s); };
}

}  // namespace

void add_builtin_schedules(Registries& r) {
  r.schedules.add("constant", "the base learning rate", "warmup_steps=0", make<Constant>());
  r.schedules.add("step", "times gamma every step_size epochs (StepLR)",
                  "step_size=1, gamma=0.1, warmup_steps=0", make<StepDecay>());
  r.schedules.add("exponential", "times gamma every epoch (ExponentialLR)",
                  "gamma=0.9, warmup_steps=0", make<Exponential>());
  r.schedules.add("cosine", "cosine from 1 to min_factor over the run (CosineAnnealingLR)",
                  "min_factor=0, warmup_steps=0", make<Cosine>());
}

std::unique_ptr<Schedule> make_schedule(const json& spec, const std::string& path) {
  return build(registry().schedules, spec, path);
}

}  // namespace nnfit
