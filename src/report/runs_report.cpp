// Several runs on one page (nnfit/report/run_report.hpp, write_runs_report): the curves of
// every run overlaid, the config keys that differ and the final metrics.
#include <filesystem>
#include <map>
#include <set>

#include "document.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/report/run_report.hpp"
#include "run_files.hpp"
#include "svg_plot.hpp"

namespace nnfit {

namespace {

namespace fs = std::filesystem;

struct RunFiles {
  std::string name;  // the directory's name: runs of one config differ by it
  json config, summary;
  std::vector<json> metrics;
};

RunFiles read_run(const fs::path& dir) {
  RunFiles r;
  r.name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  r.metrics = report::read_lines(dir / "metrics.jsonl");
  r.config = parse_json_text(report::read_text(dir / "config.json"), (dir / "config.json").string(),
                             JsonBlame::data);
  if (fs::exists(dir / "summary.json"))
    r.summary = parse_json_text(report::read_text(dir / "summary.json"),
                                (dir / "summary.json").string(), JsonBlame::data);
  return r;
}

// A config as dotted keys ("optimizer.lr") and their values' JSON text.
void flatten(const json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
    return;
  }
  out[prefix] = j.dump();
}

// The keys whose values are not the same in every run, with each run's value.
std::vector<std::vector<std::string>> config_differences(const std::vector<RunFiles>& runs) {
  std::vector<std::map<std::string, std::string>> flat(runs.size());
  std::set<std::string> keys;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    flatten(runs[i].config, "", flat[i]);
    for (const auto& [k, v] : flat[i]) keys.insert(k);
  }
  std::vector<std::vector<std::string>> rows = {{"config key"}};
  for (const auto& r : runs) rows[0].push_back(r.name);
  for (const auto& key : keys) {
    std::vector<std::string> row = {key};
    bool differs = false;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto it = flat[i].find(key);
      row.push_back(it == flat[i].end() ? "(absent)" : it->second);
      differs |= row.back() != row[1];
    }
    if (differs) rows.push_back(row);
  }
  return rows;
}

// One chart with a line per run (a second style for the validation curve) of `keys`.
void overlay(report::Document& doc, const std::vector<RunFiles>& runs, const std::string& x_key,
             const std::vector<std::string>& keys, const std::string& title,
             const std::string& y_label, const std::string& caption, bool log_allowed = true) {
  plot::LineChart chart{title, x_key == "step" ? "optimiser step" : x_key, y_label, false, {}};
  std::vector<double> all;
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (std::size_t k = 0; k < keys.size(); ++k) {
      plot::Series s{runs[r].name + (keys.size() > 1 ? " " + keys[k] : ""),
                     plot::color(r),
                     {},
                     {},
                     {},
                     {},
                     k > 0,
                     true};
      for (const auto& m : runs[r].metrics)
        if (m.contains(x_key) && m.contains(keys[k]) && m[keys[k]].is_number()) {
          s.x.push_back(m[x_key].get<double>());
          s.y.push_back(m[keys[k]].get<double>());
        }
      all.insert(all.end(), s.y.begin(), s.y.end());
      if (!s.x.empty()) chart.series.push_back(std::move(s));
    }
  if (chart.series.empty()) return;
  chart.log_y = log_allowed && plot::spans_decades(all);
  doc.figure(caption, "", chart.svg());
}

// Each run's final metrics, the keys any run has.
std::vector<std::vector<std::string>> final_metrics(const std::vector<RunFiles>& runs) {
  std::vector<std::string> columns;
  for (const auto& r : runs)
    for (const char* split : {"train", "val", "test"})
      if (r.summary.contains("final") && r.summary["final"].contains(split))
        for (const auto& [k, v] : r.summary["final"][split].items())
          if (v.is_number() && std::find(columns.begin(), columns.end(),
                                         std::string(split) + "_" + k) == columns.end())
            columns.push_back(std::string(split) + "_" + k);
  std::vector<std::vector<std::string>> rows = {{"run", "status", "epochs"}};
  rows[0].insert(rows[0].end(), columns.begin(), columns.end());
  for (const auto& r : runs) {
    rows.push_back({r.name, r.summary.value("status", std::string("in progress")),
                    std::to_string(r.metrics.size())});
    for (const auto& c : columns) {
      const std::string split = c.substr(0, c.find('_')), key = c.substr(c.find('_') + 1);
      const json v = r.summary.contains("final")
                         ? r.summary["final"].value(split, json::object()).value(key, json())
                         : json();
      rows.back().push_back(v.is_number() ? report::cell_number(v.get<double>()) : "-");
    }
  }
  return rows;
}

}  // namespace

std::string write_runs_report(const std::vector<std::string>& dirs, const std::string& output) {
  std::vector<RunFiles> runs;
  for (const auto& d : dirs) runs.push_back(read_run(d));
  report::Document doc;
  doc.heading(std::to_string(runs.size()) + " runs", 1);
  std::string names;
  for (const auto& d : dirs) names += (names.empty() ? "`" : ", `") + d + "`";
  doc.paragraph("The runs " + names + ", each in its own colour (validation dashed).");
  doc.heading("Final metrics");
  doc.table(final_metrics(runs));
  doc.heading("What differs");
  const auto differences = config_differences(runs);
  if (differences.size() > 1)
    doc.table(differences);
  else
    doc.paragraph("The runs' configs are the same.");
  doc.heading("Curves");
  overlay(doc, runs, "epoch", {"train_loss", "val_loss"}, "Loss by epoch", "loss",
          "Training loss (solid; the mean over the epoch's batches) and validation loss (dashed) "
          "of every run.");
  overlay(doc, runs, "epoch", {"train_accuracy", "val_accuracy"}, "Accuracy by epoch", "accuracy",
          "Training (solid) and validation (dashed) accuracy of every run.");
  overlay(doc, runs, "step", {"lr"}, "Learning rate", "learning rate",
          "The learning rate at the last step of each epoch.", false);
  overlay(doc, runs, "epoch", {"grad_norm"}, "Mean gradient norm by epoch", "global gradient norm",
          "The global gradient norm, averaged over each epoch's steps.");
  write_file_atomically(output, doc.html("nnfit: " + std::to_string(runs.size()) + " runs"));
  return output;
}

}  // namespace nnfit
