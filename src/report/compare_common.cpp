// What the parts of a comparison report share (compare_report_parts.hpp): number formats, measure
// descriptions, curves over seeds.
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

#include "compare_report_parts.hpp"
#include "nnfit/experiments/statistics.hpp"
#include "svg_plot.hpp"

namespace nnfit::compare_parts {

std::string fmt(double v, const char* format) {
  return report::cell_number(v, format);
}

std::string estimate_text(const ArmSummary& arm, const std::string& name, const char* format) {
  const auto it = arm.measures.find(name);
  if (it == arm.measures.end()) return "-";
  const Estimate& e = it->second;
  if (e.n < 2) return fmt(e.mean, format) + " (n=1)";
  return fmt(e.mean, format) + " ± " + fmt(e.sd, format) + " [" + fmt(e.ci_low, format) + ", " +
         fmt(e.ci_high, format) + "]";
}

const char* format_of(const std::string& measure) {
  if (measure.find("speedup") != std::string::npos) return "%.3g";
  if (measure.find("accuracy") != std::string::npos) return "%.4f";
  if (measure.find("to_target") != std::string::npos) return "%.1f";
  if (measure == "wall_time") return "%.1f";
  return "%.4g";
}

std::string describe_curve(const Summary& summary) {
  const std::string& kind = summary.speedup_curve;
  if (kind == "val_loss_steps")
    return "validation loss (checked every " + std::to_string(summary.eval_every_steps) + " steps)";
  if (kind == "train_loss_windows")
    return "training loss (mean over " + std::to_string(summary.log_every_steps) + "-step windows)";
  if (kind == "val_loss_epochs") return "validation loss (at epoch ends)";
  return "training loss (epoch means)";
}

std::string times(double ratio) {
  return fmt(ratio, "%.3g") + "×";
}

std::string describe_measure(const std::string& m, const Summary& summary) {
  if ((m == "steps_to_target" || m == "epochs_to_target") && summary.target) {
    const std::string metric = summary.target->metric;
    const int window = summary.log_every_steps;
    std::string text = std::string(m == "steps_to_target" ? "steps" : "epochs") + " to " + metric +
                       (metric.find("loss") != std::string::npos ? " <= " : " >= ") +
                       fmt(summary.target->value);
    const int every = summary.eval_every_steps;
    if (m == "steps_to_target" && metric == "train_loss" && window > 0)
      text += " (mean over " + std::to_string(window) + "-step windows)";
    else if (m == "steps_to_target" && every > 0 && metric.rfind("val_", 0) == 0)
      text += " (checked every " + std::to_string(every) + " steps)";
    else if (m == "steps_to_target")
      text += " (measured at epoch ends)";
    return text;
  }
  if (m == "speedup" || m == "seconds_speedup")
    return std::string(m == "speedup" ? "steps" : "time (steps x cost per step)") + " to each " +
           describe_curve(summary) + " level, as a ratio of the baseline's (< 1: faster)";
  if (m == "loss_auc") return "mean training loss over epochs";
  if (m == "val_loss_auc") return "mean validation loss over epochs";
  if (m == "test_accuracy_at_best_val") return "test accuracy at the best validation epoch";
  if (m == "val_loss_at_25pct") return "validation loss after 25% of the steps";
  if (m == "val_loss_at_50pct") return "validation loss after 50% of the steps";
  return m;
}

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

}  // namespace nnfit::compare_parts
