// `nnfit --config F`: train from a config, write the run directory, print a summary.
//
// The run directory (output.dir, default runs/{name}) holds config.json (resolved),
// metrics.jsonl and metrics.csv (one row per epoch), model.safetensors (the last epoch's
// weights), best.safetensors (the best epoch's by the monitored metric), checkpoint.safetensors
// (everything needed by --resume) and, once the run ends, summary.json. Every file is written
// to a temporary name and renamed.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "nnfit/atomic_file.hpp"
#include "nnfit/config.hpp"
#include "nnfit/error.hpp"
#include "nnfit/json_text.hpp"
#include "nnfit/model_diagnostics.hpp"
#include "nnfit/model_file.hpp"
#include "nnfit/registry.hpp"
#include "nnfit/run_lock.hpp"
#include "nnfit/run_report.hpp"
#include "nnfit/run_setup.hpp"
#include "nnfit/trainer.hpp"
#include "nnfit/version.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/progress.hpp"
#include "src/cli/stop_signal.hpp"

namespace nnfit::cli {

namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& path, const std::string& text) {
  write_file_atomically(path.string(), text);
}

std::string csv_number(const json& value) {
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value.get<double>());
  return text;
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
    for (const char* metric : {"loss", "accuracy", "rmse", "r2"}) {
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
  write_text(dir / "metrics.jsonl", jsonl);
  write_text(dir / "metrics.csv", csv);
}

json metrics_json(const Metrics& m) {
  json j = json::object();
  if (m.samples == 0) return j;
  j["loss"] = m.loss;
  if (m.accuracy) j["accuracy"] = *m.accuracy;
  if (m.rmse) j["rmse"] = *m.rmse;
  if (m.r2) j["r2"] = *m.r2;
  return j;
}

std::string describe(const Metrics& m) {
  if (m.samples == 0) return "-";
  char text[96];
  std::snprintf(text, sizeof text, "loss %.4f", m.loss);
  std::string out = text;
  if (m.accuracy) std::snprintf(text, sizeof text, " accuracy %.4f", *m.accuracy), out += text;
  if (m.rmse) std::snprintf(text, sizeof text, " rmse %.4g", *m.rmse), out += text;
  if (m.r2) std::snprintf(text, sizeof text, " r2 %.4f", *m.r2), out += text;
  return out;
}

const char* status_name(TrainResult::Status s) {
  switch (s) {
    case TrainResult::Status::finished:
      return "finished";
    case TrainResult::Status::reached_target:
      return "reached the stop_at target";
    case TrainResult::Status::early_stopped:
      return "stopped early (patience)";
    case TrainResult::Status::interrupted:
      return "interrupted";
  }
  return "?";
}

// Keys in which two resolved configs differ ("train.epochs", "optimizer.lr").
void differences(const json& a, const json& b, const std::string& path,
                 std::vector<std::string>& out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a.items()) keys.insert(k);
    for (const auto& [k, v] : b.items()) keys.insert(k);
    for (const auto& k : keys)
      differences(a.contains(k) ? a[k] : json(), b.contains(k) ? b[k] : json(),
                  path.empty() ? k : path + "." + k, out);
  } else if (a != b) {
    out.push_back(path);
  }
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

// checkpoints/epoch-NNNN.safetensors: a copy of the checkpoint just written, then the oldest
// beyond `keep` removed (0 keeps all). Names sort by epoch.
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

}  // namespace

