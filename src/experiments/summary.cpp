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

json estimate_json(const Estimate& e, const std::string& measure = "") {
  const auto [low, high] = range_of(measure);
  return {{"n", e.n},
          {"mean", e.mean},
          {"sd", e.sd},
          {"ci_low", std::clamp(e.ci_low, low, high)},
          {"ci_high", std::clamp(e.ci_high, low, high)}};
}

using ByArm = std::map<std::string, std::map<std::uint64_t, Measures>>;
// Per-layer statistics at initialisation or at the end: depth -> quantity -> values.
using Layers = std::map<int, std::map<std::string, std::vector<double>>>;

void collect_layers(Layers& layers, const DiagnosticsRecord& record) {
  for (const auto& s : record.activations) {
    auto& l = layers[s.depth];
    l["post_mean"].push_back(s.post_mean);
    l["post_var"].push_back(s.post_var);
    l["pre_var"].push_back(s.pre_var);
    l["dead"].push_back(s.dead);
  }
}

json layers_json(const Layers& layers) {
  json out = json::array();
  for (const auto& [depth, q] : layers) {
    json l = {{"depth", depth}};
    for (const auto& [name, v] : q) l[name] = estimate_json(estimate(v), name);
    out.push_back(l);
  }
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
json target_summary(const std::vector<SurvivalTime>& times) {
  const KaplanMeier km = kaplan_meier(times);
  double tau = 0;
  for (const auto& t : times) tau = std::max(tau, t.time);
  const double rmst = km.restricted_mean(tau), se = km.restricted_mean_se(tau);
  json curve = json::array();
  for (std::size_t j = 0; j < km.times.size(); ++j) curve.push_back({km.times[j], km.survival[j]});
  return {{"runs", km.runs},
          {"reached", km.reached},
          {"tau", tau},
          {"restricted_mean", rmst},
          {"restricted_mean_se", se},
          {"restricted_mean_ci",
           {std::max(0.0, rmst - 1.959964 * se), std::min(tau, rmst + 1.959964 * se)}},
          {"kaplan_meier", curve}};
}

// One arm: run counts, each measure's estimate over seeds, per-layer statistics.
json arm_summary(const Experiment& experiment, const Arm& arm,
                 const std::vector<RunRecord>& records, ByArm& by_arm, const TimesByArm& times) {
  json a = {{"name", arm.name}, {"description", arm.description}};
  int runs = 0, finished = 0, diverged = 0, failed = 0, reached = 0, collapsed = 0;
  std::map<std::string, std::vector<double>> values, ranked;
  Layers init_layers, final_layers;
  for (const auto& r : records) {
    if (r.arm != arm.name) continue;
    for (const auto& [k, v] : rank_values(r)) ranked[k].push_back(v);
    ++runs;
    finished += r.ok();
    diverged += r.status == "diverged";
    failed += r.status == "failed";
    reached += r.target_reached.has_value();
    for (const auto& [k, v] : by_arm[arm.name][r.seed]) values[k].push_back(v);
    if (r.diagnostics.empty()) continue;
    collect_layers(init_layers, r.diagnostics.front());
    bool any_dead_layer = false;
    for (const auto& s : r.diagnostics.front().activations) any_dead_layer |= s.dead >= 1.0;
    collapsed += any_dead_layer;
    if (r.ok() && r.diagnostics.size() > 1) collect_layers(final_layers, r.diagnostics.back());
  }
  a["runs"] = runs;
  a["finished"] = finished;
  a["diverged"] = diverged;
  a["failed"] = failed;
  if (experiment.target) {
    const auto arm_times = times_of(times, arm.name);
    a["target"] = target_summary(arm_times);
    a["reached_target"] = a["target"]["reached"];
  }
  // Runs with a hidden layer whose every unit is dead at initialisation: the network's
  // output does not depend on its input ("born dead").
  a["dead_layer_at_init"] = collapsed;
  json m = json::object();
  for (const auto& [k, v] : values) m[k] = estimate_json(estimate(v), k);
  a["measures"] = m;
  // What a suite ranks by: every run that trained, a diverged one as a failure (rank_values).
  json rank_scores = json::object();
  for (const auto& [k, v] : ranked)
    rank_scores[k] = {{"mean", estimate(v).mean}, {"n", v.size()}, {"diverged", diverged}};
  a["rank_scores"] = rank_scores;
  a["layers_at_init"] = layers_json(init_layers);
  a["layers_final"] = layers_json(final_layers);
  return a;
}

// One continuous measure of one arm against the baseline, paired seed by seed; null without
// pairs. The verdict is set once every comparison's p is known (Holm).
json compare_measure(const Experiment& experiment, const Arm& arm, const std::string& name,
                     ByArm& by_arm) {
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
  if (a.empty()) return nullptr;
  const PairedDifference d = paired_difference(a, b, 1);
  return {{"arm", arm.name},
          {"baseline", experiment.baseline},
          {"measure", name},
          {"n", d.n},
          {"difference", d.mean},
          {"relative", std::isfinite(d.relative) ? json(d.relative) : json()},
          {"sd", d.sd},
          {"t_interval", {d.t_low, d.t_high}},
          {"p", d.p},
          {"detectable", d.n >= 2 ? json(detectable_difference(d.n, d.sd)) : json()},
          {"lower_is_better", lower_wins(name)}};
}

// Time to the target of one arm against the baseline: decided pairs and the exact sign test,
// the difference of restricted means and the log-rank test beside it.
json compare_times(const Experiment& experiment, const Arm& arm, const TimesByArm& times) {
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
  if (a.empty()) return nullptr;
  const PairedTimes paired = paired_times(a, b);
  double tau = 0;
  for (const auto& t : a) tau = std::max(tau, t.time);
  for (const auto& t : b) tau = std::max(tau, t.time);
  const KaplanMeier ka = kaplan_meier(a), kb = kaplan_meier(b);
  const double rmst_difference = ka.restricted_mean(tau) - kb.restricted_mean(tau);
  // The effect and its interval come from the sign test's own analysis (median_difference);
  // the restricted means' difference stays beside it as a description.
  const MedianDifference m = median_difference(a, b, tau);
  double baseline_median = 0;  // the baseline's capped times over the decided pairs
  {
    std::vector<double> times;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].reached || b[i].reached) times.push_back(b[i].reached ? b[i].time : tau);
    std::sort(times.begin(), times.end());
    if (!times.empty())
      baseline_median = (times[(times.size() - 1) / 2] + times[times.size() / 2]) / 2;
  }
  const auto bound = [](int b) {
    return b > 0 ? json("at least") : b < 0 ? json("at most") : json();
  };
  return {
      {"arm", arm.name},
      {"baseline", experiment.baseline},
      {"measure", "steps_to_target"},
      {"n", static_cast<int>(a.size())},
      {"faster", paired.faster},
      {"slower", paired.slower},
      {"undetermined", paired.undetermined},
      {"reached", ka.reached},
      {"baseline_reached", kb.reached},
      {"difference", m.estimate},
      {"difference_bound", bound(m.estimate_bound)},
      {"relative", baseline_median > 0 && m.n > 0 ? json(m.estimate / baseline_median) : json()},
      {"interval", m.estimable ? json{m.low, m.high} : json()},
      {"interval_bounds", {bound(m.low_bound), bound(m.high_bound)}},
      {"interval_coverage", m.coverage},
      {"identical", m.identical && m.n > 0},
      {"restricted_mean_difference", rmst_difference},
      {"p", paired.p},
      {"log_rank_p", log_rank(a, b).p},
      {"lower_is_better", true}};
}

