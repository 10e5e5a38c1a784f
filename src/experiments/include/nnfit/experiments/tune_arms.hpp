// Tuning every arm of an experiment by successive halving (docs/EXPERIMENTS.md, "Tuning").
#pragma once

#include <string>
#include <vector>

#include "nnfit/experiments/runner.hpp"
#include "nnfit/experiments/summary.hpp"

namespace nnfit {

// The tuning of every arm (experiment.tune must be set): each rung of successive halving runs
// as a comparison of its own under <output>/tuning/rung-<k>/ (on the tuning seeds; resumed
// and reused like any comparison), then "extend" points under tuning/extend-<k>/, and each
// arm's config then carries its chosen value.
struct ArmTuning {
  std::string arm;
  std::vector<double> values;  // the space, with the points "extend" added (ascending)
  double chosen = 0;
  bool on_edge = false;                        // the lowest or highest value of the space: widen it
  std::vector<Rung> rungs;                     // indices into TuneSpec::values (the grid)
  std::vector<std::vector<double>> selection;  // per rung, each point's selection value
  std::vector<std::vector<int>> diverged;      // per rung, each point's diverged tuning runs
  // "extend": the points tried beyond the edge (at the full budget), their selection value and
  // their diverged tuning runs.
  struct Extension {
    double value = 0, selection = 0;
    int diverged = 0;
  };
  std::vector<Extension> extended;
  // Values a divergence kept from winning a rung: the mean of their finished tuning runs was
  // below the rung's best selection value, but some tuning run diverged (the report says so).
  struct Removed {
    double value = 0, finished_mean = 0;
    int diverged = 0, rung = 0;
  };
  std::vector<Removed> removed;
};
std::vector<ArmTuning> tune_arms(Experiment& experiment, const CompareOptions& options);
// The summary's tuning section.
TuningSummary tuning_summary(const Experiment& experiment, const std::vector<ArmTuning>& tunings);

}  // namespace nnfit
