// `nnfit --config F`: train from a config, print progress and a summary. The run directory
// (output.dir, default runs/{name}) is written by the library's RunRecorder
// (nnfit/run_recorder.hpp); this file handles arguments, the console and signals.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "commands.hpp"
#include "nnfit/config.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/model_diagnostics.hpp"
#include "nnfit/model_file.hpp"
#include "nnfit/registry.hpp"
#include "nnfit/report/run_report.hpp"
#include "nnfit/run_recorder.hpp"
#include "nnfit/run_setup.hpp"
#include "nnfit/trainer.hpp"
#include "nnfit/version.hpp"
#include "progress.hpp"
#include "stop_signal.hpp"

namespace nnfit::cli {

namespace {

namespace fs = std::filesystem;

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

// The run directory: --resume DIR, --output DIR, or the config's output.dir.
std::string run_directory(const TrainOptions& options, const RunConfig& run) {
  return !options.resume.empty()   ? options.resume
         : !options.output.empty() ? options.output
                                   : run.output_dir;
}

RunRecorder::Start start_of(const TrainOptions& options) {
  return !options.resume.empty() ? RunRecorder::Start::resume
         : options.force         ? RunRecorder::Start::force
                                 : RunRecorder::Start::fresh;
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

// Progress, the test hook that interrupts after N steps, and Ctrl-C.
Trainer::Callbacks console_callbacks(const TrainOptions& options, Progress& progress,
                                     const Data& data, std::int64_t& steps_this_process) {
  Trainer::Callbacks callbacks;
  callbacks.on_step = [&, limit = options.interrupt_after_steps](const StepProgress& p) {
    progress.step(p);
    if (limit > 0 && ++steps_this_process == limit) std::raise(SIGINT);
  };
  callbacks.interrupted = [] { return StopSignal::requested(); };
  callbacks.on_epoch_end = [&progress, &data](const EpochRecord& record) {
    progress.epoch(record, data.task == Task::classification);
  };
  return callbacks;
}

int train(const TrainOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  // 1. The config, checked in full before anything else happens; then the directory.
  std::string config_path;
  const RunConfig run = read_config(options, config_path);
  RunRecorder recorder(run_directory(options, run), start_of(options));
  const fs::path dir = recorder.dir();

  // 2. Data, then the model sized from it.
  const Data data = load_data(run.data, run.seed);
  auto setup = build_run(run, data, config_path);
  json resolved = setup->resolved;
  resolved["output"]["dir"] = dir.string();
  Trainer trainer(setup->model, *setup->loss, *setup->optimizer, *setup->schedule, data, run.train,
                  run.seed);
  recorder.attach(run, resolved, data, *setup, trainer, config_path);

  // 3. Train.
  Progress progress(options.output_mode, run.train.epochs);
  if (options.output_mode == Output::normal)
    print_start(run, data, setup->model, recorder.resuming());
  StopSignal stop;
  std::int64_t steps_this_process = 0;
  TrainResult result;
  try {
    result = trainer.run(
        recorder.observe(console_callbacks(options, progress, data, steps_this_process)));
  } catch (const DivergedError&) {
    progress.clear();
    throw;
  }
  if (result.status == TrainResult::Status::interrupted) {
    progress.clear();
    recorder.interrupted();
    // The run directory's config.json is the resolved config with every override applied:
    // resuming from it alone continues exactly this run.
    std::fprintf(stderr,
                 "nnfit: interrupted at optimiser step %ld; checkpoint written; continue with: "
                 "nnfit --resume %s\n",
                 static_cast<long>(setup->optimizer->steps()), dir.string().c_str());
    return kInterrupted;
  }

  // 4. Summary.
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const json summary = recorder.finish(result, wall);
  if (run.write_report) write_run_report(dir.string());
  if (options.output_mode == Output::json)
    std::printf("%s\n", json{{"summary", summary}}.dump().c_str());
  else if (options.output_mode == Output::normal)
    print_end(run, result, trainer.history(), wall, dir);
  return kSuccess;
}

int print_report(const std::vector<std::string>& dirs, const std::string& output) {
  if (dirs.size() == 1 && output.empty()) {
    std::printf("%s\n", write_run_report(dirs.front()).c_str());
    return kSuccess;
  }
  std::printf("%s\n", write_runs_report(dirs, output.empty() ? "runs.html" : output).c_str());
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
