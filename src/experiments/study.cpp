// Every stage of a comparison, in order (nnfit/experiments/study.hpp, run_study()).
#include "nnfit/experiments/study.hpp"

#include <filesystem>

#include "nnfit/experiments/summary.hpp"

namespace nnfit {

namespace {

// The experiment with every arm at the fixed value of the tuned key, and no tuning.
Experiment fixed_experiment(const Experiment& untuned) {
  Experiment fixed = untuned;
  const std::string& key = untuned.tune->key;
  const double value = *untuned.tune->fixed;
  fixed.tune.reset();
  for (auto& arm : fixed.arms) {
    apply_override(arm.config, key + "=" + json(value).dump());
    arm.description += ", " + key + " " + format_number(value) + " (fixed)";
  }
  return fixed;
}

}  // namespace

Study run_study(const Experiment& experiment, const CompareOptions& options) {
  Study study;
  study.experiment = experiment;
  if (experiment.tune) {
    study.tunings = tune_arms(study.experiment, options);
    if (options.stopped()) return study;
  }
  study.records = run_experiment(study.experiment, options);
  if (options.stopped()) return study;
  if (!experiment.initialization_only) study.timing = timed_step_costs(study.experiment, options);
  if (!experiment.tune || !experiment.tune->fixed) return study;
  study.fixed = fixed_experiment(experiment);
  CompareOptions o = options;
  o.output = (std::filesystem::path(options.output) / "fixed").string();
  study.fixed_records = run_experiment(*study.fixed, o);
  return study;
}

Summary summarize_study(const Study& study) {
  Summary summary =
      summarize(study.experiment, study.records,
                study.timing ? study.timing->costs : std::map<std::string, StepCost>{});
  if (study.timing) summary.step_timing = study.timing->where;
  if (study.experiment.tune) summary.tuning = tuning_summary(study.experiment, study.tunings);
  if (study.fixed) {
    Summary fixed = summarize(*study.fixed, study.fixed_records);
    summary.fixed = FixedSummary{study.experiment.tune->key, *study.experiment.tune->fixed,
                                 std::move(fixed.arms), std::move(fixed.comparisons)};
  }
  return summary;
}

}  // namespace nnfit
