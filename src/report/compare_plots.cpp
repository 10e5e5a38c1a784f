// The plots of a comparison report (compare_report_parts.hpp): loss and accuracy by epoch and step,
// time to the target, per-layer statistics, the tuning sensitivity.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

#include "compare_report_parts.hpp"
#include "nnfit/experiments/statistics.hpp"
#include "svg_plot.hpp"

namespace nnfit::compare_parts {

namespace {

Figure loss_plot(const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  plot::LineChart loss{"Training loss", "epoch", "training loss (mean over the epoch)", false, {}};
  std::vector<double> all;
  for (const auto& arm : e.arms) {
    Curve c = curve(
        records, arm.name,
        [](const RunRecord& r, std::size_t i) -> std::optional<double> {
          if (i == 0 || i > r.epochs.size()) return std::nullopt;
          return r.epochs[i - 1].train.loss;
        },
        epochs + 1);
    all.insert(all.end(), c.low.begin(), c.low.end());
    all.insert(all.end(), c.high.begin(), c.high.end());
    loss.series.push_back({arm.name, colors.at(arm.name), c.x, c.mean, c.low, c.high, false, true});
  }
  loss.log_y = plot::spans_decades(all, 1.0);
  return {"Training loss per epoch: line = mean over seeds, band = lowest to highest seed.",
          "train_loss.svg", loss.svg()};
}

// Training loss at the resolution of the logged windows.
Figure step_loss_plot(const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  std::size_t windows = 0;
  for (const auto& r : records) windows = std::max(windows, r.step_losses.size());
  plot::LineChart steps{"Training loss by step",
                        "optimiser step",
                        "training loss (mean over " + std::to_string(e.log_every_steps) + " steps)",
                        false,
                        {}};
  std::vector<double> all;
  for (const auto& arm : e.arms) {
    Curve c = curve(
        records, arm.name,
        [](const RunRecord& r, std::size_t i) -> std::optional<double> {
          if (i >= r.step_losses.size()) return std::nullopt;
          return r.step_losses[i].second;
        },
        windows);
    for (auto& x : c.x) x = (x + 1) * e.log_every_steps;
    all.insert(all.end(), c.low.begin(), c.low.end());
    all.insert(all.end(), c.high.begin(), c.high.end());
    steps.series.push_back(
        {arm.name, colors.at(arm.name), c.x, c.mean, c.low, c.high, false, true});
  }
  steps.log_y = plot::spans_decades(all, 1.0);
  if (e.target && e.target->metric == "train_loss") {
    plot::Series target_line{"target", "#888888", {}, {}, {}, {}, true, true};
    target_line.x = {static_cast<double>(e.log_every_steps),
                     static_cast<double>(windows * e.log_every_steps)};
    target_line.y = {e.target->value, e.target->value};
    steps.series.push_back(target_line);
  }
  return {"Training loss by optimiser step (mean over windows of " +
              std::to_string(e.log_every_steps) +
              " steps): line = mean over seeds, band = lowest to highest seed.",
          "train_loss_steps.svg", steps.svg()};
}

Figure accuracy_plot(const ReportInputs& in, const std::string& acc_metric) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  plot::LineChart acc{"Accuracy (" + acc_metric + ")", "epoch", acc_metric, false, {}};
  for (const auto& arm : e.arms) {
    Curve c = curve(
        records, arm.name,
        [&](const RunRecord& r, std::size_t i) -> std::optional<double> {
          if (i == 0 || i > r.epochs.size()) return std::nullopt;
          return r.epochs[i - 1].metric(acc_metric);
        },
        epochs + 1);
    acc.series.push_back({arm.name, colors.at(arm.name), c.x, c.mean, c.low, c.high, false, true});
  }
  return {acc_metric + " per epoch: mean over seeds, band = lowest to highest seed.",
          "accuracy.svg", acc.svg()};
}

// The Kaplan-Meier curves of time to the target: the share of runs that have reached it by
// each step, drawn as steps (censored runs leave the curve where they end).
Figure target_plot(const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  plot::LineChart chart{"Time to reach " + describe_measure("steps_to_target", summary).substr(9),
                        "optimiser step",
                        "share of runs that reached the target",
                        false,
                        {}};
  for (const auto& a : summary.arms) {
    if (!a.target) continue;
    plot::Series s{a.name, colors.at(a.name), {0.0}, {0.0}, {}, {}, false, true};
    double reached = 0;
    for (const auto& [time, survival] : a.target->kaplan_meier) {
      s.x.push_back(time);
      s.y.push_back(reached);
      reached = 1.0 - survival;
      s.x.push_back(time);
      s.y.push_back(reached);
    }
    s.x.push_back(a.target->tau);
    s.y.push_back(reached);
    chart.series.push_back(s);
  }
  return {
      "Kaplan-Meier estimate of the share of runs that reached the target by each step "
      "(1 - S(t)); a run that never reached it is censored at the budget.",
      "time_to_target.svg", chart.svg()};
}

// The loss curve of one run that the paired-difference plot compares, (step, loss).
using StepCurve = std::vector<std::pair<std::int64_t, double>>;
StepCurve loss_curve(const RunRecord& r, bool validation) {
  if (!validation) return r.step_losses;
  if (!r.step_val_losses.empty()) return r.step_val_losses;
  StepCurve c;
  for (const auto& e : r.epochs)
    if (const auto v = e.metric("val_loss")) c.push_back({e.step, *v});
  return c;
}

// Per arm, the paired difference from the baseline over training: at each step both curves
// have, arm minus baseline per seed, then the mean over seeds with its 95% t-interval as the
// band, and the zero line. Where the band leaves zero the arm is ahead (below) or behind.
std::optional<Figure> paired_difference_plot(const ReportInputs& in, bool validation) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  std::map<std::uint64_t, const RunRecord*> base;
  for (const auto& r : records)
    if (r.arm == e.baseline && r.ok()) base[r.seed] = &r;
  const std::string what = validation ? "validation loss" : "training loss";
  plot::LineChart chart{"Paired difference from " + e.baseline + ": " + what,
                        "optimiser step",
                        what + " of the arm - " + e.baseline + "'s (same seed)",
                        false,
                        {}};
  double first = INFINITY, last = -INFINITY;
  for (const auto& arm : e.arms) {
    if (arm.name == e.baseline) continue;
    std::map<std::int64_t, std::vector<double>> by_step;
    for (const auto& r : records) {
      if (r.arm != arm.name || !r.ok() || !base.count(r.seed)) continue;
      std::map<std::int64_t, double> theirs;
      for (const auto& [step, loss] : loss_curve(*base[r.seed], validation)) theirs[step] = loss;
      for (const auto& [step, loss] : loss_curve(r, validation))
        if (theirs.count(step)) by_step[step].push_back(loss - theirs[step]);
    }
    plot::Series s{arm.name, colors.at(arm.name), {}, {}, {}, {}, false, true};
    for (const auto& [step, d] : by_step) {
      if (d.size() < 2) continue;
      const Estimate m = estimate(d);
      s.x.push_back(static_cast<double>(step));
      s.y.push_back(m.mean);
      s.low.push_back(m.ci_low);
      s.high.push_back(m.ci_high);
      first = std::min(first, s.x.back());
      last = std::max(last, s.x.back());
    }
    if (!s.x.empty()) chart.series.push_back(std::move(s));
  }
  if (chart.series.empty()) return std::nullopt;
  chart.series.push_back({"no difference", "#888888", {first, last}, {0, 0}, {}, {}, true, true});
  return Figure{"Paired difference from " + e.baseline + " in " + what +
                    " over training: per seed the arm's loss minus " + e.baseline +
                    "'s at the same step; line = mean over seeds, band = its 95% t-interval. "
                    "Below zero the arm is ahead.",
                std::string("paired_") + (validation ? "val" : "train") + "_loss.svg", chart.svg()};
}

