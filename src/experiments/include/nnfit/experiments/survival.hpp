// Time to a target as survival data: a run that never reaches the target is censored at the
// budget (we know only that its time is beyond it), never an observation of budget + 1.
//
//   Kaplan-Meier: S(t) = prod over event times t_j <= t of (1 - d_j / n_j)
//     (Kaplan and Meier 1958), with Greenwood's variance.
//   Restricted mean time to target up to tau: the area under S from 0 to tau, with the
//     variance sum_j A_j^2 d_j / (n_j (n_j - d_j)), A_j the area from t_j to tau
//     (Klein and Moeschberger 2003, section 4.5).
//   Log-rank test of two curves: chi-square on 1 df (Mantel 1966).
//   Paired comparison (runs on the same seeds): each pair is decided when its order is known
//   -- both reached: the earlier; one reached before the other's censoring time: that one --
//   and undetermined otherwise (both censored); an exact two-sided sign test over the decided
//   pairs (Gehan's paired scores, as in the paired Prentice-Wilcoxon test).
#pragma once

#include <cstdint>
#include <vector>

namespace nnfit {

struct SurvivalTime {
  double time = 0;
  bool reached = false;  // false: censored at `time`
};

struct KaplanMeier {
  std::vector<double> times;     // distinct event times, ascending
  std::vector<double> survival;  // S just after each event time
  std::vector<int> at_risk, events;
  std::vector<double> greenwood_se;  // standard error of S at each event time
  int runs = 0, reached = 0;

  // S(t): 1 before the first event.
  double at(double t) const;
  // The area under S from 0 to tau.
  double restricted_mean(double tau) const;
  // The standard error of restricted_mean(tau).
  double restricted_mean_se(double tau) const;
};

KaplanMeier kaplan_meier(const std::vector<SurvivalTime>& runs);

struct LogRank {
  double observed_a = 0, expected_a = 0, observed_b = 0, expected_b = 0;
  double chi_square = 0, p = 1;
};
LogRank log_rank(const std::vector<SurvivalTime>& a, const std::vector<SurvivalTime>& b);

struct PairedTimes {
  int faster = 0;        // pairs where a reached the target first
  int slower = 0;        // pairs where b did
  int undetermined = 0;  // neither reached it, or equal times
  double p = 1;          // exact two-sided sign test over faster + slower pairs
};
PairedTimes paired_times(const std::vector<SurvivalTime>& a, const std::vector<SurvivalTime>& b);

// The paired effect that goes with the sign test above: the median of the decided pairs'
// differences a - b, each time capped at the budget (a run that never reached the target
// counts as the budget), and the distribution-free 95% interval of that median from the same
// binomial: [d_(k), d_(n+1-k)] with the largest k such that 2 P(Binomial(n, 1/2) <= k - 1) <=
// 0.05 (Conover 1999, 3.6; Hollander and Wolfe 1999, 3.6). It excludes 0 exactly when the
// sign test's p does not exceed that coverage's level, so the interval and the test cannot
// disagree. A difference involving a censored time is a bound: an arm that never reached the
// target took longer than the budget, so its difference is "at least" the capped one; a
// baseline that never reached it makes it "at most". The estimate or an endpoint that is such
// a value says so. Fewer than 6 decided pairs give no 95% interval (estimable false).
struct MedianDifference {
  int n = 0;  // decided pairs
  double estimate = 0, low = 0, high = 0;
  int estimate_bound = 0, low_bound = 0, high_bound = 0;  // 0 exact, +1 at least, -1 at most
  double coverage = 0;                                    // the interval's exact coverage
  bool estimable = false;
  bool identical = false;  // every decided pair's difference is the same number
};
MedianDifference median_difference(const std::vector<SurvivalTime>& a,
                                   const std::vector<SurvivalTime>& b, double budget);

// Two-sided p of an exact binomial sign test: k successes in n trials at 1/2.
double sign_test_p(int k, int n);

// The upper tail of chi-square with 1 degree of freedom.
double chi_square_1_p(double x);

}  // namespace nnfit