namespace {

// The run directory, locked for the whole run, and whether this run resumes the one in it.
struct RunDirectory {
  fs::path dir, checkpoint;
  bool resuming = false;
  std::unique_ptr<RunDirectoryLock> lock;
};

RunDirectory open_run_directory(const TrainOptions& options, const RunConfig& run) {
  RunDirectory d;
  d.resuming = !options.resume.empty();
  d.dir = d.resuming                ? fs::path(options.resume)
          : !options.output.empty() ? fs::path(options.output)
                                    : fs::path(run.output_dir);
  d.checkpoint = d.dir / "checkpoint.safetensors";
  if (d.resuming && !fs::is_directory(d.dir))
    throw ConfigError(d.dir.string() + ": no such run directory to resume");
  // Held until the run ends: no other process writes here meanwhile, and what a killed one
  // left half-written goes.
  d.lock = std::make_unique<RunDirectoryLock>(d.dir.string());
  if (d.resuming && !fs::exists(d.checkpoint))
    throw ConfigError(d.dir.string() + ": no checkpoint.safetensors to resume from");
  if (!d.resuming && !options.force && fs::exists(d.checkpoint) &&
      !fs::exists(d.dir / "summary.json"))
    throw ConfigError(d.dir.string() + " holds an unfinished run: --resume " + d.dir.string() +
                      " to continue it, or --force to start over");
  return d;
}

// Loads the checkpoint into the model, the optimiser and the trainer, after checking that it
// belongs to this very run.
void resume_from(const fs::path& checkpoint_path, const std::string& config_path,
                 const json& resolved, RunSetup& setup, Trainer& trainer) {
  Checkpoint checkpoint = load_checkpoint(checkpoint_path.string(), setup.model);
  std::vector<std::string> changed;
  json saved = checkpoint.config, now = resolved;
  saved["output"].erase("dir");
  now["output"].erase("dir");
  differences(saved, now, "", changed);
  if (!changed.empty()) {
    std::string list;
    for (const auto& c : changed) list += (list.empty() ? "" : ", ") + c;
    throw ConfigError(config_path + ": differs from the checkpoint's config in " + list +
                      "; a resumed run must be the same run");
  }
  setup.optimizer->load_state(checkpoint.optimizer);
  trainer.restore(checkpoint.trainer_state, checkpoint_path.string());
}

// The model, best and checkpoint files, written at the end of every epoch.
struct RunFiles {
  const RunDirectory& d;
  ModelInfo info;
  const json& resolved;
  const TrainConfig& train;

  void checkpoint(const Model& model, const Trainer& trainer, const Optimizer& optimizer) const {
    save_checkpoint(d.checkpoint.string(), model, info, optimizer, trainer.state(), resolved);
  }
  void epoch_end(const EpochRecord& record, const Model& model, const Trainer& trainer,
                 const Optimizer& optimizer) const {
    save_model((d.dir / "model.safetensors").string(), model, info);
    if (record.improved) {
      // The best weights: the current ones, unless patience just restored older ones.
      Model best = Model::from_json(model.spec());
      std::copy(trainer.best_parameters().begin(), trainer.best_parameters().end(), best.values());
      save_model((d.dir / "best.safetensors").string(), best, info);
    }
    checkpoint(model, trainer, optimizer);
    if (train.checkpoint_every_epochs > 0 && record.epoch % train.checkpoint_every_epochs == 0)
      keep_snapshot(d.checkpoint, d.dir / "checkpoints", record.epoch, train.keep_checkpoints);
  }
};

// A new run in the directory of a finished (or --force'd) one: its files go.
void clear_previous_run(const fs::path& dir) {
  std::error_code ec;
  for (const char* stale : {"summary.json", "metrics.jsonl", "metrics.csv", "best.safetensors",
                            "checkpoint.safetensors", "model.safetensors", "diagnostics.jsonl"})
    fs::remove(dir / stale, ec);
  fs::remove_all(dir / "checkpoints", ec);
}

// diagnostics.jsonl: one record at initialisation, then one per epoch.
class DiagnosticsFile {
 public:
  DiagnosticsFile(const RunConfig& run, const Data& data, Model& model, const fs::path& path)
      : path_(path) {
    if (run.diagnostics.enabled)
      diagnostics_ = std::make_unique<ModelDiagnostics>(model, probe_batch(data, run.diagnostics));
  }
  ModelDiagnostics* get() { return diagnostics_.get(); }
  // Resuming keeps the records of the `done` epochs the checkpoint has finished.
  void start(bool resuming, int done) {
    if (!diagnostics_) return;
    if (!resuming) return epoch(0);
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && diagnostics_epoch(line) <= done) lines_ += line + "\n";
  }
  void epoch(int epoch) {
    if (!diagnostics_) return;
    lines_ += diagnostics_->record(epoch).to_json().dump() + "\n";
    write_text(path_, lines_);
  }