// A verdict word needs the adjusted p below alpha, also when only one arm reached the target
// (1 of 8 against 0 of 8 is a description, not a finding); the counts are said either way.
std::string time_verdict(const json& c, double adjusted) {
  const int reached = c["reached"], baseline_reached = c["baseline_reached"];
  const int n = c["n"];
  if (reached == 0 && baseline_reached == 0) return "neither reached the target";
  const int decided = c["faster"].get<int>() + c["slower"].get<int>();
  if (decided < kMinimumPairs || !(adjusted < kAlpha))
    return "not shown at this many seeds (reached: " + std::to_string(reached) + "/" +
           std::to_string(n) + " against " + std::to_string(baseline_reached) + "/" +
           std::to_string(n) + ")";
  if (baseline_reached == 0) return "only " + c["arm"].get<std::string>() + " reached it";
  if (reached == 0) return "only " + c["baseline"].get<std::string>() + " reached it";
  return c["faster"].get<int>() > c["slower"].get<int>() ? "faster" : "slower";
}

std::string continuous_verdict(const json& c, double adjusted) {
  const std::string measure = c["measure"];
  PairedDifference d;
  d.n = c["n"];
  d.mean = c["difference"];
  const bool is_speed =
      measure.find("auc") != std::string::npos || measure.rfind("val_loss_at_", 0) == 0;
  return verdict(d, adjusted, c["lower_is_better"].get<bool>(), is_speed ? "faster" : "better",
                 is_speed ? "slower" : "worse");
}

