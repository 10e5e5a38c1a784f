// The statistics of a comparison as types: what summary.json holds (docs/EXPERIMENTS.md). The
// experiments layer builds a Summary (summarize()); the report layer reads one; JSON is only
// its file form (to_json / from_json, summary_json.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nnfit/experiments/runner.hpp"
#include "nnfit/experiments/speedup.hpp"
#include "nnfit/experiments/statistics.hpp"

namespace nnfit {

// Per-layer statistics of the hidden layers' activations on the probe batch, over seeds.
struct LayerStatistics {
  int depth = 0;
  Estimate post_mean, post_var, pre_var, dead;
};

// Time to the target of one arm as survival data (Kaplan-Meier, restricted mean to tau).
struct TargetSummary {
  int runs = 0, reached = 0;
  double tau = 0, restricted_mean = 0, restricted_mean_se = 0;
  std::array<double, 2> restricted_mean_ci{};
  std::vector<std::array<double, 2>> kaplan_meier;  // (time, survival just after it)
};

// What a suite ranks an arm by: the mean over every run that trained, a diverged run scored
// as a failure (summary.cpp, rank_values).
struct RankScore {
  double mean = 0;
  std::size_t n = 0;
  int diverged = 0;
  double sd = 0;      // over the runs (n - 1); 0 when n < 2
  double chance = 0;  // 1 / classes: a constant prediction's balanced accuracy; 0: unknown
};

// An arm's cost per optimiser step, timed in isolation after the runs (step_timing.hpp).
struct StepCost {
  double median_us = 0, low_us = 0, high_us = 0;  // over the repeats
  int repeats = 0;
  std::int64_t steps = 0;  // timed steps per repeat, after the warm-up
};

struct ArmSummary {
  std::string name, description;
  int runs = 0, finished = 0, diverged = 0, failed = 0;
  // Runs with a hidden layer whose every unit is dead at initialisation ("born dead").
  int dead_layer_at_init = 0;
  std::optional<TargetSummary> target;       // when the experiment has a target
  std::map<std::string, Estimate> measures;  // each continuous measure over seeds, clipped
  std::map<std::string, RankScore> rank_scores;
  std::vector<LayerStatistics> layers_at_init, layers_final;
  std::optional<StepCost> step_cost;
};

// A time difference that a censored run makes a bound.
enum class Bound { none, at_least, at_most };

// The parts of a comparison by kind of measure (Comparison below). At namespace scope, not
// nested: a nested struct with default member initialisers is not default-constructible
// until the enclosing class is complete, which std::optional checks (clang refuses).

// A continuous measure: the differences' sd, the paired t-interval and the smallest
// difference these seeds would likely detect (n >= 2).
struct ContinuousComparison {
  double sd = 0;
  std::array<double, 2> t_interval{};
  std::optional<double> detectable;
};

// Time to the target: the decided pairs, the sign test's median difference and interval
// (bounds where a run was censored), the restricted means' difference and the log-rank p.
struct TimeComparison {
  int faster = 0, slower = 0, undetermined = 0, reached = 0, baseline_reached = 0;
  Bound difference_bound = Bound::none;
  std::optional<std::array<double, 2>> interval;
  std::array<Bound, 2> interval_bounds{};
  double interval_coverage = 0;
  bool identical = false;
  double restricted_mean_difference = 0, log_rank_p = 1;
};

// The level-matched speedup (speedup.hpp; measure "speedup", or "seconds_speedup": the same
// ratios times the arms' cost ratio).
struct SpeedupComparison {
  std::optional<std::array<double, 2>> interval;  // inverted sign-flip test
  std::vector<double> per_seed;                   // each seed's speedup
  int pairs = 0;  // seeds both arms finished: per_seed leaves out those with no common level
  double arm_coverage = 0, baseline_coverage = 0;  // median share of each range profiled
  std::optional<double> detectable;  // the smallest factor these seeds would likely detect
  std::optional<double> cost_ratio;  // seconds: the arm's cost per step over the baseline's
  std::vector<ProfilePoint> profile;
};

// One arm against the baseline on one measure, paired seed by seed. For a speedup,
// `difference` is the geometric mean of the seeds' speedups and `relative` that minus 1.
struct Comparison {
  using Continuous = ContinuousComparison;
  using Times = TimeComparison;
  using Speedup = SpeedupComparison;
  std::string arm, baseline, measure;
  int n = 0;
  double difference = 0;           // the mean (continuous) or median (time) paired difference
  std::optional<double> relative;  // difference over the baseline's level
  double p = 1, p_adjusted = 1;    // p_adjusted: Holm within the comparison's family
  bool lower_is_better = true;
  bool headline = false;  // a primary measure: its verdict is a verdict word
  std::string verdict;
  std::optional<Continuous> continuous;
  std::optional<Times> times;
  std::optional<Speedup> speedup;
};

// The tuning of every arm (tune_arms.hpp), as the report shows it.
struct TuningPoint {
  double value = 0;
  std::optional<double> selection;  // absent: every tuning run at it diverged
  int diverged = 0;
};
struct TuningRung {
  std::int64_t steps = 0;
  std::vector<TuningPoint> points;
};
struct RemovedByDivergence {
  double value = 0, finished_mean = 0;
  int rung = 0, diverged = 0;
};
struct ArmTuningSummary {
  std::string arm;
  double chosen = 0;
  bool on_edge = false;
  std::vector<TuningRung> rungs;
  std::vector<TuningPoint> extended;
  std::vector<RemovedByDivergence> removed_by_divergence;
};
struct TuningSummary {
  std::string key, metric, at, method;  // at: "best" or "final"; method: "successive_halving"
  std::vector<double> values;
  int eta = 0, extend = 0;
  std::vector<std::uint64_t> seeds;
  std::vector<ArmTuningSummary> arms;
};

// "tune": {"fixed": v}: the evaluation seeds again with every arm at v.
struct FixedSummary {
  std::string key;
  double value = 0;
  std::vector<ArmSummary> arms;
  std::vector<Comparison> comparisons;
};

// What summary.json records of the invocation beside the statistics (the report adds it).
struct Provenance {
  std::string command, machine, nnfit_version, compiler_flags, matrix_products, date;
};

struct Summary {
  std::string experiment, claim, source, baseline;
  std::vector<std::uint64_t> seeds;
  std::optional<StopAt> target;              // metric and value
  std::optional<std::string> speed_measure;  // absent for initialisation-only experiments
  bool initialization_only = false;
  int log_every_steps = 0, eval_every_steps = 0;
  // The curve the speedup compares: "val_loss_steps" (every eval_every_steps),
  // "train_loss_windows" (log_every_steps), "val_loss_epochs" or "train_loss_epochs".
  std::string speedup_curve;
  std::string step_timing;  // where the costs per step were timed ("" when they were not)
  double alpha = 0;
  std::vector<std::string> primary;
  std::vector<ArmSummary> arms;
  std::vector<Comparison> comparisons;
  std::optional<TuningSummary> tuning;
  std::optional<FixedSummary> fixed;
  std::optional<Provenance> provenance;