// The speedup profiles: per arm, r(level) against the loss level (median over seeds, band:
// lowest to highest), with the line r = 1 (as fast as the baseline).
Figure profile_plot(const ReportInputs& in) {
  const Summary& s = in.summary;
  plot::LineChart chart{"Speedup profile against " + s.baseline,
                        "log10 " + describe_curve(s) + " level (high loss on the right)",
                        "steps to the level / " + s.baseline + "'s",
                        false,
                        {}};
  double lowest = INFINITY, highest = -INFINITY;
  for (const auto& c : s.comparisons) {
    if (c.measure != "speedup" || c.speedup->profile.empty()) continue;
    plot::Series series{c.arm, in.colors.at(c.arm), {}, {}, {}, {}, false, true};
    for (const auto& p : c.speedup->profile) {
      series.x.push_back(std::log10(p.level));
      series.y.push_back(p.median);
      series.low.push_back(p.low);
      series.high.push_back(p.high);
      lowest = std::min(lowest, series.x.back());
      highest = std::max(highest, series.x.back());
    }
    chart.series.push_back(series);
  }
  if (lowest <= highest)
    chart.series.push_back(
        {"as fast as " + s.baseline, "#888888", {lowest, highest}, {1, 1}, {}, {}, true, true});
  return {"Speedup profile: at each " + describe_curve(s) +
              " level both arms reach, the steps the arm takes over the steps " + s.baseline +
              " takes (below 1: faster); line = median over seeds, band = lowest to highest "
              "seed, levels that at least half the seeds reach.",
          "speedup_profile.svg", chart.svg()};
}