 private:
  fs::path path_;
  std::unique_ptr<ModelDiagnostics> diagnostics_;
  std::string lines_;
};

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

// summary.json's content.
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
                  {"parameters", model.num_parameters()},
                  {"data", data.summary()}};
  if (run.train.stop_at) summary["stop_at"] = stop_at_summary(*run.train.stop_at, result);
  return summary;
}

void print_start(const RunConfig& run, const Data& data, const Model& model, bool resuming) {
  std::printf("nnfit %s: %s on %s, %ld/%ld/%ld train/val/test samples%s\n", kVersion,
              run.name.c_str(), data.source.c_str(), static_cast<long>(data.train.size()),
              static_cast<long>(data.validation.size()), static_cast<long>(data.test.size()),
              resuming ? ", resumed" : "");
  if (!resuming) std::printf("%s", model.summary().c_str());
  std::fflush(stdout);
}

void print_end(const RunConfig& run, const TrainResult& result,
               const std::vector<EpochRecord>& history, double wall, const fs::path& dir) {
  const EpochRecord& last = history.back();
  const EpochRecord& best = history[static_cast<std::size_t>(std::max(result.best_epoch, 1) - 1)];
  std::printf("\n%s %s after %d epochs (%ld steps) in %s\n", run.name.c_str(),
              status_name(result.status), last.epoch, static_cast<long>(last.step),
              format_duration(wall).c_str());
  std::printf("  final  train %s\n         val   %s\n         test  %s\n",
              describe(last.train).c_str(), describe(last.validation).c_str(),
              describe(last.test).c_str());
  std::printf("  best   epoch %d by %s; test %s\n", best.epoch, result.monitor.c_str(),
              describe(best.test).c_str());
  if (result.status == TrainResult::Status::early_stopped && run.train.patience->restore_best)
    std::printf("  model.safetensors holds the best epoch's weights (patience restored them)\n");
  if (const auto& stop = run.train.stop_at) {
    if (result.target_reached)
      std::printf("  target %s %s %g first reached at epoch %d, step %ld\n", stop->metric.c_str(),
                  lower_is_better(stop->metric) ? "<=" : ">=", stop->value,
                  result.target_reached->first, static_cast<long>(result.target_reached->second));
    else
      std::printf("  target %s %g not reached\n", stop->metric.c_str(), stop->value);
  }
  std::printf(
      "  outputs %s/\n          config.json metrics.jsonl metrics.csv model.safetensors\n"
      "          best.safetensors checkpoint.safetensors summary.json%s%s\n",
      dir.string().c_str(), run.diagnostics.enabled ? " diagnostics.jsonl" : "",
      run.write_report ? " report.html" : "");
}

// The run config: --config, or the run directory's config.json when resuming.
RunConfig read_config(const TrainOptions& options, std::string& config_path) {
  config_path = options.config;
  if (config_path.empty() && !options.resume.empty())
    config_path = (fs::path(options.resume) / "config.json").string();
  if (config_path.empty()) throw ConfigError("no config: give --config FILE (see nnfit --help)");
  std::vector<std::string> overrides = options.overrides;
  if (options.threads > 0) overrides.push_back("train.threads=" + std::to_string(options.threads));
  return read_run_config(load_config(config_path, overrides), config_path);
}

}  // namespace