  const ArmSummary* arm(const std::string& name) const;
};

// The statistics of a comparison, as docs/EXPERIMENTS.md defines them: per arm, each
// continuous measure's mean, sd and 95% interval over seeds, and time to the target as
// survival data (Kaplan-Meier, restricted mean); per arm against the baseline, paired effects
// with exact permutation (or sign-test) p-values, Holm-adjusted across arms, and verdicts from
// the adjusted p. Continuous measures, per run:
//   final_{train,val,test}_{loss,accuracy}   at the last epoch
//   best_{train,val}_loss, best_val_accuracy over epochs
//   test_accuracy_at_best_val                at the epoch with the lowest validation loss
//   val_loss_auc, loss_auc                   mean validation (training) loss over the epochs
//   val_loss_at_25pct, val_loss_at_50pct     validation loss after a quarter (half) the steps
//   wall_time, dead_final
// The primary measure, unless the experiment declares its own, is the level-matched speedup
// (speedup.hpp) when the runs have loss curves, else val_loss_auc, else loss_auc.
// With `step_costs` (arm -> cost per step), each speedup in seconds as well.
Summary summarize(const Experiment& experiment, const std::vector<RunRecord>& records,
                  const std::map<std::string, StepCost>& step_costs = {});

// summary.json's form (summary_json.cpp); from_json reads what to_json writes (and refuses
// what is not a summary with a json exception).
void to_json(json& j, const Summary& s);
void from_json(const json& j, Summary& s);
void to_json(json& j, const Provenance& p);
void from_json(const json& j, Provenance& p);
void to_json(json& j, const StepCost& c);  // also step_timing.json's form
void from_json(const json& j, StepCost& c);

}  // namespace nnfit
