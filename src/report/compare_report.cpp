// The comparison's files and report (nnfit/report/compare_report.hpp).
#include "nnfit/report/compare_report.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "document.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/experiments/statistics.hpp"
#include "nnfit/gemm.hpp"
#include "nnfit/version.hpp"
#include "svg_plot.hpp"

namespace nnfit {

namespace {

namespace fs = std::filesystem;

std::string fmt(double v, const char* format = "%.4g") {
  return report::cell_number(v, format);
}

// "0.2345 ± 0.0123 [0.2200, 0.2490]" from an estimate object; "-" when absent.
std::string estimate_text(const json& measures, const std::string& name,
                          const char* format = "%.4g") {
  if (!measures.contains(name)) return "-";
  const json& e = measures[name];
  if (e["n"].get<int>() < 2) return fmt(e["mean"].get<double>(), format) + " (n=1)";
  return fmt(e["mean"].get<double>(), format) + " ± " + fmt(e["sd"].get<double>(), format) + " [" +
         fmt(e["ci_low"].get<double>(), format) + ", " + fmt(e["ci_high"].get<double>(), format) +
         "]";
}

const char* format_of(const std::string& measure) {
  if (measure.find("accuracy") != std::string::npos) return "%.4f";
  if (measure.find("to_target") != std::string::npos) return "%.1f";
  if (measure == "wall_time") return "%.1f";
  return "%.4g";
}

std::string describe_measure(const std::string& m, const json& summary) {
  if (m == "steps_to_target" || m == "epochs_to_target") {
    const json& t = summary["target"];
    const std::string metric = t["metric"].get<std::string>();
    const int window = summary.value("log_every_steps", 0);
    std::string text = std::string(m == "steps_to_target" ? "steps" : "epochs") + " to " + metric +
                       (metric.find("loss") != std::string::npos ? " <= " : " >= ") +
                       fmt(t["value"].get<double>());
    const int every = summary.value("eval_every_steps", 0);
    if (m == "steps_to_target" && metric == "train_loss" && window > 0)
      text += " (mean over " + std::to_string(window) + "-step windows)";
    else if (m == "steps_to_target" && every > 0 && metric.rfind("val_", 0) == 0)
      text += " (checked every " + std::to_string(every) + " steps)";
    else if (m == "steps_to_target")
      text += " (measured at epoch ends)";
    return text;
  }
  if (m == "loss_auc") return "mean training loss over epochs";
  if (m == "val_loss_auc") return "mean validation loss over epochs";
  if (m == "test_accuracy_at_best_val") return "test accuracy at the best validation epoch";
  if (m == "val_loss_at_25pct") return "validation loss after 25% of the steps";
  if (m == "val_loss_at_50pct") return "validation loss after 50% of the steps";
  return m;
}

// Per arm and seed, a metric over epochs.
struct Curve {
  std::vector<double> x, mean, low, high;
};

Curve curve(const std::vector<RunRecord>& records, const std::string& arm,
            const std::function<std::optional<double>(const RunRecord&, std::size_t)>& value,
            std::size_t points) {
  Curve c;
  for (std::size_t i = 0; i < points; ++i) {
    std::vector<double> v;
    for (const auto& r : records)
      if (r.arm == arm && r.ok())
        if (auto x = value(r, i)) v.push_back(*x);
    if (v.empty()) continue;
    double sum = 0, lo = v[0], hi = v[0];
    for (double x : v) sum += x, lo = std::min(lo, x), hi = std::max(hi, x);
    c.x.push_back(static_cast<double>(i));
    c.mean.push_back(sum / static_cast<double>(v.size()));
    c.low.push_back(lo);
    c.high.push_back(hi);
  }
  return c;
}

std::string epoch_metric_for_accuracy(const std::vector<RunRecord>& records) {
  for (const auto& r : records)
    for (const auto& e : r.epochs) {
      if (e.validation.accuracy) return "val_accuracy";
      if (e.test.accuracy) return "test_accuracy";
      if (e.train.accuracy) return "train_accuracy";
    }
  return "";
}

}  // namespace

std::string describe_machine() {
  std::string cpu = "unknown CPU", os = "unknown OS";
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  std::ifstream release("/etc/os-release");
  for (std::string line; std::getline(release, line);)
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      os = line.substr(12);
      if (os.size() >= 2 && os.front() == '"') os = os.substr(1, os.size() - 2);
    }
  return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, " + os;
}

