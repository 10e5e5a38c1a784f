// The typed summary between the experiments and the report layers: summary.json round-trips
// through it, and the report is written from a summary built in code (no runs, no files read).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "nnfit/experiments/suite.hpp"
#include "nnfit/experiments/summary.hpp"
#include "nnfit/report/compare_report.hpp"
#include "nnfit/report/summary_table.hpp"
#include "tests/cli_support.hpp"

using namespace nnfit;
namespace fs = std::filesystem;

namespace {

Estimate estimate_of(double mean, double sd = 0.01) {
  return {8, mean, sd, mean - 2 * sd, mean + 2 * sd};
}

ArmSummary made_up_arm(const std::string& name, double steps) {
  ArmSummary a;
  a.name = name;
  a.description = name + " network";
  a.runs = a.finished = 8;
  a.target = TargetSummary{8, 8, 1000, steps, 20, {steps - 40, steps + 40}, {{steps, 0.0}}};
  a.measures["final_train_loss"] = estimate_of(0.25);
  a.measures["val_loss_auc"] = estimate_of(0.5);
  a.rank_scores["test_accuracy_at_best_val"] = {0.9, 8, 0};
  a.layers_at_init = {{1, estimate_of(0.1), estimate_of(1.0), estimate_of(1.1), estimate_of(0)}};
  return a;
}

// A comparison of every kind: elu faster in time to target (a bound and an interval), selu's
// val_loss_auc exploratory with a relative difference and a detectable effect, a NaN p.
Comparison made_up_comparison(const std::string& arm, const std::string& measure,
                              double difference) {
  Comparison c;
  c.arm = arm;
  c.baseline = "relu";
  c.measure = measure;
  c.n = 8;
  c.difference = difference;
  return c;
}

Summary made_up_summary() {
  Summary s;
  s.experiment = "scaling";
  s.claim = "elu converges faster";
  s.baseline = "relu";
  s.seeds = {1, 2, 3};
  s.target = StopAt{"val_accuracy", 0.85, false};
  s.speed_measure = "steps_to_target";
  s.eval_every_steps = 5;
  s.alpha = 0.05;
  s.primary = {"steps_to_target"};
  s.arms = {made_up_arm("relu", 300), made_up_arm("elu", 180), made_up_arm("selu", 320)};
  Comparison faster = made_up_comparison("elu", "steps_to_target", -120);
  faster.relative = -0.4;
  faster.p = faster.p_adjusted = 0.0078125;
  faster.headline = true;
  faster.verdict = "faster";
  faster.times = Comparison::Times{8,
                                   0,
                                   0,
                                   8,
                                   8,
                                   Bound::at_most,
                                   std::array<double, 2>{-150, -90},
                                   {Bound::none, Bound::at_least},
                                   0.93,
                                   false,
                                   -118.5,
                                   0.001};
  Comparison auc = made_up_comparison("selu", "val_loss_auc", 0.02);
  auc.relative = 0.04;
  auc.p = 0.03;
  auc.p_adjusted = std::nan("");
  auc.verdict = "exploratory";
  auc.continuous = Comparison::Continuous{0.01, {0.011, 0.029}, 0.013};
  Comparison speedup = made_up_comparison("elu", "speedup", 0.78);
  speedup.relative = 0.78 - 1;
  speedup.p = 0.0078125;
  speedup.p_adjusted = 0.015625;
  speedup.verdict = "faster";
  speedup.speedup = Comparison::Speedup{std::array<double, 2>{0.72, 0.84},
                                        {0.7, 0.8, 0.75, 0.8, 0.82, 0.79, 0.77, 0.81},
                                        8,
                                        0.9,
                                        0.75,
                                        1.05,
                                        std::nullopt,
                                        {{1.5, 0.8, 0.7, 0.9, 8}, {0.5, 0.76, 0.7, 0.85, 6}}};
  Comparison seconds = speedup;
  seconds.measure = "seconds_speedup";
  seconds.difference = 0.86;
  seconds.speedup->interval = std::array<double, 2>{0.79, 0.93};
  seconds.speedup->cost_ratio = 1.1;
  s.comparisons = {speedup, seconds, faster, auc};
  s.speedup_curve = "val_loss_steps";
  s.step_timing = "host test";
  s.arms[0].step_cost = StepCost{100, 95, 110, 7, 200};
  s.arms[1].step_cost = StepCost{110, 100, 120, 7, 200};
  TuningSummary t;
  t.key = "optimizer.lr";
  t.metric = "val_loss";
  t.at = "best";
  t.method = "successive_halving";
  t.values = {0.001, 0.01, 0.1};
  t.eta = 3;
  t.seeds = {1000001, 1000002};
  t.arms.push_back({"elu",
                    0.01,
                    false,
                    {{20, {{0.001, 0.6, 0}, {0.01, 0.4, 0}, {0.1, {}, 2}}}},
                    {{0.0001, std::nullopt, 1}},
                    {{0.1, 0.3, 0, 2}}});
  s.tuning = t;
  s.fixed = FixedSummary{"optimizer.lr", 0.01, s.arms, {faster}};
  s.fixed->comparisons[0].verdict = "not shown at this many seeds (reached: 8/8 against 8/8)";
  s.provenance = Provenance{"nnfit compare", "test machine", "0.1.0", "-O2", "Eigen", "today"};
  return s;
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

}  // namespace

TEST_CASE("a summary round-trips through summary.json, every optional part included") {
  // As summary.json holds it: written, then parsed.
  const json j = json::parse(json(made_up_summary()).dump());
  const Summary back = j.get<Summary>();
  CHECK(json(back).dump() == j.dump());
  CHECK(j["comparisons"][3]["p_adjusted"].is_null());  // NaN is written as null ...
  CHECK(std::isnan(back.comparisons[3].p_adjusted));   // ... and read back as NaN
  CHECK(back.comparisons[2].times->interval_bounds[1] == Bound::at_least);
  CHECK(j["comparisons"][2]["difference_bound"] == "at most");
  CHECK(back.comparisons[0].speedup->profile[1].seeds == 6);
  CHECK(back.comparisons[1].speedup->cost_ratio == 1.1);
  CHECK(back.arms[1].step_cost->high_us == 120);
  CHECK_FALSE(back.tuning->arms[0].rungs[0].points[2].selection);
  CHECK(j["arms"][1]["reached_target"] == 8);
  CHECK(back.provenance->machine == "test machine");
  // Not a summary: refused, not half read.
  json broken = j;
  broken["arms"][0].erase("runs");
  CHECK_THROWS_AS(broken.get<Summary>(), json::exception);
  broken = j;
  broken["comparisons"][2]["difference_bound"] = "about";
  CHECK_THROWS_AS(broken.get<Summary>(), json::exception);
}

TEST_CASE("every committed summary.json reads into the types and writes back byte for byte") {
  int comparisons = 0, suites = 0;
  for (const auto& entry : fs::recursive_directory_iterator(test::kSource / "docs/experiments")) {
    if (entry.path().filename() != "summary.json") continue;
    CAPTURE(entry.path().string());
    // Byte for byte: summary.json is written as dump(2) and a newline.
    const std::string text = test::read_file(entry.path().string());
    const json j = json::parse(text);
    if (j.contains("rank_by")) {
      CHECK(json(j.get<SuiteSummary>()).dump(2) + "\n" == text);
      ++suites;
    } else {
      CHECK(json(j.get<Summary>()).dump(2) + "\n" == text);
      ++comparisons;
    }
  }
  CHECK(comparisons >= 8);
  CHECK(suites >= 1);
}

TEST_CASE("the report is written from a summary built in code") {
  test::ScratchDir dir;
  const Experiment e = read_experiment((test::kSource / "tests/experiments/scaling.json").string());
  const Summary s = made_up_summary();
  ReportContext context;
  context.command = "made up";
  write_report(e, {}, s, context, dir.path("report"));
  const std::string md = test::read_file(dir.path("report/report.md"));
  // The headline row: the bounded median difference, the relative one, the interval with its
  // bound, the pairs and the bold verdict.
  CHECK(md.find("| elu | ≤ -120.0 | -40.0% | [-150.0, ≥ -90.0] | 0.00781 | 0.00781 | 8 faster, 0 "
                "slower, 0 undecided | **faster** |") != std::string::npos);
  CHECK(md.find("| selu | val_loss_auc | 0.02 | +4.0% | [0.011, 0.029] |") != std::string::npos);
  CHECK(md.find("180 [140, 220]") != std::string::npos);  // restricted mean [CI]
  // Speedup in steps and seconds side by side, and the costs per step.
  CHECK(
      md.find(
          "| elu | 0.78× [0.72×, 0.84×] | 0.0156 | 0.86× [0.79×, 0.93×] | 90% / 75% | 8 of 8 |") !=
      std::string::npos);
  CHECK(md.find("elu reaches each validation loss (checked every 5 steps) level in 0.78× [0.72×, "
                "0.84×] of relu's steps, 0.86× [0.79×, 0.93×] of its time.") != std::string::npos);
  CHECK(md.find("| elu | 110.0 [100.0, 120.0] | 1.1× | 7 x 200 steps |") != std::string::npos);
  CHECK(fs::exists(dir.path("report/plots/speedup_profile.svg")));
  CHECK(md.find("## Sensitivity: tuned against fixed optimizer.lr") != std::string::npos);
  CHECK(md.find("0.1 had the best val_loss in its finished tuning runs (0.3, rung 0) but "
                "diverged in 2/2: not chosen") != std::string::npos);
  // summary.json is the summary with the invocation's provenance.
  const Summary written = read_json(dir.path("report/summary.json")).get<Summary>();
  CHECK(written.provenance->command == "made up");
  CHECK(written.comparisons.size() == 4);
  const std::string table = summary_table(s);
  CHECK(table.find("faster") != std::string::npos);
  CHECK(table.find("8/8") != std::string::npos);
}
