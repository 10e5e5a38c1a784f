// The timing stage of a comparison: each arm's cost per optimiser step measured in isolation,
// so that a speedup in steps can be said in seconds (docs/EXPERIMENTS.md, "Cost per step").
// The runs' own wall times are measured two or more runs at a time on a shared machine and
// include evaluations: noise for this purpose.
#pragma once

#include <map>
#include <string>

#include "nnfit/experiments/runner.hpp"
#include "nnfit/experiments/summary.hpp"

namespace nnfit {

struct StepTimingOptions {
  std::int64_t warmup_steps = 50;  // per arm, before any timing
  std::int64_t steps = 200;        // timed per repeat
  int repeats = 7;                 // rounds of every arm in turn
};

struct StepTiming {
  std::map<std::string, StepCost> costs;  // by arm
  std::string where;                      // the machine (and host) it ran on
};

// Each arm's network (its config at the first seed, its data loaded once) trained on one
// thread with its own optimiser and batches: a warm-up, then `repeats` rounds in which the
// arms take turns (ABAB...), each timing `steps` steps with a monotonic clock; per arm the
// median, lowest and highest microseconds per step over the rounds. Nothing else may run.
StepTiming time_steps(const Experiment& experiment, const StepTimingOptions& options = {});

// time_steps() once per comparison folder: kept in <output>/step_timing.json and reused while
// the arms' configs and the options are the same (options.force redoes it).
StepTiming timed_step_costs(const Experiment& experiment, const CompareOptions& options,
                            const StepTimingOptions& timing = {});

}  // namespace nnfit
