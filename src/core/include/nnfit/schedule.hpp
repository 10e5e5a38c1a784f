// Learning-rate schedules: the factor that multiplies the optimiser's base learning rate.
//
//   constant                      1
//   step         step_size, gamma gamma^floor(epoch / step_size)        (PyTorch StepLR)
//   exponential  gamma            gamma^epoch                           (ExponentialLR)
//   cosine       min_factor       min + (1 - min)(1 + cos(pi t / T))/2, t and T in steps
//                                 (CosineAnnealingLR with T_max = the run's steps)
// Every schedule also takes `warmup_steps` (default 0): a linear warm-up from 1/N to 1 over
// the first N steps, multiplied into the factor. Step and exponential count whole epochs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "nnfit/recipe.hpp"
#include "nnfit/spec.hpp"

namespace nnfit {

class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual json config() const = 0;
  // Factor for optimiser step `step` (0-based) of a run of `total_steps` steps.
  virtual double factor(std::int64_t step, std::int64_t steps_per_epoch,
                        std::int64_t total_steps) const = 0;
};

std::unique_ptr<Schedule> make_schedule(const json& spec, const std::string& path = "schedule");

using ScheduleRecipe = Recipe<std::unique_ptr<Schedule>()>;

struct ConstantLrOptions {
  std::int64_t warmup_steps = 0;
};
struct StepLrOptions {
  std::int64_t step_size = 1;  // epochs
  double gamma = 0.1;
  std::int64_t warmup_steps = 0;
};
struct ExponentialLrOptions {
  double gamma = 0.9;
  std::int64_t warmup_steps = 0;
};
struct CosineLrOptions {
  double min_factor = 0.0;
  std::int64_t warmup_steps = 0;
};

ScheduleRecipe constant_lr(const ConstantLrOptions& options = {});
ScheduleRecipe step_lr(const StepLrOptions& options = {});
ScheduleRecipe exponential_lr(const ExponentialLrOptions& options = {});
ScheduleRecipe cosine_lr(const CosineLrOptions& options = {});

}  // namespace nnfit
