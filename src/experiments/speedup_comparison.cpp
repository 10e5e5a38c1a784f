// The speedup comparisons of a summary (speedup_comparison.hpp).
#include "speedup_comparison.hpp"

#include <algorithm>
#include <cmath>

namespace nnfit::speedup_parts {

std::string curve_kind(const Experiment& experiment, const std::vector<RunRecord>& records) {
  bool val_steps = false, train_windows = false, val_epochs = false, train_epochs = false;
  for (const auto& r : records) {
    val_steps |= r.step_val_losses.size() >= 2;
    train_windows |= r.step_losses.size() >= 2;
    for (const auto& e : r.epochs) val_epochs |= e.metric("val_loss").has_value();
    train_epochs |= r.epochs.size() >= 2;
  }
  if (experiment.initialization_only) return "";
  if (val_steps) return "val_loss_steps";
  if (train_windows) return "train_loss_windows";
  if (val_epochs) return "val_loss_epochs";
  return train_epochs ? "train_loss_epochs" : "";
}

LossCurve curve_of(const RunRecord& r, const std::string& kind) {
  LossCurve c;
  const auto add = [&](std::int64_t step, double loss) {
    c.push_back({static_cast<double>(step), loss});
  };
  if (kind == "val_loss_steps")
    for (const auto& [step, loss] : r.step_val_losses) add(step, loss);
  if (kind == "train_loss_windows")
    for (const auto& [step, loss] : r.step_losses) add(step, loss);
  for (const auto& e : r.epochs) {
    if (kind == "val_loss_epochs")
      if (const auto v = e.metric("val_loss")) add(e.step, *v);
    if (kind == "train_loss_epochs") add(e.step, e.train.loss);
  }
  return c;
}

namespace {

using CurvesBySeed = std::map<std::uint64_t, LossCurve>;

// The finished runs' curves of one arm, by seed.
CurvesBySeed curves_of(const std::vector<RunRecord>& records, const std::string& arm,
                       const std::string& kind) {
  CurvesBySeed out;
  for (const auto& r : records)
    if (r.arm == arm && r.status == "finished") out[r.seed] = curve_of(r, kind);
  return out;
}

// The comparison of per-seed speedups (already times the cost ratio for seconds).
Comparison speedup_comparison(const std::string& arm, const std::string& baseline,
                              const std::string& measure, const std::vector<double>& per_seed) {
  const SpeedupEstimate e = estimate_speedup(per_seed);
  Comparison c;
  c.arm = arm;
  c.baseline = baseline;
  c.measure = measure;
  c.n = e.n;
  c.difference = e.n > 0 ? e.geometric_mean : std::nan("");
  if (e.n > 0) c.relative = e.geometric_mean - 1;
  c.p = e.p;
  c.lower_is_better = true;
  Comparison::Speedup& s = c.speedup.emplace();
  s.interval = e.interval;
  s.per_seed = per_seed;
  std::vector<double> logs;
  for (const double r : per_seed) logs.push_back(std::log(r));
  if (e.n >= 2) s.detectable = std::exp(detectable_difference(e.n, estimate(logs).sd));
  return c;
}

}  // namespace

std::vector<Comparison> speedup_comparisons(const Experiment& experiment,
                                            const std::vector<RunRecord>& records,
                                            const std::string& kind,
                                            const std::map<std::string, StepCost>& step_costs) {
  std::vector<Comparison> out;
  if (kind.empty()) return out;
  const CurvesBySeed base = curves_of(records, experiment.baseline, kind);
  const auto base_cost = step_costs.find(experiment.baseline);
  for (const auto& arm : experiment.arms) {
    if (arm.name == experiment.baseline) continue;
    const CurvesBySeed mine = curves_of(records, arm.name, kind);
    std::vector<double> per_seed, arm_coverage, base_coverage;
    std::vector<std::pair<LossCurve, LossCurve>> pairs;
    for (const auto seed : experiment.seeds) {
      if (!mine.count(seed) || !base.count(seed)) continue;
      pairs.push_back({mine.at(seed), base.at(seed)});
      const auto p = speedup_profile(mine.at(seed), base.at(seed));
      if (!p) continue;
      per_seed.push_back(p->speedup);
      arm_coverage.push_back(p->arm_coverage);
      base_coverage.push_back(p->baseline_coverage);
    }
    if (pairs.empty()) continue;
    // Curves that share no level (one arm never gets down to where the other starts) are
    // still a row: the final and best losses tell that story.
    Comparison steps = speedup_comparison(arm.name, experiment.baseline, "speedup", per_seed);
    steps.speedup->pairs = static_cast<int>(pairs.size());
    steps.speedup->arm_coverage = median(arm_coverage);
    steps.speedup->baseline_coverage = median(base_coverage);
    steps.speedup->profile = profile_over_seeds(pairs);
    out.push_back(steps);
    const auto cost = step_costs.find(arm.name);
    if (per_seed.empty() || cost == step_costs.end() || base_cost == step_costs.end()) continue;
    const double ratio = cost->second.median_us / base_cost->second.median_us;
    std::vector<double> seconds;
    for (const double r : per_seed) seconds.push_back(r * ratio);
    Comparison time = speedup_comparison(arm.name, experiment.baseline, "seconds_speedup", seconds);
    time.speedup->pairs = steps.speedup->pairs;
    time.speedup->arm_coverage = steps.speedup->arm_coverage;
    time.speedup->baseline_coverage = steps.speedup->baseline_coverage;
    time.speedup->cost_ratio = ratio;
    out.push_back(time);
  }
  return out;
}

std::string speedup_verdict(const Comparison& c, double adjusted) {
  if (c.n == 0) return "no loss level both reach";
  if (c.n < kMinimumPairs || !(adjusted < kAlpha) || c.difference == 1.0)
    return "not shown at this many seeds";
  return c.difference < 1.0 ? "faster" : "slower";
}

}  // namespace nnfit::speedup_parts
