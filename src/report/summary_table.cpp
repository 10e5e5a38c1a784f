// The table `nnfit compare` prints at its end (nnfit/report/summary_table.hpp).
#include "nnfit/report/summary_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "compare_report_parts.hpp"

namespace nnfit {

using compare_parts::fmt;

namespace {

// Initialisation-only experiments: per arm, the largest |mean| of a layer's activations and
// the range of their variances.
std::string initialization_table(const Summary& summary) {
  char line[512];
  std::snprintf(line, sizeof line, "%-22s %5s  %-34s %-34s\n", "arm", "runs",
                "post-activation |mean|, max layer", "post-activation variance, range");
  std::string out = line;
  for (const auto& a : summary.arms) {
    double max_mean = 0, lo = INFINITY, hi = 0;
    for (const auto& l : a.layers_at_init) {
      max_mean = std::max(max_mean, std::fabs(l.post_mean.mean));
      lo = std::min(lo, l.post_var.mean);
      hi = std::max(hi, l.post_var.mean);
    }
    std::snprintf(line, sizeof line, "%-22s %5d  %-34s %-34s\n", a.name.c_str(), a.runs,
                  fmt(max_mean).c_str(), (fmt(lo) + " .. " + fmt(hi)).c_str());
    out += line;
  }
  return out;
}

// An arm's headline verdict against the baseline.
std::string headline_verdict(const Summary& summary, const ArmSummary& a) {
  std::string verdict = a.name == summary.baseline ? "(baseline)" : "-";
  for (const auto& c : summary.comparisons)
    if (c.arm == a.name && c.headline) verdict = c.verdict;
  return verdict;
}

}  // namespace

std::string summary_table(const Summary& summary) {
  if (summary.initialization_only) return initialization_table(summary);
  std::string out;
  char line[512];
  const std::string speed = summary.speed_measure.value_or("");
  bool born_dead = false;  // a column only when some run was born dead
  for (const auto& a : summary.arms) born_dead |= a.dead_layer_at_init > 0;
  std::snprintf(line, sizeof line, "%-20s %9s %9s %s%12s %12s %10s  %s\n", "arm", "finished",
                "reached", born_dead ? "born dead " : "", "final loss", "final acc",
                speed == "steps_to_target" ? "steps->tgt"
                : speed == "speedup"       ? "speedup"
                                           : "loss AUC",
                ("vs " + summary.baseline).c_str());
  out += line;
  for (const auto& a : summary.arms) {
    auto mean = [&](const std::string& k, const char* f) {
      if (k == "steps_to_target" && a.target) return fmt(a.target->restricted_mean, "%.0f");
      if (k == "speedup") {
        for (const auto& c : summary.comparisons)
          if (c.arm == a.name && c.measure == k) return fmt(c.difference, "%.3f") + "x";
        return std::string(a.name == summary.baseline ? "1x" : "-");
      }
      const auto it = a.measures.find(k);
      return it != a.measures.end() ? fmt(it->second.mean, f) : std::string("-");
    };
    std::string acc = a.measures.count("final_test_accuracy") ? mean("final_test_accuracy", "%.4f")
                                                              : mean("final_val_accuracy", "%.4f");
    const std::string reached =
        a.target ? std::to_string(a.target->reached) + "/" + std::to_string(a.runs) : "-";
    char dead[32] = "";
    if (born_dead)
      std::snprintf(dead, sizeof dead, "%9s ",
                    (std::to_string(a.dead_layer_at_init) + "/" + std::to_string(a.runs)).c_str());
    std::snprintf(line, sizeof line, "%-20s %5d/%-3d %9s %s%12s %12s %10s  %s\n", a.name.c_str(),
                  a.finished, a.runs, reached.c_str(), dead,
                  mean("final_train_loss", "%.4f").c_str(), acc.c_str(),
                  mean(speed, "%.4f").c_str(), headline_verdict(summary, a).c_str());
    out += line;
  }
  return out;
}

}  // namespace nnfit
