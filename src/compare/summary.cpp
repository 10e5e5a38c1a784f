// The statistics of a comparison (include/nnfit/compare.hpp, summarize()).
#include <cmath>
#include <map>
#include <set>

#include "nnfit/compare.hpp"
#include "nnfit/statistics.hpp"

namespace nnfit {

namespace {

using Measures = std::map<std::string, double>;

bool lower_wins(const std::string& measure) {
  return measure.find("loss") != std::string::npos ||
         measure.find("to_target") != std::string::npos || measure == "wall_time" ||
         measure.find("dead") != std::string::npos || measure.find("rmse") != std::string::npos;
}

// Every measure of one run (see compare.hpp). Diverged runs keep only what they reached
// before diverging that cannot mislead: target times (censored if not reached).
Measures measures_of(const RunRecord& r) {
  Measures m;
  const bool finished = r.status == "finished";
  const int budget = r.config["train"].value("epochs", 0);
  if (r.config["train"].contains("stop_at") && (finished || r.status == "diverged")) {
    if (r.target_reached) {
      m["epochs_to_target"] = r.target_reached->first;
      m["steps_to_target"] = static_cast<double>(r.target_reached->second);
    } else {
      m["epochs_to_target"] = budget + 1;
      m["steps_to_target"] = static_cast<double>((budget + 1) * r.steps_per_epoch);
    }
    // A training-loss target at the resolution of the logged windows.
    const json& stop = r.config["train"]["stop_at"];
    if (!r.step_losses.empty() && stop["metric"] == "train_loss") {
      m["steps_to_target"] = static_cast<double>((budget + 1) * r.steps_per_epoch);
      for (const auto& [step, loss] : r.step_losses)
        if (loss <= stop["value"].get<double>()) {
          m["steps_to_target"] = static_cast<double>(step);
          break;
        }
    }
  }
  if (!r.diagnostics.empty()) {
    const auto& last = r.diagnostics.back();
    double dead = 0;
    for (const auto& a : last.activations) dead += a.dead;
    if (!last.activations.empty() && (finished || r.status == "initialized"))
      m["dead_final"] = dead / static_cast<double>(last.activations.size());
  }
  if (!finished || r.epochs.empty()) return m;
  const EpochRecord& last = r.epochs.back();
  const json final_row = last.to_json();
  for (const char* key : {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss",
                          "test_accuracy", "val_rmse", "test_rmse"})
    if (final_row.contains(key)) m[std::string("final_") + key] = final_row[key].get<double>();
  double auc = 0;
  for (const auto& e : r.epochs) {
    auc += e.train.loss;
    const json row = e.to_json();
    for (const char* key : {"train_loss", "val_loss"})
      if (row.contains(key)) {
        const std::string name = std::string("best_") + key;
        m[name] =
            m.count(name) ? std::min(m[name], row[key].get<double>()) : row[key].get<double>();
      }
    for (const char* key : {"val_accuracy", "test_accuracy"})
      if (row.contains(key)) {
        const std::string name = std::string("best_") + key;
        m[name] =
            m.count(name) ? std::max(m[name], row[key].get<double>()) : row[key].get<double>();
      }
  }
  m["loss_auc"] = auc / static_cast<double>(r.epochs.size());
  m["wall_time"] = r.wall_time;
  return m;
}

json estimate_json(const Estimate& e) {
  return {{"n", e.n}, {"mean", e.mean}, {"sd", e.sd}, {"ci_low", e.ci_low}, {"ci_high", e.ci_high}};
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
    for (const auto& [name, v] : q) l[name] = estimate_json(estimate(v));
    out.push_back(l);
  }
  return out;
}

// One arm: run counts, each measure's estimate over seeds, per-layer statistics.
json arm_summary(const Experiment& experiment, const Arm& arm,
                 const std::vector<RunRecord>& records, ByArm& by_arm) {
  json a = {{"name", arm.name}, {"description", arm.description}};
  int runs = 0, finished = 0, diverged = 0, failed = 0, reached = 0, collapsed = 0;
  std::map<std::string, std::vector<double>> values;
  Layers init_layers, final_layers;
  for (const auto& r : records) {
    if (r.arm != arm.name) continue;
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
  if (experiment.target) a["reached_target"] = reached;
  // Runs with a hidden layer whose every unit is dead at initialisation: the network's
  // output does not depend on its input ("born dead").
  a["dead_layer_at_init"] = collapsed;
  json m = json::object();
  for (const auto& [k, v] : values) m[k] = estimate_json(estimate(v));
  a["measures"] = m;
  a["layers_at_init"] = layers_json(init_layers);
  a["layers_final"] = layers_json(final_layers);
  return a;
}

// One measure of one arm against the baseline, paired seed by seed; null without pairs.
json compare_measure(const Experiment& experiment, const Arm& arm, const std::string& name,
                     ByArm& by_arm, const std::string& speed) {
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
  const bool lower = lower_wins(name);
  const bool is_speed = name == "loss_auc" || name.ends_with("to_target");
  json c = {{"arm", arm.name},
            {"baseline", experiment.baseline},
            {"measure", name},
            {"n", d.n},
            {"difference", d.mean},
            {"sd", d.sd},
            {"t_interval", {d.t_low, d.t_high}},
            {"bootstrap_interval", {d.boot_low, d.boot_high}},
            {"lower_is_better", lower},
            {"verdict",
             verdict(d, lower, is_speed ? "faster" : "better", is_speed ? "slower" : "worse")}};
  c["headline"] = name == speed;
  return c;
}

// Paired comparisons with the baseline, every arm and measure but wall time.
json all_comparisons(const Experiment& experiment, ByArm& by_arm, const std::string& speed) {
  json comparisons = json::array();
  for (const auto& arm : experiment.arms) {
    if (arm.name == experiment.baseline) continue;
    std::set<std::string> names;
    for (const auto& [seed, m] : by_arm[arm.name])
      for (const auto& [k, v] : m) names.insert(k);
    for (const auto& name : names) {
      if (name == "wall_time") continue;
      json c = compare_measure(experiment, arm, name, by_arm, speed);
      if (!c.is_null()) comparisons.push_back(std::move(c));
    }
  }
  return comparisons;
}

}  // namespace

json summarize(const Experiment& experiment, const std::vector<RunRecord>& records) {
  ByArm by_arm;
  for (const auto& r : records) by_arm[r.arm][r.seed] = measures_of(r);
  json arms = json::array();
  for (const auto& arm : experiment.arms)
    arms.push_back(arm_summary(experiment, arm, records, by_arm));
  const std::string speed = experiment.target ? "steps_to_target" : "loss_auc";
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
          {"arms", arms},
          {"comparisons", all_comparisons(experiment, by_arm, speed)}};
}

}  // namespace nnfit