// The primary measures' comparisons form one family: Holm across every arm and primary
// measure, and only they get verdict words. Every other measure is exploratory: Holm across
// the arms within the measure, its numbers shown, no verdict (about 16 measures per arm would
// otherwise make some "better" or "worse" by chance).
void adjust_and_judge(json& comparisons, const std::vector<std::string>& primary) {
  const auto is_primary = [&](const json& c) {
    return std::find(primary.begin(), primary.end(), c["measure"].get<std::string>()) !=
           primary.end();
  };
  std::map<std::string, std::vector<std::size_t>> families;  // "" for the primary family
  for (std::size_t i = 0; i < comparisons.size(); ++i)
    families[is_primary(comparisons[i]) ? "" : comparisons[i]["measure"].get<std::string>()]
        .push_back(i);
  for (const auto& [family, indices] : families) {
    std::vector<double> p;
    for (const auto i : indices) p.push_back(comparisons[i]["p"].get<double>());
    const std::vector<double> adjusted = holm_adjust(p);
    for (std::size_t k = 0; k < indices.size(); ++k) {
      json& c = comparisons[indices[k]];
      c["p_adjusted"] = adjusted[k];
      c["headline"] = family.empty();
      c["verdict"] = !family.empty()                     ? "exploratory"
                     : c["measure"] == "steps_to_target" ? time_verdict(c, adjusted[k])
                                                         : continuous_verdict(c, adjusted[k]);
    }
  }
}

// Paired comparisons with the baseline: time to target, and every continuous measure but
// wall time.
json all_comparisons(const Experiment& experiment, ByArm& by_arm, const TimesByArm& times,
                     const std::vector<std::string>& primary) {
  json comparisons = json::array();
  for (const auto& arm : experiment.arms) {
    if (arm.name == experiment.baseline) continue;
    if (experiment.target) {
      json c = compare_times(experiment, arm, times);
      if (!c.is_null()) comparisons.push_back(std::move(c));
    }
    std::set<std::string> names;
    for (const auto& [seed, m] : by_arm[arm.name])
      for (const auto& [k, v] : m) names.insert(k);
    for (const auto& name : names) {
      if (name == "wall_time" || name == "step_evaluation_seconds") continue;
      json c = compare_measure(experiment, arm, name, by_arm);
      if (!c.is_null()) comparisons.push_back(std::move(c));
    }
  }
  adjust_and_judge(comparisons, primary);
  return comparisons;
}

// The primary speed measure: time to the target when there is one, else the area under the
// validation loss curve, else under the training loss curve.
std::string speed_measure(const Experiment& experiment, const ByArm& by_arm) {
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

json summarize(const Experiment& experiment, const std::vector<RunRecord>& records) {
  ByArm by_arm;
  TimesByArm times;
  for (const auto& r : records) {
    by_arm[r.arm][r.seed] = measures_of(r);
    if (experiment.target)
      if (const auto t = target_time(r)) times[r.arm][r.seed] = *t;
  }
  json arms = json::array();
  for (const auto& arm : experiment.arms)
    arms.push_back(arm_summary(experiment, arm, records, by_arm, times));
  const std::string speed = speed_measure(experiment, by_arm);
  const std::vector<std::string> primary =
      experiment.primary.empty() ? std::vector<std::string>{speed} : experiment.primary;
  json target = nullptr;
  if (experiment.target)
    target = {{"metric", experiment.target->metric}, {"value", experiment.target->value}};
  return {{"experiment", experiment.name},
          {"claim", experiment.claim},
          {"source", experiment.source},
          {"seeds", experiment.seeds},
          {"baseline", experiment.baseline},
          {"target", target},
          {"speed_measure", experiment.initialization_only ? json() : json(speed)},
          {"initialization_only", experiment.initialization_only},
          {"log_every_steps", experiment.log_every_steps},
          {"eval_every_steps", eval_every_steps(experiment)},
          {"alpha", kAlpha},
          {"primary", primary},
          {"arms", arms},
          {"comparisons", all_comparisons(experiment, by_arm, times, primary)}};
}

}  // namespace nnfit
