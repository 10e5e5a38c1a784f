// Comparing methods over data sets (nnfit/rank_tests.hpp) against the worked example of
// Demšar 2006, "Statistical comparisons of classifiers over multiple data sets", JMLR 7:
// the AUC of C4.5 and three variants on 14 UCI data sets (his Tables 2 and 6).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "nnfit/experiments/experiment.hpp"
#include "nnfit/experiments/rank_tests.hpp"
#include "nnfit/experiments/statistics.hpp"
#include "nnfit/experiments/suite.hpp"
#include "nnfit/uci.hpp"
#include "tests/cli_support.hpp"

using namespace nnfit;

namespace {

// Rows: adult (sample), breast cancer, breast cancer wisconsin, cmc, ionosphere, iris,
// liver disorders, lung cancer, lymphography, mushroom, primary tumor, rheum, voting, wine.
// Columns: C4.5, C4.5+m, C4.5+cf, C4.5+m+cf. The table prints AUCs to three digits, but its
// ranks come from the unrounded values: on voting it ranks C4.5+cf above C4.5+m+cf although
// both print 0.975 (as tied values, its average ranks would be 2.929 and 1.929, not 2.893 and
// 1.964), so that one value carries a fourth digit here.
const std::vector<std::vector<double>> kAuc = {
    {0.763, 0.768, 0.771, 0.798},  {0.599, 0.591, 0.590, 0.569}, {0.954, 0.971, 0.968, 0.967},
    {0.628, 0.661, 0.654, 0.657},  {0.882, 0.888, 0.886, 0.898}, {0.936, 0.931, 0.916, 0.931},
    {0.661, 0.668, 0.609, 0.685},  {0.583, 0.583, 0.563, 0.625}, {0.775, 0.838, 0.866, 0.875},
    {1.000, 1.000, 1.000, 1.000},  {0.940, 0.962, 0.965, 0.962}, {0.619, 0.666, 0.614, 0.669},
    {0.972, 0.981, 0.9751, 0.975}, {0.957, 0.978, 0.946, 0.970}};

std::vector<double> column(int m) {
  std::vector<double> out;
  for (const auto& row : kAuc) out.push_back(row[static_cast<std::size_t>(m)]);
  return out;
}

}  // namespace

TEST_CASE("average ranks, Friedman and Iman-Davenport: Demšar 2006, section 3.2.2") {
  const Ranks r = rank_methods(kAuc, false);
  // Table 6: average ranks 3.143, 2.000, 2.893, 1.964; ties (mushroom) share 2.5.
  CHECK(r.average[0] == doctest::Approx(3.143).epsilon(1e-3));
  CHECK(r.average[1] == doctest::Approx(2.000));
  CHECK(r.average[2] == doctest::Approx(2.893).epsilon(1e-3));
  CHECK(r.average[3] == doctest::Approx(1.964).epsilon(1e-3));
  CHECK(r.per_dataset[9] == std::vector<double>{2.5, 2.5, 2.5, 2.5});
  CHECK(r.per_dataset[6] == std::vector<double>{3, 2, 4, 1});  // liver disorders
  const Friedman f = friedman_test(r);
  CHECK(f.chi2 == doctest::Approx(9.28).epsilon(2e-3));            // "chi2_F = 9.28"
  CHECK(f.iman_davenport == doctest::Approx(3.69).epsilon(2e-3));  // "F_F = 3.69"
  CHECK(f.df1 == 3);
  CHECK(f.df2 == 39);
  // F(3, 39) at 0.05 is 2.85 (Demšar): 3.69 rejects, 2.85 is the boundary.
  CHECK(f.iman_davenport_p < 0.05);
  CHECK(f_upper(2.85, 3, 39) == doctest::Approx(0.05).epsilon(0.02));
  CHECK(chi_square_upper(7.815, 3) == doctest::Approx(0.05).epsilon(1e-3));  // chi2(3) at 0.05
}

