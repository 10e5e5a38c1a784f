// The training loop: epochs of mini-batches, evaluation, early stopping, divergence checks,
// and the state needed to resume exactly where a run stopped.
//
// Randomness is derived, never carried: epoch e's batch order comes from (seed, e) and the
// dropout draws of optimiser step s from (seed, s). So a run resumed from a checkpoint --
// even one written mid-epoch -- takes the same steps as one that was never stopped.
// Training-split metrics are running means over the epoch's batches (as Keras reports them);
// validation and test metrics are full passes in evaluation mode at the end of each epoch.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "nnfit/batch_loader.hpp"
#include "nnfit/config.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/metrics.hpp"
#include "nnfit/optimizer.hpp"
#include "nnfit/parallel_step.hpp"
#include "nnfit/schedule.hpp"
#include "nnfit/train_step.hpp"

namespace nnfit {

struct EpochRecord {
  int epoch = 0;                    // 1-based
  std::int64_t step = 0;            // optimiser steps taken by the end of this epoch
  double lr = 0.0;                  // learning rate of the epoch's last step
  double grad_norm = 0.0;           // mean global gradient norm over the epoch's steps
  double epoch_time = 0.0;          // seconds, training and evaluation
  double samples_per_second = 0.0;  // training samples / training time
  Metrics train, validation, test;
  bool improved = false;  // the monitored metric reached a new best
  // {"epoch": 1, "step": ..., "train_loss": ..., "val_accuracy": ..., ...}; absent metrics omitted.
  json to_json() const;
  static EpochRecord from_json(const json& j);
  // A metric by name ("val_accuracy"); nullopt when not measured.
  std::optional<double> metric(const std::string& name) const;
};

// A validation pass every train.eval_every_steps steps.
struct StepEvaluation {
  std::int64_t step = 0;  // optimiser steps taken when it ran
  Metrics validation;
};

struct StepProgress {
  int epoch = 0;            // 1-based
  Index step_in_epoch = 0;  // 1-based
  Index steps_per_epoch = 0;
  std::int64_t global_step = 0;
  double loss = 0.0;       // running mean of the epoch so far
  double step_loss = 0.0;  // the loss of the step's own batch (after a step only)
  double samples_per_second = 0.0;
  double epoch_elapsed = 0.0;
};

struct TrainResult {
  enum class Status { finished, reached_target, early_stopped, interrupted };
  Status status = Status::finished;
  int best_epoch = 0;
  std::string monitor;  // the metric that chooses the best epoch
  std::optional<std::pair<int, std::int64_t>> target_reached;  // (epoch, step) of stop_at
};

class Trainer {
 public:
  struct Callbacks {
    // Before each optimiser step (step_in_epoch is the step about to run; loss and speed are
    // those so far), and after it.
    std::function<void(const StepProgress&)> before_step;
    std::function<void(const StepProgress&)> on_step;
    std::function<void(const EpochRecord&)> on_epoch_end;
    // Polled after every step; true stops the run at that step boundary (state() resumes it).
    std::function<bool()> interrupted;
  };

  Trainer(Model& model, const Loss& loss, Optimizer& optimizer, const Schedule& schedule,
          const Data& data, TrainConfig config, std::uint64_t seed);

  // Runs until the last epoch, the stop_at target, patience, or an interruption. Throws
  // DivergedError naming the epoch, step and layer when the loss or a parameter is not finite.
  TrainResult run(const Callbacks& callbacks = {});

  // Everything besides the model's and the optimiser's tensors needed to resume.
  json state() const;
  // Takes a state written by state(), checked field by field against itself and this
  // trainer's config and data; DataError prefixed by `origin` (the checkpoint's file name)
  // for anything out of range or inconsistent.
  void restore(const json& state, const std::string& origin = "checkpoint");

  const std::vector<EpochRecord>& history() const { return history_; }
  // Parameters at the best epoch so far (the current ones before the first epoch ends).
  const std::vector<float>& best_parameters() const { return best_parameters_; }
  const TrainResult& result() const { return result_; }
  const std::vector<StepEvaluation>& step_evaluations() const { return step_evaluations_; }
  // Seconds spent in those step evaluations (their cost, reported by compare).
  double step_evaluation_seconds() const { return step_evaluation_seconds_; }
  Index steps_per_epoch() const { return loader_.batches_per_epoch(); }

 private:
  // One optimiser step on batch_ (learning rate from the schedule, dropout draws from the
  // step number); diverged() when a parameter is no longer finite.
  StepResult take_step(Index steps_per_epoch, std::int64_t total_steps, const Rng& dropout_base);
  void accumulate(const StepResult& result, bool classification);
  void evaluate_at_step();
  void check_target(const EpochRecord& metrics, int epoch, std::int64_t step);
  void end_epoch(const Callbacks& callbacks, double train_seconds);
  [[noreturn]] void diverged(const std::string& what) const;

  Model& model_;
  const Loss& loss_;
  Optimizer& optimizer_;
  const Schedule& schedule_;
  const Data& data_;
  TrainConfig config_;
  std::uint64_t seed_;
  BatchLoader loader_;
  Batch batch_;
  ParallelStep stepper_;

  // Progress, saved by state().
  int epoch_ = 0;            // 0-based epoch in progress
  Index step_in_epoch_ = 0;  // batches done in it
  double loss_sum_ = 0.0;    // running sums of the epoch in progress
  double squared_error_sum_ = 0.0;
  double grad_norm_sum_ = 0.0;
  std::int64_t correct_ = 0, seen_ = 0, outputs_seen_ = 0;
  double train_seconds_ = 0.0;
  std::vector<EpochRecord> history_;
  std::optional<double> best_value_;
  int epochs_without_improvement_ = 0;
  std::vector<float> best_parameters_;
  TrainResult result_;
  bool done_ = false;
  Split step_split_;  // what step evaluations evaluate
  std::vector<StepEvaluation> step_evaluations_;
  double step_evaluation_seconds_ = 0;
};

}  // namespace nnfit
