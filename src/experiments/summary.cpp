// The statistics of a comparison (nnfit/experiments/summary.hpp, summarize()).
#include "nnfit/experiments/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "nnfit/experiments/statistics.hpp"
#include "nnfit/experiments/survival.hpp"
#include "speedup_comparison.hpp"

namespace nnfit {

namespace {

using Measures = std::map<std::string, double>;

bool lower_wins(const std::string& measure) {
  return measure.find("loss") != std::string::npos ||
         measure.find("to_target") != std::string::npos || measure == "wall_time" ||
         measure.find("dead") != std::string::npos || measure.find("rmse") != std::string::npos;
}

// The range a measure's values live in: intervals are clipped to it. Measures not listed
// (activation means) are unbounded.
std::pair<double, double> range_of(const std::string& measure) {
  const double inf = std::numeric_limits<double>::infinity();
  const auto has = [&](const char* part) { return measure.find(part) != std::string::npos; };
  if (has("accuracy") || has("dead")) return {0.0, 1.0};
  if (has("r2")) return {-inf, 1.0};
  if (has("loss") || has("rmse") || has("var") || has("time") || has("seconds")) return {0.0, inf};
  return {-inf, inf};
}

// The step at which a curve of checked values first reaches `target` (at or below it): the
// crossing lies between the last check that missed and the first that met it, linearly
// interpolated between their values (the first check: from step 0 at that check's value).
std::optional<double> interpolated_crossing(
    const std::vector<std::pair<std::int64_t, double>>& curve, double target) {
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const auto [step, value] = curve[i];
    if (!(value <= target)) continue;
    if (i == 0) return static_cast<double>(step);
    const auto [before, previous] = curve[i - 1];
    const double share = previous > value ? (previous - target) / (previous - value) : 1.0;
    return static_cast<double>(before) + share * static_cast<double>(step - before);
  }
  return std::nullopt;
}

// Time to the target as survival data: reached at that step, or censored at the budget.
// Diverged runs count as never reaching it after they diverged (censored at the budget too:
// we only know they did not reach it within it). A target is met between two checks, not at
// the later one: a training or validation loss target is interpolated between the checked
// values the record holds; any other (accuracy, whose step checks the record does not keep)
// is placed at the midpoint between the check that met it and the one before.
std::optional<SurvivalTime> target_time(const RunRecord& r) {
  const bool usable = r.status == "finished" || r.status == "diverged";
  if (!r.config["train"].contains("stop_at") || !usable) return std::nullopt;
  const int budget = r.config["train"].value("epochs", 0);
  const double censored_at = static_cast<double>(budget) * static_cast<double>(r.steps_per_epoch);
  const json& stop = r.config["train"]["stop_at"];
  const double value = stop["value"].get<double>();
  const auto& curve = stop["metric"] == "train_loss" ? r.step_losses : r.step_val_losses;
  if (!curve.empty() && (stop["metric"] == "train_loss" || stop["metric"] == "val_loss")) {
    if (const auto t = interpolated_crossing(curve, value)) return SurvivalTime{*t, true};
    if (stop["metric"] == "train_loss" || !r.target_reached)
      return SurvivalTime{censored_at, false};
  }
  if (!r.target_reached) return SurvivalTime{censored_at, false};
  // Checks happen every eval_every_steps and at every epoch's end: the one before is the later
  // of the two kinds' last checks before this step.
  const std::int64_t step = r.target_reached->second;
  const std::int64_t every = r.config["train"].value("eval_every_steps", std::int64_t{0});
  const auto last_before = [&](std::int64_t period) {
    return period > 0 && step > 0 ? (step - 1) / period * period : std::int64_t{0};
  };
  const std::int64_t previous = std::max(last_before(every), last_before(r.steps_per_epoch));
  return SurvivalTime{static_cast<double>(previous + step) / 2, true};
}

// The validation loss at fixed fractions of the step budget (25% and 50%): the last
// evaluation at or before that step (every eval_every_steps when the run has them, else at
// epoch ends). Where the curves are at a fixed cost, unlike the area, which the start-up and
// the end both weigh on.
void add_budget_losses(const RunRecord& r, Measures& m) {
  std::vector<std::pair<std::int64_t, double>> points = r.step_val_losses;
  if (points.empty())
    for (const auto& e : r.epochs)
      if (const auto v = e.metric("val_loss")) points.push_back({e.step, *v});
  const double budget =
      r.config["train"].value("epochs", 0) * static_cast<double>(r.steps_per_epoch);
  for (const int percent : {25, 50}) {
    std::optional<double> loss;
    for (const auto& [step, value] : points)
      if (static_cast<double>(step) * 100.0 <= budget * percent) loss = value;
    if (loss) m["val_loss_at_" + std::to_string(percent) + "pct"] = *loss;
  }
}

// The continuous measures of one run (see summary.hpp).
Measures measures_of(const RunRecord& r) {
  Measures m;
  const bool finished = r.status == "finished";
  if (!r.diagnostics.empty()) {
    const auto& last = r.diagnostics.back();
    double dead = 0;
    for (const auto& a : last.activations) dead += a.dead;
    if (!last.activations.empty() && (finished || r.status == "initialized"))
      m["dead_final"] = dead / static_cast<double>(last.activations.size());
  }
  if (!finished || r.epochs.empty()) return m;
  const EpochRecord& last = r.epochs.back();
  for (const char* key :
       {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy",
        "val_balanced_accuracy", "test_balanced_accuracy", "val_rmse", "test_rmse"})
    if (const auto v = last.metric(key)) m[std::string("final_") + key] = *v;
  double train_auc = 0, val_auc = 0;
  std::size_t best_val = 0;
  for (std::size_t i = 0; i < r.epochs.size(); ++i) {
    const EpochRecord& e = r.epochs[i];
    train_auc += e.train.loss;
    if (const auto v = e.metric("val_loss")) {
      val_auc += *v;
      if (*v < *r.epochs[best_val].metric("val_loss")) best_val = i;
    }
    for (const char* key : {"train_loss", "val_loss"})
      if (const auto v = e.metric(key)) {
        const std::string name = std::string("best_") + key;
        m[name] = m.count(name) ? std::min(m[name], *v) : *v;
      }
    if (const auto v = e.metric("val_accuracy"))
      m["best_val_accuracy"] =
          m.count("best_val_accuracy") ? std::max(m["best_val_accuracy"], *v) : *v;
  }
  const double epochs = static_cast<double>(r.epochs.size());
  m["loss_auc"] = train_auc / epochs;
  if (last.validation.samples > 0) {
    // At step resolution when the run evaluated every N steps: the mean over those points.
    if (!r.step_val_losses.empty()) {
      val_auc = 0;
      for (const auto& [step, loss] : r.step_val_losses) val_auc += loss;
      m["val_loss_auc"] = val_auc / static_cast<double>(r.step_val_losses.size());
      m["step_evaluation_seconds"] = r.step_evaluation_seconds;
    } else {
      m["val_loss_auc"] = val_auc / epochs;
    }
    add_budget_losses(r, m);
    // The test accuracy of the epoch chosen on validation (the lowest validation loss).
    if (const auto v = r.epochs[best_val].metric("test_accuracy"))
      m["test_accuracy_at_best_val"] = *v;
    if (const auto v = r.epochs[best_val].metric("test_balanced_accuracy"))
      m["test_balanced_accuracy_at_best_val"] = *v;
  }
  m["wall_time"] = r.wall_time;
  return m;
}

// The measures a suite may rank by, for every run that trained (finished or diverged): a
// diverged run counts as a failure, not as missing, so that an arm that diverges in some
// seeds is not scored on its survivors alone. It scores what it reached before it diverged
// (the accuracy of its epoch with the lowest validation loss, or its last epoch's), and chance
// (1 / classes) when it finished no epoch.
Measures rank_values(const RunRecord& r) {
  Measures m;
  if (r.status != "finished" && r.status != "diverged") return m;
  const json& layers = r.config["model"]["layers"];
  const double chance = layers.is_array() && !layers.empty() && layers.back().contains("units")
                            ? 1.0 / std::max(1, layers.back()["units"].get<int>())
                            : std::nan("");
  if (r.epochs.empty()) {
    for (const char* k : {"test_accuracy_at_best_val", "test_balanced_accuracy_at_best_val",
                          "final_test_accuracy", "best_val_accuracy", "final_val_accuracy"})
      if (std::isfinite(chance)) m[k] = chance;
    return m;
  }
  std::size_t best = 0;
  for (std::size_t i = 0; i < r.epochs.size(); ++i) {
    const auto v = r.epochs[i].metric("val_loss");
    if (v && std::isfinite(*v) && *v < r.epochs[best].metric("val_loss").value_or(INFINITY))
      best = i;
    if (const auto a = r.epochs[i].metric("val_accuracy"))
      m["best_val_accuracy"] =
          std::max(m.count("best_val_accuracy") ? m["best_val_accuracy"] : 0.0, *a);
  }
  if (const auto v = r.epochs[best].metric("test_accuracy")) m["test_accuracy_at_best_val"] = *v;
  if (const auto v = r.epochs[best].metric("test_balanced_accuracy"))
    m["test_balanced_accuracy_at_best_val"] = *v;
  if (const auto v = r.epochs.back().metric("test_accuracy")) m["final_test_accuracy"] = *v;
  if (const auto v = r.epochs.back().metric("val_accuracy")) m["final_val_accuracy"] = *v;
  return m;
}

// An estimate with its interval clipped to the measure's range.
Estimate clipped(Estimate e, const std::string& measure = "") {
  const auto [low, high] = range_of(measure);
  e.ci_low = std::clamp(e.ci_low, low, high);
  e.ci_high = std::clamp(e.ci_high, low, high);
  return e;
}

using ByArm = std::map<std::string, std::map<std::uint64_t, Measures>>;

// Per-layer values at initialisation or at the end, over runs: depth -> quantity -> values.
struct LayerValues {
  std::vector<double> post_mean, post_var, pre_var, dead;
};
using Layers = std::map<int, LayerValues>;

void collect_layers(Layers& layers, const DiagnosticsRecord& record) {
  for (const auto& s : record.activations) {
    auto& l = layers[s.depth];
    l.post_mean.push_back(s.post_mean);
    l.post_var.push_back(s.post_var);
    l.pre_var.push_back(s.pre_var);
    l.dead.push_back(s.dead);
  }
}

std::vector<LayerStatistics> layer_statistics(const Layers& layers) {
  std::vector<LayerStatistics> out;
  for (const auto& [depth, v] : layers)
    out.push_back({depth, clipped(estimate(v.post_mean), "post_mean"),
                   clipped(estimate(v.post_var), "post_var"),
                   clipped(estimate(v.pre_var), "pre_var"), clipped(estimate(v.dead), "dead")});
  return out;
}

// Per arm and seed: the time to the target, when the experiment has one.
using TimesByArm = std::map<std::string, std::map<std::uint64_t, SurvivalTime>>;

std::vector<SurvivalTime> times_of(const TimesByArm& times, const std::string& arm) {
  std::vector<SurvivalTime> out;
  if (const auto it = times.find(arm); it != times.end())
    for (const auto& [seed, t] : it->second) out.push_back(t);
  return out;
}

// Kaplan-Meier curve and restricted mean time to the target (in steps) of one arm.
TargetSummary target_summary(const std::vector<SurvivalTime>& times) {
  const KaplanMeier km = kaplan_meier(times);
  TargetSummary t;
  for (const auto& x : times) t.tau = std::max(t.tau, x.time);
  t.runs = km.runs;
  t.reached = km.reached;
  t.restricted_mean = km.restricted_mean(t.tau);
  t.restricted_mean_se = km.restricted_mean_se(t.tau);
  t.restricted_mean_ci = {std::max(0.0, t.restricted_mean - 1.959964 * t.restricted_mean_se),
                          std::min(t.tau, t.restricted_mean + 1.959964 * t.restricted_mean_se)};
  for (std::size_t j = 0; j < km.times.size(); ++j)
    t.kaplan_meier.push_back({km.times[j], km.survival[j]});
  return t;
}

// One arm: run counts, each measure's estimate over seeds, per-layer statistics.
ArmSummary arm_summary(const Experiment& experiment, const Arm& arm,
                       const std::vector<RunRecord>& records, ByArm& by_arm,
                       const TimesByArm& times) {
  ArmSummary a;
  a.name = arm.name;
  a.description = arm.description;
  std::map<std::string, std::vector<double>> values, ranked;
  Layers init_layers, final_layers;
  for (const auto& r : records) {
    if (r.arm != arm.name) continue;
    for (const auto& [k, v] : rank_values(r)) ranked[k].push_back(v);
    ++a.runs;
    a.finished += r.ok();
    a.diverged += r.status == "diverged";
    a.failed += r.status == "failed";
    for (const auto& [k, v] : by_arm[arm.name][r.seed]) values[k].push_back(v);
    if (r.diagnostics.empty()) continue;
    collect_layers(init_layers, r.diagnostics.front());
    bool any_dead_layer = false;
    for (const auto& s : r.diagnostics.front().activations) any_dead_layer |= s.dead >= 1.0;
    a.dead_layer_at_init += any_dead_layer;
    if (r.ok() && r.diagnostics.size() > 1) collect_layers(final_layers, r.diagnostics.back());
  }
  if (experiment.target) a.target = target_summary(times_of(times, arm.name));
  for (const auto& [k, v] : values) a.measures[k] = clipped(estimate(v), k);
  // What a suite ranks by: every run that trained, a diverged one as a failure (rank_values).
  const json& layers = arm.config["model"]["layers"];
  const double chance = layers.is_array() && !layers.empty() && layers.back().contains("units") &&
                                layers.back()["units"].is_number_integer()
                            ? 1.0 / std::max(1, layers.back()["units"].get<int>())
                            : 0;
  for (const auto& [k, v] : ranked) {
    const Estimate e = estimate(v);
    a.rank_scores[k] = {e.mean, v.size(), a.diverged, e.sd, chance};
  }
  a.layers_at_init = layer_statistics(init_layers);
  a.layers_final = layer_statistics(final_layers);
  return a;
}

Comparison comparison_of(const Experiment& experiment, const Arm& arm, const std::string& measure,
                         int n, double difference) {
  Comparison c;
  c.arm = arm.name;
  c.baseline = experiment.baseline;
  c.measure = measure;
  c.n = n;
  c.difference = difference;
  return c;
}

// One continuous measure of one arm against the baseline, paired seed by seed; none without
// pairs. The verdict is set once every comparison's p is known (Holm).
std::optional<Comparison> compare_measure(const Experiment& experiment, const Arm& arm,
                                          const std::string& name, ByArm& by_arm) {
  const auto& base = by_arm[experiment.baseline];
  std::vector<double> a, b;
  for (const auto seed : experiment.seeds) {
    const auto x = by_arm[arm.name].find(seed);
    const auto y = base.find(seed);
    if (x == by_arm[arm.name].end() || y == base.end()) continue;
    if (!x->second.count(name) || !y->second.count(name)) continue;
    a.push_back(x->second.at(name));
    b.push_back(y->second.at(name));
  }
  if (a.empty()) return std::nullopt;
  const PairedDifference d = paired_difference(a, b, 1);
  Comparison c = comparison_of(experiment, arm, name, d.n, d.mean);
  if (std::isfinite(d.relative)) c.relative = d.relative;
  c.p = d.p;
  c.lower_is_better = lower_wins(name);
  c.continuous = Comparison::Continuous{d.sd, {d.t_low, d.t_high}, std::nullopt};
  if (d.n >= 2) c.continuous->detectable = detectable_difference(d.n, d.sd);
  return c;
}

// The baseline's capped times over the decided pairs: their median, what a relative time
// difference is relative to.
double baseline_median_time(const std::vector<SurvivalTime>& a, const std::vector<SurvivalTime>& b,
                            double tau) {
  std::vector<double> times;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].reached || b[i].reached) times.push_back(b[i].reached ? b[i].time : tau);
  return median(std::move(times));
}

