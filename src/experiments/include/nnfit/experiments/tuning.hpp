// Per-arm tuning: each arm of an experiment at its own best value of a config key (the
// learning rate by default), chosen on the validation split of separate tuning seeds, never
// on test metrics and never on the evaluation seeds.
//
//   "tune": {"key": "optimizer.lr", "log_range": [1e-4, 1], "points": 9,
//            "select": {"metric": "val_loss", "at": "best"}, "seeds": 2,
//            "method": "successive_halving", "eta": 3, "extend": true, "fixed": 0.01}
//
// Successive halving (Jamieson and Talwalkar 2016): every point trains for a short budget,
// the best 1/eta go on with eta times the budget, until one remains at the full budget; with
// 9 points and eta 3 the cost is about 3 full runs per arm and tuning seed, not 9. "grid"
// trains every point at the full budget.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nnfit/spec.hpp"
#include "nnfit/trainer.hpp"

namespace nnfit {

struct TuneSpec {
  std::string key = "optimizer.lr";  // a --set path
  std::vector<double> values;        // the points, ascending (log_range or "values")
  std::string metric = "val_loss";   // a validation metric
  bool at_best = true;               // the metric's best epoch (true) or its last
  int seeds = 2;                     // tuning seeds, numbered from kFirstTuningSeed
  bool successive_halving = true;
  int eta = 3;
  // "extend": when an arm's best value is the lowest or highest of the space, try the next
  // point beyond it (one grid step, at the full budget) and go on while it wins, at most this
  // many points per arm ("extend": true is kDefaultExtensions).
  int extend = 0;
  // "fixed": also run the evaluation seeds with every arm at this one value, and report the
  // verdicts at the tuned and at the fixed value side by side (a sensitivity analysis).
  std::optional<double> fixed;
};

inline constexpr int kDefaultExtensions = 3;

// Tuning seeds are 1000001, 1000002, ...: never an evaluation seed of a shipped experiment
// (read_experiment refuses evaluation seeds from this range when tuning).
inline constexpr std::uint64_t kFirstTuningSeed = 1'000'001;

// Reads "tune" (`path` for messages); problems go to `diagnostics`.
TuneSpec read_tune_spec(const json& spec, const std::string& path, Diagnostics& diagnostics);

// One rung of successive halving: which points train, for how many optimiser steps.
struct Rung {
  std::vector<std::size_t> points;  // indices into TuneSpec::values
  std::int64_t steps = 0;
};

// The selection value of a run: the validation metric at its best (or last) epoch; NaN when
// the run has none (diverged before an epoch ended). Reads the validation metrics only.
double selection_value(const std::vector<EpochRecord>& epochs, const TuneSpec& tune);

// Successive halving (or the grid) over `tune.values` with a full budget of `steps` optimiser
// steps, one rung at a time, so that many arms can run their rungs together. Rung k of R trains
// for floor(steps / eta^(R-1-k)) steps: budget / eta^2, budget / eta, budget for three rungs.
// Budgets are in steps, not whole epochs, so that a 3-epoch run does not get rungs of 1, 1 and
// 3 epochs; and there are never more rungs than the budget allows distinct (at least one step
// in the first), so no rung repeats the one before it.
//
//   Halving h(tune, steps);
//   while (!h.done()) { Rung r = h.rung(); h.report(values_of(r)); }   // lower is better
//   h.chosen();
class Halving {
 public:
  Halving(const TuneSpec& tune, std::int64_t steps);
  bool done() const { return next_ >= rungs_; }
  // The points of the current rung and their budget.
  Rung rung() const;
  // Each point's selection value, in rung().points order (NaN: diverged, ranked last).
  void report(const std::vector<double>& values);
  // The chosen index into TuneSpec::values (after done()).
  std::size_t chosen() const { return alive_.front(); }
  // Every rung as run, with its values.
  const std::vector<Rung>& history() const { return history_; }
  const std::vector<std::vector<double>>& values() const { return values_; }

 private:
  int eta_, rungs_ = 1, next_ = 0;
  std::int64_t steps_;
  std::vector<std::size_t> alive_;
  std::vector<Rung> history_;
  std::vector<std::vector<double>> values_;
};

}  // namespace nnfit
