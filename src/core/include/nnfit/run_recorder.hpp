// The run directory: one format, written by one component, for `nnfit` training, for
// embedders (fit(..., {.run_dir = "runs/x"})) and anything else that drives a Trainer.
//
//   config.json          the resolved config
//   metrics.jsonl/.csv   one row per epoch
//   steps.jsonl          with train.eval_every_steps: one row per validation pass
//   model.safetensors    the last epoch's weights (the best, when patience restored them)
//   best.safetensors     the best epoch's weights by the monitored metric
//   checkpoint.safetensors  weights, optimiser and trainer state: resuming continues exactly
//   checkpoints/         snapshots every train.checkpoint_every_epochs epochs
//   diagnostics.jsonl    with "diagnostics": per-epoch activation and gradient statistics
//   summary.json         once the run ends
//
// Every file is written to a temporary name and renamed; the directory is locked for the
// recorder's lifetime (run_lock.hpp).
#pragma once

#include <memory>
#include <string>

#include "nnfit/config.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/run_setup.hpp"
#include "nnfit/trainer.hpp"

namespace nnfit {

class RunRecorder {
 public:
  enum class Start {
    fresh,   // a new run; refused when the directory holds an unfinished one
    resume,  // continue the run in the directory from its checkpoint
    force,   // a new run, replacing whatever is there
  };

  // Locks `dir` (creating it) and checks that `start` fits what it holds. ConfigError when
  // not (the message says what to do).
  RunRecorder(const std::string& dir, Start start);
  ~RunRecorder();
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  const std::string& dir() const;
  bool resuming() const;

  // Binds the recorder to the run about to start. Resuming: the checkpoint's config must
  // equal `resolved` (apart from output.dir), and the model, optimiser and trainer continue
  // from it. A fresh run: a finished run's files in the directory go. Writes config.json.
  // Everything passed must outlive the recorder; `origin` names the config in messages.
  void attach(const RunConfig& run, const json& resolved, const Data& data, RunSetup& setup,
              Trainer& trainer, const std::string& origin);

  // Trainer callbacks that record the run, around `inner`'s own.
  Trainer::Callbacks observe(Trainer::Callbacks inner);

  // An interrupted run: writes the checkpoint it resumes from.
  void interrupted();
  // A finished run: the final model file and summary.json; returns the summary.
  json finish(const TrainResult& result, double wall_seconds);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The words summary.json and the CLI use for a run's end.
const char* status_name(TrainResult::Status status);

}  // namespace nnfit
