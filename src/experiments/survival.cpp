// Time to target as survival data (nnfit/experiments/survival.hpp).
#include "nnfit/experiments/survival.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace nnfit {

double KaplanMeier::at(double t) const {
  double s = 1.0;
  for (std::size_t j = 0; j < times.size() && times[j] <= t; ++j) s = survival[j];
  return s;
}

double KaplanMeier::restricted_mean(double tau) const {
  double area = 0, previous = 0, s = 1.0;
  for (std::size_t j = 0; j < times.size() && times[j] < tau; ++j) {
    area += s * (times[j] - previous);
    previous = times[j];
    s = survival[j];
  }
  return area + s * (tau - previous);
}

double KaplanMeier::restricted_mean_se(double tau) const {
  double variance = 0;
  for (std::size_t j = 0; j < times.size() && times[j] < tau; ++j) {
    // A_j: the area under S from t_j to tau.
    double area = 0, previous = times[j], s = survival[j];
    for (std::size_t k = j + 1; k < times.size() && times[k] < tau; ++k) {
      area += s * (times[k] - previous);
      previous = times[k];
      s = survival[k];
    }
    area += s * (tau - previous);
    const double n = at_risk[j], d = events[j];
    if (n > d) variance += area * area * d / (n * (n - d));
  }
  return std::sqrt(variance);
}

KaplanMeier kaplan_meier(const std::vector<SurvivalTime>& runs) {
  KaplanMeier km;
  km.runs = static_cast<int>(runs.size());
  std::map<double, std::pair<int, int>> at;  // time -> (events, censored)
  for (const auto& r : runs) {
    auto& [events, censored] = at[r.time];
    (r.reached ? events : censored) += 1;
    km.reached += r.reached;
  }
  int n = km.runs;
  double s = 1.0, greenwood = 0;
  for (const auto& [time, count] : at) {
    const auto [d, c] = count;
    if (d > 0) {
      s *= 1.0 - static_cast<double>(d) / n;
      if (n > d) greenwood += static_cast<double>(d) / (static_cast<double>(n) * (n - d));
      km.times.push_back(time);
      km.survival.push_back(s);
      km.at_risk.push_back(n);
      km.events.push_back(d);
      km.greenwood_se.push_back(s * std::sqrt(greenwood));
    }
    n -= d + c;
  }
  return km;
}

double chi_square_1_p(double x) {
  return x <= 0 ? 1.0 : std::erfc(std::sqrt(x / 2.0));
}

LogRank log_rank(const std::vector<SurvivalTime>& a, const std::vector<SurvivalTime>& b) {
  std::map<double, std::array<int, 4>> at;  // time -> events a, leaving a, events b, leaving b
  for (const auto& r : a) at[r.time][0] += r.reached, at[r.time][1] += 1;
  for (const auto& r : b) at[r.time][2] += r.reached, at[r.time][3] += 1;
  double n_a = static_cast<double>(a.size()), n_b = static_cast<double>(b.size());
  LogRank out;
  double variance = 0;
  for (const auto& [time, c] : at) {
    const double d = c[0] + c[2], n = n_a + n_b;
    if (d > 0 && n > 0) {
      out.observed_a += c[0];
      out.observed_b += c[2];
      out.expected_a += d * n_a / n;
      out.expected_b += d * n_b / n;
      if (n > 1) variance += d * (n_a / n) * (n_b / n) * (n - d) / (n - 1);
    }
    n_a -= c[1];
    n_b -= c[3];
  }
  if (variance > 0) {
    const double difference = out.observed_a - out.expected_a;
    out.chi_square = difference * difference / variance;
    out.p = chi_square_1_p(out.chi_square);
  }
  return out;
}

double sign_test_p(int k, int n) {
  if (n <= 0) return 1.0;
  // P(X <= min(k, n - k)) doubled, X ~ Binomial(n, 1/2), summed in log space.
  const int tail = std::min(k, n - k);
  double p = 0;
  for (int i = 0; i <= tail; ++i)
    p += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) -
                  n * std::log(2.0));
  return std::min(1.0, 2.0 * p);
}

MedianDifference median_difference(const std::vector<SurvivalTime>& a,
                                   const std::vector<SurvivalTime>& b, double budget) {
  struct Value {
    double d;
    int bound;
  };
  std::vector<Value> values;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (!x.reached && !y.reached) continue;  // undecided: no order, no difference
    const double tx = x.reached ? std::min(x.time, budget) : budget;
    const double ty = y.reached ? std::min(y.time, budget) : budget;
    if (x.reached && y.reached && tx == ty) continue;  // a tie, as the sign test drops it
    values.push_back({tx - ty, !x.reached ? +1 : !y.reached ? -1 : 0});
  }
  MedianDifference m;
  m.n = static_cast<int>(values.size());
  if (values.empty()) return m;
  std::sort(values.begin(), values.end(), [](const Value& p, const Value& q) { return p.d < q.d; });
  const std::size_t n = values.size();
  const Value& lower_middle = values[(n - 1) / 2];
  const Value& upper_middle = values[n / 2];
  m.estimate = (lower_middle.d + upper_middle.d) / 2;
  m.estimate_bound = lower_middle.bound == upper_middle.bound ? lower_middle.bound : 0;
  m.identical = values.front().d == values.back().d;
  // Largest k with 2 P(B <= k - 1) <= 0.05, B ~ Binomial(n, 1/2).
  double tail = 0, coefficient = 1, kept_tail = -1;  // P(B <= j) as j grows
  std::size_t k = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (j > 0) coefficient = coefficient * static_cast<double>(n - j + 1) / static_cast<double>(j);
    tail += coefficient * std::ldexp(1.0, -static_cast<int>(n));
    if (2 * tail > 0.05) break;
    k = j + 1;
    kept_tail = tail;
  }
  if (k == 0) return m;
  m.estimable = true;
  m.coverage = 1 - 2 * kept_tail;
  m.low = values[k - 1].d;
  m.low_bound = values[k - 1].bound;
  m.high = values[n - k].d;
  m.high_bound = values[n - k].bound;
  return m;
}

PairedTimes paired_times(const std::vector<SurvivalTime>& a, const std::vector<SurvivalTime>& b) {
  PairedTimes out;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    const bool a_first = x.reached && (x.time < y.time || (!y.reached && x.time <= y.time));
    const bool b_first = y.reached && (y.time < x.time || (!x.reached && y.time <= x.time));
    if (a_first && !b_first)
      ++out.faster;
    else if (b_first && !a_first)
      ++out.slower;
    else
      ++out.undetermined;
  }
  out.p = sign_test_p(out.faster, out.faster + out.slower);
  return out;
}

}  // namespace nnfit