Bound bound_of(int b) {
  return b > 0 ? Bound::at_least : b < 0 ? Bound::at_most : Bound::none;
}

// Time to the target of one arm against the baseline: decided pairs and the exact sign test,
// the difference of restricted means and the log-rank test beside it.
std::optional<Comparison> compare_times(const Experiment& experiment, const Arm& arm,
                                        const TimesByArm& times) {
  std::vector<SurvivalTime> a, b;
  const auto& mine =
      times.count(arm.name) ? times.at(arm.name) : std::map<std::uint64_t, SurvivalTime>{};
  const auto& base = times.count(experiment.baseline) ? times.at(experiment.baseline)
                                                      : std::map<std::uint64_t, SurvivalTime>{};
  for (const auto seed : experiment.seeds)
    if (mine.count(seed) && base.count(seed)) {
      a.push_back(mine.at(seed));
      b.push_back(base.at(seed));
    }
  if (a.empty()) return std::nullopt;
  const PairedTimes paired = paired_times(a, b);
  double tau = 0;
  for (const auto& t : a) tau = std::max(tau, t.time);
  for (const auto& t : b) tau = std::max(tau, t.time);
  const KaplanMeier ka = kaplan_meier(a), kb = kaplan_meier(b);
  // The effect and its interval come from the sign test's own analysis (median_difference);
  // the restricted means' difference stays beside it as a description.
  const MedianDifference m = median_difference(a, b, tau);
  const double baseline_median = baseline_median_time(a, b, tau);
  Comparison c =
      comparison_of(experiment, arm, "steps_to_target", static_cast<int>(a.size()), m.estimate);
  if (baseline_median > 0 && m.n > 0) c.relative = m.estimate / baseline_median;
  c.p = paired.p;
  Comparison::Times& t = c.times.emplace();
  t.faster = paired.faster;
  t.slower = paired.slower;
  t.undetermined = paired.undetermined;
  t.reached = ka.reached;
  t.baseline_reached = kb.reached;
  t.difference_bound = bound_of(m.estimate_bound);
  if (m.estimable) t.interval = std::array<double, 2>{m.low, m.high};
  t.interval_bounds = {bound_of(m.low_bound), bound_of(m.high_bound)};
  t.interval_coverage = m.coverage;
  t.identical = m.identical && m.n > 0;
  t.restricted_mean_difference = ka.restricted_mean(tau) - kb.restricted_mean(tau);
  t.log_rank_p = log_rank(a, b).p;
  return c;
}

