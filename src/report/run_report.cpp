// report.html for one run (nnfit/report/run_report.hpp): what `compare` draws for many runs,
// for one: loss and accuracy over epochs and steps, learning rate, gradient norm, per-layer
// diagnostics when the run recorded them, the model, the summary and the resolved config.
#include "nnfit/report/run_report.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "document.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/model.hpp"
#include "run_files.hpp"
#include "svg_plot.hpp"

namespace nnfit {

using report::read_lines;
using report::read_text;

namespace {

namespace fs = std::filesystem;

// One series: `y_key` against `x_key` over the records that have both.
plot::Series series_of(const std::vector<json>& records, const std::string& x_key,
                       const std::string& y_key, const std::string& name, std::size_t color) {
  plot::Series s;
  s.name = name;
  s.color = plot::color(color);
  for (const auto& r : records)
    if (r.contains(x_key) && r.contains(y_key) && r[x_key].is_number() && r[y_key].is_number()) {
      s.x.push_back(r[x_key].get<double>());
      s.y.push_back(r[y_key].get<double>());
    }
  return s;
}

// A chart of the given metrics (train and validation, never test: test metrics are in the
// summary table, once) against `x_key`.
void add_chart(report::Document& doc, const std::vector<json>& metrics, const std::string& x_key,
               const std::string& x_label, const std::vector<std::string>& keys,
               const std::string& title, const std::string& y_label,
               const std::string& caption = "", bool log_allowed = true) {
  plot::LineChart chart{title, x_label, y_label, false, {}};
  std::vector<double> all;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    plot::Series s = series_of(metrics, x_key, keys[i], keys[i], i);
    if (s.x.empty()) continue;
    all.insert(all.end(), s.y.begin(), s.y.end());
    chart.series.push_back(std::move(s));
  }
  if (chart.series.empty()) return;
  chart.log_y = log_allowed && plot::spans_decades(all);
  doc.figure(caption, "", chart.svg());
}

std::string number(const json& value) {
  if (!value.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value.get<double>());
  return text;
}

void add_summary(report::Document& doc, const json& summary) {
  doc.paragraph("Status: " + summary.value("status", std::string("in progress")) + " after " +
                std::to_string(summary.value("epochs", 0)) + " epochs (" +
                std::to_string(summary.value("steps", 0)) + " steps), seed " +
                brief_json(summary.value("seed", json())) + ", nnfit " +
                summary.value("nnfit_version", std::string("?")) + ".");
  // Only the metrics the task has: accuracy for a classifier, rmse and r2 for a regression.
  std::vector<std::string> keys = {"loss"};
  for (const char* key : {"accuracy", "rmse", "r2"}) {
    bool any = false;
    for (const char* when : {"final", "best"})
      for (const char* split : {"train", "val", "test"})
        any |= summary.contains(when) && summary[when].contains(split) &&
               summary[when][split].is_object() && summary[when][split].contains(key);
    if (any) keys.push_back(key);
  }
  std::vector<std::vector<std::string>> rows = {{"", "split"}};
  rows[0].insert(rows[0].end(), keys.begin(), keys.end());
  for (const char* when : {"final", "best"}) {
    const json& part = summary.contains(when) ? summary[when] : json::object();
    for (const char* split : {"train", "val", "test"}) {
      const json m = part.value(split, json::object());
      if (!m.is_object() || m.empty()) continue;
      std::string label = when;
      if (std::string(when) == "best")
        label += " (epoch " + std::to_string(part.value("epoch", 0)) + " by " +
                 part.value("monitor", std::string("?")) + ")";
      rows.push_back({label, split});
      for (const auto& key : keys) rows.back().push_back(number(m.value(key, json())));
    }
  }
  doc.table(rows);
}

// Per-layer activation variance and dead units over epochs, from diagnostics.jsonl.
void add_diagnostics(report::Document& doc, const std::vector<json>& records) {
  plot::LineChart variance{
      "Activation variance by layer", "epoch", "post-activation variance", false, {}};
  plot::LineChart dead{"Dead units by layer", "epoch", "share of units never active", false, {}};
  std::map<int, std::pair<plot::Series, plot::Series>> layers;
  for (const auto& r : records) {
    if (!r.contains("activations") || !r["activations"].is_array()) continue;
    const double epoch = r.value("epoch", 0.0);
    for (const auto& a : r["activations"]) {
      if (!a.is_object()) continue;
      auto& [v, d] = layers[a.value("layer", 0)];
      v.x.push_back(epoch), v.y.push_back(a.value("post_var", 0.0));
      d.x.push_back(epoch), d.y.push_back(a.value("dead", 0.0));
    }
  }
  std::size_t i = 0;
  std::vector<double> all;
  for (auto& [layer, pair] : layers) {
    for (auto* s : {&pair.first, &pair.second}) {
      s->name = "layer " + std::to_string(layer);
      s->color = plot::color(i);
    }
    all.insert(all.end(), pair.first.y.begin(), pair.first.y.end());
    variance.series.push_back(pair.first);
    dead.series.push_back(pair.second);
    ++i;
  }
  if (variance.series.empty()) return;
  variance.log_y = plot::spans_decades(all);
  doc.heading("Diagnostics");
  doc.figure(variance.title, "", variance.svg());
  doc.figure(dead.title, "", dead.svg());
}

}  // namespace

