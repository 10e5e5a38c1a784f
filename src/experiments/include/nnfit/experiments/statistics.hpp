// Statistics over seeds: means with 95% confidence intervals, and paired differences between
// two arms run on the same seeds (same data, batches and initial draws), with a verdict that
// is never more confident than the data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nnfit {

struct Estimate {
  int n = 0;
  double mean = 0, sd = 0;         // sd: sample standard deviation (n - 1); 0 when n < 2
  double ci_low = 0, ci_high = 0;  // 95% Student-t interval of the mean; = mean when n < 2
};

// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom (df >= 1); between
// tabulated values the smaller df is used, which widens the interval.
double t_quantile_975(int df);

Estimate estimate(const std::vector<double>& values);

// The middle value (the mean of the two middle ones for an even count); 0 when there is none.
double median(std::vector<double> values);

// a[i] - b[i] over pairs (seeds).
struct PairedDifference {
  int n = 0;
  double mean = 0, sd = 0;
  double t_low = 0, t_high = 0;  // 95% paired t-interval
  double p = 1;                  // two-sided sign-flip permutation p of mean = 0
  double relative = 0;           // mean / mean of b (NaN when b's mean is 0)
};

// `seed` drives the permutation test's sampling beyond 16 pairs, so reports reproduce.
PairedDifference paired_difference(const std::vector<double>& a, const std::vector<double>& b,
                                   std::uint64_t seed = 1);

// The exact sign-flip permutation test of paired differences (Fisher 1935; Good 2005,
// "Permutation, parametric and bootstrap tests of hypotheses", 3.1): under "no difference"
// each d_i is as likely -d_i, so the two-sided p is the share of the 2^n sign patterns whose
// |sum| is at least the observed |sum|. All patterns for n <= 16; beyond, `samples` random
// ones (the observed pattern counted, so p > 0). All-zero differences give p = 1.
double sign_flip_p(const std::vector<double>& d, std::uint64_t seed = 1, int samples = 200000);

// The 1 - alpha confidence interval of the centre of paired differences that inverts the
// sign-flip test (Lehmann 1975, "Nonparametrics", 4.2; Good 2005, 3.1): the shifts delta for
// which sign_flip_p(d - delta) >= alpha, bounds found by bisection between the extreme value
// (where the test rejects) and the mean (where p = 1). None when even the most extreme sign
// pattern cannot reject (2 / 2^n >= alpha: fewer than 6 pairs at 0.05).
std::optional<std::array<double, 2>> sign_flip_interval(const std::vector<double>& d,
                                                        double alpha = 0.05,
                                                        std::uint64_t seed = 1);

// Holm's step-down adjustment (Holm 1979): sort p ascending, p_(i) * (m - i + 1), made
// monotone and capped at 1; returned in the input's order.
std::vector<double> holm_adjust(const std::vector<double>& p);

// The minimum number of pairs for any verdict other than "no difference".
inline constexpr int kMinimumPairs = 3;

// The significance level verdicts use, after Holm's adjustment.
inline constexpr double kAlpha = 0.05;

// For a difference (arm - baseline) of a quantity where lower is better (`lower_wins`) or
// higher is better, given its (adjusted) p: `better_word` or `worse_word` by the sign of the
// mean when p < kAlpha with at least kMinimumPairs pairs, and "not shown at this many seeds"
// otherwise. A difference with zero variance gets a verdict only through its exact p.
std::string verdict(const PairedDifference& d, double adjusted_p, bool lower_wins,
                    const std::string& better_word, const std::string& worse_word);

// The p quantile of Student's t with `df` degrees of freedom (0 < p < 1, df > 0), from the
// regularised incomplete beta function (t^2 is F(1, df)); t_quantile(0.975, 7) = 2.3646.
double t_quantile(double p, double df);

// The standard normal distribution function, Phi(x) = erfc(-x / sqrt 2) / 2, and its inverse
// (0 < p < 1, by bisection to 1e-12): normal_quantile(0.975) = 1.959964.
double normal_cdf(double x);
double normal_quantile(double p);

// The smallest mean difference a paired t-test at this many pairs and this sd detects with
// 80% power at two-sided 5%: (t_0.975 + t_0.80 with n - 1 df) sd / sqrt(n) (Cohen 1988, 2.3;
// the normal quantiles 1.96 + 0.84 are about 16% too small at n = 8).
double detectable_difference(int n, double sd);

}  // namespace nnfit
