// The level-matched speedup against known answers: curves that are the same curve at another
// pace give that pace at every level; crossing curves give a crossing profile; curves that
// share no level give none; the interval inverts the sign-flip test.
#include <doctest/doctest.h>

#include <cmath>

#include "nnfit/experiments/speedup.hpp"
#include "nnfit/experiments/statistics.hpp"

using namespace nnfit;

namespace {

// A(t) = 2.3 exp(-t / 300) + 0.2, at `every`-step evaluations to `steps`, time scaled by `pace`
// (B(t) = A(pace t)).
LossCurve decaying(double every, double steps, double pace = 1.0) {
  LossCurve c;
  for (double t = every; t <= steps; t += every)
    c.push_back({t, 2.3 * std::exp(-pace * t / 300) + 0.2});
  return c;
}

}  // namespace

TEST_CASE("B(t) = A(c t) gives the speedup 1/c at every level") {
  // Evaluated at steps scaled by 1/c, B's interpolated curve is A's compressed exactly.
  for (const double c : {2.0, 0.5, 1.25}) {
    CAPTURE(c);
    LossCurve a = decaying(100, 3000), b;
    for (const auto& [t, loss] : a) b.push_back({t / c, loss});
    const auto p = speedup_profile(b, a);
    REQUIRE(p);
    CHECK(p->ratios.size() == static_cast<std::size_t>(kSpeedupLevels));
    for (const double r : p->ratios) CHECK(r == doctest::Approx(1.0 / c).epsilon(1e-12));
    CHECK(p->speedup == doctest::Approx(1.0 / c).epsilon(1e-12));
    CHECK(p->arm_coverage == doctest::Approx(1.0));
  }
  // On the same evaluation grid the interpolation costs a little: within 2%.
  const auto same_grid = speedup_profile(decaying(50, 3000, 2.0), decaying(50, 3000));
  REQUIRE(same_grid);
  CHECK(same_grid->speedup == doctest::Approx(0.5).epsilon(0.02));
}

TEST_CASE("curves that cross give a profile that crosses 1") {
  // The arm falls fast to 1.0, then slowly; the baseline falls steadily to 0.3.
  const LossCurve arm = {{100, 1.5}, {200, 1.0}, {1000, 0.9}, {2000, 0.6}, {3000, 0.3}};
  const LossCurve baseline = {{100, 2.0}, {500, 1.0}, {1000, 0.6}, {1500, 0.3}};
  const auto p = speedup_profile(arm, baseline);
  REQUIRE(p);
  CHECK(p->ratios.front() < 1.0);  // high losses: the arm first
  CHECK(p->ratios.back() > 1.0);   // low losses: the baseline first
}

TEST_CASE("a pair that shares no level has no profile, a censored one covers part of a range") {
  const LossCurve high = {{100, 3.0}, {200, 2.5}, {300, 2.2}};
  const LossCurve low = {{100, 2.0}, {200, 1.0}, {300, 0.5}};
  CHECK_FALSE(speedup_profile(high, low));
  CHECK_FALSE(speedup_profile({{100, 1.0}}, low));  // one point: no step to interpolate from
  // The arm gets down to 1.0 only: the levels stop there, all of the arm's range, part of the
  // baseline's.
  const LossCurve stalled = {{100, 2.0}, {200, 1.5}, {300, 1.0}, {400, 1.0}};
  const auto p = speedup_profile(stalled, low);
  REQUIRE(p);
  CHECK(p->levels.back() == doctest::Approx(1.0));
  CHECK(p->arm_coverage == doctest::Approx(1.0));
  CHECK(p->baseline_coverage == doctest::Approx(std::log(2.0) / std::log(4.0)));
}

TEST_CASE("the running minimum: a bump does not make a curve reach a level twice") {
  const LossCurve bumpy = {{100, 2.0}, {200, 1.0}, {300, 1.8}, {400, 0.5}};
  const LossCurve m = running_minimum(bumpy);
  CHECK(m[2].second == 1.0);
  CHECK(*steps_to_level(m, 1.5) == doctest::Approx(150.0));
  CHECK(*steps_to_level(m, 0.75) == doctest::Approx(350.0));
  CHECK_FALSE(steps_to_level(m, 0.4));
}

TEST_CASE("the speedup across seeds: geometric mean, sign-flip p and the inverted interval") {
  const SpeedupEstimate same = estimate_speedup(std::vector<double>(8, 0.5));
  CHECK(same.geometric_mean == doctest::Approx(0.5));
  CHECK(same.p == doctest::Approx(2.0 / 256));
  REQUIRE(same.interval);
  CHECK((*same.interval)[0] == doctest::Approx(0.5));
  CHECK((*same.interval)[1] == doctest::Approx(0.5));
  // Five seeds cannot reject anything at 0.05 (2 / 32 > 0.05): no interval.
  CHECK_FALSE(estimate_speedup({0.5, 0.6, 0.7, 0.8, 0.9}).interval);
}

TEST_CASE("the sign-flip interval is the set of shifts the test does not reject") {
  // Checked against a brute-force scan of the shift: every shift inside has p >= 0.05, just
  // outside p < 0.05.
  const std::vector<double> d = {-0.4, -0.1, -0.35, -0.2, 0.05, -0.3, -0.25, -0.15};
  const auto interval = sign_flip_interval(d);
  REQUIRE(interval);
  const auto p_at = [&](double delta) {
    std::vector<double> shifted = d;
    for (double& x : shifted) x -= delta;
    return sign_flip_p(shifted);
  };
  double scan_low = NAN, scan_high = NAN;
  for (double delta = -0.6; delta <= 0.2; delta += 1e-5)
    if (p_at(delta) >= 0.05) {
      if (std::isnan(scan_low)) scan_low = delta;
      scan_high = delta;
    }
  CHECK((*interval)[0] == doctest::Approx(scan_low).epsilon(1e-3));
  CHECK((*interval)[1] == doctest::Approx(scan_high).epsilon(1e-3));
  CHECK((*interval)[0] < -0.2);
  CHECK((*interval)[1] < 0.0);  // all but one difference negative: the interval excludes 0
}

TEST_CASE("docs/EXPERIMENTS.md's worked example") {
  const LossCurve baseline = {{200, 1.0}, {400, 0.6}, {600, 0.45}, {800, 0.4}};
  const LossCurve arm = {{200, 0.9}, {400, 0.5}, {600, 0.4}, {800, 0.35}};
  CHECK(*steps_to_level(arm, 0.6) == doctest::Approx(350.0));
  CHECK(*steps_to_level(baseline, 0.6) == doctest::Approx(400.0));
  CHECK(*steps_to_level(arm, 0.45) == doctest::Approx(500.0));
  CHECK(*steps_to_level(baseline, 0.45) == doctest::Approx(600.0));
  const auto p = speedup_profile(arm, baseline);
  REQUIRE(p);
  CHECK(p->levels.front() < 0.9);
  CHECK(p->levels.back() == doctest::Approx(0.4));
  const SpeedupEstimate e = estimate_speedup(std::vector<double>(8, 0.85));
  CHECK(e.geometric_mean == doctest::Approx(0.85));
  CHECK(e.p == doctest::Approx(2.0 / 256));
}
