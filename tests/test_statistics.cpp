// The statistics of comparisons, each checked against a textbook worked example or a case
// small enough to compute by hand.
#include <doctest/doctest.h>

#include <cmath>

#include "nnfit/experiments/statistics.hpp"
#include "nnfit/experiments/survival.hpp"

using namespace nnfit;

namespace {

// Freireich et al. 1963 remission times (weeks), the worked example of Kleinbaum and Klein,
// "Survival Analysis: a self-learning text" (3rd ed.), chapter 2 (also MASS::gehan in R).
std::vector<SurvivalTime> six_mp() {
  std::vector<SurvivalTime> runs;
  for (double t : {6, 6, 6, 7, 10, 13, 16, 22, 23}) runs.push_back({t, true});
  for (double t : {6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35}) runs.push_back({t, false});
  return runs;
}
std::vector<SurvivalTime> placebo() {
  std::vector<SurvivalTime> runs;
  for (double t : {1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23})
    runs.push_back({t, true});
  return runs;
}

}  // namespace

TEST_CASE("Kaplan-Meier and Greenwood on the 6-MP remission data (Kleinbaum and Klein, ch. 2)") {
  const KaplanMeier km = kaplan_meier(six_mp());
  const std::vector<double> times = {6, 7, 10, 13, 16, 22, 23};
  const std::vector<double> survival = {0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482};
  // Standard errors as R's survfit prints them for these data.
  const std::vector<double> se = {0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346};
  REQUIRE(km.times == times);
  for (std::size_t j = 0; j < times.size(); ++j) {
    CAPTURE(times[j]);
    CHECK(km.survival[j] == doctest::Approx(survival[j]).epsilon(1e-4));
    CHECK(km.greenwood_se[j] == doctest::Approx(se[j]).epsilon(2e-3));
  }
  CHECK(km.at_risk[0] == 21);
  CHECK(km.events[0] == 3);
  CHECK(km.at(5.9) == 1.0);
  CHECK(km.at(35) == doctest::Approx(0.4482).epsilon(1e-4));
  CHECK(km.reached == 9);
}

TEST_CASE("the restricted mean is the area under the Kaplan-Meier steps") {
  const KaplanMeier km = kaplan_meier(six_mp());
  // By hand from the product-limit factors: S(6) = 18/21, then x 16/17, 14/15, 11/12,
  // 10/11, 6/7, 5/6 at 7, 10, 13, 16, 22, 23.
  const double s6 = 18.0 / 21, s7 = s6 * 16 / 17, s10 = s7 * 14 / 15, s13 = s10 * 11 / 12,
               s16 = s13 * 10 / 11, s22 = s16 * 6 / 7;
  const double area = 6 * 1.0 + 1 * s6 + 3 * s7 + 3 * s10 + 3 * s13 + 6 * s16 + 1 * s22;
  CHECK(km.restricted_mean(23) == doctest::Approx(area));
  CHECK(km.restricted_mean(3) == doctest::Approx(3.0));
  CHECK(km.restricted_mean_se(3) == 0.0);
  CHECK(km.restricted_mean_se(23) > 0.0);
}

TEST_CASE("log-rank on the 6-MP and placebo groups: chi-square 16.79 (Kleinbaum and Klein)") {
  const LogRank lr = log_rank(six_mp(), placebo());
  CHECK(lr.observed_a == 9);
  CHECK(lr.observed_b == 21);
  CHECK(lr.expected_a == doctest::Approx(19.25).epsilon(1e-3));
  CHECK(lr.expected_b == doctest::Approx(10.75).epsilon(1e-3));
  CHECK(lr.chi_square == doctest::Approx(16.79).epsilon(1e-3));
  CHECK(lr.p == doctest::Approx(4.17e-5).epsilon(0.01));
}

TEST_CASE("the exact sign test: three equal signs give p = 0.25, five 0.0625") {
  CHECK(sign_test_p(0, 3) == doctest::Approx(0.25));
  CHECK(sign_test_p(3, 3) == doctest::Approx(0.25));
  CHECK(sign_test_p(0, 5) == doctest::Approx(0.0625));
  // 8 of 10: P(X <= 2) = (1 + 10 + 45) / 1024, doubled.
  CHECK(sign_test_p(8, 10) == doctest::Approx(2.0 * 56 / 1024));
  CHECK(sign_test_p(0, 0) == 1.0);
}

