// The nnfit command's subcommands, one function each, and its documented exit codes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nnfit/experiments/study.hpp"

namespace nnfit::cli {

enum ExitCode : int {
  kSuccess = 0,
  kUsage = 2,         // bad usage or config
  kDataError = 3,     // a data or model file is missing or corrupt
  kDiverged = 4,      // NaN or Inf in the loss or the parameters
  kRunsFailed = 5,    // compare: some runs failed (not diverged) or, for --collect, are missing
  kInterrupted = 130  // SIGINT or SIGTERM: a checkpoint was written
};

enum class Output { normal, quiet, json };

struct TrainOptions {
  std::string config;
  std::vector<std::string> overrides;  // --set key=value
  std::string resume;                  // run directory to continue
  std::string output;                  // overrides output.dir
  bool force = false;                  // start over in a directory with an unfinished run
  int threads = 0;                     // > 0: overrides train.threads
  Output output_mode = Output::normal;
  std::int64_t interrupt_after_steps = 0;  // testing: raise SIGINT after this many steps
};

int train(const TrainOptions& options);
int print_config(const std::string& config, const std::vector<std::string>& overrides);
// Writes report.html for a run directory and prints its path.
// One directory: its report.html; several: one page overlaying them (`output`, default
// runs.html).
int print_report(const std::vector<std::string>& dirs, const std::string& output);
// The model's layers, output shapes and parameter counts: from a config (its data is loaded
// for the input width) or from a model file.
int print_summary(const std::string& config, const std::string& model_file);
// threads: the batches of the forward passes are split across them.
int evaluate_model(const std::string& model, const std::string& data, const std::string& split,
                   bool json_output, int threads);
enum class Header { detect, yes, no };
struct PredictOptions {
  std::string model;   // a model file, or a run directory (its model.safetensors)
  std::string input;   // CSV of features
  std::string output;  // "" or "-": stdout
  Header header = Header::detect;
  std::string id;  // a column copied to the output: a name (with a header) or a 0-based index
  bool probabilities = false;
  bool logits = false;
  int threads = 1;
};
int predict(const PredictOptions& options);
// A model argument: a file as given, or a run directory's model.safetensors.
std::string model_file_of(const std::string& argument);
int list_registry(bool markdown);

struct CompareArgs {
  std::string experiment;                // an experiment file, or
  std::string config;                    // a base config with
  std::vector<std::string> activations;  // one arm per activation
  std::string seeds;                     // "5" (seeds 1..5) or "1,2,7"
  std::vector<std::string> overrides;    // --set, for every arm
  std::string baseline;
  std::string tune;  // with --activations: a key to tune per arm ("lr": optimizer.lr)
  std::string output;
  int jobs = 0;  // 0: the number of cores
  int threads = 1;
  bool smoke = false;
  bool force = false;
  bool quiet = false;
  std::string command_line;
  // A comparison on any batch scheduler (docs/SCALING.md): each names the output folder.
  std::string plan;     // write the runs of the next stage not done yet to <plan>/plan.jsonl
  std::string run_one;  // run line `index` of <run_one>/plan.jsonl
  std::string collect;  // statistics and report from the run files; say which are missing
  long long index = -1;
  RunEngine engine;  // set under mpirun: the ranks that train the runs (empty: --jobs threads)
  std::string engine_label;  // how the engine runs them, for messages and the report
};
int compare(const CompareArgs& options);

}  // namespace nnfit::cli
