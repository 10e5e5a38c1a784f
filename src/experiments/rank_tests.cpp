// Methods over data sets: ranks, Friedman, Iman-Davenport, Holm, Nemenyi, Wilcoxon
// (nnfit/experiments/rank_tests.hpp).
#include "nnfit/experiments/rank_tests.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace nnfit {

namespace {

// The average ranks (1-based) of `values`, ascending; ties (same_score with the group's
// first value) share the mean of their ranks. `tie_sizes` receives each group's size.
std::vector<double> midranks(const std::vector<double>& values, std::vector<int>* tie_sizes) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && same_score(values[order[j + 1]], values[order[i]])) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t t = i; t <= j; ++t) ranks[order[t]] = rank;
    if (tie_sizes) tie_sizes->push_back(static_cast<int>(j - i + 1));
    i = j + 1;
  }
  return ranks;
}

// Regularised lower incomplete gamma P(a, x): its series below a + 1, else 1 - the
// continued fraction of Q (Lentz's method); both converge fast in their regions.
double gamma_p(double a, double x) {
  if (x <= 0) return 0.0;
  const double log_front = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1.0) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 1000 && std::fabs(term) > std::fabs(sum) * 1e-16; ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return sum * std::exp(log_front);
  }
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) break;
  }
  return 1.0 - std::exp(log_front) * h;
}

// The continued fraction of the incomplete beta function (Lentz's method).
double beta_fraction(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m < 1000; ++m) {
    const double m2 = 2.0 * m;
    double an = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + an * d;
    d = std::fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
    c = 1.0 + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    h *= d * c;
    an = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + an * d;
    d = std::fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
    c = 1.0 + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) break;
  }
  return h;
}

// Regularised incomplete beta I_x(a, b).
double beta_i(double a, double b, double x) {
  if (x <= 0) return 0.0;
  if (x >= 1) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(log_front) * beta_fraction(a, b, x) / a;
  return 1.0 - std::exp(log_front) * beta_fraction(b, a, 1.0 - x) / b;
}

double normal_two_sided(double z) {
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

// Exact two-sided p of T = min(R+, R-) over the 2^n sign patterns of `ranks` (doubled to
// integers, so midranks count exactly).
double wilcoxon_exact_p(const std::vector<double>& ranks, double statistic) {
  std::vector<int> doubled;
  int total = 0;
  for (const double r : ranks) {
    doubled.push_back(static_cast<int>(std::lround(2.0 * r)));
    total += doubled.back();
  }
  std::vector<double> count(static_cast<std::size_t>(total) + 1, 0.0);
  count[0] = 1.0;
  for (const int r : doubled)
    for (int s = total; s >= r; --s)
      count[static_cast<std::size_t>(s)] += count[static_cast<std::size_t>(s - r)];
  const long t = std::lround(2.0 * statistic);
  double extreme = 0;
  for (int s = 0; s <= total; ++s)
    if (std::min<long>(s, total - s) <= t) extreme += count[static_cast<std::size_t>(s)];
  return std::min(1.0, extreme / std::ldexp(1.0, static_cast<int>(ranks.size())));
}

}  // namespace

