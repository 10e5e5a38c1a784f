// Comparing several methods over several data sets (Demšar 2006, "Statistical comparisons of
// classifiers over multiple data sets", JMLR 7): each data set ranks the methods, the
// average ranks are compared by the Friedman test (with Iman and Davenport's F form), each
// method against a control by Holm's step-down test on the rank differences, all pairs by
// the Nemenyi critical difference, and pairs by the Wilcoxon signed-rank test as a second
// view. tests/test_rank_tests.cpp checks each against Demšar's worked example.
#pragma once

#include <vector>

namespace nnfit {

// Whether two scores are the same number but for floating-point noise: |a - b| <= 1e-9
// max(1, |a|, |b|). Means of the same accuracies summed in another order differ in the last
// bits; exact == once ranked them apart and counted a 1e-16 difference as a win. The ranks
// and the Wilcoxon test below treat such scores as ties.
bool same_score(double a, double b);

// scores[d][m]: method m on data set d. Rank 1 is the best (the highest score, or the lowest
// with lower_is_better); ties (same_score) share the average of the ranks they span.
struct Ranks {
  std::vector<std::vector<double>> per_dataset;
  std::vector<double> average;  // per method
  int datasets() const { return static_cast<int>(per_dataset.size()); }
  int methods() const { return static_cast<int>(average.size()); }
};
Ranks rank_methods(const std::vector<std::vector<double>>& scores, bool lower_is_better);

// Friedman 1937: chi2_F = 12 N / (k (k+1)) [sum R_j^2 - k (k+1)^2 / 4], chi-square with k - 1
// df; Iman and Davenport 1980: F_F = (N - 1) chi2_F / (N (k - 1) - chi2_F), F with k - 1 and
// (k - 1)(N - 1) df, less conservative. Needs N >= 2 and k >= 2.
struct Friedman {
  double chi2 = 0, chi2_p = 1;
  double iman_davenport = 0, iman_davenport_p = 1;
  int df1 = 0, df2 = 0;
};
Friedman friedman_test(const Ranks& ranks);

// The standard error of a difference of average ranks, sqrt(k (k+1) / (6 N)).
double rank_standard_error(const Ranks& ranks);
// Two-sided normal p of each method's average rank against the control's (z = dR / SE), and
// 1 for the control itself; adjust with holm_adjust (statistics.hpp) over the others.
std::vector<double> rank_p_values(const Ranks& ranks, int control);

// The Nemenyi critical difference at alpha 0.05: q_0.05(k) sqrt(k (k+1) / (6 N)), with q from
// Demšar's Table 5(a) (the studentized range statistic over sqrt 2), k from 2 to 10; 0 beyond.
double nemenyi_critical_difference(int methods, int datasets);

// Wilcoxon signed-rank test of a[i] - b[i] (Wilcoxon 1945), zeros (pairs with same_score)
// handled as Demšar recommends: their ranks split evenly between R+ and R- (one dropped if
// their number is odd). p is exact (all 2^n sign patterns of the ranks) when no zero remains
// after that and n <= 30, otherwise the normal approximation with the tie correction.
struct Wilcoxon {
  int n = 0;
  double r_plus = 0, r_minus = 0;
  double statistic = 0;  // T = min(R+, R-)
  double z = 0;          // normal approximation
  double p = 1;          // two-sided
  bool exact = false;
};
Wilcoxon wilcoxon_signed_rank(const std::vector<double>& a, const std::vector<double>& b);

// Upper tails of the chi-square and F distributions (regularised incomplete gamma and beta
// functions), for the tests above.
double chi_square_upper(double x, double df);
double f_upper(double x, double df1, double df2);

}  // namespace nnfit