TEST_CASE("paired times: decided pairs by who reached first, censored pairs undetermined") {
  // Budget 10: a reached at 4, 5, 6; b reached at 6 only, censored otherwise.
  const std::vector<SurvivalTime> a = {{4, true}, {5, true}, {6, true}, {10, false}};
  const std::vector<SurvivalTime> b = {{6, true}, {10, false}, {10, false}, {10, false}};
  const PairedTimes p = paired_times(a, b);
  CHECK(p.faster == 3);
  CHECK(p.slower == 0);
  CHECK(p.undetermined == 1);
  CHECK(p.p == doctest::Approx(0.25));
  // Neither reached: nothing is decided, p = 1.
  const PairedTimes none = paired_times({{10, false}, {10, false}}, {{10, false}, {10, false}});
  CHECK(none.undetermined == 2);
  CHECK(none.p == 1.0);
}

TEST_CASE("the median time difference and its interval come from the sign test's binomial") {
  // Eight decided pairs, a 10 to 80 steps earlier: median -45; with n = 8 the largest k with
  // 2 P(B <= k - 1) <= 0.05 is 1 (2/256; k = 2 would be 18/256), so [min, max], coverage
  // 1 - 2/256 (Conover 1999, table A3).
  std::vector<SurvivalTime> a, b;
  for (int i = 1; i <= 8; ++i) {
    a.push_back({100.0 - 10 * i, true});
    b.push_back({100.0, true});
  }
  MedianDifference m = median_difference(a, b, 200);
  CHECK(m.n == 8);
  CHECK(m.estimate == -45.0);
  REQUIRE(m.estimable);
  CHECK(m.low == -80.0);
  CHECK(m.high == -10.0);
  CHECK(m.coverage == doctest::Approx(1 - 2.0 / 256));
  CHECK_FALSE(m.identical);
  // One pair the other way: the interval takes in 0, as the sign test's p (18/256 = 0.07) does.
  a[0].time = 120;
  m = median_difference(a, b, 200);
  CHECK(m.low == -80.0);
  CHECK(m.high == 20.0);
  CHECK(paired_times(a, b).p == doctest::Approx(18.0 / 256));
  // 14 pairs: k = 3 (2 P(B <= 2) = 0.0129; 2 P(B <= 3) = 0.0574), so [d_(3), d_(12)].
  std::vector<SurvivalTime> c, d;
  for (int i = 1; i <= 14; ++i) {
    c.push_back({static_cast<double>(i), true});
    d.push_back({100.0, true});
  }
  m = median_difference(c, d, 200);
  CHECK(m.low == 3.0 - 100);
  CHECK(m.high == 12.0 - 100);
  CHECK(m.coverage == doctest::Approx(1 - 2 * 106.0 / 16384));
  // The arm reached at step 100 in every seed, the baseline never within 2532: each difference
  // is at most 100 - 2532, the same in every seed (once a zero-width interval "[-2432, -2432]").
  std::vector<SurvivalTime> early(8, {100, true}), never(8, {2532, false});
  m = median_difference(early, never, 2532);
  CHECK(m.identical);
  CHECK(m.estimate == -2432.0);
  CHECK(m.estimate_bound == -1);
  CHECK(m.low_bound == -1);
  // Never reached against reached: the difference is at least the capped one.
  m = median_difference(never, early, 2532);
  CHECK(m.estimate_bound == +1);
  // Five decided pairs cannot give a 95% interval (2/32 > 0.05).
  m = median_difference(std::vector<SurvivalTime>(5, {1, true}),
                        std::vector<SurvivalTime>(5, {2, true}), 10);
  CHECK(m.n == 5);
  CHECK_FALSE(m.estimable);
}