// Activation variance and mean by depth, at initialisation and after training.
std::vector<Figure> depth_plots(const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  std::vector<Figure> plots;
  for (const bool var : {true, false}) {
    plot::LineChart chart{var ? "Activation variance by depth" : "Activation mean by depth",
                          "hidden layer",
                          var ? "variance of the activations" : "mean of the activations",
                          false,
                          {}};
    std::vector<double> all;
    for (const auto& a : summary.arms) {
      for (const bool at_end : {false, true}) {
        plot::Series s{a.name + (at_end                  ? " (end)"
                                 : e.initialization_only ? ""
                                                         : " (init)"),
                       colors.at(a.name),
                       {},
                       {},
                       {},
                       {},
                       at_end,
                       true};
        for (const auto& l : at_end ? a.layers_final : a.layers_at_init) {
          s.x.push_back(static_cast<double>(l.depth));
          s.y.push_back(var ? l.post_var.mean : l.post_mean.mean);
          all.push_back(s.y.back());
        }
        if (!s.x.empty()) chart.series.push_back(s);
      }
    }
    chart.log_y = var && plot::spans_decades(all, 1.0);
    plots.push_back({std::string(var ? "Variance" : "Mean") +
                         " of each hidden layer's activations over the probe batch, mean over "
                         "seeds; solid: at initialisation" +
                         (e.initialization_only ? "" : ", dashed: after training") + ".",
                     var ? "activation_variance.svg" : "activation_mean.svg", chart.svg()});
  }
  return plots;
}

Figure dead_units_plot(const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  plot::LineChart dead{"Dead units", "epoch", "fraction of hidden units dead", false, {}};
  for (const auto& arm : e.arms) {
    Curve c = curve(
        records, arm.name,
        [](const RunRecord& r, std::size_t i) -> std::optional<double> {
          if (i >= r.diagnostics.size() || r.diagnostics[i].activations.empty())
            return std::nullopt;
          double sum = 0;
          for (const auto& a : r.diagnostics[i].activations) sum += a.dead;
          return sum / static_cast<double>(r.diagnostics[i].activations.size());
        },
        epochs + 1);
    dead.series.push_back({arm.name, colors.at(arm.name), c.x, c.mean, c.low, c.high, false, true});
  }
  return {
      "Fraction of hidden units that are dead (never positive on the probe batch), "
      "all hidden layers together; epoch 0 is the initialisation. Band: lowest to "
      "highest seed.",
      "dead_units.svg", dead.svg()};
}

// Tuning: each arm's selection value against the tuned key, at the first rung (every point
// at the same short budget); the sensitivity of an activation to its learning rate.
// One arm's points at one budget: the selection value at each tuned value, and where every
// tuning run diverged (drawn at the chart's top edge).
struct BudgetPoints {
  std::vector<double> x, y, diverged_x;
};

BudgetPoints budget_points(const std::vector<TuningPoint>& points, bool negated) {
  BudgetPoints b;
  for (const auto& p : points) {
    if (p.selection && p.diverged == 0) {
      b.x.push_back(std::log10(p.value));
      b.y.push_back(negated ? -*p.selection : *p.selection);
    } else {
      b.diverged_x.push_back(std::log10(p.value));
    }
  }
  return b;
}

