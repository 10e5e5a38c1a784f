// The level-matched speedup (nnfit/experiments/speedup.hpp).
#include "nnfit/experiments/speedup.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nnfit/experiments/statistics.hpp"

namespace nnfit {

LossCurve running_minimum(const LossCurve& curve) {
  LossCurve out;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& [step, loss] : curve) {
    if (std::isfinite(loss)) best = std::min(best, loss);
    out.push_back({step, best});
  }
  return out;
}

std::optional<double> steps_to_level(const LossCurve& curve, double level) {
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const auto [step, loss] = curve[i];
    if (!(loss <= level)) continue;
    if (i == 0) return step;
    const auto [before, previous] = curve[i - 1];
    // previous > level >= loss: the share of the segment's fall down to the level.
    const double share = std::isfinite(previous) ? (previous - level) / (previous - loss) : 1.0;
    return before + share * (step - before);
  }
  return std::nullopt;
}

namespace {

// The first finite value and the lowest value of a monotone curve.
std::pair<double, double> range_of(const LossCurve& curve) {
  double first = std::numeric_limits<double>::infinity();
  for (const auto& [step, loss] : curve)
    if (std::isfinite(loss)) {
      first = loss;
      break;
    }
  return {first, curve.empty() ? first : curve.back().second};
}

// The share of [lowest, first] that [low, high] spans, on a log scale.
double coverage(double low, double high, double lowest, double first) {
  const double whole = std::log(first) - std::log(lowest);
  return whole > 0 ? std::min(1.0, (std::log(high) - std::log(low)) / whole) : 1.0;
}

// The levels both running minima reach after their first points: [low, high).
std::optional<std::pair<double, double>> common_range(const LossCurve& arm,
                                                      const LossCurve& baseline) {
  if (arm.size() < 2 || baseline.size() < 2) return std::nullopt;
  const auto [arm_first, arm_lowest] = range_of(arm);
  const auto [base_first, base_lowest] = range_of(baseline);
  const double high = std::min(arm_first, base_first), low = std::max(arm_lowest, base_lowest);
  if (!(low > 0) || !(low < high) || !std::isfinite(high)) return std::nullopt;
  return std::pair<double, double>{low, high};
}

// The k-th of `levels` levels evenly spaced in log(loss) from high (k = 0, left out) down to
// low (k = levels, exactly).
double level_at(int k, int levels, double low, double high) {
  return k == levels ? low
                     : std::exp(std::log(high) + (std::log(low) - std::log(high)) * k / levels);
}

}  // namespace

std::optional<SpeedupProfile> speedup_profile(const LossCurve& arm_curve,
                                              const LossCurve& baseline_curve, int levels) {
  const LossCurve arm = running_minimum(arm_curve), baseline = running_minimum(baseline_curve);
  const auto range = common_range(arm, baseline);
  if (!range || levels < 1) return std::nullopt;
  const auto [low, high] = *range;
  const auto [arm_first, arm_lowest] = range_of(arm);
  const auto [base_first, base_lowest] = range_of(baseline);
  SpeedupProfile p;
  double log_sum = 0;
  for (int k = 1; k <= levels; ++k) {
    const double level = level_at(k, levels, low, high);
    const auto a = steps_to_level(arm, level), b = steps_to_level(baseline, level);
    if (!a || !b || !(*b > 0)) continue;
    p.levels.push_back(level);
    p.ratios.push_back(*a / *b);
    log_sum += std::log(p.ratios.back());
  }
  if (p.ratios.empty()) return std::nullopt;
  p.speedup = std::exp(log_sum / static_cast<double>(p.ratios.size()));
  p.arm_coverage = coverage(low, high, arm_lowest, arm_first);
  p.baseline_coverage = coverage(low, high, base_lowest, base_first);
  return p;
}

std::vector<ProfilePoint> profile_over_seeds(
    const std::vector<std::pair<LossCurve, LossCurve>>& pairs, int levels) {
  std::vector<std::pair<LossCurve, LossCurve>> minima;
  std::vector<std::pair<double, double>> ranges;
  double low = std::numeric_limits<double>::infinity(), high = 0;
  for (const auto& [arm, baseline] : pairs) {
    minima.push_back({running_minimum(arm), running_minimum(baseline)});
    const auto range = common_range(minima.back().first, minima.back().second);
    ranges.push_back(range.value_or(std::pair<double, double>{0, 0}));
    if (range) low = std::min(low, range->first), high = std::max(high, range->second);
  }
  std::vector<ProfilePoint> out;
  if (!(low < high) || levels < 1) return out;
  for (int k = 1; k <= levels; ++k) {
    const double level = level_at(k, levels, low, high);
    std::vector<double> ratios;
    for (std::size_t s = 0; s < minima.size(); ++s) {
      if (!(level >= ranges[s].first && level < ranges[s].second)) continue;
      const auto a = steps_to_level(minima[s].first, level);
      const auto b = steps_to_level(minima[s].second, level);
      if (a && b && *b > 0) ratios.push_back(*a / *b);
    }
    if (ratios.empty() || 2 * ratios.size() < pairs.size()) continue;
    out.push_back({level, median(ratios), *std::min_element(ratios.begin(), ratios.end()),
                   *std::max_element(ratios.begin(), ratios.end()),
                   static_cast<int>(ratios.size())});
  }
  return out;
}

SpeedupEstimate estimate_speedup(const std::vector<double>& per_seed, std::uint64_t seed) {
  SpeedupEstimate e;
  std::vector<double> logs;
  for (const double r : per_seed)
    if (r > 0 && std::isfinite(r)) logs.push_back(std::log(r));
  e.n = static_cast<int>(logs.size());
  if (logs.empty()) return e;
  double sum = 0;
  for (const double x : logs) sum += x;
  e.geometric_mean = std::exp(sum / static_cast<double>(logs.size()));
  e.p = sign_flip_p(logs, seed);
  if (const auto interval = sign_flip_interval(logs, kAlpha, seed))
    e.interval = std::array<double, 2>{std::exp((*interval)[0]), std::exp((*interval)[1])};
  return e;
}

}  // namespace nnfit