TEST_CASE("the exact sign-flip permutation test on hand-counted cases") {
  // {1, 2, 3}: of the 8 sign patterns only +++ and --- reach |sum| 6.
  CHECK(sign_flip_p({1, 2, 3}) == doctest::Approx(0.25));
  // {1, -2, 3, 4}: |sum| 6; flipping subsets of {1,2,3,4} with sums 0, 1, 2 or 8, 9, 10
  // reach it: 6 of 16.
  CHECK(sign_flip_p({1, -2, 3, 4}) == doctest::Approx(0.375));
  // Zero variance is not significance: three equal differences give 2/8.
  CHECK(sign_flip_p({5, 5, 5}) == doctest::Approx(0.25));
  CHECK(sign_flip_p({0, 0, 0}) == 1.0);
  // Beyond 16 pairs the patterns are sampled: 20 equal differences give about 2^-19.
  const double sampled = sign_flip_p(std::vector<double>(20, 1.0), 1, 20000);
  CHECK(sampled < 1e-3);
  CHECK(sampled > 0);
}

TEST_CASE("Holm's adjustment on a hand-computed table") {
  // Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> 0.06.
  const auto adjusted = holm_adjust({0.01, 0.04, 0.03, 0.005});
  REQUIRE(adjusted.size() == 4);
  CHECK(adjusted[0] == doctest::Approx(0.03));
  CHECK(adjusted[1] == doctest::Approx(0.06));
  CHECK(adjusted[2] == doctest::Approx(0.06));
  CHECK(adjusted[3] == doctest::Approx(0.02));
  CHECK(holm_adjust({0.5, 0.9})[1] == 1.0);
}

TEST_CASE("Student's t quantiles and the detectable difference (t tables, Cohen 1988)") {
  // Two-sided 95% and one-sided 80% points, as printed in any t table (e.g. NIST/SEMATECH
  // e-Handbook 1.3.6.7.2): df 1, 7, 30.
  CHECK(t_quantile(0.975, 1) == doctest::Approx(12.7062).epsilon(1e-5));
  CHECK(t_quantile(0.975, 7) == doctest::Approx(2.36462).epsilon(1e-5));
  CHECK(t_quantile(0.975, 30) == doctest::Approx(2.04227).epsilon(1e-5));
  CHECK(t_quantile(0.80, 1) == doctest::Approx(1.37638).epsilon(1e-5));
  CHECK(t_quantile(0.80, 7) == doctest::Approx(0.89603).epsilon(1e-5));
  CHECK(t_quantile(0.80, 30) == doctest::Approx(0.853767).epsilon(1e-5));
  CHECK(t_quantile(0.025, 7) == doctest::Approx(-2.36462).epsilon(1e-5));
  // Eight pairs of sd 1: (2.3646 + 0.8960) / sqrt 8 = 1.1528, not the normal 0.99.
  CHECK(detectable_difference(8, 1.0) == doctest::Approx(1.15283).epsilon(1e-4));
  CHECK(std::isnan(detectable_difference(1, 1.0)));
}

TEST_CASE(
    "verdicts follow the adjusted p, need three pairs, and never come from zero variance alone") {
  const std::vector<double> base = {10, 12, 11, 13, 12};
  std::vector<double> faster = base;
  for (auto& v : faster) v -= 2;
  const auto d = paired_difference(faster, base);
  CHECK(d.mean == doctest::Approx(-2.0));
  CHECK(d.sd == 0.0);
  CHECK(d.p == doctest::Approx(2.0 / 32));  // exact: 2 of 2^5 patterns
  CHECK(d.relative == doctest::Approx(-2.0 / 11.6));
  CHECK(verdict(d, d.p, true, "faster", "slower") == "not shown at this many seeds");
  // Eight equal shifts: the exact p (2/256) supports it.
  std::vector<double> b8 = {10, 12, 11, 13, 12, 10, 11, 12}, a8 = b8;
  for (auto& v : a8) v -= 2;
  const auto d8 = paired_difference(a8, b8);
  CHECK(verdict(d8, d8.p, true, "faster", "slower") == "faster");
  CHECK(verdict(paired_difference(b8, a8), d8.p, true, "faster", "slower") == "slower");
  CHECK(verdict(d8, d8.p, false, "better", "worse") == "worse");
  // Holm can take it away.
  CHECK(verdict(d8, 0.06, true, "faster", "slower") == "not shown at this many seeds");
  // Two pairs are never enough.
  CHECK(verdict(paired_difference({8, 10}, {10, 12}), 0.0, true, "faster", "slower") ==
        "not shown at this many seeds");
}