TEST_CASE("Nemenyi critical difference and Holm against a control: Demšar 2006, 3.2.2") {
  const Ranks r = rank_methods(kAuc, false);
  // "CD = 2.569 sqrt(4 * 5 / (6 * 14)) = 1.25"
  CHECK(nemenyi_critical_difference(4, 14) == doctest::Approx(1.25).epsilon(2e-3));
  CHECK(nemenyi_critical_difference(11, 14) == 0.0);  // beyond the table: none
  CHECK(rank_standard_error(r) == doctest::Approx(0.488).epsilon(1e-3));
  // C4.5 as the control: z = 2.342 (C4.5+m, p 0.019), 0.512 (+cf, p 0.609), 2.416 (+m+cf,
  // p 0.016); Holm rejects the two small ones (0.016 < 0.05/3, 0.019 < 0.05/2).
  const std::vector<double> p = rank_p_values(r, 0);
  CHECK(p[0] == 1.0);
  CHECK(p[1] == doctest::Approx(0.019).epsilon(0.05));
  CHECK(p[2] == doctest::Approx(0.609).epsilon(0.01));
  CHECK(p[3] == doctest::Approx(0.016).epsilon(0.05));
  const std::vector<double> adjusted = holm_adjust({p[1], p[2], p[3]});
  CHECK(adjusted[0] < 0.05);
  CHECK(adjusted[1] > 0.05);
  CHECK(adjusted[2] < 0.05);
}

TEST_CASE("Wilcoxon signed-rank: Demšar 2006, Table 2 (C4.5 against C4.5+m)") {
  // Two zero differences split their ranks (1.5 each); |0.005| ties at 3.5: R+ = 93, R- = 12.
  const Wilcoxon w = wilcoxon_signed_rank(column(1), column(0));
  CHECK(w.n == 14);
  CHECK(w.r_plus == doctest::Approx(93));
  CHECK(w.r_minus == doctest::Approx(12));
  CHECK(w.statistic == doctest::Approx(12));
  // T = 12 is below the exact critical value 21 for N = 14 at 0.05; with zeros, the normal
  // approximation: mean 14 * 15 / 4 = 52.5, variance 14 * 15 * 29 / 24 = 253.75 less
  // (2^3 - 2) / 48 for each of the two pairs of ties, so z = (12 - 52.5) / sqrt(253.5) =
  // -2.5437 and p = erfc(2.5437 / sqrt 2) = 0.01097.
  CHECK_FALSE(w.exact);
  CHECK(w.z == doctest::Approx(-2.5437).epsilon(1e-4));
  CHECK(w.p == doctest::Approx(0.01097).epsilon(1e-3));
}

TEST_CASE("Wilcoxon signed-rank exact p on hand-computed cases") {
  // Five positive differences: R- = 0 happens in 2 of the 2^5 sign patterns (all + or all -).
  const Wilcoxon all = wilcoxon_signed_rank({1, 2, 3, 4, 5}, {0, 0, 0, 0, 0});
  CHECK(all.exact);
  CHECK(all.r_plus == 15);
  CHECK(all.p == doctest::Approx(2.0 / 32.0));
  // Ranks 1..4 with rank 1 negative: T = 1; patterns with min(R+, R-) <= 1: {}, {1} and their
  // mirrors, 4 of 16.
  const Wilcoxon one = wilcoxon_signed_rank({-1, 2, 3, 4}, {0, 0, 0, 0});
  CHECK(one.statistic == 1);
  CHECK(one.p == doctest::Approx(4.0 / 16.0));
  // An odd number of zeros: one is left out.
  CHECK(wilcoxon_signed_rank({0, 1, 2}, {0, 0, 0}).n == 2);
}

