// Statistics over seeds: means with 95% confidence intervals, and paired differences between
// two arms run on the same seeds (same data, batches and initial draws), with a verdict that
// is never more confident than the data.
#pragma once

#include <cstdint>
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

// a[i] - b[i] over pairs (seeds).
struct PairedDifference {
  int n = 0;
  double mean = 0, sd = 0;
  double t_low = 0, t_high = 0;        // 95% paired t-interval
  double boot_low = 0, boot_high = 0;  // 95% percentile interval of a paired bootstrap
};

// `seed` drives the bootstrap's resampling (10,000 resamples), so reports reproduce.
PairedDifference paired_difference(const std::vector<double>& a, const std::vector<double>& b,
                                   std::uint64_t seed = 1, int resamples = 10000);

// The minimum number of pairs for any verdict other than "no difference".
inline constexpr int kMinimumPairs = 3;

// For a difference (arm - baseline) of a quantity where lower is better (`lower_wins`) or
// higher is better: `better_word` when both the t-interval and the bootstrap interval lie
// entirely on the winning side of 0, `worse_word` when both lie on the other side, and
// "no difference at this many seeds" otherwise (also with fewer than kMinimumPairs pairs).
std::string verdict(const PairedDifference& d, bool lower_wins, const std::string& better_word,
                    const std::string& worse_word);

}  // namespace nnfit
