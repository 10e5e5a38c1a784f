// Learning-rate schedules (formulas in nnfit/schedule.hpp).
#include "nnfit/schedule.hpp"

#include <climits>
#include <cmath>
#include <numbers>

#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

// The shared part: the linear warm-up every schedule takes.
class ScheduleBase : public Schedule {
 public:
  explicit ScheduleBase(std::int64_t warmup_steps) : warmup_(warmup_steps) {}
  double factor(std::int64_t step, std::int64_t steps_per_epoch,
                std::int64_t total_steps) const final {
    const double warm = step < warmup_ ? static_cast<double>(step + 1) / warmup_ : 1.0;
    const std::int64_t epoch = steps_per_epoch > 0 ? step / steps_per_epoch : 0;
    return warm * shape(step, epoch, std::max<std::int64_t>(total_steps, 1));
  }

 protected:
  virtual double shape(std::int64_t step, std::int64_t epoch, std::int64_t total) const = 0;

 private:
  std::int64_t warmup_;
};

template <class Options>
Schema<Options> with_warmup(Schema<Options> schema) {
  return schema.integer("warmup_steps", &Options::warmup_steps,
                        "a linear ramp from 1/N to 1 over the first N steps, multiplied in", 0,
                        LLONG_MAX);
}

// Each schedule: its options, its schema and its shape, side by side.
template <class Options, class Self>
class Scheduled : public ScheduleBase {
 public:
  explicit Scheduled(const Options& o) : ScheduleBase(o.warmup_steps), o_(o) {}
  json config() const final {
    json spec = Self::schema().write(o_);
    spec["type"] = Self::kName;
    return spec;
  }

 protected:
  Options o_;
};

class Constant final : public Scheduled<ConstantLrOptions, Constant> {
 public:
  static constexpr const char* kName = "constant";
  using Scheduled::Scheduled;
  static const Schema<ConstantLrOptions>& schema() {
    static const auto s = with_warmup(Schema<ConstantLrOptions>());
    return s;
  }
  double shape(std::int64_t, std::int64_t, std::int64_t) const override { return 1.0; }
};

class StepDecay final : public Scheduled<StepLrOptions, StepDecay> {
 public:
  static constexpr const char* kName = "step";
  using Scheduled::Scheduled;
  static const Schema<StepLrOptions>& schema() {
    static const auto s = with_warmup(
        Schema<StepLrOptions>()
            .integer("step_size", &StepLrOptions::step_size, "epochs between decays", 1, LLONG_MAX)
            .number("gamma", &StepLrOptions::gamma, "the factor of each decay",
                    {0.0, 1.0, true, false}));
    return s;
  }
  double shape(std::int64_t, std::int64_t epoch, std::int64_t) const override {
    return std::pow(o_.gamma, static_cast<double>(epoch / o_.step_size));
  }
};

class Exponential final : public Scheduled<ExponentialLrOptions, Exponential> {
 public:
  static constexpr const char* kName = "exponential";
  using Scheduled::Scheduled;
  static const Schema<ExponentialLrOptions>& schema() {
    static const auto s = with_warmup(Schema<ExponentialLrOptions>().number(
        "gamma", &ExponentialLrOptions::gamma, "the factor per epoch", {0.0, 1.0, true, false}));
    return s;
  }
  double shape(std::int64_t, std::int64_t epoch, std::int64_t) const override {
    return std::pow(o_.gamma, static_cast<double>(epoch));
  }
};

class Cosine final : public Scheduled<CosineLrOptions, Cosine> {
 public:
  static constexpr const char* kName = "cosine";
  using Scheduled::Scheduled;
  static const Schema<CosineLrOptions>& schema() {
    static const auto s = with_warmup(
        Schema<CosineLrOptions>().number("min_factor", &CosineLrOptions::min_factor,
                                         "the factor at the end of the run", {0.0, 1.0}));
    return s;
  }
  double shape(std::int64_t step, std::int64_t, std::int64_t total) const override {
    const double t = std::min<double>(static_cast<double>(step), static_cast<double>(total));
    return o_.min_factor +
           (1.0 - o_.min_factor) * 0.5 * (1.0 + std::cos(std::numbers::pi * t / total));
  }
};

template <class T>
std::unique_ptr<Schedule> build_schedule(const decltype(T::schema().defaults())& options) {
  return std::make_unique<T>(options);
}

template <class T>
ScheduleRecipe typed(const decltype(T::schema().defaults())& options) {
  return ScheduleRegistry::recipe(T::kName, T::schema(), options, build_schedule<T>);
}

}  // namespace

void add_builtin_schedules(Registries& r) {
  r.schedules.add("constant", "the base learning rate", Constant::schema(),
                  build_schedule<Constant>);
  r.schedules.add("step", "times gamma every step_size epochs (StepLR)", StepDecay::schema(),
                  build_schedule<StepDecay>);
  r.schedules.add("exponential", "times gamma every epoch (ExponentialLR)", Exponential::schema(),
                  build_schedule<Exponential>);
  r.schedules.add("cosine", "cosine from 1 to min_factor over the run (CosineAnnealingLR)",
                  Cosine::schema(), build_schedule<Cosine>);
}

std::unique_ptr<Schedule> make_schedule(const json& spec, const std::string& path) {
  return build(registry().schedules, spec, path);
}

ScheduleRecipe constant_lr(const ConstantLrOptions& options) {
  return typed<Constant>(options);
}
ScheduleRecipe step_lr(const StepLrOptions& options) {
  return typed<StepDecay>(options);
}
ScheduleRecipe exponential_lr(const ExponentialLrOptions& options) {
  return typed<Exponential>(options);
}
ScheduleRecipe cosine_lr(const CosineLrOptions& options) {
  return typed<Cosine>(options);
}

}  // namespace nnfit
