// Running an experiment: every (arm, seed) as one run, several at once, each on one thread
// (or on any RunEngine: the command adds MPI ranks and batch schedulers, docs/SCALING.md).
//
// Each finished run is written to <output>/runs/<arm>/seed-<seed>.json (atomically) as soon as
// it ends, so an interrupted comparison resumes where it stopped: runs already on disk with
// the same config are not redone. A run that diverges is recorded as diverged and the others
// go on; one that fails for another reason (a missing file, say) is reported and retried by
// the next resume.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nnfit/experiments/experiment.hpp"
#include "nnfit/model_diagnostics.hpp"
#include "nnfit/trainer.hpp"

namespace nnfit {

struct RunRecord {
  std::string arm;
  std::uint64_t seed = 0;
  // finished | diverged | failed | interrupted | initialized (initialization_only)
  std::string status;
  std::string error;  // for diverged and failed
  json config;        // the run's config
  Index steps_per_epoch = 0;
  std::vector<EpochRecord> epochs;
  std::vector<DiagnosticsRecord> diagnostics;  // [0] at initialisation
  // With log_every_steps N: (step, mean training loss of steps step-N+1 .. step).
  std::vector<std::pair<std::int64_t, double>> step_losses;
  // With train.eval_every_steps N: (step, validation loss) every N steps, and their cost.
  std::vector<std::pair<std::int64_t, double>> step_val_losses;
  double step_evaluation_seconds = 0.0;
  std::optional<std::pair<int, std::int64_t>> target_reached;  // (epoch, step)
  double wall_time = 0.0;                                      // seconds, data loading excluded
  std::string version;  // the nnfit that made it (this one's when empty; absent in old records)
  bool reused = false;  // read from an earlier, resumed comparison

  bool ok() const { return status == "finished" || status == "initialized"; }
  json to_json() const;
  static RunRecord from_json(const json& j);
};

// One run, self-contained: everything a process needs to train it (an MPI rank, `compare
// --run-one`) and where its record goes. Also one line of a plan file (docs/SCALING.md).
struct RunTask {
  std::string stage;  // the folder of its comparison: the output, or <output>/tuning/rung-0, ...
  std::string arm;
  std::uint64_t seed = 0;
  json config;         // the run config, seed included
  std::string record;  // the record file, <stage>/runs/<arm>/seed-<n>.json
  bool initialization_only = false;
  int log_every_steps = 0;
  std::string origin;  // the experiment file, for messages
  json to_json() const;
  // Throws json::exception when malformed, DataError when a value is out of range (a seed
  // or log_every_steps that is not an exact integer in range).
  static RunTask from_json(const json& j);
};

// Loads the task's data and trains it. A run that cannot be set up or trained is a record with
// status "failed" and the reason, not an exception.
RunRecord run_task(const RunTask& task, const std::function<bool()>& interrupted = {});
// Writes `record` to task.record atomically (creating its folder).
void write_run_record(const RunTask& task, const RunRecord& record);
// A 64-bit FNV-1a hash of a run config (training threads left out), in hex: records carry it
// so that runs from different machines can be matched.
std::string config_hash(const json& config);

// How the runs still to do are carried out: `finished(i, record)` for each task i that ran
// (it writes the record; it may be called from several threads). Tasks it does not finish
// stay missing, and run_experiment returns without them.
using RunEngine = std::function<void(const std::vector<RunTask>& tasks,
                                     const std::function<void(std::size_t, RunRecord)>& finished)>;

struct CompareOptions {
  std::string output;       // the comparison's folder
  int jobs = 1;             // runs at once
  int threads_per_run = 1;  // training threads of each run
  bool force = false;       // redo runs already on disk
  std::function<void(const RunRecord&, int done, int total)> on_run_end;
  std::function<bool()> interrupted;  // polled between steps: stop every run, keep finished ones
  RunEngine engine;                   // empty: `jobs` threads of this process
  bool stopped() const { return interrupted && interrupted(); }
};

// Runs what is not on disk yet; returns every run's record, arm by arm, seed by seed.
// Throws ConfigError when the folder holds runs of a different experiment (unless force).
std::vector<RunRecord> run_experiment(const Experiment& experiment, const CompareOptions& options);

// The record file of one run.
std::string run_record_path(const std::string& output, const std::string& arm, std::uint64_t seed);

}  // namespace nnfit
