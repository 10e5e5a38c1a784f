// Runs an experiment's (arm, seed) pairs on a pool of threads (nnfit/experiments/runner.hpp).
//
// Data is loaded once per (data spec, seed) and shared read-only by the runs that use it,
// then released when the last of them ends; runs are taken seed by seed so that few data
// sets are alive at once.
#include "nnfit/experiments/runner.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/run_setup.hpp"
#include "nnfit/version.hpp"

namespace nnfit {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class DataCache {
 public:
  // `uses`: how many runs will ask for each key.
  explicit DataCache(std::map<std::string, int> uses) : uses_(std::move(uses)) {}

  std::shared_ptr<const Data> get(const std::string& key, const json& spec, std::uint64_t seed) {
    std::shared_future<std::shared_ptr<const Data>> future;
    std::promise<std::shared_ptr<const Data>> promise;
    bool load = false;
    {
      std::lock_guard lock(mutex_);
      auto it = loaded_.find(key);
      if (it == loaded_.end()) {
        future = promise.get_future().share();
        loaded_[key] = future;
        load = true;
      } else {
        future = it->second;
      }
    }
    if (load) {
      try {
        promise.set_value(std::make_shared<const Data>(load_data(spec, seed)));
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    }
    return future.get();
  }

  // A run that used (or would have used) `key` is over.
  void release(const std::string& key) {
    std::lock_guard lock(mutex_);
    if (--uses_[key] <= 0) loaded_.erase(key);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> uses_;
  std::map<std::string, std::shared_future<std::shared_ptr<const Data>>> loaded_;
};

std::string data_key(const RunConfig& run) {
  return run.data.dump() + "#" + std::to_string(run.seed);
}

// The training part of train_one: step losses, diagnostics, the trainer's result.
void train_task(const RunTask& task, Trainer& trainer, std::optional<ModelDiagnostics>& diagnostics,
                const std::function<bool()>& interrupted, RunRecord& r) {
  double window_sum = 0;
  int window = 0;
  auto log_step = [&](const StepProgress& p) {
    if (task.log_every_steps <= 0) return;
    window_sum += p.step_loss;
    if (++window == task.log_every_steps) {
      r.step_losses.push_back({p.global_step, window_sum / window});
      window_sum = 0;
      window = 0;
    }
  };
  Trainer::Callbacks callbacks;
  if (diagnostics) {
    callbacks.before_step = [&](const StepProgress& p) {
      diagnostics->before_step(p.step_in_epoch == p.steps_per_epoch);
    };
    callbacks.on_step = [&](const StepProgress& p) {
      log_step(p);
      diagnostics->after_step(p.step_in_epoch == p.steps_per_epoch);
    };
    callbacks.on_epoch_end = [&](const EpochRecord& record) {
      r.diagnostics.push_back(diagnostics->record(record.epoch));
    };
  } else {
    callbacks.on_step = log_step;
  }
  callbacks.interrupted = interrupted;
  try {
    const TrainResult result = trainer.run(callbacks);
    r.status = result.status == TrainResult::Status::interrupted ? "interrupted" : "finished";
    r.target_reached = result.target_reached;
  } catch (const DivergedError& err) {
    r.status = "diverged";
    r.error = err.what();
    r.target_reached = trainer.result().target_reached;
  }
  r.epochs = trainer.history();
  for (const auto& s : trainer.step_evaluations())
    r.step_val_losses.push_back({s.step, s.validation.loss});
  r.step_evaluation_seconds = trainer.step_evaluation_seconds();
}

// Trains one task on its data; a failure is the record's status, not an exception.
RunRecord train_one(const RunTask& task, const RunConfig& run, const Data& data,
                    const std::function<bool()>& interrupted) {
  RunRecord r;
  r.arm = task.arm;
  r.seed = task.seed;
  r.config = task.config;
  const std::string origin =
      task.origin + " (arm '" + task.arm + "', seed " + std::to_string(task.seed) + ")";
  try {
    const auto started = Clock::now();
    auto setup = build_run(run, data, origin);
    Trainer trainer(setup->model, *setup->loss, *setup->optimizer, *setup->schedule, data,
                    run.train, run.seed);
    // Set before the first step, so that a run diverging at once still has it (a target
    // never reached is censored at (epochs + 1) * steps_per_epoch).
    r.steps_per_epoch = trainer.steps_per_epoch();
    std::optional<ModelDiagnostics> diagnostics;
    if (run.diagnostics.enabled) {
      diagnostics.emplace(setup->model, probe_batch(data, run.diagnostics));
      r.diagnostics.push_back(diagnostics->record(0));
    }
    if (task.initialization_only)
      r.status = "initialized";
    else
      train_task(task, trainer, diagnostics, interrupted, r);
    r.wall_time = std::chrono::duration<double>(Clock::now() - started).count();
  } catch (const Error& err) {
    r.status = "failed";
    r.error = err.what();
  } catch (const std::bad_alloc&) {
    r.status = "failed";
    r.error = "out of memory";
  }
  return r;
}

}  // namespace

json RunRecord::to_json() const {
  json epochs_json = json::array(), diagnostics_json = json::array();
  for (const auto& e : epochs) epochs_json.push_back(e.to_json());
  for (const auto& d : diagnostics) diagnostics_json.push_back(d.to_json());
  json j = {{"arm", arm},
            {"seed", seed},
            {"status", status},
            {"steps_per_epoch", steps_per_epoch},
            {"wall_time", wall_time},
            {"epochs", epochs_json},
            {"diagnostics", diagnostics_json},
            {"config", config},
            {"config_hash", config_hash(config)},
            {"nnfit_version", version.empty() ? std::string(kVersion) : version}};
  if (!error.empty()) j["error"] = error;
  if (!step_losses.empty()) j["step_losses"] = step_losses;
  if (!step_val_losses.empty()) {
    j["step_val_losses"] = step_val_losses;
    j["step_evaluation_seconds"] = step_evaluation_seconds;
  }
  if (target_reached)
    j["target"] = {{"epoch", target_reached->first}, {"step", target_reached->second}};
  return j;
}

RunRecord RunRecord::from_json(const json& j) {
  RunRecord r;
  r.arm = j.at("arm").get<std::string>();
  r.seed = j.at("seed").get<std::uint64_t>();
  r.status = j.at("status").get<std::string>();
  r.error = j.value("error", "");
  r.config = j.at("config");
  r.version = j.value("nnfit_version", "");
  r.steps_per_epoch = j.at("steps_per_epoch").get<Index>();
  r.wall_time = j.at("wall_time").get<double>();
  for (const auto& e : j.at("epochs")) r.epochs.push_back(EpochRecord::from_json(e));
  for (const auto& d : j.at("diagnostics"))
    r.diagnostics.push_back(DiagnosticsRecord::from_json(d));
  if (j.contains("step_losses"))
    r.step_losses = j["step_losses"].get<std::vector<std::pair<std::int64_t, double>>>();
  if (j.contains("step_val_losses")) {
    r.step_val_losses = j["step_val_losses"].get<std::vector<std::pair<std::int64_t, double>>>();
    r.step_evaluation_seconds = j.value("step_evaluation_seconds", 0.0);
  }
  if (j.contains("target"))
    r.target_reached = {j["target"].at("epoch").get<int>(),
                        j["target"].at("step").get<std::int64_t>()};
  return r;
}

std::string run_record_path(const std::string& output, const std::string& arm, std::uint64_t seed) {
  return (fs::path(output) / "runs" / arm / ("seed-" + std::to_string(seed) + ".json")).string();
}

std::string config_hash(const json& config) {
  json c = config;
  if (c.contains("train")) c["train"].erase("threads");
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bits
  for (const unsigned char ch : c.dump()) h = (h ^ ch) * 1099511628211ull;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

json RunTask::to_json() const {
  return {{"stage", stage},
          {"arm", arm},
          {"seed", seed},
          {"record", record},
          {"initialization_only", initialization_only},
          {"log_every_steps", log_every_steps},
          {"origin", origin},
          {"config", config}};
}

RunTask RunTask::from_json(const json& j) {
  RunTask t;
  t.stage = j.at("stage").get<std::string>();
  t.arm = j.at("arm").get<std::string>();
  // get<> would convert -1, 1.5 or 2^64 (a double) into some seed: only exact integers pass.
  const json& seed = j.at("seed");
  if (!seed.is_number_unsigned())
    throw DataError("seed " + brief_json(seed) +
                    " is not an integer from 0 to 18446744073709551615");
  t.seed = seed.get<std::uint64_t>();
  t.record = j.at("record").get<std::string>();
  t.initialization_only = j.at("initialization_only").get<bool>();
  const json& every = j.at("log_every_steps");
  if (!every.is_number_unsigned() || every.get<std::uint64_t>() > 1'000'000)
    throw DataError("log_every_steps " + brief_json(every) +
                    " is not an integer from 0 to 1000000");
  t.log_every_steps = every.get<int>();
  t.origin = j.at("origin").get<std::string>();
  t.config = j.at("config");
  return t;
}

namespace {

RunRecord failed_record(const RunTask& task, const std::string& error) {
  RunRecord r;
  r.arm = task.arm;
  r.seed = task.seed;
  r.config = task.config;
  r.status = "failed";
  r.error = error;
  return r;
}

}  // namespace

RunRecord run_task(const RunTask& task, const std::function<bool()>& interrupted) {
  try {
    const RunConfig run = read_run_config(task.config, task.origin);
    const Data data = load_data(run.data, run.seed);
    return train_one(task, run, data, interrupted);
  } catch (const Error& err) {
    return failed_record(task, err.what());
  } catch (const std::bad_alloc&) {
    return failed_record(task, "out of memory");
  }
}

void write_run_record(const RunTask& task, const RunRecord& record) {
  fs::create_directories(fs::path(task.record).parent_path());
  write_file_atomically(task.record, record.to_json().dump() + "\n");
}

namespace {

// One (arm, seed) run of the experiment, and its record once it exists.
struct Planned {
  RunTask task;
  std::optional<RunRecord> record;
};

// Seed-major: every arm of seed 1, then of seed 2, so that each seed's data is loaded once
// and released early.
std::vector<Planned> plan_runs(const Experiment& e, const CompareOptions& options) {
  std::vector<Planned> plan;
  for (const auto seed : e.seeds)
    for (const auto& arm : e.arms) {
      RunTask t;
      t.stage = options.output;
      t.arm = arm.name;
      t.seed = seed;
      t.config = e.run_config(arm, seed, options.threads_per_run);
      t.record = run_record_path(options.output, arm.name, seed);
      t.initialization_only = e.initialization_only;
      t.log_every_steps = e.log_every_steps;
      t.origin = e.origin;
      plan.push_back({std::move(t), std::nullopt});
    }
  return plan;
}

// Why a record on disk may not be reused for `t`, besides damage: another config, or a run
// made by another nnfit version. Empty when it may.
std::string mismatch(const json& saved, const RunTask& t) {
  json a = saved["config"], b = t.config;
  if (a.contains("train")) a["train"].erase("threads");
  if (b.contains("train")) b["train"].erase("threads");
  if (a != b) return "its config differs from this experiment's";
  const json& version = saved.contains("nnfit_version") ? saved["nnfit_version"] : json();
  if (version.is_string() && version != kVersion)
    return "made by nnfit " + version.get<std::string>() + ", this is " + kVersion;
  return "";
}

// The record on disk for `p`, when it is the same run and finished. A damaged record is
// redone (records are written atomically, so it was damaged afterwards); a record of another
// config or version is a conflict (its reason in `conflict`).
std::optional<RunRecord> saved_record(const Planned& p, std::string& conflict) {
  json saved;
  try {
    saved = parse_json_text(read_file_bytes(p.task.record), p.task.record, JsonBlame::data);
  } catch (const DataError&) {
    return std::nullopt;
  }
  if (!saved.is_object() || !saved.contains("config")) return std::nullopt;
  conflict = mismatch(saved, p.task);
  if (!conflict.empty()) return std::nullopt;
  RunRecord r;
  try {
    r = RunRecord::from_json(saved);
  } catch (const json::exception&) {
    return std::nullopt;  // damaged: redo
  }
  if (r.status == "failed" || r.status == "interrupted") return std::nullopt;
  if (r.arm != p.task.arm || r.seed != p.task.seed) {
    conflict = "it is the record of arm '" + brief_text(r.arm, 40) + "' seed " +
               std::to_string(r.seed) + ", not of arm '" + p.task.arm + "' seed " +
               std::to_string(p.task.seed);
    return std::nullopt;
  }
  r.reused = true;
  return r;
}

// Runs already on disk: reused when they are the same run; redone when they failed, were
// interrupted or their record is damaged; an error when they belong to another experiment
// or another nnfit version.
void reuse_saved_runs(std::vector<Planned>& plan, const CompareOptions& options) {
  std::vector<std::string> conflicts;
  for (auto& p : plan) {
    if (options.force || !fs::exists(p.task.record)) continue;
    std::string conflict;
    p.record = saved_record(p, conflict);
    if (!conflict.empty()) conflicts.push_back(p.task.record + ": " + conflict);
  }
  if (conflicts.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < conflicts.size() && i < 5; ++i) list += "\n  " + conflicts[i];
  if (conflicts.size() > 5) list += "\n  ... and " + std::to_string(conflicts.size() - 5) + " more";
  throw ConfigError(options.output + " holds runs that do not belong to this comparison:" + list +
                    "\nchoose another --output, or --force to redo every run");
}

// The default engine: the tasks on `jobs` threads of this process, data shared between the
// runs that use the same (data spec, seed).
void run_on_threads(const std::vector<RunTask>& tasks, const CompareOptions& options,
                    const std::function<void(std::size_t, RunRecord)>& finished) {
  std::vector<RunConfig> runs;
  std::map<std::string, int> uses;
  for (const auto& t : tasks) {
    runs.push_back(read_run_config(t.config, t.origin));
    ++uses[data_key(runs.back())];
  }
  DataCache cache(uses);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;  // writing a record failed: stop and rethrow in this thread
  std::mutex failure_mutex;
  auto worker = [&] {
    for (std::size_t k; !failed && (k = next.fetch_add(1)) < tasks.size();) try {
        const std::string key = data_key(runs[k]);
        if (options.stopped()) {
          cache.release(key);
          continue;
        }
        RunRecord r;
        try {
          const auto data = cache.get(key, runs[k].data, runs[k].seed);
          r = train_one(tasks[k], runs[k], *data, options.interrupted);
        } catch (const Error& err) {  // the data could not be loaded
          r = failed_record(tasks[k], err.what());
        } catch (const std::bad_alloc&) {
          r = failed_record(tasks[k], "out of memory");
        }
        cache.release(key);
        finished(k, std::move(r));
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
  };
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(tasks.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

// Carries out the runs without a record (on options.engine, or this process's threads),
// writing each record as it ends.
void run_pending(std::vector<Planned>& plan, const CompareOptions& options) {
  std::vector<std::size_t> pending;
  std::vector<RunTask> tasks;
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (!plan[i].record) {
      pending.push_back(i);
      tasks.push_back(plan[i].task);
    }
  if (tasks.empty()) return;
  const int total = static_cast<int>(plan.size());
  int done = total - static_cast<int>(pending.size());
  std::mutex mutex;
  auto finished = [&](std::size_t k, RunRecord r) {
    Planned& p = plan[pending[k]];
    if (r.status != "interrupted") write_run_record(p.task, r);
    std::lock_guard lock(mutex);
    if (r.status != "interrupted") ++done;
    p.record = std::move(r);
    if (options.on_run_end) options.on_run_end(*p.record, done, total);
  };
  if (options.engine)
    options.engine(tasks, finished);
  else
    run_on_threads(tasks, options, finished);
}

}  // namespace

std::vector<RunRecord> run_experiment(const Experiment& e, const CompareOptions& options) {
  std::vector<Planned> plan = plan_runs(e, options);
  reuse_saved_runs(plan, options);
  run_pending(plan, options);
  std::vector<RunRecord> records;
  for (const auto& arm : e.arms)
    for (const auto& p : plan)
      if (p.task.arm == arm.name && p.record) records.push_back(*p.record);
  return records;
}

}  // namespace nnfit
