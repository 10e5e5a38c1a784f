#include "run_files.hpp"

#include <cstdio>
#include <fstream>
#include <limits>
#include <set>

#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/gemm.hpp"
#include "nnfit/run_recorder.hpp"
#include "nnfit/version.hpp"

namespace nnfit::run_files {

namespace {

std::string csv_number(const json& value) {
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value.get<double>());
  return text;
}

json metrics_json(const Metrics& m) {
  json j = json::object();
  if (m.samples == 0) return j;
  j["loss"] = m.loss;
  if (m.accuracy) j["accuracy"] = *m.accuracy;
  if (m.balanced_accuracy) j["balanced_accuracy"] = *m.balanced_accuracy;
  if (m.rmse) j["rmse"] = *m.rmse;
  if (m.r2) j["r2"] = *m.r2;
  return j;
}

// The epoch of one diagnostics.jsonl line; a damaged line counts as not finished (it goes).
int diagnostics_epoch(const std::string& line) {
  try {
    const json record = parse_json_text(line, "diagnostics.jsonl", JsonBlame::data);
    if (record.is_object() && record.contains("epoch") && record["epoch"].is_number_integer())
      return record["epoch"].get<int>();
  } catch (const DataError&) {
  }
  return std::numeric_limits<int>::max();
}

json stop_at_summary(const StopAt& stop_at, const TrainResult& result) {
  json stop = {{"metric", stop_at.metric},
               {"value", stop_at.value},
               {"reached", result.target_reached.has_value()}};
  if (result.target_reached) {
    stop["epoch"] = result.target_reached->first;
    stop["step"] = result.target_reached->second;
  }
  return stop;
}

void collect_differences(const json& a, const json& b, const std::string& path,
                         std::vector<std::string>& out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a.items()) keys.insert(k);
    for (const auto& [k, v] : b.items()) keys.insert(k);
    for (const auto& k : keys)
      collect_differences(a.contains(k) ? a[k] : json(), b.contains(k) ? b[k] : json(),
                          path.empty() ? k : path + "." + k, out);
  } else if (a != b) {
    out.push_back(path);
  }
}

}  // namespace

std::vector<std::string> differences(const json& a, const json& b) {
  std::vector<std::string> out;
  collect_differences(a, b, "", out);
  return out;
}

void write_metrics(const fs::path& dir, const std::vector<EpochRecord>& history) {
  std::string jsonl;
  std::vector<std::string> columns;
  std::set<std::string> seen;
  std::vector<json> rows;
  for (const auto& r : history) {
    rows.push_back(r.to_json());
    jsonl += rows.back().dump() + "\n";
  }
  // Column order: as the first record that has each key lists it (to_json's order is fixed).
  for (const auto& row : rows)
    for (const auto& [key, value] : row.items())
      if (seen.insert(key).second) columns.push_back(key);
  const std::vector<std::string> order = {"epoch",     "step",       "lr",
                                          "grad_norm", "epoch_time", "samples_per_second"};
  std::vector<std::string> sorted;
  for (const auto& c : order)
    if (seen.count(c)) sorted.push_back(c);
  for (const char* split : {"train", "val", "test"})
    for (const char* metric : {"loss", "accuracy", "balanced_accuracy", "rmse", "r2"}) {
      const std::string c = std::string(split) + "_" + metric;
      if (seen.count(c)) sorted.push_back(c);
    }
  std::string csv;
  for (std::size_t i = 0; i < sorted.size(); ++i) csv.append(i ? "," : "").append(sorted[i]);
  csv += "\n";
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < sorted.size(); ++i)
      csv.append(i ? "," : "").append(row.contains(sorted[i]) ? csv_number(row[sorted[i]]) : "");
    csv += "\n";
  }
  write_file_atomically((dir / "metrics.jsonl").string(), jsonl);
  write_file_atomically((dir / "metrics.csv").string(), csv);
}