std::string summary_table(const json& summary) {
  std::string out;
  const bool init_only = summary.value("initialization_only", false);
  char line[512];
  if (init_only) {
    std::snprintf(line, sizeof line, "%-22s %5s  %-34s %-34s\n", "arm", "runs",
                  "post-activation |mean|, max layer", "post-activation variance, range");
    out += line;
    for (const auto& a : summary["arms"]) {
      double max_mean = 0, lo = INFINITY, hi = 0;
      for (const auto& l : a["layers_at_init"]) {
        max_mean = std::max(max_mean, std::fabs(l["post_mean"]["mean"].get<double>()));
        lo = std::min(lo, l["post_var"]["mean"].get<double>());
        hi = std::max(hi, l["post_var"]["mean"].get<double>());
      }
      std::snprintf(line, sizeof line, "%-22s %5d  %-34s %-34s\n",
                    a["name"].get<std::string>().c_str(), a["runs"].get<int>(),
                    fmt(max_mean).c_str(), (fmt(lo) + " .. " + fmt(hi)).c_str());
      out += line;
    }
    return out;
  }
  const std::string speed = summary["speed_measure"].get<std::string>();
  bool born_dead = false;  // a column only when some run was born dead
  for (const auto& a : summary["arms"]) born_dead |= a["dead_layer_at_init"].get<int>() > 0;
  std::snprintf(line, sizeof line, "%-20s %9s %9s %s%12s %12s %10s  %s\n", "arm", "finished",
                "reached", born_dead ? "born dead " : "", "final loss", "final acc",
                speed == "steps_to_target" ? "steps->tgt" : "loss AUC",
                ("vs " + summary["baseline"].get<std::string>()).c_str());
  out += line;
  for (const auto& a : summary["arms"]) {
    const json& m = a["measures"];
    auto mean = [&](const std::string& k, const char* f) {
      if (k == "steps_to_target" && a.contains("target"))
        return fmt(a["target"]["restricted_mean"].get<double>(), "%.0f");
      return m.contains(k) ? fmt(m[k]["mean"].get<double>(), f) : std::string("-");
    };
    std::string acc = m.contains("final_test_accuracy") ? mean("final_test_accuracy", "%.4f")
                                                        : mean("final_val_accuracy", "%.4f");
    std::string verdict = a["name"] == summary["baseline"] ? "(baseline)" : "-";
    for (const auto& c : summary["comparisons"])
      if (c["arm"] == a["name"] && c["headline"].get<bool>())
        verdict = c["verdict"].get<std::string>();
    const std::string reached = a.contains("reached_target")
                                    ? std::to_string(a["reached_target"].get<int>()) + "/" +
                                          std::to_string(a["runs"].get<int>())
                                    : "-";
    char dead[32] = "";
    if (born_dead)
      std::snprintf(dead, sizeof dead, "%9s ",
                    (std::to_string(a["dead_layer_at_init"].get<int>()) + "/" +
                     std::to_string(a["runs"].get<int>()))
                        .c_str());
    std::snprintf(line, sizeof line, "%-20s %5d/%-3d %9s %s%12s %12s %10s  %s\n",
                  a["name"].get<std::string>().c_str(), a["finished"].get<int>(),
                  a["runs"].get<int>(), reached.c_str(), dead,
                  mean("final_train_loss", "%.4f").c_str(), acc.c_str(),
                  mean(speed, "%.4f").c_str(), verdict.c_str());
    out += line;
  }
  return out;
}