int train(const TrainOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  // 1. The config, checked in full before anything else happens; then the directory.
  std::string config_path;
  const RunConfig run = read_config(options, config_path);
  const RunDirectory d = open_run_directory(options, run);
  const fs::path& dir = d.dir;

  // 2. Data, then the model sized from it.
  const Data data = load_data(run.data, run.seed);
  auto setup = build_run(run, data, config_path);
  Model& model = setup->model;
  Optimizer& optimizer = *setup->optimizer;
  json resolved = setup->resolved;
  resolved["output"]["dir"] = dir.string();
  Trainer trainer(model, *setup->loss, optimizer, *setup->schedule, data, run.train, run.seed);
  const RunFiles files{
      d,
      {data.scaler, data.task, data.class_names, {{"nnfit.run", run.name}}, data.feature_names},
      resolved,
      run.train};
  if (d.resuming)
    resume_from(d.checkpoint, config_path, resolved, *setup, trainer);
  else
    clear_previous_run(dir);
  write_text(dir / "config.json", resolved.dump(2) + "\n");

  // 3. Train.
  Progress progress(options.output_mode, run.train.epochs);
  if (options.output_mode == Output::normal) print_start(run, data, model, d.resuming);
  StopSignal stop;
  std::int64_t steps_this_process = 0;
  DiagnosticsFile diagnostics(run, data, model, dir / "diagnostics.jsonl");
  diagnostics.start(d.resuming, static_cast<int>(trainer.history().size()));
  Trainer::Callbacks callbacks;
  if (diagnostics.get())
    callbacks.before_step = [&](const StepProgress& p) {
      diagnostics.get()->before_step(p.step_in_epoch == p.steps_per_epoch);
    };
  callbacks.on_step = [&](const StepProgress& p) {
    if (diagnostics.get()) diagnostics.get()->after_step(p.step_in_epoch == p.steps_per_epoch);
    progress.step(p);
    if (options.interrupt_after_steps > 0 && ++steps_this_process == options.interrupt_after_steps)
      std::raise(SIGINT);
  };
  callbacks.interrupted = [] { return StopSignal::requested(); };
  callbacks.on_epoch_end = [&](const EpochRecord& record) {
    progress.epoch(record, data.task == Task::classification);
    write_metrics(dir, trainer.history());
    diagnostics.epoch(record.epoch);
    files.epoch_end(record, model, trainer, optimizer);
  };

  TrainResult result;
  try {
    result = trainer.run(callbacks);
  } catch (const DivergedError&) {
    progress.clear();
    throw;
  }
  if (result.status == TrainResult::Status::interrupted) {
    progress.clear();
    files.checkpoint(model, trainer, optimizer);
    // The run directory's config.json is the resolved config with every override applied:
    // resuming from it alone continues exactly this run.
    std::fprintf(stderr,
                 "nnfit: interrupted at optimiser step %ld; checkpoint written; continue with: "
                 "nnfit --resume %s\n",
                 static_cast<long>(optimizer.steps()), dir.string().c_str());
    return kInterrupted;
  }
  // Patience may have restored the best weights: the final model file is what the run ends with.
  save_model((dir / "model.safetensors").string(), model, files.info);

  // 4. Summary.
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const json summary = make_summary(run, result, trainer.history(), wall, model, data);
  write_text(dir / "summary.json", summary.dump(2) + "\n");
  if (run.write_report) write_run_report(dir.string());
  if (options.output_mode == Output::json)
    std::printf("%s\n", json{{"summary", summary}}.dump().c_str());
  else if (options.output_mode == Output::normal)
    print_end(run, result, trainer.history(), wall, dir);
  return kSuccess;
}

int print_report(const std::string& dir) {
  std::printf("%s\n", write_run_report(dir).c_str());
  return kSuccess;
}

int print_summary(const std::string& config, const std::string& model_file) {
  if (!model_file.empty()) {
    std::printf("%s", Model::load(model_file_of(model_file)).summary().c_str());
    return kSuccess;
  }
  // The input width comes from the data: load it as training would.
  const RunConfig run = read_run_config(load_config(config), config);
  const Data data = load_data(run.data, run.seed);
  std::printf("%s", build_run(run, data, config)->model.summary().c_str());
  return kSuccess;
}

int print_config(const std::string& config, const std::vector<std::string>& overrides) {
  const RunConfig run = read_run_config(load_config(config, overrides), config);
  std::printf("%s\n", run.resolved.dump(2).c_str());
  return kSuccess;
}

}  // namespace nnfit::cli