// A verdict word needs the adjusted p below alpha, also when only one arm reached the target
// (1 of 8 against 0 of 8 is a description, not a finding); the counts are said either way.
std::string time_verdict(const Comparison& c, double adjusted) {
  const Comparison::Times& t = *c.times;
  if (t.reached == 0 && t.baseline_reached == 0) return "neither reached the target";
  const int decided = t.faster + t.slower;
  if (decided < kMinimumPairs || !(adjusted < kAlpha))
    return "not shown at this many seeds (reached: " + std::to_string(t.reached) + "/" +
           std::to_string(c.n) + " against " + std::to_string(t.baseline_reached) + "/" +
           std::to_string(c.n) + ")";
  if (t.baseline_reached == 0) return "only " + c.arm + " reached it";
  if (t.reached == 0) return "only " + c.baseline + " reached it";
  return t.faster > t.slower ? "faster" : "slower";
}

std::string continuous_verdict(const Comparison& c, double adjusted) {
  PairedDifference d;
  d.n = c.n;
  d.mean = c.difference;
  const bool is_speed =
      c.measure.find("auc") != std::string::npos || c.measure.rfind("val_loss_at_", 0) == 0;
  return verdict(d, adjusted, c.lower_is_better, is_speed ? "faster" : "better",
                 is_speed ? "slower" : "worse");
}

