// Tuning every arm of an experiment by successive halving (nnfit/experiments/tune_arms.hpp).
#include "nnfit/experiments/tune_arms.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>

#include "nnfit/error.hpp"

namespace nnfit {

namespace {

std::string value_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

// A tuning stage: arms of their own (one per arm and point) on the tuning seeds; nothing but
// the validation metrics is measured.
Experiment tuning_stage(const Experiment& e) {
  Experiment sub = e;
  sub.name = e.name + "-tuning";
  sub.seeds.clear();
  for (int i = 0; i < e.tune->seeds; ++i) sub.seeds.push_back(kFirstTuningSeed + i);
  sub.target.reset();
  sub.diagnostics.enabled = false;
  sub.log_every_steps = 0;
  sub.tune.reset();
  sub.arms.clear();
  return sub;
}

// Arm `a` of `e` at one value of the tuned key, for `steps` optimiser steps (its own epochs
// when that is its full budget, `full`).
Arm tuning_arm(const Experiment& e, std::size_t a, double value, std::int64_t steps,
               std::int64_t full) {
  Arm arm = e.arms[a];
  arm.name = e.arms[a].name + "@" + e.tune->key + "=" + value_text(value);
  apply_override(arm.config, e.tune->key + "=" + json(value).dump());
  if (steps < full) apply_override(arm.config, "train.max_steps=" + std::to_string(steps));
  return arm;
}

// An arm's full budget in optimiser steps: its epochs times the batches of an epoch of its
// training split (the data is loaded once to count its rows, as a run will load it).
std::int64_t budget_steps(const Experiment& e, const Arm& arm) {
  const RunConfig run = read_run_config(arm.config, e.origin);
  const Data data = load_data(run.data, kFirstTuningSeed);
  const Index rows = data.train.size(), batch = run.train.batch_size;
  const Index per_epoch = run.train.drop_last ? rows / batch : (rows + batch - 1) / batch;
  const std::int64_t steps = static_cast<std::int64_t>(per_epoch) * run.train.epochs;
  return run.train.max_steps > 0 ? std::min(steps, run.train.max_steps) : steps;
}

// The sub-experiment of one rung: every arm's points still in the race, for the rung's budget.
Experiment rung_experiment(const Experiment& e, const std::vector<Halving>& halvings,
                           const std::vector<std::int64_t>& budgets,
                           std::map<std::string, std::pair<std::size_t, std::size_t>>& owner) {
  Experiment sub = tuning_stage(e);
  for (std::size_t a = 0; a < e.arms.size(); ++a) {
    if (halvings[a].done()) continue;
    const Rung rung = halvings[a].rung();
    for (std::size_t k = 0; k < rung.points.size(); ++k) {
      Arm arm = tuning_arm(e, a, e.tune->values[rung.points[k]], rung.steps, budgets[a]);
      owner[arm.name] = {a, k};
      sub.arms.push_back(std::move(arm));
    }
  }
  sub.baseline = sub.arms.front().name;
  return sub;
}

// One point of a stage: its selection value, the mean over the tuning seeds, and how many
// of its tuning runs diverged.
struct PointResult {
  double selection = 0;
  int diverged = 0;
  double finished_mean = 0;  // over the tuning runs that finished (NaN: none)
};

// Each arm of a stage as a PointResult. The selection value is NaN, the worst, unless every
// tuning seed finished: a diverged run keeps the epochs it completed, and their (finite) best
// once let a learning rate that diverges mid-run win the tuning.
std::map<std::string, PointResult> stage_selection(const Experiment& e,
                                                   const std::vector<RunRecord>& records) {
  std::map<std::string, std::pair<double, int>> sums, finished;
  std::map<std::string, PointResult> out;
  for (const auto& r : records) {
    auto& [sum, count] = sums[r.arm];
    const bool diverged = r.status != "finished";
    const double value = diverged ? std::nan("") : selection_value(r.epochs, *e.tune);
    sum += value;  // NaN stays NaN
    ++count;
    if (std::isfinite(value)) finished[r.arm].first += value, ++finished[r.arm].second;
    out[r.arm].diverged += r.status == "diverged";
  }
  for (const auto& [arm, sc] : sums) {
    out[arm].selection = sc.second == e.tune->seeds ? sc.first / sc.second : std::nan("");
    const auto f = finished[arm];
    out[arm].finished_mean = f.second > 0 ? f.first / f.second : std::nan("");
  }
  return out;
}

CompareOptions stage_options(const CompareOptions& options, const std::string& stage) {
  CompareOptions o = options;
  o.output = (std::filesystem::path(options.output) / "tuning" / stage).string();
  return o;
}

// Each point's selection value: the mean over tuning seeds, NaN when a seed has none.
void report_rung(const Experiment& e, const std::vector<RunRecord>& records,
                 const std::map<std::string, std::pair<std::size_t, std::size_t>>& owner,
                 std::vector<Halving>& halvings,
                 std::vector<std::vector<std::vector<int>>>& diverged,
                 std::vector<std::vector<ArmTuning::Removed>>& removed) {
  std::vector<std::vector<double>> selection(e.arms.size()), finished(e.arms.size());
  for (std::size_t a = 0; a < e.arms.size(); ++a)
    if (!halvings[a].done()) {
      selection[a].assign(halvings[a].rung().points.size(), std::nan(""));
      finished[a].assign(halvings[a].rung().points.size(), std::nan(""));
      diverged[a].emplace_back(halvings[a].rung().points.size(), 0);
    }
  for (const auto& [arm, point] : stage_selection(e, records)) {
    const auto [a, k] = owner.at(arm);
    selection[a][k] = point.selection;
    finished[a][k] = point.finished_mean;
    diverged[a].back()[k] = point.diverged;
  }
  for (std::size_t a = 0; a < e.arms.size(); ++a) {
    if (halvings[a].done()) continue;
    double best = std::numeric_limits<double>::infinity();
    for (const double v : selection[a])
      if (std::isfinite(v)) best = std::min(best, v);
    for (std::size_t k = 0; k < selection[a].size(); ++k)
      if (diverged[a].back()[k] > 0 && finished[a][k] < best)
        removed[a].push_back({e.tune->values[halvings[a].rung().points[k]], finished[a][k],
                              diverged[a].back()[k], static_cast<int>(diverged[a].size()) - 1});
  }
  for (std::size_t a = 0; a < e.arms.size(); ++a) {
    if (halvings[a].done()) continue;
    const std::vector<double>& values = selection[a];
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

// The selection value of the chosen point at the full budget (the last rung's).
double chosen_selection(const Halving& h) {
  const Rung& last = h.history().back();
  for (std::size_t k = 0; k < last.points.size(); ++k)
    if (last.points[k] == h.chosen()) return h.values().back()[k];
  return std::nan("");
}

// The point one grid step beyond the edge value `v` of `space` (sorted): the ratio of the two
// outermost points on that side when the space is positive, else their difference.
double beyond(const std::vector<double>& space, bool low) {
  const double edge = low ? space.front() : space.back();
  const double next = low ? space[1] : space[space.size() - 2];
  if (space.front() > 0) return edge * (edge / next);
  return edge + (edge - next);
}

bool on_edge(const ArmTuning& t) {
  return t.chosen == t.values.front() || t.chosen == t.values.back();
}

// "extend": while an arm's best value is on an edge of its space, train the next point beyond
// it at the full budget (stage tuning/extend-<k>/); it becomes the choice when it is better.
void extend_edges(const Experiment& e, const std::vector<std::int64_t>& budgets,
                  std::vector<ArmTuning>& tunings, std::vector<double>& best,
                  const CompareOptions& options) {
  std::vector<bool> open(tunings.size(), true);
  for (int k = 0; k < e.tune->extend; ++k) {
    Experiment sub = tuning_stage(e);
    std::map<std::string, std::size_t> owner;
    for (std::size_t a = 0; a < tunings.size(); ++a) {
      if (!open[a] || !on_edge(tunings[a])) continue;
      const double value =
          beyond(tunings[a].values, tunings[a].chosen == tunings[a].values.front());
      sub.arms.push_back(tuning_arm(e, a, value, budgets[a], budgets[a]));
      owner[sub.arms.back().name] = a;
      tunings[a].values.push_back(value);
      std::sort(tunings[a].values.begin(), tunings[a].values.end());
      tunings[a].extended.push_back({value, std::nan(""), 0});
    }
    if (sub.arms.empty()) return;
    sub.baseline = sub.arms.front().name;
    const auto records = run_experiment(sub, stage_options(options, "extend-" + std::to_string(k)));
    if (options.stopped()) return;
    for (const auto& [arm, point] : stage_selection(e, records)) {
      const std::size_t a = owner.at(arm);
      tunings[a].extended.back().selection = point.selection;
      tunings[a].extended.back().diverged = point.diverged;
      if (point.selection < best[a]) {  // false for NaN: a diverged point never wins
        best[a] = point.selection;
        tunings[a].chosen = tunings[a].extended.back().value;
      } else {
        open[a] = false;
      }
    }
  }
}

}  // namespace

std::vector<ArmTuning> tune_arms(Experiment& e, const CompareOptions& options) {
  if (!e.tune) throw ConfigError("tune_arms: the experiment has no \"tune\"");
  std::vector<std::int64_t> budgets;
  std::vector<Halving> halvings;
  for (const auto& arm : e.arms) {
    budgets.push_back(budget_steps(e, arm));
    halvings.emplace_back(*e.tune, budgets.back());
  }
  std::vector<std::vector<std::vector<int>>> diverged(e.arms.size());  // arm, rung, point
  std::vector<std::vector<ArmTuning::Removed>> removed(e.arms.size());
  for (int rung = 0; !halvings.front().done(); ++rung) {
    std::map<std::string, std::pair<std::size_t, std::size_t>> owner;
    const Experiment sub = rung_experiment(e, halvings, budgets, owner);
    const auto records =
        run_experiment(sub, stage_options(options, "rung-" + std::to_string(rung)));
    if (options.stopped()) return {};
    report_rung(e, records, owner, halvings, diverged, removed);
  }
  std::vector<ArmTuning> out;
  std::vector<double> best;
  for (std::size_t a = 0; a < e.arms.size(); ++a) {
    const Halving& h = halvings[a];
    out.push_back({e.arms[a].name,
                   e.tune->values,
                   e.tune->values[h.chosen()],
                   false,
                   h.history(),
                   h.values(),
                   diverged[a],
                   {},
                   removed[a]});
    best.push_back(chosen_selection(h));
  }
  extend_edges(e, budgets, out, best, options);
  if (options.stopped()) return {};
  for (std::size_t a = 0; a < e.arms.size(); ++a) {
    ArmTuning& t = out[a];
    t.on_edge = on_edge(t);
    apply_override(e.arms[a].config, e.tune->key + "=" + json(t.chosen).dump());
    e.arms[a].description += ", " + e.tune->key + " " + value_text(t.chosen) + " (tuned)";
  }
  return out;
}

TuningSummary tuning_summary(const Experiment& e, const std::vector<ArmTuning>& tunings) {
  TuningSummary out;
  out.key = e.tune->key;
  out.metric = e.tune->metric;
  out.at = e.tune->at_best ? "best" : "final";
  out.method = e.tune->successive_halving ? "successive_halving" : "grid";
  out.values = e.tune->values;
  out.eta = e.tune->eta;
  out.extend = e.tune->extend;
  for (int i = 0; i < e.tune->seeds; ++i) out.seeds.push_back(kFirstTuningSeed + i);
  const auto selection = [](double v) {
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
  };
  for (const auto& t : tunings) {
    ArmTuningSummary a;
    a.arm = t.arm;
    a.chosen = t.chosen;
    a.on_edge = t.on_edge;
    for (std::size_t k = 0; k < t.rungs.size(); ++k) {
      TuningRung rung{t.rungs[k].steps, {}};
      // Rung points index the grid, not t.values, which "extend" may have grown below it.
      for (std::size_t i = 0; i < t.rungs[k].points.size(); ++i)
        rung.points.push_back(
            {e.tune->values[t.rungs[k].points[i]], selection(t.selection[k][i]), t.diverged[k][i]});
      a.rungs.push_back(std::move(rung));
    }
    for (const auto& x : t.extended)
      a.extended.push_back({x.value, selection(x.selection), x.diverged});
    for (const auto& x : t.removed)
      a.removed_by_divergence.push_back({x.value, x.finished_mean, x.rung, x.diverged});
    out.arms.push_back(std::move(a));
  }
  return out;
}

}  // namespace nnfit