namespace {

// What every part of the report reads.
struct ReportInputs {
  const Experiment& e;
  const std::vector<RunRecord>& records;
  const json& summary;
  const ReportContext& context;
  std::map<std::string, std::string> colors;  // arm -> plot colour
  std::size_t epochs = 0;                     // the longest run's
};

struct Figure {
  std::string caption, file, svg;
};

// runs.jsonl, summary.json and experiment.json.
void write_machine_files(const fs::path& dir, const Experiment& e,
                         const std::vector<RunRecord>& records, const json& summary) {
  std::string lines;
  for (const auto& r : records) {
    json j = r.to_json();
    j.erase("config");  // in experiment.json, once per arm
    lines += j.dump() + "\n";
  }
  write_file_atomically((dir / "runs.jsonl").string(), lines);
  write_file_atomically((dir / "summary.json").string(), summary.dump(2) + "\n");
  json experiment_json = {{"spec", e.spec}, {"arms", json::array()}};
  for (const auto& a : e.arms)
    experiment_json["arms"].push_back({{"name", a.name},
                                       {"description", a.description},
                                       {"config", e.run_config(a, e.seeds.front())}});
  write_file_atomically((dir / "experiment.json").string(), experiment_json.dump(2) + "\n");
}

// summary.csv: one row per arm and measure, with its comparison to the baseline.
std::string summary_csv(const json& summary) {
  std::string csv =
      "arm,measure,n,mean,sd,ci_low,ci_high,difference_vs_baseline,relative_difference,t_low,"
      "t_high,p,p_adjusted,verdict\n";
  auto cell = [&csv](const std::string& text) { csv.append(",").append(text); };
  for (const auto& a : summary["arms"])
    for (const auto& [name, est] : a["measures"].items()) {
      csv.append(a["name"].get<std::string>());
      cell(name);
      cell(std::to_string(est["n"].get<int>()));
      for (const char* k : {"mean", "sd", "ci_low", "ci_high"})
        cell(fmt(est[k].get<double>(), "%.9g"));
      bool found = false;
      for (const auto& c : summary["comparisons"])
        if (c["arm"] == a["name"] && c["measure"] == name) {
          cell(fmt(c["difference"].get<double>(), "%.9g"));
          cell(c["relative"].is_number() ? fmt(c["relative"].get<double>(), "%.9g") : "");
          for (int i : {0, 1})
            cell(c.contains("t_interval") ? fmt(c["t_interval"][i].get<double>(), "%.9g") : "");
          cell(fmt(c["p"].get<double>(), "%.9g"));
          cell(fmt(c["p_adjusted"].get<double>(), "%.9g"));
          cell(c["verdict"].get<std::string>());
          found = true;
        }
      if (!found) csv.append(",,,,,,");
      csv.append("\n");
    }
  return csv;
}

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
  for (const auto& a : summary["arms"]) {
    if (!a.contains("target")) continue;
    const std::string name = a["name"].get<std::string>();
    plot::Series s{name, colors.at(name), {0.0}, {0.0}, {}, {}, false, true};
    double reached = 0;
    for (const auto& point : a["target"]["kaplan_meier"]) {
      s.x.push_back(point[0].get<double>());
      s.y.push_back(reached);
      reached = 1.0 - point[1].get<double>();
      s.x.push_back(point[0].get<double>());
      s.y.push_back(reached);
    }
    s.x.push_back(a["target"]["tau"].get<double>());
    s.y.push_back(reached);
    chart.series.push_back(s);
  }
  return {
      "Kaplan-Meier estimate of the share of runs that reached the target by each step "
      "(1 - S(t)); a run that never reached it is censored at the budget.",
      "time_to_target.svg", chart.svg()};
}