bool same_score(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

double chi_square_upper(double x, double df) {
  return x <= 0 ? 1.0 : std::clamp(1.0 - gamma_p(df / 2.0, x / 2.0), 0.0, 1.0);
}

double f_upper(double x, double df1, double df2) {
  return x <= 0 ? 1.0 : std::clamp(beta_i(df2 / 2.0, df1 / 2.0, df2 / (df2 + df1 * x)), 0.0, 1.0);
}

Ranks rank_methods(const std::vector<std::vector<double>>& scores, bool lower_is_better) {
  Ranks r;
  if (scores.empty()) return r;
  r.average.assign(scores.front().size(), 0.0);
  for (const auto& row : scores) {
    std::vector<double> keyed = row;
    if (!lower_is_better)
      for (auto& v : keyed) v = -v;  // rank 1: the highest score
    r.per_dataset.push_back(midranks(keyed, nullptr));
    for (std::size_t m = 0; m < row.size(); ++m) r.average[m] += r.per_dataset.back()[m];
  }
  for (auto& a : r.average) a /= static_cast<double>(scores.size());
  return r;
}

Friedman friedman_test(const Ranks& ranks) {
  Friedman f;
  const double n = ranks.datasets(), k = ranks.methods();
  if (n < 2 || k < 2) return f;
  double sum_squares = 0;
  for (const double r : ranks.average) sum_squares += r * r;
  f.chi2 = 12.0 * n / (k * (k + 1.0)) * (sum_squares - k * (k + 1.0) * (k + 1.0) / 4.0);
  f.df1 = static_cast<int>(k) - 1;
  f.df2 = f.df1 * (static_cast<int>(n) - 1);
  f.chi2_p = chi_square_upper(f.chi2, f.df1);
  const double denominator = n * (k - 1.0) - f.chi2;
  // Every data set ranking the methods identically makes chi2 its maximum, N (k - 1).
  f.iman_davenport =
      denominator > 0 ? (n - 1.0) * f.chi2 / denominator : std::numeric_limits<double>::infinity();
  f.iman_davenport_p = denominator > 0 ? f_upper(f.iman_davenport, f.df1, f.df2) : 0.0;
  return f;
}

double rank_standard_error(const Ranks& ranks) {
  const double n = ranks.datasets(), k = ranks.methods();
  return std::sqrt(k * (k + 1.0) / (6.0 * n));
}

std::vector<double> rank_p_values(const Ranks& ranks, int control) {
  const double se = rank_standard_error(ranks);
  std::vector<double> p;
  for (int m = 0; m < ranks.methods(); ++m)
    p.push_back(m == control ? 1.0
                             : normal_two_sided((ranks.average[static_cast<std::size_t>(m)] -
                                                 ranks.average[static_cast<std::size_t>(control)]) /
                                                se));
  return p;
}

double nemenyi_critical_difference(int methods, int datasets) {
  // Demšar 2006, Table 5(a): q_0.05 for k = 2 .. 10.
  static const double q[] = {1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164};
  if (methods < 2 || methods > 10 || datasets < 1) return 0.0;
  return q[methods - 2] * std::sqrt(methods * (methods + 1.0) / (6.0 * datasets));
}

Wilcoxon wilcoxon_signed_rank(const std::vector<double>& a, const std::vector<double>& b) {
  Wilcoxon w;
  std::vector<double> d;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    d.push_back(same_score(a[i], b[i]) ? 0.0 : a[i] - b[i]);
  if (std::count(d.begin(), d.end(), 0.0) % 2 == 1)
    d.erase(std::find(d.begin(), d.end(), 0.0));           // one zero is left out
  const auto zeros = std::count(d.begin(), d.end(), 0.0);  // those that remain
  std::vector<double> magnitude;
  for (const double x : d) magnitude.push_back(std::fabs(x));
  std::vector<int> ties;
  const std::vector<double> ranks = midranks(magnitude, &ties);
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] > 0)
      w.r_plus += ranks[i];
    else if (d[i] < 0)
      w.r_minus += ranks[i];
    else
      w.r_plus += ranks[i] / 2.0, w.r_minus += ranks[i] / 2.0;
  }
  w.n = static_cast<int>(d.size());
  w.statistic = std::min(w.r_plus, w.r_minus);
  if (w.n == 0) return w;
  const double n = w.n;
  double tie_term = 0;
  for (const int t : ties) tie_term += (static_cast<double>(t) * t * t - t) / 48.0;
  const double mean = n * (n + 1.0) / 4.0;
  const double variance = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - tie_term;
  w.z = variance > 0 ? (w.statistic - mean) / std::sqrt(variance) : 0.0;
  w.exact = zeros == 0 && w.n <= 30;
  w.p = w.exact ? wilcoxon_exact_p(ranks, w.statistic) : normal_two_sided(w.z);
  return w;
}

}  // namespace nnfit