void keep_snapshot(const fs::path& checkpoint, const fs::path& folder, int epoch, int keep) {
  char name[48];
  std::snprintf(name, sizeof name, "epoch-%04d.safetensors", epoch);
  std::error_code ec;
  fs::create_directories(folder, ec);
  std::ifstream in(checkpoint, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  if (!in) throw DataError(checkpoint.string() + ": cannot read it back for a snapshot");
  write_file_atomically((folder / name).string(), bytes);
  if (keep <= 0) return;
  std::vector<fs::path> snapshots;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.path().extension() == ".safetensors" &&
        entry.path().filename().string().rfind("epoch-", 0) == 0)
      snapshots.push_back(entry.path());
  std::sort(snapshots.begin(), snapshots.end());
  for (std::size_t i = 0; i + static_cast<std::size_t>(keep) < snapshots.size(); ++i)
    fs::remove(snapshots[i], ec);
}

void write_step_evaluations(const fs::path& dir, const std::vector<StepEvaluation>& evaluations) {
  if (evaluations.empty()) return;
  std::string jsonl;
  for (const auto& e : evaluations) {
    json row = {{"step", e.step}, {"val_loss", e.validation.loss}};
    if (e.validation.accuracy) row["val_accuracy"] = *e.validation.accuracy;
    if (e.validation.rmse) row["val_rmse"] = *e.validation.rmse;
    if (e.validation.r2) row["val_r2"] = *e.validation.r2;
    jsonl += row.dump() + "\n";
  }
  write_file_atomically((dir / "steps.jsonl").string(), jsonl);
}

void clear_previous_run(const fs::path& dir) {
  std::error_code ec;
  for (const char* stale :
       {"summary.json", "metrics.jsonl", "metrics.csv", "best.safetensors",
        "checkpoint.safetensors", "model.safetensors", "diagnostics.jsonl", "steps.jsonl"})
    fs::remove(dir / stale, ec);
  fs::remove_all(dir / "checkpoints", ec);
}

json make_summary(const RunConfig& run, const TrainResult& result,
                  const std::vector<EpochRecord>& history, double wall, const Model& model,
                  const Data& data) {
  const EpochRecord& last = history.back();
  const EpochRecord& best = history[static_cast<std::size_t>(std::max(result.best_epoch, 1) - 1)];
  double training_time = 0;
  for (const auto& r : history) training_time += r.epoch_time;
  json summary = {{"name", run.name},
                  {"status", status_name(result.status)},
                  {"epochs", last.epoch},
                  {"steps", last.step},
                  {"final",
                   {{"train", metrics_json(last.train)},
                    {"val", metrics_json(last.validation)},
                    {"test", metrics_json(last.test)}}},
                  {"best",
                   {{"epoch", best.epoch},
                    {"monitor", result.monitor},
                    {"train", metrics_json(best.train)},
                    {"val", metrics_json(best.validation)},
                    {"test", metrics_json(best.test)}}},
                  {"restored_best", result.status == TrainResult::Status::early_stopped &&
                                        run.train.patience->restore_best},
                  {"training_time", training_time},
                  {"wall_time", wall},
                  {"nnfit_version", kVersion},
                  {"seed", run.seed},
                  {"threads", run.train.threads},
                  {"compiler_flags", kCompilerFlags},
                  {"matrix_products", gemm_backend()},
                  {"parameters", model.num_parameters()},
                  {"data", data.summary()}};
  if (run.train.stop_at) summary["stop_at"] = stop_at_summary(*run.train.stop_at, result);
  return summary;
}

DiagnosticsFile::DiagnosticsFile(const RunConfig& run, const Data& data, Model& model,
                                 fs::path path)
    : path_(std::move(path)) {
  if (run.diagnostics.enabled)
    diagnostics_ = std::make_unique<ModelDiagnostics>(model, probe_batch(data, run.diagnostics));
}

void DiagnosticsFile::start(bool resuming, int done) {
  if (!diagnostics_) return;
  if (!resuming) return epoch(0);
  std::ifstream in(path_);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && diagnostics_epoch(line) <= done) lines_ += line + "\n";
}

void DiagnosticsFile::epoch(int epoch) {
  if (!diagnostics_) return;
  lines_ += diagnostics_->record(epoch).to_json().dump() + "\n";
  write_file_atomically(path_.string(), lines_);
}

}  // namespace nnfit::run_files