// Activation variance and mean by depth, at initialisation and after training.
std::vector<Figure> depth_plots(const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  std::vector<Figure> plots;
  for (const char* quantity : {"post_var", "post_mean"}) {
    const bool var = std::string(quantity) == "post_var";
    plot::LineChart chart{var ? "Activation variance by depth" : "Activation mean by depth",
                          "hidden layer",
                          var ? "variance of the activations" : "mean of the activations",
                          false,
                          {}};
    std::vector<double> all;
    for (const auto& a : summary["arms"]) {
      const std::string name = a["name"].get<std::string>();
      for (const char* when : {"layers_at_init", "layers_final"}) {
        plot::Series s{name + (std::string(when) == "layers_final" ? " (end)"
                               : e.initialization_only             ? ""
                                                                   : " (init)"),
                       colors.at(name),
                       {},
                       {},
                       {},
                       {},
                       std::string(when) == "layers_final",
                       true};
        for (const auto& l : a[when]) {
          s.x.push_back(l["depth"].get<double>());
          s.y.push_back(l[quantity]["mean"].get<double>());
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
Figure sensitivity_plot(const ReportInputs& in) {
  const json& tuning = in.summary["tuning"];
  const std::string key = tuning["key"].get<std::string>();
  const std::string metric = tuning["metric"].get<std::string>();
  const bool negated = !lower_is_better(metric);
  plot::LineChart chart{"Sensitivity to " + key,
                        "log10 " + key,
                        metric + " (" + tuning["at"].get<std::string>() + " epoch, mean over " +
                            std::to_string(tuning["seeds"].size()) + " tuning seeds)",
                        false,
                        {}};
  std::int64_t steps = 0;
  for (const auto& a : tuning["arms"]) {
    const json& rung = a["rungs"][0];
    steps = rung["steps"].get<std::int64_t>();
    const std::string name = a["arm"].get<std::string>();
    plot::Series s{name, in.colors.at(name), {}, {}, {}, {}, false, true};
    for (const auto& p : rung["points"]) {
      if (p["selection"].is_null()) continue;
      s.x.push_back(std::log10(p["value"].get<double>()));
      s.y.push_back(negated ? -p["selection"].get<double>() : p["selection"].get<double>());
    }
    chart.series.push_back(s);
  }
  return {metric + " after " + std::to_string(steps) + " optimiser steps at each value of " + key +
              " (the first rung of the tuning, every point on the same budget); a point that "
              "diverged is left out.",
          "tuning_sensitivity.svg", chart.svg()};
}

bool has_layer_statistics(const json& summary) {
  bool has_layers = false;
  for (const auto& a : summary["arms"]) has_layers |= !a["layers_at_init"].empty();
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
  if (in.summary.contains("tuning")) plots.push_back(sensitivity_plot(in));
  if (has_layer_statistics(in.summary)) {
    for (auto& figure : depth_plots(in)) plots.push_back(std::move(figure));
    if (!e.initialization_only && in.epochs > 0) plots.push_back(dead_units_plot(in));
  }
  return plots;
}

void intro_section(report::Document& doc, const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  doc.heading(e.name, 1);
  if (!e.claim.empty())
    doc.paragraph("**Claim.** " + e.claim + (e.source.empty() ? "" : " (" + e.source + ")"));
  std::string seeds;
  for (auto s : e.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  int reused = 0;
  double run_seconds = 0;
  for (const auto& r : records) reused += r.reused, run_seconds += r.wall_time;
  doc.paragraph(
      std::to_string(e.arms.size()) + " arms x " + std::to_string(e.seeds.size()) + " seeds (" +
      seeds + ") = " + std::to_string(records.size()) + " runs" +
      (reused ? " (" + std::to_string(reused) + " reused from an earlier invocation)" : "") +
      ". Generated by nnfit " + kVersion + " on " + context.date + " with `" + context.command +
      "` on " + context.machine + " (" + context.engine + "; the runs took " +
      fmt(run_seconds, "%.0f") + " s in all, this invocation " + fmt(context.wall_time, "%.0f") +
      " s). Build: `" + kCompilerFlags + "`, matrix products: " + gemm_backend() + "." +
      (e.spec.value("smoke_run", false)
           ? " **Smoke size**: a reduced version of the experiment, not its result."
           : ""));
}

// A time difference that a censored run makes a bound: "≥ 120" (an arm that never reached the
// target took longer than its budget), "≤ -80".
std::string bounded(const json& value, const json& bound, const char* format) {
  const std::string text = fmt(value.get<double>(), format);
  if (bound == "at least") return "≥ " + text;
  if (bound == "at most") return "≤ " + text;
  return text;
}

// The interval of a median time difference, from the sign test (or why there is none).
std::string time_interval(const json& c, const char* format) {
  if (c.value("identical", false)) {
    const int decided = c["faster"].get<int>() + c["slower"].get<int>();
    return decided == c["n"].get<int>()
               ? std::string("identical in every seed")
               : "identical in every decided pair (" + std::to_string(decided) + " of " +
                     c["n"].dump() + ")";
  }
  if (!c.contains("interval") || c["interval"].is_null())
    return c["n"].get<int>() - c["undetermined"].get<int>() < 6
               ? "not estimable (< 6 decided pairs)"
               : "not estimable";
  return "[" + bounded(c["interval"][0], c["interval_bounds"][0], format) + ", " +
         bounded(c["interval"][1], c["interval_bounds"][1], format) + "]";
}

// One comparison as a table row: arm, measure (optional), difference, relative, interval,
// p, Holm-adjusted p, pairs, verdict.
std::vector<std::string> comparison_row(const json& c, bool with_measure, bool bold) {
  const std::string m = c["measure"].get<std::string>();
  const char* f = format_of(m);
  std::vector<std::string> row = {c["arm"].get<std::string>()};
  if (with_measure) row.push_back(m);
  const bool times = m == "steps_to_target";
  row.push_back(times ? bounded(c["difference"], c["difference_bound"], f)
                      : fmt(c["difference"].get<double>(), f));
  row.push_back(c["relative"].is_number() ? fmt(100.0 * c["relative"].get<double>(), "%+.1f%%")
                                          : "-");
  row.push_back(times ? time_interval(c, f)
                      : "[" + fmt(c["t_interval"][0].get<double>(), f) + ", " +
                            fmt(c["t_interval"][1].get<double>(), f) + "]");
  row.push_back(fmt(c["p"].get<double>(), "%.3g"));
  row.push_back(fmt(c["p_adjusted"].get<double>(), "%.3g"));
  row.push_back(times ? std::to_string(c["faster"].get<int>()) + " faster, " +
                            std::to_string(c["slower"].get<int>()) + " slower, " +
                            std::to_string(c["undetermined"].get<int>()) + " undecided"
                      : std::to_string(c["n"].get<int>()));
  const std::string v = c["verdict"].get<std::string>();
  row.push_back(bold ? "**" + v + "**" : v);
  return row;
}

std::vector<std::string> comparison_header(const std::string& baseline, bool with_measure) {
  std::vector<std::string> h = {"arm"};
  if (with_measure) h.push_back("measure");
  for (const char* c :
       {"difference", "relative", "95% interval", "p", "Holm p", "pairs", "verdict"})
    h.push_back(c);
  h[with_measure ? 2 : 1] = "difference (arm - " + baseline + ")";
  return h;
}

void verdicts_section(report::Document& doc, const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  const std::string speed = summary["speed_measure"].get<std::string>();
  doc.heading("Verdicts");
  const std::string test =
      speed == "steps_to_target"
          ? "Time to the target is survival data: a run that never reaches it is censored at "
            "the budget, not counted as a value. Each seed's pair is decided when its order is "
            "known (both reached: the earlier; one reached before the other's budget ended) and "
            "the decided pairs go to an exact sign test. The difference shown is the median of "
            "the decided pairs' differences, each time capped at the budget, with the "
            "distribution-free interval of that median from the same binomial (so the interval "
            "and the test agree); a difference involving a run that never reached the target is "
            "a bound, shown as `≥` or `≤`. `neither reached the target` says so plainly."
          : "The p-value is the exact sign-flip permutation test of the paired differences; "
            "the interval is the paired t-interval.";
  doc.paragraph("Speed is measured as **" + describe_measure(speed, summary) +
                "**; each arm is compared with `" + e.baseline + "` on the same seeds (paired). " +
                test +
                " p-values are adjusted across this experiment's arms by Holm's method and "
                "the verdict (`faster`/`slower`) needs an adjusted p below " +
                fmt(kAlpha, "%.2f") + " and at least " + std::to_string(kMinimumPairs) +
                " pairs; otherwise it is `not shown at this many seeds`.");
  std::vector<std::vector<std::string>> rows = {comparison_header(e.baseline, false)};
  for (const auto& c : summary["comparisons"])
    if (c["headline"].get<bool>()) rows.push_back(comparison_row(c, false, true));
  doc.table(rows);
  for (const auto& c : summary["comparisons"])
    if (c["headline"].get<bool>() && c.contains("detectable") && c["detectable"].is_number()) {
      doc.paragraph("With " + std::to_string(c["n"].get<int>()) +
                    " seeds and the spread seen here, a difference smaller than about " +
                    fmt(c["detectable"].get<double>(), format_of(speed)) +
                    " (in the units above) would likely go undetected (80% power, paired "
                    "t-test, 5% two-sided).");
      break;
    }
}

// "tune": {"fixed": v}: the headline verdicts at each arm's tuned value beside those with every
// arm at v, so that a reader sees which verdicts are about the learning rate.
void sensitivity_section(report::Document& doc, const ReportInputs& in) {
  const json& fixed = in.summary["fixed"];
  const std::string key = fixed["key"].get<std::string>();
  const std::string value = fmt(fixed["value"].get<double>());
  doc.heading("Sensitivity: tuned against fixed " + key);
  doc.paragraph("The evaluation seeds ran twice: each arm at its own tuned `" + key +
                "` (the verdicts above) and every arm at `" + key + "` = " + value +
                " (runs under `fixed/`). A verdict that differs between the two is about the " +
                key + ", not the arm.");
  std::vector<std::vector<std::string>> rows = {
      {"arm", "tuned: difference [95% interval]", "tuned verdict",
       "fixed " + value + ": difference [95% interval]", "fixed verdict", "same?"}};
  const auto cell = [](const json& c) {
    const auto row = comparison_row(c, false, false);  // arm, difference, relative, interval, ...
    return row[1] + " " + row[3];
  };
  for (const auto& c : in.summary["comparisons"]) {
    if (!c["headline"].get<bool>()) continue;
    for (const auto& f : fixed["comparisons"])
      if (f["headline"].get<bool>() && f["arm"] == c["arm"]) {
        const std::string tuned = c["verdict"], at_fixed = f["verdict"];
        rows.push_back({c["arm"].get<std::string>(), cell(c), "**" + tuned + "**", cell(f),
                        "**" + at_fixed + "**", tuned == at_fixed ? "yes" : "no"});
      }
  }
  doc.table(rows);
}

void tuning_section(report::Document& doc, const ReportInputs& in) {
  const json& t = in.summary["tuning"];
  std::string seeds;
  for (const auto& s : t["seeds"]) seeds += (seeds.empty() ? "" : ", ") + s.dump();
  doc.heading("Tuning");
  doc.paragraph(
      "Each arm ran at its own `" + t["key"].get<std::string>() + "`, chosen among " +
      std::to_string(t["values"].size()) + " values by " +
      (t["method"] == "successive_halving"
           ? "successive halving (eta " + t["eta"].dump() + "; Jamieson and Talwalkar 2016)"
           : std::string("a full grid")) +
      " on the validation split's `" + t["metric"].get<std::string>() + "` at its " +
      t["at"].get<std::string>() + " epoch, on tuning seeds " + seeds +
      ", which are not evaluation seeds; no test metric is read. A value at which any tuning "
      "run diverged (or failed) scores as the worst, whatever its finished epochs measured: it "
      "can never be chosen.");
  std::vector<std::vector<std::string>> rows = {
      {"arm", "chosen", "rungs (steps: points)", "diverged tuning runs (value: runs)", "note"}};
  const std::string of = "/" + std::to_string(t["seeds"].size());
  for (const auto& a : t["arms"]) {
    std::string rungs, diverged;
    for (const auto& r : a["rungs"]) {
      rungs += (rungs.empty() ? "" : ", ") + r["steps"].dump() + ": " +
               std::to_string(r["points"].size());
      for (const auto& p : r["points"])
        if (p.value("diverged", 0) > 0)
          diverged += (diverged.empty() ? "" : ", ") + fmt(p["value"].get<double>()) + ": " +
                      p["diverged"].dump() + of;
    }
    for (const auto& x : a.value("extended", json::array()))
      if (x.value("diverged", 0) > 0)
        diverged += (diverged.empty() ? "" : ", ") + fmt(x["value"].get<double>()) + ": " +
                    x["diverged"].dump() + of;
    std::string note = a["on_edge"].get<bool>() ? "on the edge of the space: widen it" : "";
    for (const auto& x : a.value("extended", json::array()))
      note += (note.empty() ? "" : "; ") + std::string("tried beyond the edge: ") +
              fmt(x["value"].get<double>()) + " (" +
              (x["selection"].is_number() ? fmt(x["selection"].get<double>(), "%.4g")
                                          : std::string("diverged")) +
              ")";
    for (const auto& x : a.value("removed_by_divergence", json::array()))
      note += (note.empty() ? "" : "; ") + fmt(x["value"].get<double>()) + " had the best " +
              t["metric"].get<std::string>() + " in its finished tuning runs (" +
              fmt(x["finished_mean"].get<double>(), "%.4g") + ", rung " + x["rung"].dump() +
              ") but diverged in " + x["diverged"].dump() + of + ": not chosen";
    rows.push_back({a["arm"].get<std::string>(), fmt(a["chosen"].get<double>()), rungs,
                    diverged.empty() ? "none" : diverged, note});
  }
  doc.table(rows);
}

void arms_section(report::Document& doc, const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  doc.heading("Arms");
  doc.paragraph(
      "Each value: mean ± standard deviation over seeds [95% confidence interval of the mean].");
  {
    std::vector<std::string> measures;
    if (e.initialization_only) {
      measures = {};
    } else {
      measures = {"final_train_loss",          "final_val_loss", "final_val_accuracy",
                  "test_accuracy_at_best_val", "val_loss_auc",   "loss_auc"};
      measures.push_back("dead_final");
      measures.push_back("wall_time");
    }
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header = {"arm", "setup", "runs"};
    if (!e.initialization_only) header.push_back("diverged");
    if (e.target) header.push_back("reached target");
    if (e.target) header.push_back("restricted mean steps to target [95% CI]");
    header.push_back("dead layer at init");
    std::vector<std::string> present;
    for (const auto& m : measures) {
      bool any = false;
      for (const auto& a : summary["arms"]) any |= a["measures"].contains(m);
      if (any) present.push_back(m), header.push_back(describe_measure(m, summary));
    }
    rows.push_back(header);
    for (const auto& a : summary["arms"]) {
      std::vector<std::string> row = {a["name"].get<std::string>(),
                                      a["description"].get<std::string>(),
                                      std::to_string(a["runs"].get<int>())};
      if (!e.initialization_only) row.push_back(std::to_string(a["diverged"].get<int>()));
      if (e.target) {
        const json& t = a["target"];
        row.push_back(std::to_string(t["reached"].get<int>()) + "/" +
                      std::to_string(t["runs"].get<int>()));
        row.push_back(fmt(t["restricted_mean"].get<double>(), "%.0f") + " [" +
                      fmt(t["restricted_mean_ci"][0].get<double>(), "%.0f") + ", " +
                      fmt(t["restricted_mean_ci"][1].get<double>(), "%.0f") + "]");
      }
      row.push_back(std::to_string(a["dead_layer_at_init"].get<int>()) + "/" +
                    std::to_string(a["runs"].get<int>()));
      for (const auto& m : present) row.push_back(estimate_text(a["measures"], m, format_of(m)));
      rows.push_back(row);
    }
    doc.table(rows);
  }
}

void hidden_layers_section(report::Document& doc, const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  doc.heading("Hidden layers");
  doc.paragraph("Mean and variance of each hidden layer's activations on the probe batch (" +
                std::to_string(e.diagnostics.probe_samples) + " rows of the " +
                e.diagnostics.split +
                " split), and the fraction of dead units (never positive on the probe batch); "
                "mean over seeds" +
                (e.initialization_only ? "" : ", at initialisation and after training") + ".");
  std::vector<std::vector<std::string>> rows = {
      {"arm", "when", "layer", "mean", "variance", "dead"}};
  for (const auto& a : summary["arms"])
    for (const char* when : {"layers_at_init", "layers_final"}) {
      const auto& layers = a[when];
      const std::size_t n = layers.size();
      for (std::size_t i = 0; i < n; ++i) {
        // Long stacks: the first three, every 4th, and the last.
        if (n > 10 && i >= 3 && i + 1 < n && (i + 1) % 4 != 0) continue;
        const auto& l = layers[i];
        rows.push_back(
            {a["name"].get<std::string>(), std::string(when) == "layers_final" ? "end" : "init",
             std::to_string(l["depth"].get<int>()), fmt(l["post_mean"]["mean"].get<double>()),
             fmt(l["post_var"]["mean"].get<double>()),
             fmt(l["dead"]["mean"].get<double>(), "%.3f")});
      }
    }
  doc.table(rows);
}

void comparisons_section(report::Document& doc, const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  doc.heading("Every paired comparison");
  doc.paragraph(
      "Each measure's p-values are adjusted across the arms by Holm's method; the "
      "headline measure's are those of the verdicts above.");
  std::vector<std::vector<std::string>> rows = {comparison_header(e.baseline, true)};
  for (const auto& c : summary["comparisons"]) rows.push_back(comparison_row(c, true, false));
  doc.table(rows);
}

void problems_section(report::Document& doc, const std::vector<RunRecord>& records) {
  std::vector<std::vector<std::string>> problems = {{"arm", "seed", "status", "message"}};
  for (const auto& r : records)
    if (!r.ok()) problems.push_back({r.arm, std::to_string(r.seed), r.status, r.error});
  if (problems.size() > 1) {
    doc.heading("Runs that did not finish");
    doc.table(problems);
  }
}

void method_section(report::Document& doc, const ReportInputs& in) {
  const auto& [e, records, summary, context, colors, epochs] = in;
  doc.heading("Method");
  doc.paragraph(
      "For a given seed every arm gets the same data split and preprocessing, the same "
      "mini-batches in the same order, and the same random draws for its initial weights (layer "
      "by layer): arms whose layers have the same shapes and whose initialisers are of the same "
      "family (normal or uniform) start from weights that differ only by the initialiser's "
      "scale. Each run trains on one thread. Training loss is the running mean over each epoch's "
      "batches (in training mode); validation and test metrics are full passes at the end of "
      "each epoch. Time to a target is survival data: a run that never reaches it is censored "
      "at the budget (Kaplan and Meier 1958), compared pairwise by an exact sign test over the "
      "seeds whose order is known; continuous measures by the paired t-interval and the exact "
      "sign-flip permutation test (all 2^n sign patterns up to 16 seeds); each measure's "
      "p-values are adjusted across arms by Holm's method (Holm 1979). Intervals of means are "
      "clipped to the measure's range. Everything called best is chosen on the validation "
      "split (the test accuracy reported is that of the epoch with the lowest validation "
      "loss). Wall times are measured with " +
      context.engine + ".");
  doc.heading("Configs");
  doc.code("the experiment", e.spec.dump(2));
  for (const auto& a : e.arms)
    doc.code("arm " + a.name + " (seed " + std::to_string(e.seeds.front()) + ")",
             e.run_config(a, e.seeds.front()).dump(2));
}

}  // namespace

json summary_with_context(const json& summary_in, const ReportContext& context) {
  json summary = summary_in;
  summary["command"] = context.command;
  summary["machine"] = context.machine;
  summary["nnfit_version"] = kVersion;
  summary["compiler_flags"] = kCompilerFlags;
  summary["matrix_products"] = gemm_backend();
  summary["date"] = context.date;
  return summary;
}

void write_report(const Experiment& e, const std::vector<RunRecord>& records,
                  const json& summary_in, const ReportContext& context, const std::string& output) {
  const fs::path dir(output);
  fs::create_directories(dir / "plots");
  const json summary = summary_with_context(summary_in, context);
  write_machine_files(dir, e, records, summary);
  write_file_atomically((dir / "summary.csv").string(), summary_csv(summary));

  ReportInputs in{e, records, summary, context, {}, 0};
  for (const auto& r : records) in.epochs = std::max(in.epochs, r.epochs.size());
  for (std::size_t i = 0; i < e.arms.size(); ++i) in.colors[e.arms[i].name] = plot::color(i);
  const std::vector<Figure> plots = all_plots(in);
  for (const auto& p : plots) write_file_atomically((dir / "plots" / p.file).string(), p.svg);

  report::Document doc;
  intro_section(doc, in);
  if (!e.initialization_only) verdicts_section(doc, in);
  if (summary.contains("fixed")) sensitivity_section(doc, in);
  if (summary.contains("tuning")) tuning_section(doc, in);
  arms_section(doc, in);
  doc.heading("Plots");
  for (const auto& p : plots) doc.figure(p.caption, "plots/" + p.file, p.svg);
  if (has_layer_statistics(summary)) hidden_layers_section(doc, in);
  if (!e.initialization_only) comparisons_section(doc, in);
  problems_section(doc, records);
  method_section(doc, in);
  write_file_atomically((dir / "report.md").string(), doc.markdown());
  write_file_atomically((dir / "report.html").string(), doc.html(e.name));
}

}  // namespace nnfit
