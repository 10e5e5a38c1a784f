// Runs an experiment's (arm, seed) pairs on a pool of threads (include/nnfit/compare.hpp).
//
// Data is loaded once per (data spec, seed) and shared read-only by the runs that use it,
// then released when the last of them ends; runs are taken seed by seed so that few data
// sets are alive at once.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "nnfit/atomic_file.hpp"
#include "nnfit/compare.hpp"
#include "nnfit/error.hpp"
#include "nnfit/json_text.hpp"
#include "nnfit/run_setup.hpp"

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

RunRecord train_one(const Experiment& e, const Arm& arm, std::uint64_t seed, const json& config,
                    const RunConfig& run, DataCache& cache, const CompareOptions& options) {
  RunRecord r;
  r.arm = arm.name;
  r.seed = seed;
  r.config = config;
  const std::string origin =
      e.origin + " (arm '" + arm.name + "', seed " + std::to_string(seed) + ")";
  const std::string key = data_key(run);
  try {
    const std::shared_ptr<const Data> data = cache.get(key, run.data, run.seed);
    const auto started = Clock::now();
    auto setup = build_run(run, *data, origin);
    Trainer trainer(setup->model, *setup->loss, *setup->optimizer, *setup->schedule, *data,
                    run.train, run.seed);
    // Set before the first step, so that a run diverging at once still has it (a target
    // never reached is censored at (epochs + 1) * steps_per_epoch).
    r.steps_per_epoch = trainer.steps_per_epoch();
    std::optional<ModelDiagnostics> diagnostics;
    if (run.diagnostics.enabled) {
      diagnostics.emplace(setup->model, probe_batch(*data, run.diagnostics));
      r.diagnostics.push_back(diagnostics->record(0));
    }
    if (e.initialization_only) {
      r.status = "initialized";
    } else {
      double window_sum = 0;
      int window = 0;
      auto log_step = [&](const StepProgress& p) {
        if (e.log_every_steps <= 0) return;
        window_sum += p.step_loss;
        if (++window == e.log_every_steps) {
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
      callbacks.interrupted = options.interrupted;
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
    r.wall_time = std::chrono::duration<double>(Clock::now() - started).count();
  } catch (const Error& err) {
    r.status = "failed";
    r.error = err.what();
  } catch (const std::bad_alloc&) {
    r.status = "failed";
    r.error = "out of memory";
  }
  cache.release(key);
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
            {"config", config}};
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

namespace {

// One (arm, seed) run of the experiment, and its record once it exists.
struct Planned {
  const Arm* arm;
  std::uint64_t seed;
  json config;
  std::string path;
  std::optional<RunRecord> record;
  RunConfig run;  // read from config for the runs still to do
};

// Seed-major: every arm of seed 1, then of seed 2, so that each seed's data is loaded once
// and released early.
std::vector<Planned> plan_runs(const Experiment& e, const CompareOptions& options) {
  std::vector<Planned> plan;
  for (const auto seed : e.seeds)
    for (const auto& arm : e.arms)
      plan.push_back({&arm,
                      seed,
                      e.run_config(arm, seed, options.threads_per_run),
                      run_record_path(options.output, arm.name, seed),
                      std::nullopt,
                      {}});
  return plan;
}

// The record on disk for `p`, when it is the same run and finished. A damaged record is
// redone (records are written atomically, so it was damaged afterwards); a record of another
// config is a conflict.
std::optional<RunRecord> saved_record(const Planned& p, bool& conflict) {
  std::ifstream in(p.path);
  std::stringstream text;
  text << in.rdbuf();
  json saved;
  try {
    saved = parse_json_text(text.str(), p.path, JsonBlame::data);
  } catch (const DataError&) {
    return std::nullopt;
  }
  if (!saved.is_object() || !saved.contains("config")) return std::nullopt;
  json a = saved["config"], b = p.config;
  a["train"].erase("threads");
  b["train"].erase("threads");
  if (a != b) {
    conflict = true;
    return std::nullopt;
  }
  RunRecord r;
  try {
    r = RunRecord::from_json(saved);
  } catch (const json::exception&) {
    return std::nullopt;  // damaged: redo
  }
  if (r.status == "failed" || r.status == "interrupted") return std::nullopt;
  r.reused = true;
  return r;
}

// Runs already on disk: reused when they are the same run; redone when they failed, were
// interrupted or their record is damaged; an error when they belong to another experiment.
void reuse_saved_runs(std::vector<Planned>& plan, const CompareOptions& options) {
  std::vector<std::string> conflicts;
  for (auto& p : plan) {
    if (options.force || !fs::exists(p.path)) continue;
    bool conflict = false;
    p.record = saved_record(p, conflict);
    if (conflict) conflicts.push_back(p.path);
  }
  if (conflicts.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < conflicts.size() && i < 5; ++i) list += "\n  " + conflicts[i];
  if (conflicts.size() > 5) list += "\n  ... and " + std::to_string(conflicts.size() - 5) + " more";
  throw ConfigError(options.output +
                    " holds runs of a different experiment (their configs "
                    "differ from this one's):" +
                    list + "\nchoose another --output, or --force to redo every run");
}

// Trains the runs without a record on `options.jobs` threads, writing each record as it ends.
void run_pending(const Experiment& e, std::vector<Planned>& plan, const CompareOptions& options) {
  std::map<std::string, int> uses;
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (plan[i].record) continue;
    pending.push_back(i);
    plan[i].run = read_run_config(plan[i].config, e.origin);
    ++uses[data_key(plan[i].run)];
  }
  DataCache cache(uses);
  const int total = static_cast<int>(plan.size());
  int done = total - static_cast<int>(pending.size());
  std::mutex report_mutex;
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;  // writing a record failed: stop and rethrow in this thread
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (std::size_t k; !failed && (k = next.fetch_add(1)) < pending.size();) try {
        Planned& p = plan[pending[k]];
        if (options.interrupted && options.interrupted()) {
          cache.release(data_key(p.run));
          continue;
        }
        RunRecord r = train_one(e, *p.arm, p.seed, p.config, p.run, cache, options);
        if (r.status != "interrupted") {
          fs::create_directories(fs::path(p.path).parent_path());
          write_file_atomically(p.path, r.to_json().dump() + "\n");
        }
        std::lock_guard lock(report_mutex);
        if (r.status != "interrupted") ++done;
        p.record = std::move(r);
        if (options.on_run_end) options.on_run_end(*p.record, done, total);
      } catch (...) {
        std::lock_guard lock(report_mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
  };
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(pending.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

std::vector<RunRecord> run_experiment(const Experiment& e, const CompareOptions& options) {
  std::vector<Planned> plan = plan_runs(e, options);
  reuse_saved_runs(plan, options);
  run_pending(e, plan, options);
  std::vector<RunRecord> records;
  for (const auto& arm : e.arms)
    for (const auto& p : plan)
      if (p.arm == &arm && p.record) records.push_back(*p.record);
  return records;
}

}  // namespace nnfit
