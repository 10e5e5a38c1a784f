// Tuning every arm of an experiment by successive halving (include/nnfit/compare.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "nnfit/compare.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

namespace {

std::string value_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

// The sub-experiment of one rung: every arm's points still in the race, as arms of their own,
// on the tuning seeds, for the rung's budget; nothing else is measured.
Experiment rung_experiment(const Experiment& e, const std::vector<Halving>& halvings,
                           std::map<std::string, std::pair<std::size_t, std::size_t>>& owner) {
  Experiment sub = e;
  sub.name = e.name + "-tuning";
  sub.seeds.clear();
  for (int i = 0; i < e.tune->seeds; ++i) sub.seeds.push_back(kFirstTuningSeed + i);
  sub.target.reset();
  sub.diagnostics.enabled = false;
  sub.log_every_steps = 0;
  sub.tune.reset();
  sub.arms.clear();
  for (std::size_t a = 0; a < e.arms.size(); ++a) {
    if (halvings[a].done()) continue;
    const Rung rung = halvings[a].rung();
    for (std::size_t k = 0; k < rung.points.size(); ++k) {
      const double value = e.tune->values[rung.points[k]];
      Arm arm = e.arms[a];
      arm.name = e.arms[a].name + "@" + e.tune->key + "=" + value_text(value);
      apply_override(arm.config, e.tune->key + "=" + json(value).dump());
      apply_override(arm.config, "train.epochs=" + std::to_string(rung.epochs));
      owner[arm.name] = {a, k};
      sub.arms.push_back(std::move(arm));
    }
  }
  sub.baseline = sub.arms.front().name;
  return sub;
}

// Each point's selection value: the mean over tuning seeds, NaN when a seed has none.
void report_rung(const Experiment& e, const std::vector<RunRecord>& records,
                 const std::map<std::string, std::pair<std::size_t, std::size_t>>& owner,
                 std::vector<Halving>& halvings) {
  std::vector<std::vector<double>> sums(e.arms.size());
  std::vector<std::vector<int>> counts(e.arms.size());
  for (std::size_t a = 0; a < e.arms.size(); ++a)
    if (!halvings[a].done()) {
      sums[a].assign(halvings[a].rung().points.size(), 0.0);
      counts[a].assign(sums[a].size(), 0);
    }
  for (const auto& r : records) {
    const auto [a, k] = owner.at(r.arm);
    sums[a][k] += selection_value(r.epochs, *e.tune);  // NaN stays NaN
    ++counts[a][k];
  }
  for (std::size_t a = 0; a < e.arms.size(); ++a) {
    if (halvings[a].done()) continue;
    std::vector<double> values(sums[a].size());
    for (std::size_t k = 0; k < values.size(); ++k)
      values[k] = counts[a][k] == e.tune->seeds ? sums[a][k] / counts[a][k] : std::nan("");
    // No point measured at all: no validation split, or every point diverged. Choosing the
    // first value then would be a silent guess.
    if (std::all_of(values.begin(), values.end(), [](double v) { return std::isnan(v); }))
      throw ConfigError(e.origin + ": tune: no value of " + e.tune->key + " gave arm '" +
                        e.arms[a].name + "' a " + e.tune->metric +
                        " (the runs need a validation split, data.validation, and at least one "
                        "value that does not diverge)");
    halvings[a].report(values);
  }
}

}  // namespace

std::vector<ArmTuning> tune_arms(Experiment& e, const CompareOptions& options) {
  if (!e.tune) throw ConfigError("tune_arms: the experiment has no \"tune\"");
  int epochs = 0;
  for (const auto& arm : e.arms)
    epochs = std::max(epochs, arm.config.contains("train")
                                  ? arm.config["train"].value("epochs", TrainConfig{}.epochs)
                                  : TrainConfig{}.epochs);
  std::vector<Halving> halvings(e.arms.size(), Halving(*e.tune, epochs));
  for (int rung = 0; !halvings.front().done(); ++rung) {
    std::map<std::string, std::pair<std::size_t, std::size_t>> owner;
    const Experiment sub = rung_experiment(e, halvings, owner);
    CompareOptions o = options;
    o.output = (std::filesystem::path(options.output) / "tuning" / ("rung-" + std::to_string(rung)))
                   .string();
    const auto records = run_experiment(sub, o);
    if (options.interrupted && options.interrupted()) return {};
    report_rung(e, records, owner, halvings);
  }
  std::vector<ArmTuning> out;
  for (std::size_t a = 0; a < e.arms.size(); ++a) {
    const Halving& h = halvings[a];
    const double chosen = e.tune->values[h.chosen()];
    apply_override(e.arms[a].config, e.tune->key + "=" + json(chosen).dump());
    e.arms[a].description += ", " + e.tune->key + " " + value_text(chosen) + " (tuned)";
    out.push_back({e.arms[a].name, e.tune->values, chosen,
                   h.chosen() == 0 || h.chosen() + 1 == e.tune->values.size(), h.history(),
                   h.values()});
  }
  return out;
}

json tuning_json(const Experiment& e, const std::vector<ArmTuning>& tunings) {
  json arms = json::array();
  for (const auto& t : tunings) {
    json rungs = json::array();
    for (std::size_t k = 0; k < t.rungs.size(); ++k) {
      json points = json::array();
      for (std::size_t i = 0; i < t.rungs[k].points.size(); ++i) {
        const double v = t.selection[k][i];
        points.push_back({{"value", t.values[t.rungs[k].points[i]]},
                          {"selection", std::isfinite(v) ? json(v) : json()}});
      }
      rungs.push_back({{"epochs", t.rungs[k].epochs}, {"points", points}});
    }
    arms.push_back(
        {{"arm", t.arm}, {"chosen", t.chosen}, {"on_edge", t.on_edge}, {"rungs", rungs}});
  }
  std::vector<std::uint64_t> seeds;
  for (int i = 0; i < e.tune->seeds; ++i) seeds.push_back(kFirstTuningSeed + i);
  return {{"key", e.tune->key},
          {"values", e.tune->values},
          {"metric", e.tune->metric},
          {"at", e.tune->at_best ? "best" : "final"},
          {"method", e.tune->successive_halving ? "successive_halving" : "grid"},
          {"eta", e.tune->eta},
          {"seeds", seeds},
          {"arms", arms}};
}

}  // namespace nnfit
