// The table `nnfit compare` prints at its end (nnfit/report/summary_table.hpp).
#include "nnfit/report/summary_table.hpp"

#include <cstdio>

#include "compare_report_parts.hpp"

namespace nnfit {

using compare_parts::fmt;

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

}  // namespace nnfit