// The primary measures' comparisons form one family: Holm across every arm and primary
// measure, and only they get verdict words. Every other measure is exploratory: Holm across
// the arms within the measure, its numbers shown, no verdict (about 16 measures per arm would
// otherwise make some "better" or "worse" by chance).
void adjust_and_judge(std::vector<Comparison>& comparisons,
                      const std::vector<std::string>& primary) {
  const auto is_primary = [&](const Comparison& c) {
    return std::find(primary.begin(), primary.end(), c.measure) != primary.end();
  };
  // A comparison without a pair of values (a speedup whose curves share no level) tests
  // nothing: it is in no family, so it does not raise the others' adjusted p.
  std::map<std::string, std::vector<std::size_t>> families;  // "" for the primary family
  for (std::size_t i = 0; i < comparisons.size(); ++i) {
    Comparison& c = comparisons[i];
    if (c.n > 0) {
      families[is_primary(c) ? "" : c.measure].push_back(i);
      continue;
    }
    c.p_adjusted = std::nan("");
    c.headline = is_primary(c);
    c.verdict = c.speedup ? speedup_parts::speedup_verdict(c, 1.0) : "no pairs";
  }
  for (const auto& [family, indices] : families) {
    std::vector<double> p;
    for (const auto i : indices) p.push_back(comparisons[i].p);
    const std::vector<double> adjusted = holm_adjust(p);
    for (std::size_t k = 0; k < indices.size(); ++k) {
      Comparison& c = comparisons[indices[k]];
      c.p_adjusted = adjusted[k];
      c.headline = family.empty();
      c.verdict = !family.empty() ? "exploratory"
                  : c.times       ? time_verdict(c, adjusted[k])
                  : c.speedup     ? speedup_parts::speedup_verdict(c, adjusted[k])
                                  : continuous_verdict(c, adjusted[k]);
    }
  }
}

