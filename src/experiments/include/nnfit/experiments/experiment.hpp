// Experiments: several arms (variants of one base config) trained over the same seeds, so that
// "does ELU converge faster than ReLU here?" is answered with statistics, not one run.
//
// An experiment file (experiments/*.json, keys in docs/EXPERIMENTS.md) names a base config,
// the seeds, a convergence target and the arms; each arm overrides part of the base: the
// hidden activation, the initialiser, the hidden layers' bias init, the hidden stack's depth
// and width, or any key through "set". `nnfit compare --config base.json --activations
// relu,elu` builds the same thing from the command line.
//
// What the arms share, by construction: for a given seed every arm gets the same data (the
// split and the preprocessing come from the seed), the same mini-batches in the same order
// (the batch order is drawn from the seed alone), and the same random draws for its initial
// weights (also from the seed alone, layer by layer): two arms whose layers have the same
// shapes and whose initialisers have the same family (normal or uniform) start from weights
// that differ only by each initialiser's scale.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nnfit/config.hpp"
#include "nnfit/experiments/tuning.hpp"

namespace nnfit {

struct Arm {
  std::string name;
  std::string description;  // what differs, for the report ("elu, he_normal")
  json config;              // the arm's run config without a seed (checked)
};

// One data set of an experiment over several ("datasets").
struct DatasetEntry {
  std::string name;  // names its folder and its row in the rankings
  json data;         // a data spec; the base's split and scale keys fill what it leaves out
};

// "datasets": ["uci"] (every UCI set of nnfit list), names of UCI sets, or
// {"name": ..., "data": {...}} objects. Problems go to `diagnostics`.
std::vector<DatasetEntry> read_datasets(const json& spec, const std::string& path,
                                        Diagnostics& diagnostics);

struct Experiment {
  std::string name;
  std::string claim;   // the statement under test
  std::string source;  // the paper it comes from
  std::string origin;  // the experiment file, or the base config for --activations
  std::vector<std::uint64_t> seeds;
  std::string baseline;              // the arm the others are compared with
  std::optional<StopAt> target;      // the convergence target (recorded, never stops a run)
  bool initialization_only = false;  // no training: statistics of the initial network
  DiagnosticsOptions diagnostics;    // on unless the experiment turns it off
  // > 0: also record the mean training loss of every N steps (and, for a train_loss target,
  // find the first step where it is met at that resolution rather than per epoch).
  int log_every_steps = 0;
  // Each arm at its own best value of a config key, chosen on tuning seeds' validation
  // split before the evaluation seeds run (nnfit/experiments/tuning.hpp).
  std::optional<TuneSpec> tune;
  std::vector<Arm> arms;
  // Every arm on each of these data sets (empty: the base's data): per data set the
  // statistics above, across them the arms' ranks by `rank_by` (nnfit/experiments/suite.hpp).
  std::vector<DatasetEntry> datasets;
  std::string rank_by = "test_accuracy_at_best_val";
  // The arms in the order the claim puts them, best first (all or some): the report of an
  // experiment over data sets sets the ranks found beside it.
  std::vector<std::string> claimed_order;
  // The effect the claim's source reports, as a difference of average ranks (claimed best
  // minus claimed second; negative: the first ranks better): the suite report gives the
  // power its number of data sets has to detect it.
  std::optional<double> reported_rank_difference;
  // "primary": the measures whose comparisons carry verdict words (faster, better, ...), Holm-
  // adjusted together across arms and measures; empty: the speed measure alone (summarize()).
  // Every other measure is exploratory: its differences and p-values, no verdict.
  std::vector<std::string> primary;
  json spec;  // the experiment as read (after extends, smoke and command-line overrides)

  const Arm* arm(const std::string& name) const;
  // The run config of one arm at one seed.
  json run_config(const Arm& arm, std::uint64_t seed, int threads = 1) const;
};

struct ExperimentOptions {
  bool smoke = false;                  // apply the experiment's "smoke" section
  std::vector<std::uint64_t> seeds;    // replaces the experiment's seeds when not empty
  std::vector<std::string> overrides;  // --set, applied to every arm's config
  std::string baseline;                // replaces the baseline when not empty
  json tune;  // with experiment_from_config: the "tune" section (null: none)
};

// Reads an experiment file. Throws ConfigError listing every problem (file, JSON path,
// nearest valid name), with each arm's run config checked as `nnfit` checks a config.
Experiment read_experiment(const std::string& path, const ExperimentOptions& options = {});
// The same from an experiment already parsed; `origin` names it in messages (Python passes
// dicts through it).
Experiment read_experiment_json(json spec, const std::string& origin,
                                const ExperimentOptions& options = {});

// One arm per activation over a base config: the activation of every hidden layer is
// replaced, and "init": "auto" gives each the initialiser it recommends.
Experiment experiment_from_config(const std::string& config_path,
                                  const std::vector<std::string>& activations,
                                  const ExperimentOptions& options = {});

// The measures a comparison computes per run, which "primary" may name (summary.hpp).
const std::vector<std::string>& measure_names();

// Seeds 1..n.
std::vector<std::uint64_t> first_seeds(int n);

// Why `name` (of an arm or a data set) cannot name its folder of records, or "" when it can:
// 1 to 100 letters, digits, '_', '-' or '.', not starting with '.' or '-' (so never ".", "..",
// a hidden file or an option), so that it is one safe path component on every filesystem.
std::string folder_name_problem(const std::string& name);

// The most seeds an experiment takes, as a count or a list, and the most evaluation runs
// (arms x seeds x data sets): planning holds every run's config, about 17 KB each, so 10^6
// seeds once took 3.9 GB and ended in std::bad_alloc.
inline constexpr int kMaxSeeds = 10000;
inline constexpr std::size_t kMaxRuns = 100000;

}  // namespace nnfit