std::string write_run_report(const std::string& dir_name) {
  const fs::path dir(dir_name);
  const std::vector<json> metrics = read_lines(dir / "metrics.jsonl");
  if (metrics.empty()) throw DataError((dir / "metrics.jsonl").string() + ": no epoch yet");
  const json config = parse_json_text(read_text(dir / "config.json"),
                                      (dir / "config.json").string(), JsonBlame::data);
  const json summary = fs::exists(dir / "summary.json")
                           ? parse_json_text(read_text(dir / "summary.json"),
                                             (dir / "summary.json").string(), JsonBlame::data)
                           : json::object();
  const std::string name = config.value("name", dir.filename().string());
  report::Document doc;
  doc.heading("Run " + name, 1);
  add_summary(doc, summary);
  doc.heading("Training");
  add_chart(doc, metrics, "epoch", "epoch", {"train_loss", "val_loss"}, "Loss by epoch", "loss",
            "Training loss: the mean over the epoch's batches, in training mode; validation: a "
            "full pass at the epoch's end.");
  if (fs::exists(dir / "steps.jsonl")) {
    const std::vector<json> steps = read_lines(dir / "steps.jsonl");
    add_chart(doc, steps, "step", "optimiser step", {"val_loss"}, "Validation loss by step", "loss",
              "The validation loss of every pass made every train.eval_every_steps steps.");
    add_chart(doc, steps, "step", "optimiser step", {"val_accuracy"}, "Validation accuracy by step",
              "accuracy",
              "The validation accuracy of every pass made every train.eval_every_steps steps.");
  }
  add_chart(doc, metrics, "epoch", "epoch", {"train_accuracy", "val_accuracy"}, "Accuracy by epoch",
            "accuracy",
            "Accuracy on the training batches (training mode) and the validation split.");
  add_chart(doc, metrics, "epoch", "epoch", {"train_r2", "val_r2"}, "R² by epoch", "R²",
            "Coefficient of determination on the training batches and the validation split.");
  // A linear axis: a schedule's last steps (cosine's near-zero rate) would otherwise stretch
  // a log axis over ten decades and flatten the rest.
  add_chart(doc, metrics, "step", "optimiser step", {"lr"}, "Learning rate", "learning rate",
            "The learning rate at the last step of each epoch (after the schedule).", false);
  add_chart(doc, metrics, "epoch", "epoch", {"grad_norm"}, "Mean gradient norm by epoch",
            "global gradient norm", "The global gradient norm, averaged over the epoch's steps.");
  if (fs::exists(dir / "diagnostics.jsonl"))
    add_diagnostics(doc, read_lines(dir / "diagnostics.jsonl"));
  if (fs::exists(dir / "model.safetensors")) {
    doc.heading("Model");
    doc.code("layers", Model::load((dir / "model.safetensors").string()).summary());
  }
  doc.heading("Configuration");
  doc.code("config.json (resolved)", config.dump(2));
  const std::string path = (dir / "report.html").string();
  write_file_atomically(path, doc.html("nnfit run " + name));
  return path;
}

}  // namespace nnfit
