// Run configs: one JSON file describes a training run (docs/CONFIG.md lists every key).
//
// load_config() reads the file (syntax errors give file:line:column), follows "extends"
// (merged, child wins, arrays replaced) and applies --set overrides. read_run_config()
// checks every key -- unknown keys, types, ranges, names -- and reports all problems at once,
// before any data is read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nnfit/layers.hpp"
#include "nnfit/loss.hpp"
#include "nnfit/optimizers.hpp"
#include "nnfit/schedule.hpp"
#include "nnfit/schema.hpp"
#include "nnfit/spec.hpp"
#include "nnfit/types.hpp"

namespace nnfit {

// Metric names: {train,val,test}_{loss,accuracy,rmse,r2}. Lower is better for loss and rmse.
bool metric_is_known(const std::string& metric);
bool lower_is_better(const std::string& metric);
std::vector<std::string> metric_names();

struct StopAt {
  std::string metric;
  double value = 0.0;
  bool stop = true;  // false: only record when the target is first reached, train on
};

struct Patience {
  std::string metric = "val_loss";
  int epochs = 5;
  double min_delta = 0.0;
  bool restore_best = true;
};

struct TrainConfig {
  int epochs = 10;
  Index batch_size = 64;
  bool shuffle = true;
  bool drop_last = false;
  double clip_norm = 0.0;  // 0: no clipping
  std::optional<StopAt> stop_at{};
  std::optional<Patience> patience{};
  Index eval_batch_size = 1024;
  int threads = 1;  // training threads; results are identical run to run for a given count
  // Snapshots checkpoints/epoch-NNNN.safetensors every N epochs (0: none), keeping the newest
  // `keep_checkpoints` (0: all). checkpoint.safetensors, for --resume, is written every epoch.
  int checkpoint_every_epochs = 0;
  int keep_checkpoints = 3;
  // Evaluates the validation split (or a fixed stratified subset of `eval_subset` rows) every
  // N optimiser steps (0: only at epoch ends), so that a validation target is timed in steps.
  std::int64_t eval_every_steps = 0;
  Index eval_subset = 0;  // 0: the whole validation split
  // > 0: the run ends after this many optimiser steps (mid-epoch if need be, with the epoch's
  // evaluation there), and the schedule spans this shorter budget: a successive-halving rung.
  std::int64_t max_steps = 0;
};

// "diagnostics": true, or {"probe_samples": 1000, "split": "train"}: per-epoch activation,
// dead-unit and gradient statistics (nnfit/model_diagnostics.hpp), written to
// diagnostics.jsonl in the run directory.
struct DiagnosticsOptions {
  bool enabled = false;
  Index probe_samples = 1000;   // the first N rows of the split (all of it when smaller)
  std::string split = "train";  // train | validation | test
};

// The fields of "train": reading, the resolved config, `nnfit list` and docs/CONFIG.md.
const Schema<TrainConfig>& train_schema();

// Reads the "diagnostics" value (true, false or the object form) into `options`.
void read_diagnostics_options(const json& spec, Diagnostics& diagnostics,
                              DiagnosticsOptions& options);

// A config read once into typed values: each component is a recipe (its resolved spec and
// its builder), built when a run starts (build_run in run_setup.hpp).
struct RunConfig {
  std::string name;
  std::uint64_t seed = 1;
  json data;                        // the data spec, as load_data() reads it
  std::vector<LayerRecipe> layers;  // model.layers
  std::string init_from;            // model.init_from: weights to start from ("" for none)
  LossRecipe loss;                  // "auto" resolved from the data spec's task
  OptimizerRecipe optimizer;
  ScheduleRecipe schedule;
  TrainConfig train;
  DiagnosticsOptions diagnostics;
  std::string output_pattern = "runs/{name}";  // output.dir as written
  std::string output_dir;                      // with {name} and {seed} substituted
  bool write_report = true;  // output.report: report.html in the run directory at the end
  json resolved;             // the config with every default filled in
};

// The layers of a config's "model" section (model.layers), each read through the registry;
// problems go to `diagnostics` with their paths.
std::vector<LayerRecipe> read_model_layers(SpecReader& model, Diagnostics& diagnostics);

// The resolved config of a run: every component's resolved spec, `data` (the resolved data
// spec) and `output_dir` as written (with its {name} and {seed} placeholders).
json resolve_run_config(const RunConfig& run, const json& data, const std::string& output_dir);

// Reads a config file, follows "extends" and applies "a.b[1].c=value" overrides (the value is
// JSON, or a plain string when it does not parse). Throws ConfigError.
json load_config(const std::string& path, const std::vector<std::string>& overrides = {});
void apply_override(json& config, const std::string& assignment);

// Checks and reads a merged config; `origin` (the file name) prefixes every message.
// Problems go to `diagnostics`.
RunConfig read_run_config(const json& config, const std::string& origin, Diagnostics& diagnostics);
// The same, throwing ConfigError with every problem.
RunConfig read_run_config(const json& config, const std::string& origin = "");

}  // namespace nnfit