// Tuning: each arm's selection value against the tuned key at every budget the tuning ran:
// the first rung (every value on the same short budget) dashed, the full budget (the last
// rung and the points "extend" tried beyond the edge) solid; values at which a tuning run
// diverged sit on the top edge instead of being dropped. How forgiving an arm is of its rate.
Figure sensitivity_plot(const ReportInputs& in) {
  const TuningSummary& tuning = *in.summary.tuning;
  const bool negated = !lower_is_better(tuning.metric);
  plot::LineChart chart{"Sensitivity to " + tuning.key,
                        "log10 " + tuning.key,
                        tuning.metric + " (" + tuning.at + " epoch, mean over " +
                            std::to_string(tuning.seeds.size()) + " tuning seeds)",
                        false,
                        {}};
  double top = -INFINITY;
  std::vector<std::pair<std::string, std::vector<double>>> diverged;
  for (const auto& a : tuning.arms) {
    if (a.rungs.empty()) continue;
    std::vector<TuningPoint> full = a.rungs.back().points;
    full.insert(full.end(), a.extended.begin(), a.extended.end());
    std::sort(full.begin(), full.end(),
              [](const TuningPoint& p, const TuningPoint& q) { return p.value < q.value; });
    const BudgetPoints first = budget_points(a.rungs.front().points, negated);
    const BudgetPoints last = budget_points(full, negated);
    if (a.rungs.size() > 1)
      chart.series.push_back({a.arm + " (" + std::to_string(a.rungs.front().steps) + " steps)",
                              in.colors.at(a.arm),
                              first.x,
                              first.y,
                              {},
                              {},
                              true,
                              true});
    chart.series.push_back({a.arm + " (" + std::to_string(a.rungs.back().steps) + " steps)",
                            in.colors.at(a.arm),
                            last.x,
                            last.y,
                            {},
                            {},
                            false,
                            true});
    for (const auto& b : {first, last})
      for (const double y : b.y) top = std::max(top, y);
    std::vector<double> xs = first.diverged_x;
    xs.insert(xs.end(), last.diverged_x.begin(), last.diverged_x.end());
    if (!xs.empty()) diverged.push_back({a.arm, xs});
  }
  for (auto& [arm, xs] : diverged) {
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    chart.series.push_back({arm + " diverged (drawn at the top)",
                            in.colors.at(arm),
                            xs,
                            std::vector<double>(xs.size(), std::isfinite(top) ? top : 0.0),
                            {},
                            {},
                            true,
                            true});
  }
  return {tuning.metric + " at each value of " + tuning.key +
              ": dashed, after the first rung's budget (every value on the same short budget); "
              "solid, at the full budget (the last rung and the values tried beyond the edge). "
              "A value at which a tuning run diverged is drawn on the top edge.",
          "tuning_sensitivity.svg", chart.svg()};
}

}  // namespace

bool has_layer_statistics(const Summary& summary) {
  bool has_layers = false;
  for (const auto& a : summary.arms) has_layers |= !a.layers_at_init.empty();
  return has_layers;
}

std::vector<Figure> all_plots(const ReportInputs& in) {
  const Experiment& e = in.e;
  std::vector<Figure> plots;
  if (!e.initialization_only && in.epochs > 0) {
    plots.push_back(loss_plot(in));
    if (e.log_every_steps > 0) plots.push_back(step_loss_plot(in));
    const std::string acc_metric = epoch_metric_for_accuracy(in.records);
    if (!acc_metric.empty()) plots.push_back(accuracy_plot(in, acc_metric));
    if (e.target) plots.push_back(target_plot(in));
  }
  if (!e.initialization_only && in.epochs > 0)
    for (const bool validation : {false, true})
      if (auto f = paired_difference_plot(in, validation)) plots.push_back(std::move(*f));
  bool profiles = false;
  for (const auto& c : in.summary.comparisons)
    profiles |= c.measure == "speedup" && !c.speedup->profile.empty();
  if (profiles) plots.push_back(profile_plot(in));
  if (in.summary.tuning) plots.push_back(sensitivity_plot(in));
  if (has_layer_statistics(in.summary)) {
    for (auto& figure : depth_plots(in)) plots.push_back(std::move(figure));
    if (!e.initialization_only && in.epochs > 0) plots.push_back(dead_units_plot(in));
  }
  return plots;
}

}  // namespace nnfit::compare_parts
