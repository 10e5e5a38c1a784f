// The pieces of the run directory format that RunRecorder writes (nnfit/run_recorder.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nnfit/config.hpp"
#include "nnfit/model_diagnostics.hpp"
#include "nnfit/trainer.hpp"

namespace nnfit::run_files {

namespace fs = std::filesystem;

// metrics.jsonl and metrics.csv from the history so far.
void write_metrics(const fs::path& dir, const std::vector<EpochRecord>& history);

// steps.jsonl: the validation passes every train.eval_every_steps so far, one row each
// ({"step", "val_loss", "val_accuracy" or "val_rmse" and "val_r2"}); nothing without them.
void write_step_evaluations(const fs::path& dir, const std::vector<StepEvaluation>& evaluations);

// checkpoints/epoch-NNNN.safetensors: a copy of the checkpoint just written, then the oldest
// beyond `keep` removed (0 keeps all).
void keep_snapshot(const fs::path& checkpoint, const fs::path& folder, int epoch, int keep);

// Keys in which two resolved configs differ ("train.epochs", "optimizer.lr").
std::vector<std::string> differences(const json& a, const json& b);

// A new run in the directory of a finished (or replaced) one: its files go.
void clear_previous_run(const fs::path& dir);

// summary.json's content.
json make_summary(const RunConfig& run, const TrainResult& result,
                  const std::vector<EpochRecord>& history, double wall, const Model& model,
                  const Data& data);

// diagnostics.jsonl: one record at initialisation, then one per epoch.
class DiagnosticsFile {
 public:
  DiagnosticsFile(const RunConfig& run, const Data& data, Model& model, fs::path path);
  ModelDiagnostics* get() { return diagnostics_.get(); }
  // Resuming keeps the records of the `done` epochs the checkpoint has finished.
  void start(bool resuming, int done);
  void epoch(int epoch);

 private:
  fs::path path_;
  std::unique_ptr<ModelDiagnostics> diagnostics_;
  std::string lines_;
};

}  // namespace nnfit::run_files
