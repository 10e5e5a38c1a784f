// Confidence intervals and paired comparisons (include/nnfit/statistics.hpp).
#include "nnfit/statistics.hpp"

#include <algorithm>
#include <cmath>

#include "nnfit/rng.hpp"

namespace nnfit {

double t_quantile_975(int df) {
  // Student's t, two-sided 95%: df 1..30, then 40, 60, 120 and the normal limit.
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return std::nan("");
  if (df <= 30) return table[df - 1];
  if (df < 40) return 2.042;
  if (df < 60) return 2.021;
  if (df < 120) return 2.000;
  return 1.980;
}

Estimate estimate(const std::vector<double>& values) {
  Estimate e;
  e.n = static_cast<int>(values.size());
  if (e.n == 0) return e;
  double sum = 0;
  for (double v : values) sum += v;
  e.mean = sum / e.n;
  e.ci_low = e.ci_high = e.mean;
  if (e.n < 2) return e;
  double squares = 0;
  for (double v : values) squares += (v - e.mean) * (v - e.mean);
  e.sd = std::sqrt(squares / (e.n - 1));
  const double half = t_quantile_975(e.n - 1) * e.sd / std::sqrt(static_cast<double>(e.n));
  e.ci_low = e.mean - half;
  e.ci_high = e.mean + half;
  return e;
}

PairedDifference paired_difference(const std::vector<double>& a, const std::vector<double>& b,
                                   std::uint64_t seed, int resamples) {
  std::vector<double> d;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) d.push_back(a[i] - b[i]);
  const Estimate e = estimate(d);
  PairedDifference p;
  p.n = e.n;
  p.mean = e.mean;
  p.sd = e.sd;
  p.t_low = e.ci_low;
  p.t_high = e.ci_high;
  p.boot_low = p.boot_high = e.mean;
  if (p.n < 2) return p;
  Rng rng(seed);
  std::vector<double> means(static_cast<std::size_t>(resamples));
  for (auto& m : means) {
    double sum = 0;
    for (int i = 0; i < p.n; ++i) sum += d[rng.below(static_cast<std::uint64_t>(p.n))];
    m = sum / p.n;
  }
  std::sort(means.begin(), means.end());
  const auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(std::floor(q * (resamples - 1)));
    return means[std::min(i, means.size() - 1)];
  };
  p.boot_low = at(0.025);
  p.boot_high = at(0.975);
  return p;
}

std::string verdict(const PairedDifference& d, bool lower_wins, const std::string& better_word,
                    const std::string& worse_word) {
  const std::string none = "no difference at this many seeds";
  if (d.n < kMinimumPairs) return none;
  const bool below = d.t_high < 0 && d.boot_high < 0;
  const bool above = d.t_low > 0 && d.boot_low > 0;
  if (below) return lower_wins ? better_word : worse_word;
  if (above) return lower_wins ? worse_word : better_word;
  return none;
}

}  // namespace nnfit
