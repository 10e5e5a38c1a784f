// The pieces of `nnfit compare` that its modes share (src/cli/compare_command.cpp and
// src/cli/compare_plan.cpp): the experiment from the arguments, the options, the report.
#pragma once

#include <chrono>
#include <optional>

#include "commands.hpp"
#include "nnfit/experiments/study.hpp"
#include "nnfit/experiments/suite.hpp"

namespace nnfit::cli {

// From --experiment FILE, or --config FILE with --activations (and --tune).
Experiment experiment_of(const CompareArgs& options);
CompareOptions compare_options(const CompareArgs& options, const Experiment& experiment);
// "[ 3/12] elu  seed 2  finished  4.1 s  3 epochs, train_loss ...": one line per run.
void print_run_line(const RunRecord& r, int done, int total);
// What a comparison ran: one study, or one per data set (experiment.datasets).
struct Outcome {
  std::optional<Study> single;
  std::vector<DatasetStudy> suite;
};
// Every stage of every data set, as far as options.interrupted() lets it.
Outcome run_all(const Experiment& experiment, const CompareOptions& co);
// Writes the statistics and the reports; the exit status says whether every run ended.
int report_and_exit_status(const CompareArgs& options, const Experiment& experiment,
                           const Outcome& outcome, const CompareOptions& co,
                           std::chrono::steady_clock::time_point started);

// --plan, --run-one, --collect (src/cli/compare_plan.cpp).
int plan_command(const CompareArgs& options);
int run_one_command(const CompareArgs& options);
int collect_command(const CompareArgs& options);

}  // namespace nnfit::cli
