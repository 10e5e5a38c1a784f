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

#include "nnfit/experiment.hpp"
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

// The statistics of a comparison (the content of summary.json), as docs/EXPERIMENTS.md
// defines them: per arm, each continuous measure's mean, sd and 95% interval over seeds, and
// time to the target as survival data (Kaplan-Meier, restricted mean); per arm against the
// baseline, paired effects with exact permutation (or sign-test) p-values, Holm-adjusted
// across arms, and verdicts from the adjusted p. Continuous measures, per run:
//   final_{train,val,test}_{loss,accuracy}   at the last epoch
//   best_{train,val}_loss, best_val_accuracy over epochs
//   test_accuracy_at_best_val                at the epoch with the lowest validation loss
//   val_loss_auc, loss_auc                   mean validation (training) loss over the epochs
//   val_loss_at_25pct, val_loss_at_50pct     validation loss after a quarter (half) the steps
//   wall_time, dead_final
// The primary measure is time to target when there is one, else val_loss_auc, else loss_auc.
json summarize(const Experiment& experiment, const std::vector<RunRecord>& records);

// The tuning of every arm (experiment.tune must be set): each rung of successive halving runs
// as a comparison of its own under <output>/tuning/rung-<k>/ (on the tuning seeds; resumed
// and reused like any comparison), then "extend" points under tuning/extend-<k>/, and each
// arm's config then carries its chosen value.
struct ArmTuning {
  std::string arm;
  std::vector<double> values;  // the space, with the points "extend" added (ascending)
  double chosen = 0;
  bool on_edge = false;                        // the lowest or highest value of the space: widen it
  std::vector<Rung> rungs;                     // indices into TuneSpec::values (the grid)
  std::vector<std::vector<double>> selection;  // per rung, each point's selection value
  std::vector<std::vector<int>> diverged;      // per rung, each point's diverged tuning runs
  // "extend": the points tried beyond the edge (at the full budget), their selection value and
  // their diverged tuning runs.
  struct Extension {
    double value = 0, selection = 0;
    int diverged = 0;
  };
  std::vector<Extension> extended;
  // Values a divergence kept from winning a rung: the mean of their finished tuning runs was
  // below the rung's best selection value, but some tuning run diverged (the report says so).
  struct Removed {
    double value = 0, finished_mean = 0;
    int diverged = 0, rung = 0;
  };
  std::vector<Removed> removed;
};
std::vector<ArmTuning> tune_arms(Experiment& experiment, const CompareOptions& options);
// summary.json's "tuning" section.
json tuning_json(const Experiment& experiment, const std::vector<ArmTuning>& tunings);

// Everything a comparison runs, stage by stage: the tuning (experiment.tune), the evaluation
// seeds at each arm's tuned value, and with "tune": {"fixed": v} the evaluation seeds again
// with every arm at v (under <output>/fixed/), a sensitivity analysis of the verdicts.
struct Study {
  Experiment experiment;  // each arm at its tuned value
  std::vector<ArmTuning> tunings;
  std::vector<RunRecord> records;
  std::optional<Experiment> fixed;  // every arm at the fixed value
  std::vector<RunRecord> fixed_records;
};
// Stops between runs when options.interrupted() says so (the study is then incomplete).
Study run_study(const Experiment& experiment, const CompareOptions& options);
// summarize(), with "tuning" (tuning_json) and "fixed" ({key, value, arms, comparisons}: the
// fixed-value evaluation's statistics) when the study has them.
json summarize_study(const Study& study);

// The record file of one run.
std::string run_record_path(const std::string& output, const std::string& arm, std::uint64_t seed);

}  // namespace nnfit
