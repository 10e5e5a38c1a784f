// The level-matched speedup: how many steps an arm takes to reach each loss the baseline also
// reaches, as a ratio of the baseline's steps, with no threshold to choose (docs/EXPERIMENTS.md,
// "Speedup").
//
// Per seed, both loss curves (validation loss at eval_every_steps, else the windowed training
// loss, else the loss at epoch ends) are made monotone by their running minimum. The levels are
// the losses both reach after their first evaluation: from min(first values) down to
// max(lowest values), kSpeedupLevels of them evenly spaced on a log scale (the top one left
// out: a curve's first value is reached at or before its first evaluation, which says too
// little). At each level the step at which each curve first reaches it is interpolated
// linearly between the evaluation before and the one that reached it; r(l) = steps_arm(l) /
// steps_baseline(l) is the speedup profile and its geometric mean over the levels that seed's
// speedup (< 1: the arm is faster). Across seeds the speedups' geometric mean is tested by the
// exact sign-flip test of their logarithms, and its interval is the set of ratios that test
// does not reject (sign_flip_interval), so the interval and the test agree.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace nnfit {

// (step, loss) pairs, steps ascending.
using LossCurve = std::vector<std::pair<double, double>>;

inline constexpr int kSpeedupLevels = 20;

// The best loss so far at each point (NaN and infinite losses never lower it).
LossCurve running_minimum(const LossCurve& curve);

// The step at which a non-increasing curve first reaches `level` (at or below it), linearly
// interpolated between the point before and the one that reached it (from the first point's
// step when the first point already has); none when it never does.
std::optional<double> steps_to_level(const LossCurve& curve, double level);

struct SpeedupProfile {
  std::vector<double> levels;  // descending
  std::vector<double> ratios;  // steps_arm(level) / steps_baseline(level)
  double speedup = 0;          // geometric mean of the ratios
  // The share of each curve's own range (first value down to its lowest, log scale) that
  // the levels span: what the profile says of that arm.
  double arm_coverage = 0, baseline_coverage = 0;
};

// The profile of one seed's pair of curves (running minima taken here); none when the curves
// share no level after their first evaluations or a curve has fewer than two points.
std::optional<SpeedupProfile> speedup_profile(const LossCurve& arm, const LossCurve& baseline,
                                              int levels = kSpeedupLevels);

// The profile over seeds, for the plot: at levels evenly spaced (log scale) over the union of
// the seeds' common ranges, the median, lowest and highest r(l) over the seeds whose common
// range holds the level; only levels that at least half the seeds hold.
struct ProfilePoint {
  double level = 0, median = 1, low = 1, high = 1;
  int seeds = 0;
};
std::vector<ProfilePoint> profile_over_seeds(
    const std::vector<std::pair<LossCurve, LossCurve>>& arm_baseline_pairs,
    int levels = kSpeedupLevels);

// The speedup across seeds from each seed's speedup.
struct SpeedupEstimate {
  int n = 0;
  double geometric_mean = 1;
  std::optional<std::array<double, 2>> interval;  // 95%; none when n is too small for one
  double p = 1;                                   // sign-flip test of the log speedups
};
SpeedupEstimate estimate_speedup(const std::vector<double>& per_seed, std::uint64_t seed = 1);

}  // namespace nnfit
