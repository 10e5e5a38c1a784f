// Confidence intervals and paired comparisons (nnfit/experiments/statistics.hpp).
#include "nnfit/experiments/statistics.hpp"

#include <algorithm>
#include <cmath>

#include "nnfit/experiments/rank_tests.hpp"
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
                                   std::uint64_t seed) {
  std::vector<double> d;
  double sum_b = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    d.push_back(a[i] - b[i]);
    sum_b += b[i];
  }
  const Estimate e = estimate(d);
  PairedDifference p;
  p.n = e.n;
  p.mean = e.mean;
  p.sd = e.sd;
  p.t_low = e.ci_low;
  p.t_high = e.ci_high;
  p.p = sign_flip_p(d, seed);
  p.relative = sum_b != 0 && p.n > 0 ? e.mean / (sum_b / p.n) : std::nan("");
  return p;
}

double sign_flip_p(const std::vector<double>& d, std::uint64_t seed, int samples) {
  const std::size_t n = d.size();
  double observed = 0;
  for (double x : d) observed += x;
  observed = std::fabs(observed);
  if (n == 0 || observed == 0) return 1.0;
  // Sums equal to the observed one up to rounding count as "at least as extreme".
  const double tolerance = 1e-12 * (observed + 1.0);
  auto extreme = [&](std::uint64_t signs) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += (signs >> i & 1) ? -d[i] : d[i];
    return std::fabs(sum) >= observed - tolerance;
  };
  if (n <= 16) {
    const std::uint64_t patterns = std::uint64_t{1} << n;
    std::uint64_t count = 0;
    for (std::uint64_t signs = 0; signs < patterns; ++signs) count += extreme(signs);
    return static_cast<double>(count) / static_cast<double>(patterns);
  }
  Rng rng(seed);
  std::uint64_t count = 1;  // the observed pattern
  for (int s = 0; s < samples; ++s) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += rng.bernoulli(0.5) ? -d[i] : d[i];
    count += std::fabs(sum) >= observed - tolerance;
  }
  return static_cast<double>(count) / static_cast<double>(samples + 1);
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return (values[(values.size() - 1) / 2] + values[values.size() / 2]) / 2;
}

std::optional<std::array<double, 2>> sign_flip_interval(const std::vector<double>& d, double alpha,
                                                        std::uint64_t seed) {
  const std::size_t n = d.size();
  if (n == 0 || std::ldexp(2.0, -static_cast<int>(std::min<std::size_t>(n, 60))) >= alpha)
    return std::nullopt;
  double mean = 0, low = d[0], high = d[0];
  for (double x : d) mean += x, low = std::min(low, x), high = std::max(high, x);
  mean /= static_cast<double>(n);
  const double spread = std::max(high - low, 1e-12 * (std::fabs(mean) + 1.0));
  const auto p_at = [&](double delta) {
    std::vector<double> shifted(d);
    for (double& x : shifted) x -= delta;
    return sign_flip_p(shifted, seed);
  };
  // From `outside` (rejected) towards the mean (accepted): the last rejected shift's boundary.
  const auto bound = [&](double outside) {
    double rejected = outside, accepted = mean;
    for (int i = 0; i < 60; ++i) {
      const double middle = (rejected + accepted) / 2;
      (p_at(middle) >= alpha ? accepted : rejected) = middle;
    }
    return accepted;
  };
  return std::array<double, 2>{bound(low - spread), bound(high + spread)};
}

std::vector<double> holm_adjust(const std::vector<double>& p) {
  const std::size_t m = p.size();
  std::vector<std::size_t> order(m);
  for (std::size_t i = 0; i < m; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return p[x] < p[y]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (std::size_t k = 0; k < m; ++k) {
    running = std::max(running, std::min(1.0, p[order[k]] * static_cast<double>(m - k)));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

std::string verdict(const PairedDifference& d, double adjusted_p, bool lower_wins,
                    const std::string& better_word, const std::string& worse_word) {
  const std::string none = "not shown at this many seeds";
  if (d.n < kMinimumPairs || d.mean == 0 || !(adjusted_p < kAlpha)) return none;
  return (d.mean < 0) == lower_wins ? better_word : worse_word;
}

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) return std::nan("");
  double low = -40, high = 40;
  for (int i = 0; i < 200 && high - low > 1e-12; ++i) {
    const double mid = (low + high) / 2;
    (normal_cdf(mid) < p ? low : high) = mid;
  }
  return (low + high) / 2;
}

double t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return std::nan("");
  if (p < 0.5) return -t_quantile(1.0 - p, df);
  // P(T > q) = P(T^2 > q^2) / 2 = f_upper(q^2; 1, df) / 2, decreasing in q: bisection.
  double low = 0, high = 1;
  while (f_upper(high * high, 1, df) / 2 > 1 - p) high *= 2;
  for (int i = 0; i < 200 && high - low > 1e-12 * high; ++i) {
    const double mid = (low + high) / 2;
    (f_upper(mid * mid, 1, df) / 2 > 1 - p ? low : high) = mid;
  }
  return (low + high) / 2;
}

double detectable_difference(int n, double sd) {
  if (n < 2) return std::nan("");
  const double df = n - 1.0;
  return (t_quantile(0.975, df) + t_quantile(0.80, df)) * sd / std::sqrt(static_cast<double>(n));
}

}  // namespace nnfit
