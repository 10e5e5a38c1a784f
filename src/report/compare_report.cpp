// The comparison's files (runs.jsonl, summary.json and .csv, experiment.json, plots) and its
// report, put together from its parts (compare_report_parts.hpp).
#include "nnfit/report/compare_report.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "compare_report_parts.hpp"
#include "document.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/experiments/statistics.hpp"
#include "nnfit/gemm.hpp"
#include "nnfit/version.hpp"
#include "svg_plot.hpp"

namespace nnfit {

using namespace compare_parts;

namespace {

namespace fs = std::filesystem;

// runs.jsonl, summary.json and experiment.json.
void write_machine_files(const fs::path& dir, const Experiment& e,
                         const std::vector<RunRecord>& records, const Summary& summary) {
  std::string lines;
  for (const auto& r : records) {
    json j = r.to_json();
    j.erase("config");  // in experiment.json, once per arm
    lines += j.dump() + "\n";
  }
  write_file_atomically((dir / "runs.jsonl").string(), lines);
  write_file_atomically((dir / "summary.json").string(), json(summary).dump(2) + "\n");
  json experiment_json = {{"spec", e.spec}, {"arms", json::array()}};
  for (const auto& a : e.arms)
    experiment_json["arms"].push_back({{"name", a.name},
                                       {"description", a.description},
                                       {"config", e.run_config(a, e.seeds.front())}});
  write_file_atomically((dir / "experiment.json").string(), experiment_json.dump(2) + "\n");
}

// The comparison of an arm's measure with the baseline's, as summary.csv's last seven cells.
std::string comparison_cells(const Comparison& c) {
  std::string cells;
  auto cell = [&cells](const std::string& text) { cells.append(",").append(text); };
  cell(fmt(c.difference, "%.9g"));
  cell(c.relative ? fmt(*c.relative, "%.9g") : "");
  for (int i : {0, 1}) cell(c.continuous ? fmt(c.continuous->t_interval[i], "%.9g") : "");
  cell(fmt(c.p, "%.9g"));
  cell(fmt(c.p_adjusted, "%.9g"));
  cell(c.verdict);
  return cells;
}

// summary.csv: one row per arm and measure, with its comparison to the baseline.
std::string summary_csv(const Summary& summary) {
  std::string csv =
      "arm,measure,n,mean,sd,ci_low,ci_high,difference_vs_baseline,relative_difference,t_low,"
      "t_high,p,p_adjusted,verdict\n";
  for (const auto& a : summary.arms)
    for (const auto& [name, est] : a.measures) {
      csv.append(a.name + "," + name + "," + std::to_string(est.n));
      for (const double v : {est.mean, est.sd, est.ci_low, est.ci_high})
        csv.append(",").append(fmt(v, "%.9g"));
      bool found = false;
      for (const auto& c : summary.comparisons)
        if (c.arm == a.name && c.measure == name) {
          csv.append(comparison_cells(c));
          found = true;
        }
      if (!found) csv.append(",,,,,,");
      csv.append("\n");
    }
  return csv;
}

}  // namespace

Provenance provenance_of(const ReportContext& context) {
  return {context.command, context.machine, kVersion, kCompilerFlags, gemm_backend(), context.date};
}

void write_report(const Experiment& e, const std::vector<RunRecord>& records,
                  const Summary& summary_in, const ReportContext& context,
                  const std::string& output) {
  const fs::path dir(output);
  fs::create_directories(dir / "plots");
  Summary summary = summary_in;
  summary.provenance = provenance_of(context);
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
  bool costs = false;
  for (const auto& a : summary.arms) costs |= a.step_cost.has_value();
  if (costs) cost_section(doc, in);
  if (summary.fixed) sensitivity_section(doc, in);
  if (summary.tuning) tuning_section(doc, in);
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
