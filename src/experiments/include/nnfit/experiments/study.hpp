// A whole comparison, stage by stage: tuning, evaluation, and the fixed-value evaluation.
#pragma once

#include <optional>
#include <vector>

#include "nnfit/experiments/runner.hpp"
#include "nnfit/experiments/step_timing.hpp"
#include "nnfit/experiments/tune_arms.hpp"

namespace nnfit {

// Everything a comparison runs, stage by stage: the tuning (experiment.tune), the evaluation
// seeds at each arm's tuned value, and with "tune": {"fixed": v} the evaluation seeds again
// with every arm at v (under <output>/fixed/), a sensitivity analysis of the verdicts.
struct Study {
  Experiment experiment;  // each arm at its tuned value
  std::vector<ArmTuning> tunings;
  std::vector<RunRecord> records;
  std::optional<Experiment> fixed;  // every arm at the fixed value
  std::vector<RunRecord> fixed_records;
  std::optional<StepTiming> timing;  // each arm's cost per step (step_timing.hpp)
};
// Stops between runs when options.interrupted() says so (the study is then incomplete).
Study run_study(const Experiment& experiment, const CompareOptions& options);
// summarize(), with the tuning and the fixed-value evaluation's statistics when the study has
// them.
Summary summarize_study(const Study& study);

}  // namespace nnfit