TEST_CASE("scores equal but for floating-point noise are ties, in ranks and in Wilcoxon") {
  // Three arms at 0.98611 on `unbalanced`, as means summed in different orders: they once
  // ranked 5, 7 and 6 instead of sharing 6.
  const double x = 71.0 / 72.0;
  const double y = std::nextafter(x, 1.0), z = std::nextafter(y, 1.0);
  const Ranks r = rank_methods({{0.99, 0.5, x, z, y}}, false);
  CHECK(r.per_dataset[0] == std::vector<double>{1, 5, 3, 3, 3});
  // A difference of one ulp is no difference: a zero, left out when it is the only one, and
  // the test stays exact (the zero count was once taken before the zero was dropped).
  const Wilcoxon w =
      wilcoxon_signed_rank({y, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {x, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(w.n == 10);
  CHECK(w.r_minus == 0);
  CHECK(w.exact);
  CHECK(w.p == doctest::Approx(2.0 / 1024.0));
  CHECK(same_score(1e12, 1e12 + 1e-4));
  CHECK_FALSE(same_score(0.5, 0.5 + 1e-6));
}

TEST_CASE("chi-square and F tails against closed forms") {
  // chi2 with 2 df: exp(-x/2); with 4 df: exp(-x/2) (1 + x/2).
  for (const double x : {0.1, 1.0, 5.0, 20.0}) {
    CAPTURE(x);
    CHECK(chi_square_upper(x, 2) == doctest::Approx(std::exp(-x / 2)).epsilon(1e-12));
    CHECK(chi_square_upper(x, 4) == doctest::Approx(std::exp(-x / 2) * (1 + x / 2)).epsilon(1e-12));
    // F(2, 2): P(F > x) = 1 / (1 + x); F(1, d) = t(d)^2 and t(1) is Cauchy:
    // P(F(1,1) > x) = 1 - 2 atan(sqrt x) / pi.
    CHECK(f_upper(x, 2, 2) == doctest::Approx(1 / (1 + x)).epsilon(1e-12));
    CHECK(f_upper(x, 1, 1) ==
          doctest::Approx(1 - 2 * std::atan(std::sqrt(x)) / M_PI).epsilon(1e-10));
  }
}

TEST_CASE("datasets: the UCI suite, UCI names, data specs, problems named") {
  Diagnostics diag("e.json");
  const auto all = read_datasets(json::array({"uci"}), "datasets", diag);
  CHECK(all.size() == uci_names().size());
  CHECK(all[0].data == json{{"source", "uci"}, {"name", "breast-cancer"}});
  const auto some = read_datasets(
      json::array({"iris", {{"name", "m"}, {"data", {{"source", "moons"}}}}}), "datasets", diag);
  REQUIRE(some.size() == 2);
  CHECK(some[1].name == "m");
  CHECK(diag.empty());
  (void)read_datasets(
      json::array({"irs", "iris", "iris", {{"name", "../x"}, {"data", json::object()}}}),
      "datasets", diag);
  std::string errors;
  for (const auto& e : diag.errors()) errors += e + "\n";
  CHECK(errors.find("datasets[0]: unknown UCI data set 'irs'") != std::string::npos);
  CHECK(errors.find("'iris' is listed twice") != std::string::npos);
  CHECK(errors.find("data set '../x': use letters, digits") != std::string::npos);
}

TEST_CASE("an experiment over data sets: one comparison each, output sized per set, ranks across") {
  test::ScratchDir dir;
  const Experiment e = read_experiment((test::kSource / "tests/experiments/suite.json").string());
  REQUIRE(e.datasets.size() == 4);
  const Experiment blobs = dataset_experiment(e, e.datasets[1]);
  // The last layer has one unit per class of that data set; the base's split keys are kept.
  CHECK(blobs.arms[0].config["model"]["layers"].back()["units"] == 4);
  CHECK(blobs.arms[0].config["data"]["source"] == "blobs");
  CHECK(blobs.arms[0].config["data"]["validation"] == 0.25);
  CompareOptions o;
  o.output = dir.path("out");
  o.jobs = 2;
  const auto suite = run_suite(e, o);
  REQUIRE(suite.size() == 4);
  std::vector<Summary> summaries;
  for (const auto& d : suite) summaries.push_back(summarize_study(d.study));
  const SuiteSummary s = summarize_suite(e, summaries);
  REQUIRE(s.ranking);
  // The ranks are those of the per-set means of test_accuracy_at_best_val.
  const auto& scores = s.ranking->scores;
  const Ranks r = rank_methods(scores, false);
  for (std::size_t m = 0; m < 3; ++m)
    CHECK(s.ranking->average_ranks[m] == doctest::Approx(r.average[m]));
  const double mean = summaries[0].arm("elu")->measures.at("test_accuracy_at_best_val").mean;
  CHECK(scores[0][1] == doctest::Approx(mean));
  CHECK(s.ranking->friedman.df1 == 2);
  CHECK(s.ranking->friedman.df2 == 6);
  CHECK(s.ranking->critical_difference == doctest::Approx(nemenyi_critical_difference(3, 4)));
  CHECK(s.ranking->against_baseline.size() == 2);
  REQUIRE(s.ranking->pairs.size() == 3);  // relu-elu, relu-tanh, elu-tanh
  CHECK(s.ranking->pairs[2].arm == "elu");
  CHECK(s.ranking->pairs[2].other == "tanh");
  CHECK(std::filesystem::exists(run_record_path(dir.path("out/datasets/xor"), "tanh", 2)));
}

TEST_CASE("nnfit compare over data sets writes each set's report and the ranks' report") {
  test::Workspace w;
  const auto out = w.dir / "suite";
  const test::Result r =
      w.run("compare --experiment tests/experiments/suite.json -j 2 -o " + out.string());
  REQUIRE(r.status == 0);
  CHECK(r.out.find("average rank by test_accuracy_at_best_val over 4 data sets") !=
        std::string::npos);
  const std::string report = test::slurp(out / "report.md");
  CHECK(report.find("## Ranks") != std::string::npos);
  CHECK(report.find("[blobs](datasets/blobs/report.md)") != std::string::npos);
  CHECK(report.find("Friedman test over 4 data sets and 3 arms") != std::string::npos);
  CHECK(test::slurp(out / "plots" / "critical_difference.svg").find("CD = ") != std::string::npos);
  for (const char* set : {"moons", "blobs", "circles", "xor"})
    CHECK(std::filesystem::exists(out / "datasets" / set / "report.md"));
  // The Fashion-MNIST-free smoke of the shipped UCI experiment, when the sets are installed.
  if (!uci_folder().empty()) {
    // A set without a test file holds out 20% (stratified) unless data.test says otherwise.
    const Data iris = load_data({{"source", "uci"}, {"name", "iris"}}, 1);
    CHECK(iris.test.size() == 30);
    CHECK(load_data({{"source", "uci"}, {"name", "iris"}, {"test", 0.1}}, 1).test.size() == 15);
    CHECK(load_data({{"source", "uci"}, {"name", "segment"}}, 1).test.size() == 810);
    const test::Result smoke =
        w.run("compare --experiment experiments/uci_snn_ranks.json --smoke -q -o " +
              (w.dir / "uci").string());
    CHECK(smoke.status == 0);
    CHECK(std::filesystem::exists(w.dir / "uci" / "datasets" / "labor" / "report.md"));
  }
}

TEST_CASE("a data set where every arm scores the same is named non-discriminating") {
  const Experiment e = read_experiment((test::kSource / "tests/experiments/suite.json").string());
  // Per set, each arm's rank score: on "blobs" all three at the majority rate, to the ulp.
  const double scores[4][3] = {{0.9, 0.8, 0.85},
                               {0.98611, std::nextafter(0.98611, 1.0), 0.98611},
                               {0.7, 0.75, 0.6},
                               {0.5, 0.6, 0.55}};
  std::vector<Summary> summaries;
  for (const auto& row : scores) {
    Summary summary;
    for (std::size_t m = 0; m < 3; ++m) {
      ArmSummary arm;
      arm.name = e.arms[m].name;
      arm.rank_scores[e.rank_by] = {row[m], 2, m == 2 ? 1 : 0};
      summary.arms.push_back(arm);
    }
    summaries.push_back(summary);
  }
  const SuiteSummary s = summarize_suite(e, summaries);
  REQUIRE(s.ranking);
  CHECK(s.ranking->non_discriminating == std::vector<std::string>{"blobs"});
  CHECK(s.ranking->ranks[1] == std::vector<double>{2.0, 2.0, 2.0});
  CHECK(s.ranking->score_runs[0][2].diverged == 1);
}

TEST_CASE("a data set where every arm is within noise of chance is non-discriminating") {
  const Experiment base =
      read_experiment((test::kSource / "tests/experiments/suite.json").string());
  Experiment e = base;
  e.rank_by = "test_balanced_accuracy_at_best_val";
  // Per set, each arm's mean, sd over 4 seeds, chance 1/2. On "blobs" every arm is within two
  // standard errors (0.02 / sqrt 4 x 2 = 0.02) of 0.5; on "moons" one arm is beyond.
  const double means[4][3] = {
      {0.9, 0.8, 0.85}, {0.51, 0.515, 0.50}, {0.7, 0.75, 0.6}, {0.5, 0.6, 0.55}};
  std::vector<Summary> summaries;
  for (const auto& row : means) {
    Summary summary;
    for (std::size_t m = 0; m < 3; ++m) {
      ArmSummary arm;
      arm.name = e.arms[m].name;
      arm.rank_scores[e.rank_by] = {row[m], 4, 0, 0.02, 0.5};
      summary.arms.push_back(arm);
    }
    summaries.push_back(summary);
  }
  SuiteSummary s = summarize_suite(e, summaries);
  REQUIRE(s.ranking);
  CHECK(s.ranking->non_discriminating == std::vector<std::string>{"blobs"});
  // Just beyond: 0.5201 > 0.5 + 0.02.
  summaries[1].arms[1].rank_scores[e.rank_by].mean = 0.5201;
  CHECK(summarize_suite(e, summaries).ranking->non_discriminating.empty());
  // Accuracy is not compared with 1 / classes (its chance is the majority rate).
  summaries[1].arms[1].rank_scores[e.rank_by].mean = 0.51;
  for (auto& summary : summaries)
    for (auto& arm : summary.arms) {
      const RankScore balanced = arm.rank_scores.at(e.rank_by);
      arm.rank_scores["test_accuracy_at_best_val"] = balanced;
    }
  e.rank_by = "test_accuracy_at_best_val";
  CHECK(summarize_suite(e, summaries).ranking->non_discriminating.empty());
}

TEST_CASE("the suite's power: detectable rank differences and the power for a reported effect") {
  // k = 8 arms, N = 28 data sets: SE = sqrt(8 x 9 / (6 x 28)) = 0.654654. Reference values from
  // SciPy (scipy.stats.norm): z_{1 - 0.05/14} = 2.690110, z_0.975 = 1.959964, z_0.8 = 0.841621.
  CHECK(normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-10));
  CHECK(normal_quantile(0.8) == doctest::Approx(0.8416212335729143).epsilon(1e-10));
  CHECK(normal_cdf(-1.959963984540054) == doctest::Approx(0.025).epsilon(1e-10));
  const double se = std::sqrt(8.0 * 9.0 / (6.0 * 28.0));
  const SuitePower p = suite_power(8, se, -0.516);
  CHECK(p.detectable_first_step == doctest::Approx(2.312060506465337).epsilon(1e-9));
  CHECK(p.detectable_last_step == doctest::Approx(1.8340680468388633).epsilon(1e-9));
  CHECK(p.power_first_step == doctest::Approx(0.02859168914052333).epsilon(1e-8));
  CHECK(p.power_unadjusted == doctest::Approx(0.12064651936369186).epsilon(1e-8));
  CHECK_FALSE(suite_power(8, se, std::nullopt).reported_rank_difference);
}
