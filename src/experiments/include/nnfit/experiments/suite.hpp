// An experiment over several data sets (experiment.datasets, docs/EXPERIMENTS.md): per data
// set a comparison of its own under <output>/datasets/<name>/ (tuned, resumed, reported like
// any), then the arms ranked across data sets as Demšar 2006 recommends (nnfit/rank_tests.hpp):
// average ranks, the Friedman test with Iman and Davenport's correction, Holm's test of each
// arm against the baseline, Wilcoxon signed-rank tests as a second view, and the Nemenyi
// critical difference.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nnfit/experiments/rank_tests.hpp"
#include "nnfit/experiments/study.hpp"

namespace nnfit {

// The experiment of one data set: every arm's data replaced by the entry's (the base's split
// and scale keys kept unless the entry sets them), its last layer sized to the data's outputs
// (the data is loaded once, with the first seed, to learn them), named "<experiment>/<set>".
// A set whose validation split would hold fewer than kMinValidationRows rows takes
// kSmallSetSplit of its rows for validation and as much for test (unless its entry sets
// "validation"); every seed draws its own stratified split.
inline constexpr Index kMinValidationRows = 30;
inline constexpr double kSmallSetSplit = 0.25;
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

// One arm against the baseline over the data sets: the difference of average ranks with its
// z-test (Holm across arms), and the Wilcoxon signed-rank test of the scores beside it.
struct RankComparison {
  std::string arm;
  double rank_difference = 0, z = 0, p = 1, p_adjusted = 1;
  std::string verdict;
  struct WilcoxonResult {
    int n = 0;
    double r_plus = 0, r_minus = 0, p = 1, p_adjusted = 1;
    bool exact = false;
  } wilcoxon;
};
// Two arms by the Wilcoxon signed-rank test over the data sets (Holm across the pairs).
struct PairComparison {
  std::string arm, other;
  double r_plus = 0, r_minus = 0;
  int n = 0;
  double p = 1, p_adjusted = 1;
};
// The runs behind one arm's score on one data set.
struct ScoreRuns {
  std::size_t n = 0;
  int diverged = 0;
};
// What the suite's number of data sets can detect (Demšar 2006, section 3.2.2): a difference
// of average ranks against the baseline, with 80% power, at Holm's first step (alpha / (k - 1))
// and at its last (alpha), (z_{1 - a/2} + z_0.80) SE; the Nemenyi critical difference is the
// smallest one declared between any pair. With the claim's reported effect: the power of the
// z-test to detect it, at Holm's first step and unadjusted, Phi(|d| / SE - z_{1 - a/2}).
struct SuitePower {
  double detectable_first_step = 0, detectable_last_step = 0;
  std::optional<double> reported_rank_difference;
  double power_first_step = 0, power_unadjusted = 0;
};
SuitePower suite_power(int methods, double rank_standard_error,
                       std::optional<double> reported_rank_difference);

// The ranks and the tests, when at least two data sets have scores.
struct SuiteRanking {
  std::vector<std::vector<double>> scores;  // per kept data set and arm; NaN: none
  std::vector<std::vector<ScoreRuns>> score_runs;
  // Data sets that cannot order the arms: every arm scored the same (on a skewed set with
  // accuracy, the majority rate), or, ranked by balanced accuracy, every arm's mean lies within
  // two standard errors (its own, over the seeds) of chance, 1 / classes.
  std::vector<std::string> non_discriminating;
  std::vector<std::vector<double>> ranks;  // per data set and arm (1: the best)
  std::vector<double> average_ranks;
  Friedman friedman;
  double critical_difference = 0, rank_standard_error = 0;
  std::optional<SuitePower> power;
  std::vector<RankComparison> against_baseline;
  std::vector<PairComparison> pairs;
  std::vector<std::string> claimed_order;
};
struct SuiteSummary {
  std::string experiment, claim, source, rank_by, baseline;
  std::vector<std::string> arms, datasets, left_out;  // left out: no arm has rank_by there
  double alpha = 0;
  std::optional<SuiteRanking> ranking;
  std::optional<Provenance> provenance;
};
void to_json(json& j, const SuiteSummary& s);
void from_json(const json& j, SuiteSummary& s);

// The suite's statistics: per data set and arm the mean of experiment.rank_by over the
// evaluation seeds, the ranks, and the tests across data sets.
SuiteSummary summarize_suite(const Experiment& experiment, const std::vector<Summary>& summaries);

}  // namespace nnfit