// Paired comparisons with the baseline: time to target, and every continuous measure but
// wall time.
std::vector<Comparison> all_comparisons(const Experiment& experiment, ByArm& by_arm,
                                        const TimesByArm& times,
                                        const std::vector<Comparison>& speedups,
                                        const std::vector<std::string>& primary) {
  std::vector<Comparison> comparisons;
  for (const auto& arm : experiment.arms) {
    if (arm.name == experiment.baseline) continue;
    for (const auto& c : speedups)
      if (c.arm == arm.name) comparisons.push_back(c);
    if (experiment.target)
      if (auto c = compare_times(experiment, arm, times)) comparisons.push_back(std::move(*c));
    std::set<std::string> names;
    for (const auto& [seed, m] : by_arm[arm.name])
      for (const auto& [k, v] : m) names.insert(k);
    for (const auto& name : names) {
      if (name == "wall_time" || name == "step_evaluation_seconds") continue;
      if (auto c = compare_measure(experiment, arm, name, by_arm))
        comparisons.push_back(std::move(*c));
    }
  }
  adjust_and_judge(comparisons, primary);
  return comparisons;
}

// The primary speed measure: the level-matched speedup when the runs have curves, else time to
// the target when there is one, else the area under the validation loss curve, else under the
// training loss curve.
std::string speed_measure(const Experiment& experiment, const ByArm& by_arm,
                          const std::vector<Comparison>& speedups) {
  if (!speedups.empty()) return "speedup";
  if (experiment.target) return "steps_to_target";
  for (const auto& [arm, seeds] : by_arm)
    for (const auto& [seed, m] : seeds)
      if (m.count("val_loss_auc")) return "val_loss_auc";
  return "loss_auc";
}

