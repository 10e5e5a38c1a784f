// An experiment over several data sets (experiment.datasets, docs/EXPERIMENTS.md): per data
// set a comparison of its own under <output>/datasets/<name>/ (tuned, resumed, reported like
// any), then the arms ranked across data sets as Demšar 2006 recommends (nnfit/rank_tests.hpp):
// average ranks, the Friedman test with Iman and Davenport's correction, Holm's test of each
// arm against the baseline, Wilcoxon signed-rank tests as a second view, and the Nemenyi
// critical difference.
#pragma once

#include <string>
#include <vector>

#include "nnfit/experiments/study.hpp"

namespace nnfit {

// The experiment of one data set: every arm's data replaced by the entry's (the base's split
// and scale keys kept unless the entry sets them), its last layer sized to the data's outputs
// (the data is loaded once, with the first seed, to learn them), named "<experiment>/<set>".
Experiment dataset_experiment(const Experiment& experiment, const DatasetEntry& dataset);

struct DatasetStudy {
  std::string name;
  Experiment experiment;  // dataset_experiment(), its arms at their tuned values
  Study study;
};
// Each data set's study in turn, under options.output/datasets/<name>/; stops (returning the
// ones finished) when options.interrupted() says so.
std::vector<DatasetStudy> run_suite(const Experiment& experiment, const CompareOptions& options);
// The folder of one data set's comparison.
std::string dataset_output(const std::string& output, const std::string& name);

// summary.json of the suite: per data set and arm the mean of experiment.rank_by over the
// evaluation seeds, the ranks, and the tests across data sets.
json summarize_suite(const Experiment& experiment, const std::vector<json>& summaries);

}  // namespace nnfit