// train.eval_every_steps of the arms (0: validation at epoch ends only).
int eval_every_steps(const Experiment& experiment) {
  int every = 0;
  for (const auto& arm : experiment.arms)
    if (arm.config.contains("train"))
      every = std::max(every, arm.config["train"].value("eval_every_steps", 0));
  return every;
}

}  // namespace

const ArmSummary* Summary::arm(const std::string& name) const {
  for (const auto& a : arms)
    if (a.name == name) return &a;
  return nullptr;
}

Summary summarize(const Experiment& experiment, const std::vector<RunRecord>& records,
                  const std::map<std::string, StepCost>& step_costs) {
  ByArm by_arm;
  TimesByArm times;
  for (const auto& r : records) {
    by_arm[r.arm][r.seed] = measures_of(r);
    if (experiment.target)
      if (const auto t = target_time(r)) times[r.arm][r.seed] = *t;
  }
  Summary s;
  for (const auto& arm : experiment.arms) {
    s.arms.push_back(arm_summary(experiment, arm, records, by_arm, times));
    if (const auto cost = step_costs.find(arm.name); cost != step_costs.end())
      s.arms.back().step_cost = cost->second;
  }
  s.speedup_curve = speedup_parts::curve_kind(experiment, records);
  const std::vector<Comparison> speedups =
      speedup_parts::speedup_comparisons(experiment, records, s.speedup_curve, step_costs);
  const std::string speed = speed_measure(experiment, by_arm, speedups);
  s.primary = experiment.primary.empty() ? std::vector<std::string>{speed} : experiment.primary;
  s.experiment = experiment.name;
  s.claim = experiment.claim;
  s.source = experiment.source;
  s.seeds = experiment.seeds;
  s.baseline = experiment.baseline;
  s.target = experiment.target;
  if (!experiment.initialization_only) s.speed_measure = speed;
  s.initialization_only = experiment.initialization_only;
  s.log_every_steps = experiment.log_every_steps;
  s.eval_every_steps = eval_every_steps(experiment);
  s.alpha = kAlpha;
  s.comparisons = all_comparisons(experiment, by_arm, times, speedups, s.primary);
  return s;
}

}  // namespace nnfit
