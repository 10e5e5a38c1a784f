// nnfit compare: experiment files, statistics and verdicts, diagnostics, the runner (parallel,
// resumable, diverged arms) and the shipped experiments' large-margin facts at smoke size.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "nnfit/error.hpp"
#include "nnfit/experiments/statistics.hpp"
#include "nnfit/experiments/step_timing.hpp"
#include "nnfit/experiments/study.hpp"
#include "nnfit/experiments/summary.hpp"
#include "nnfit/model_diagnostics.hpp"
#include "nnfit/registry.hpp"
#include "nnfit/report/compare_report.hpp"
#include "tests/support.hpp"

using namespace nnfit;
namespace fs = std::filesystem;

namespace {

const std::string kBinary = NNFIT_BINARY;
const fs::path kSource = NNFIT_SOURCE_DIR;

// A small, fast experiment on generated data; `extra` is merged into it.
json small_experiment(const json& extra = json::object()) {
  json e = {
      {"name", "small"},
      {"base",
       {{"data", {{"source", "moons"}, {"samples", 400}, {"noise", 0.1}, {"validation", 0.2}}},
        {"model",
         {{"layers",
           {{{"type", "dense"}, {"units", 16}, {"activation", "relu"}},
            {{"type", "dense"}, {"units", 16}, {"activation", "relu"}},
            {{"type", "dense"}, {"units", 2}}}}}},
        {"optimizer", {{"type", "adam"}, {"lr", 0.01}}},
        {"train", {{"epochs", 3}, {"batch_size", 32}}}}},
      {"seeds", 3},
      {"target", {{"metric", "val_accuracy"}, {"value", 0.8}}},
      {"arms",
       {{{"name", "relu"}, {"activation", "relu"}}, {{"name", "elu"}, {"activation", "elu"}}}}};
  e.merge_patch(extra);
  return e;
}

Experiment read(const test::ScratchDir& dir, const json& spec, ExperimentOptions options = {}) {
  const std::string path = dir.path("experiment.json");
  test::write_file(path, spec.dump(2));
  return read_experiment(path, options);
}

// An epoch of a made-up record: `loss` as training, validation and test loss, 100 rows each,
// and `accuracy` (when given) as validation and test accuracy.
EpochRecord made_up_epoch(int epoch, double loss, std::optional<double> accuracy = std::nullopt) {
  EpochRecord er;
  er.epoch = epoch;
  er.step = 10 * epoch;
  er.train.loss = er.validation.loss = er.test.loss = loss;
  er.train.samples = er.validation.samples = er.test.samples = 100;
  er.validation.accuracy = er.test.accuracy = accuracy;
  return er;
}

std::string error_of(const test::ScratchDir& dir, const json& spec) {
  try {
    read(dir, spec);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

int run_binary(const std::string& args, std::string* out = nullptr) {
  test::ScratchDir logs;
  const std::string command = "cd '" + kSource.string() + "' && '" + kBinary + "' " + args + " >'" +
                              logs.path("out") + "' 2>&1 </dev/null";
  const int raw = std::system(command.c_str());
  if (out) *out = test::read_file(logs.path("out"));
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

std::vector<json> read_runs(const std::string& folder) {
  std::vector<json> runs;
  std::istringstream in(test::read_file(folder + "/runs.jsonl"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) runs.push_back(json::parse(line));
  return runs;
}

}  // namespace

TEST_CASE("t quantiles and confidence intervals match the textbook values") {
  CHECK(t_quantile_975(1) == doctest::Approx(12.706));
  CHECK(t_quantile_975(4) == doctest::Approx(2.776));
  CHECK(t_quantile_975(1000) == doctest::Approx(1.98));
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32/7).
  const Estimate e = estimate({2, 4, 4, 4, 5, 5, 7, 9});
  CHECK(e.n == 8);
  CHECK(e.mean == doctest::Approx(5.0));
  CHECK(e.sd == doctest::Approx(std::sqrt(32.0 / 7.0)));
  CHECK(e.ci_high - e.mean == doctest::Approx(2.365 * std::sqrt(32.0 / 7.0) / std::sqrt(8.0)));
  const Estimate one = estimate({3.5});
  CHECK(one.n == 1);
  CHECK(one.ci_low == one.ci_high);
}

TEST_CASE("an experiment's arms replace the hidden activation and keep the output layer") {
  test::ScratchDir dir;
  const Experiment e = read(dir, small_experiment({{"init", "auto"}}));
  REQUIRE(e.arms.size() == 2);
  CHECK(e.seeds == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(e.baseline == "relu");
  const json layers = e.arms[1].config["model"]["layers"];
  CHECK(layers[0]["activation"] == "elu");
  CHECK(layers[1]["activation"] == "elu");
  CHECK_FALSE(layers[2].contains("activation"));
  CHECK(layers[2]["init"] == "auto");
  const json run = e.run_config(e.arms[1], 7);
  CHECK(run["seed"] == 7);
  CHECK(run["train"]["stop_at"]["stop"] == false);

  // "hidden" rebuilds the stack with the arm's activation, before the base's output layer.
  const Experiment deep = read(
      dir, small_experiment({{"hidden", {{"layers", 5}, {"units", 8}}}, {"init", "he_normal"}}));
  const json deep_layers = deep.arms[0].config["model"]["layers"];
  REQUIRE(deep_layers.size() == 6);
  CHECK(deep_layers[4]["units"] == 8);
  CHECK(deep_layers[4]["init"] == "he_normal");
  CHECK(deep_layers[5]["units"] == 2);
  // Smoke and command-line seeds.
  ExperimentOptions o;
  o.seeds = {4, 9};
  CHECK(read(dir, small_experiment(), o).seeds == std::vector<std::uint64_t>{4, 9});
}

TEST_CASE("experiment errors name the key, what was found and the nearest valid name") {
  test::ScratchDir dir;
  json typo = small_experiment();
  typo["arms"][1]["activation"] = "eluu";
  std::string err = error_of(dir, typo);
  CHECK(err.find("arms[1].activation") != std::string::npos);
  CHECK(err.find("'elu'") != std::string::npos);

  err = error_of(dir, small_experiment({{"seed", 3}}));
  CHECK(err.find("unknown key 'seed'") != std::string::npos);

  err = error_of(dir, small_experiment({{"baseline", "rleu"}}));
  CHECK(err.find("baseline") != std::string::npos);
  CHECK(err.find("'relu'") != std::string::npos);

  json twice = small_experiment();
  twice["arms"][1]["name"] = "relu";
  CHECK(error_of(dir, twice).find("earlier arm") != std::string::npos);

  // An arm's run config is checked like any config, with the arm named.
  json bad_set = small_experiment();
  bad_set["arms"][1]["set"] = {{"optimizer.lr", -1}};
  err = error_of(dir, bad_set);
  CHECK(err.find("arms 'elu'") != std::string::npos);
  CHECK(err.find("optimizer.lr") != std::string::npos);

  CHECK(error_of(dir, small_experiment({{"smoke", {{"seedz", 2}}}})).find("smoke.seedz") !=
        std::string::npos);

  // Wrong shapes anywhere are messages, never a crash.
  json number_activation = small_experiment();
  number_activation["arms"][0]["activation"] = 5;
  CHECK(error_of(dir, number_activation).find("arms[0].activation: expected an activation name") !=
        std::string::npos);
  json odd_base = small_experiment();
  odd_base["base"]["model"] = 2;
  CHECK(error_of(dir, odd_base).find("no model.layers to vary") != std::string::npos);
  json odd_train = small_experiment();
  odd_train["base"]["train"] = 5;
  CHECK(error_of(dir, odd_train).find("train") != std::string::npos);
  json no_base = small_experiment();
  no_base["base"] = "missing.json";
  CHECK(error_of(dir, no_base).find("base: ") != std::string::npos);
}

TEST_CASE("dead units: a ReLU layer pushed below zero is dead, leaky and softplus are not") {
  for (const char* act : {"relu", "leaky_relu", "softplus"}) {
    CAPTURE(act);
    Model model(3);
    model.add(json{{"type", "dense"}, {"units", 4}, {"activation", act}, {"bias_init", -10}});
    model.add(json{{"type", "dense"}, {"units", 2}});
    Rng rng(1);
    model.initialize(rng);
    Matrix probe = Matrix::Random(50, 3);
    const auto stats = activation_statistics(model, probe);
    REQUIRE(stats.size() == 1);
    CHECK(stats[0].depth == 1);
    CHECK(stats[0].activation == act);
    CHECK(stats[0].negative_regime == 1.0);  // every pre-activation is about -10
    CHECK(stats[0].dead == (std::string(act) == "softplus" ? 0.0 : 1.0));
    CHECK(stats[0].pre_mean == doctest::Approx(-10).epsilon(0.1));
  }
  // Separate activation layers count as hidden layers too, with their input as pre-activation.
  Model model(2);
  model.add(json{{"type", "dense"}, {"units", 3}});
  model.add(json{{"type", "tanh"}});
  model.add(json{{"type", "dense"}, {"units", 1}});
  Rng rng(2);
  model.initialize(rng);
  Matrix probe = Matrix::Random(20, 2);
  const auto stats = activation_statistics(model, probe);
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].layer == 1);
  const Matrix z = probe * model.parameter("layers.0.weight").transpose();
  CHECK(stats[0].pre_mean == doctest::Approx(z.cast<double>().mean()).epsilon(1e-4));
}

TEST_CASE("a comparison runs every arm and seed, resumes, and is the same at any job count") {
  test::ScratchDir dir;
  const Experiment e = read(dir, small_experiment());
  CompareOptions o;
  o.output = dir.path("one");
  o.jobs = 1;
  int reported = 0;
  o.on_run_end = [&](const RunRecord&, int, int) { ++reported; };
  const auto first = run_experiment(e, o);
  REQUIRE(first.size() == 6);
  CHECK(reported == 6);
  for (const auto& r : first) {
    CHECK(r.status == "finished");
    CHECK(r.epochs.size() == 3);
    CHECK(r.diagnostics.size() == 4);  // initialisation and three epochs
    CHECK(fs::exists(run_record_path(o.output, r.arm, r.seed)));
  }
  // Each run is on one thread of its own: one job or two give identical results.
  o.output = dir.path("two");
  o.jobs = 2;
  const auto second = run_experiment(e, o);
  for (std::size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].arm == second[i].arm);
    CHECK(first[i].seed == second[i].seed);
    CHECK(first[i].epochs.back().train.loss == second[i].epochs.back().train.loss);
  }
  // Resumed: nothing is redone.
  reported = 0;
  const auto again = run_experiment(e, o);
  CHECK(reported == 0);
  for (const auto& r : again) CHECK(r.reused);
  // A damaged record is redone, the others are not.
  test::write_file(run_record_path(o.output, "elu", 2), "{\"arm\": \"elu\", \"trunc");
  reported = 0;
  const auto repaired = run_experiment(e, o);
  CHECK(reported == 1);
  CHECK(repaired[4].seed == 2);
  CHECK_FALSE(repaired[4].reused);
  CHECK(repaired[4].epochs.back().train.loss == first[4].epochs.back().train.loss);
  // A different experiment in the same folder is refused.
  const Experiment other = read(dir, small_experiment({{"set", {{"train.epochs", 2}}}}));
  CHECK_THROWS_AS(run_experiment(other, o), ConfigError);

  const Summary summary = summarize(e, first);
  REQUIRE(summary.arms.size() == 2);
  CHECK(summary.arms[0].measures.at("final_train_loss").n == 3);
  CHECK(summary.speed_measure == "speedup");
  ReportContext context;
  context.command = "test";
  write_report(e, first, summary, context, dir.path("one"));
  for (const char* file : {"runs.jsonl", "summary.json", "summary.csv", "report.md", "report.html",
                           "plots/train_loss.svg", "plots/time_to_target.svg",
                           "plots/activation_variance.svg", "plots/dead_units.svg"})
    CHECK_MESSAGE(fs::exists(dir.path(std::string("one/") + file)), file);
  const std::string html = test::read_file(dir.path("one/report.html"));
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("src=") == std::string::npos);  // self-contained
}

TEST_CASE("a diverging arm is recorded as diverged and the other arms go on") {
  test::ScratchDir dir;
  json spec = small_experiment();
  spec["arms"][1]["set"] = {{"optimizer", {{"type", "sgd"}, {"lr", 1e6}}}};
  const Experiment e = read(dir, spec);
  CompareOptions o;
  o.output = dir.path("out");
  o.jobs = 2;
  const auto records = run_experiment(e, o);
  REQUIRE(records.size() == 6);
  for (const auto& r : records) {
    CAPTURE(r.arm);
    CHECK(r.status == (r.arm == "elu" ? "diverged" : "finished"));
    if (r.arm == "elu") CHECK(r.error.find("diverged at epoch") != std::string::npos);
  }
  const Summary summary = summarize(e, records);
  CHECK(summary.arms[1].diverged == 3);
  // Diverged runs never reached the target: censored at the budget (3 epochs of 10 steps,
  // 320 rows / 32), not counted as a time.
  REQUIRE(summary.arms[1].target);
  const TargetSummary& target = *summary.arms[1].target;
  CHECK(target.reached == 0);
  CHECK(target.tau == 3.0 * 10);
  CHECK(target.restricted_mean == 3.0 * 10);
  CHECK_FALSE(summary.arms[1].measures.count("steps_to_target"));
  // Three seeds cannot show it (the sign test's p is 0.25): the counts, not a verdict.
  for (const auto& c : summary.comparisons)
    if (c.measure == "steps_to_target")
      CHECK(c.verdict == "not shown at this many seeds (reached: 0/3 against 3/3)");
}

namespace {

// Finished runs of `e`'s arms on seeds 1..8 (3 epochs of 10 steps): each arm's validation loss
// is `loss(arm, seed)`, and `reached(arm, seed)` says whether the target was met at step 10.
std::vector<RunRecord> made_up_records(const Experiment& e,
                                       const std::function<double(const Arm&, int)>& loss,
                                       const std::function<bool(const Arm&, int)>& reached) {
  std::vector<RunRecord> records;
  for (const auto& arm : e.arms)
    for (int seed = 1; seed <= 8; ++seed) {
      RunRecord r;
      r.arm = arm.name;
      r.seed = static_cast<std::uint64_t>(seed);
      r.status = "finished";
      r.config = e.run_config(arm, r.seed);
      r.steps_per_epoch = 10;
      for (int epoch = 1; epoch <= 3; ++epoch)
        r.epochs.push_back(made_up_epoch(epoch, loss(arm, seed) / epoch));
      if (reached(arm, seed)) r.target_reached = std::pair<int, std::int64_t>{1, 10};
      records.push_back(std::move(r));
    }
  return records;
}

}  // namespace

TEST_CASE("verdict words need the adjusted p: 1 of 8 reached is a count, secondaries explore") {
  test::ScratchDir dir;
  const Experiment e =
      read(dir, small_experiment({{"seeds", 8}, {"primary", {"steps_to_target"}}}));
  const auto loss = [](const Arm& arm, int seed) {
    return (arm.name == "elu" ? 1.0 : 2.0) + 0.01 * seed;  // elu lower in every seed
  };
  const auto verdict_of = [&](const Summary& summary, const std::string& measure) {
    for (const auto& c : summary.comparisons)
      if (c.measure == measure) return c.verdict;
    return std::string("none");
  };
  // Only elu reached the target, in one seed of 8: p = 1, no "only elu reached it".
  Summary s = summarize(e, made_up_records(e, loss, [](const Arm& a, int seed) {
                          return a.name == "elu" && seed == 1;
                        }));
  CHECK(verdict_of(s, "steps_to_target") ==
        "not shown at this many seeds (reached: 1/8 against 0/8)");
  // In every seed of 8: p = 2/256, the verdict stands.
  s = summarize(e, made_up_records(e, loss, [](const Arm& a, int) { return a.name == "elu"; }));
  CHECK(verdict_of(s, "steps_to_target") == "only elu reached it");
  CHECK(s.primary == std::vector<std::string>{"steps_to_target"});
  // Undeclared, the primary measure is the level-matched speedup (the runs have curves).
  const Experiment undeclared = read(dir, small_experiment({{"seeds", 8}}));
  CHECK(
      summarize(undeclared, made_up_records(undeclared, loss, [](const Arm&, int) { return true; }))
          .primary == std::vector<std::string>{"speedup"});
  // Every other measure is exploratory, however small its p: no verdict word.
  CHECK(verdict_of(s, "val_loss_auc") == "exploratory");
  CHECK(verdict_of(s, "final_val_loss") == "exploratory");
  // A declared primary measure carries the verdict instead.
  const Experiment declared =
      read(dir, small_experiment({{"seeds", 8}, {"primary", {"val_loss_auc", "final_val_loss"}}}));
  s = summarize(declared,
                made_up_records(declared, loss, [](const Arm& a, int) { return a.name == "elu"; }));
  CHECK(verdict_of(s, "val_loss_auc") == "faster");
  CHECK(verdict_of(s, "final_val_loss") == "better");
  CHECK(verdict_of(s, "steps_to_target") == "exploratory");
  // Holm across both primary measures: 2 x 2/256.
  for (const auto& c : s.comparisons)
    if (c.measure == "val_loss_auc") CHECK(c.p_adjusted == doctest::Approx(4.0 / 256));
  CHECK_THROWS_WITH_AS(read(dir, small_experiment({{"primary", {"speed"}}})),
                       doctest::Contains("primary: unknown measure 'speed'"), ConfigError);
}

TEST_CASE("nnfit compare from the command line: arms from --activations, errors exit 2") {
  test::ScratchDir dir;
  std::string out;
  CHECK(run_binary("compare --config tests/configs/tiny.json --activations relu,elu,softsign "
                   "--seeds 3 -j 2 -o " +
                       dir.path("cmp"),
                   &out) == 0);
  INFO(out);
  CHECK(out.find("vs relu") != std::string::npos);
  CHECK(fs::exists(dir.path("cmp/report.html")));
  const auto runs = read_runs(dir.path("cmp"));
  CHECK(runs.size() == 9);

  CHECK(run_binary("compare --config tests/configs/tiny.json --activations relu,eluu", &out) == 2);
  CHECK(out.find("'elu'") != std::string::npos);
  CHECK(run_binary("compare --activations relu", &out) == 2);
  CHECK(run_binary("compare --experiment experiments/dying_relu.json --seeds x", &out) == 2);
  CHECK(out.find("--seeds") != std::string::npos);
}

// The shipped experiments at smoke size: the facts with a large margin.
TEST_CASE(
    "experiment dying_relu (smoke): ReLU with hidden biases at -3 stays at ln 10, ELU does not") {
  test::ScratchDir dir;
  std::string out;
  REQUIRE(
      run_binary("compare --experiment experiments/dying_relu.json --smoke -q -o " + dir.path("x"),
                 &out) == 0);
  int relu_runs = 0;
  for (const auto& r : read_runs(dir.path("x"))) {
    CAPTURE(r["arm"]);
    const double loss = r["epochs"].back()["train_loss"].get<double>();
    if (r["arm"] == "relu") {
      ++relu_runs;
      CHECK(std::fabs(loss - std::log(10.0)) < 0.01);
    }
    if (r["arm"] == "elu") CHECK(loss < 2.0);
  }
  CHECK(relu_runs == 2);
}

TEST_CASE("experiment selu_fixed_point (smoke): SELU keeps mean 0 and variance 1 over 32 layers") {
  test::ScratchDir dir;
  REQUIRE(run_binary("compare --experiment experiments/selu_fixed_point.json --smoke -q -o " +
                     dir.path("x")) == 0);
  int selu_layers = 0;
  for (const auto& r : read_runs(dir.path("x"))) {
    const auto& layers = r["diagnostics"][0]["activations"];
    REQUIRE(layers.size() == 32);
    if (r["arm"] == "selu_lecun") {
      for (const auto& l : layers) {
        CHECK(std::fabs(l["post_mean"].get<double>()) <= 0.1);
        CHECK(l["post_var"].get<double>() >= 0.8);
        CHECK(l["post_var"].get<double>() <= 1.5);
        ++selu_layers;
      }
    }
    // The contrast: tanh's variance shrinks with depth, PyTorch's default init collapses ReLU.
    if (r["arm"] == "tanh_lecun") CHECK(layers.back()["post_var"].get<double>() < 0.1);
    if (r["arm"] == "relu_torch_default") CHECK(layers.back()["post_var"].get<double>() < 0.01);
  }
  CHECK(selu_layers == 64);
}

TEST_CASE(
    "successive halving finds the argmin of a synthetic objective at a third of a grid's cost") {
  TuneSpec tune;
  Diagnostics diag;
  tune = read_tune_spec(json{{"log_range", {1e-4, 1.0}}, {"points", 9}}, "tune", diag);
  REQUIRE(diag.empty());
  REQUIRE(tune.values.size() == 9);
  CHECK(tune.values[4] == doctest::Approx(1e-2));
  Halving h(tune, 27);
  int cost = 0;
  while (!h.done()) {
    const Rung r = h.rung();
    std::vector<double> values;
    // (log10 v + 2)^2, plus a budget-dependent offset that does not move the argmin.
    for (const auto i : r.points)
      values.push_back(std::pow(std::log10(tune.values[i]) + 2, 2) + 1.0 / r.steps);
    cost += static_cast<int>(r.steps) * static_cast<int>(r.points.size());
    h.report(values);
  }
  CHECK(tune.values[h.chosen()] == doctest::Approx(1e-2));
  REQUIRE(h.history().size() == 3);
  CHECK(h.history()[0].points.size() == 9);
  CHECK(h.history()[0].steps == 3);
  CHECK(h.history()[1].points.size() == 3);
  CHECK(h.history()[2].steps == 27);
  CHECK(cost == 9 * 3 + 3 * 9 + 27);  // 81 steps: 3 full runs, a 9-point grid is 243
  // A diverged point (NaN) is ranked last, never chosen.
  Halving g(tune, 9);
  while (!g.done()) {
    std::vector<double> values;
    for (const auto i : g.rung().points) values.push_back(i == 0 ? std::nan("") : double(i));
    g.report(values);
  }
  CHECK(g.chosen() == 1);
}

TEST_CASE(
    "rung budgets are optimiser steps, budget / eta^2, budget / eta, budget, never repeated") {
  Diagnostics diag;
  const TuneSpec tune =
      read_tune_spec(json{{"log_range", {1e-3, 1.0}}, {"points", 9}}, "tune", diag);
  const auto budgets = [&](std::int64_t steps) {
    Halving h(tune, steps);
    std::vector<std::int64_t> out;
    while (!h.done()) {
      out.push_back(h.rung().steps);
      h.report(std::vector<double>(h.rung().points.size(), 1.0));
    }
    return out;
  };
  // A 3-epoch run of 10 steps an epoch: rungs of whole epochs floored were 1, 1 and 3 epochs
  // (the rate in effect chosen after one epoch, and rung 2 repeating rung 1).
  CHECK(budgets(30) == std::vector<std::int64_t>{3, 10, 30});
  CHECK(budgets(9) == std::vector<std::int64_t>{1, 3, 9});
  // Too small a budget for three distinct rungs: two (1 and 4 steps), never a repeat.
  CHECK(budgets(4) == std::vector<std::int64_t>{1, 4});
  CHECK(budgets(1) == std::vector<std::int64_t>{1});
}

TEST_CASE("max_steps ends a run mid-epoch with an evaluation there, the schedule spanning it") {
  const json spec = {{"source", "moons"}, {"samples", 200}, {"validation", 0.25}};
  const Data data = load_data(spec, 1);
  const auto run_with = [&](const json& train) {
    RunConfig run =
        read_run_config(json{{"data", spec},
                             {"model", {{"layers", {{{"type", "dense"}, {"units", 2}}}}}},
                             {"schedule", {{"type", "cosine"}}},
                             {"train", train}},
                        "test");
    auto setup = build_run(run, data, "test");
    Trainer trainer(setup->model, *setup->loss, *setup->optimizer, *setup->schedule, data,
                    run.train, run.seed);
    trainer.run();
    return std::make_pair(trainer.history(), setup->optimizer->lr() / setup->optimizer->base_lr());
  };
  // 150 training rows in batches of 32: 5 steps an epoch; 12 steps end in the third epoch.
  const auto [history, factor] = run_with({{"epochs", 10}, {"batch_size", 32}, {"max_steps", 12}});
  REQUIRE(history.size() == 3);
  CHECK(history.back().step == 12);
  CHECK(history.back().validation.samples == 50);
  CHECK(history.back().train.samples == 2 * 32);  // the third epoch's two steps
  // The last step's cosine factor is that of step 11 of 12, (1 + cos(11 pi / 12)) / 2 = 0.017,
  // not of step 11 of the 50 the epochs allow (0.88).
  CHECK(factor == doctest::Approx((1 + std::cos(11 * M_PI / 12)) / 2).epsilon(1e-4));
}

TEST_CASE("tuning selects on the validation split only, never on test or training metrics") {
  TuneSpec tune;  // val_loss at its best epoch
  std::vector<EpochRecord> epochs(3);
  const double val[] = {0.9, 0.5, 0.7}, test[] = {0.1, 0.8, 0.9}, train[] = {0.2, 0.3, 0.05};
  for (int i = 0; i < 3; ++i) {
    epochs[i].validation.samples = epochs[i].test.samples = epochs[i].train.samples = 10;
    epochs[i].validation.loss = val[i];
    epochs[i].test.loss = test[i];
    epochs[i].train.loss = train[i];
    epochs[i].validation.accuracy = 0.5 + 0.1 * i;
  }
  CHECK(selection_value(epochs, tune) == 0.5);
  tune.at_best = false;
  CHECK(selection_value(epochs, tune) == 0.7);
  tune.metric = "val_accuracy";
  CHECK(selection_value(epochs, tune) == doctest::Approx(-0.7));  // higher is better: negated
  Diagnostics diag;
  (void)read_tune_spec(json{{"values", {0.1, 0.01}}, {"select", {{"metric", "test_loss"}}}}, "tune",
                       diag);
  REQUIRE(diag.errors().size() == 1);
  CHECK(diag.errors()[0].find("tune.select.metric: unknown value 'test_loss'") !=
        std::string::npos);
}

TEST_CASE(
    "an experiment with tune: tuning seeds apart from evaluation seeds, each arm at its value") {
  test::ScratchDir dir;
  Experiment e = read(
      dir, small_experiment(
               {{"tune", {{"values", {0.001, 0.01, 0.1}}, {"seeds", 1}, {"method", "grid"}}}}));
  REQUIRE(e.tune);
  CompareOptions o;
  o.output = dir.path("out");
  o.jobs = 2;
  const auto tunings = tune_arms(e, o);
  REQUIRE(tunings.size() == 2);
  for (std::size_t a = 0; a < 2; ++a) {
    CAPTURE(tunings[a].arm);
    CHECK(e.arms[a].config["optimizer"]["lr"] == tunings[a].chosen);
    CHECK(tunings[a].rungs.size() == 1);
  }
  // Every tuning run used the tuning seed, none an evaluation seed.
  int runs = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path("out/tuning")))
    if (entry.path().extension() == ".json") {
      ++runs;
      CHECK(entry.path().filename() == "seed-" + std::to_string(kFirstTuningSeed) + ".json");
    }
  CHECK(runs == 6);
  CHECK_FALSE(fs::exists(dir.path("out/runs")));
  // Evaluation seeds from the tuning range are refused.
  CHECK(error_of(dir, small_experiment(
                          {{"tune", {{"values", {0.1, 1.0}}}}, {"seeds", {1, kFirstTuningSeed}}}))
            .find("tuning seeds' range") != std::string::npos);
}

namespace {

// An engine that trains nothing: each task's record is made up from its learning rate by
// `outcome(lr, seed)`, which gives (status, the validation losses of its epochs).
RunEngine made_up_engine(
    const std::function<std::pair<std::string, std::vector<double>>(double, std::uint64_t)>&
        outcome) {
  return [outcome](const std::vector<RunTask>& tasks,
                   const std::function<void(std::size_t, RunRecord)>& finished) {
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      RunRecord r;
      r.arm = tasks[i].arm;
      r.seed = tasks[i].seed;
      r.config = tasks[i].config;
      r.steps_per_epoch = 10;
      const auto [status, losses] = outcome(r.config["optimizer"]["lr"].get<double>(), r.seed);
      r.status = status;
      for (std::size_t k = 0; k < losses.size(); ++k)
        r.epochs.push_back(made_up_epoch(static_cast<int>(k + 1), losses[k]));
      finished(i, std::move(r));
    }
  };
}

}  // namespace

TEST_CASE("tuning: a rate that diverged in any tuning seed scores worst and never wins") {
  test::ScratchDir dir;
  Experiment e = read(
      dir, small_experiment(
               {{"tune", {{"values", {0.001, 0.01, 0.1}}, {"seeds", 2}, {"method", "grid"}}}}));
  CompareOptions o;
  o.output = dir.path("out");
  // 0.1 reaches the lowest validation loss of all (0.05) before it diverges in the second
  // tuning seed: averaging the finished epochs once made it the choice.
  o.engine = made_up_engine([](double lr, std::uint64_t seed) {
    if (lr > 0.05)
      return std::pair<std::string, std::vector<double>>{
          seed == kFirstTuningSeed ? "finished" : "diverged", {0.05}};
    return std::pair<std::string, std::vector<double>>{"finished", {lr < 0.005 ? 0.8 : 0.5}};
  });
  const auto tunings = tune_arms(e, o);
  REQUIRE(tunings.size() == 2);
  CHECK(tunings[0].chosen == doctest::Approx(0.01));
  const TuningSummary t = tuning_summary(e, tunings);
  const auto& points = t.arms[0].rungs[0].points;
  REQUIRE(points.size() == 3);
  CHECK(points[2].value == 0.1);
  CHECK_FALSE(points[2].selection);
  CHECK(points[2].diverged == 1);
  CHECK(points[1].diverged == 0);
  // The report says that a divergence kept 0.1 from winning.
  REQUIRE(t.arms[0].removed_by_divergence.size() == 1);
  CHECK(t.arms[0].removed_by_divergence[0].value == 0.1);
  CHECK(t.arms[0].removed_by_divergence[0].finished_mean == 0.05);
}

TEST_CASE("a target is met between two checks: interpolated, or the midpoint of the checks") {
  test::ScratchDir dir;
  const Experiment e = read(dir, small_experiment({{"seeds", 1}}));
  RunRecord r;
  r.arm = "relu";
  r.seed = 1;
  r.status = "finished";
  r.steps_per_epoch = 10;
  EpochRecord er;
  er.epoch = 1;
  er.train.samples = er.validation.samples = 100;
  r.epochs = {er};
  // val_accuracy >= 0.8 met at the end of epoch 2 (step 20), checked at epoch ends only: once
  // counted as step 20, it lies in (10, 20]: 15.
  r.config = e.run_config(e.arms[0], 1);
  r.target_reached = std::pair<int, std::int64_t>{2, 20};
  RunRecord elu = r;
  elu.arm = "elu";
  elu.target_reached = std::pair<int, std::int64_t>{1, 10};
  Summary s = summarize(e, {r, elu});
  CHECK(s.arms[0].target->kaplan_meier[0][0] == 15.0);
  CHECK(s.arms[1].target->kaplan_meier[0][0] == 5.0);
  // A train_loss target of 1.0 between windows ending at steps 10 (1.2) and 20 (0.8): 15.
  Experiment loss_target = read(
      dir,
      small_experiment({{"seeds", 1}, {"target", {{"metric", "train_loss"}, {"value", 1.0}}}}));
  r.config = loss_target.run_config(loss_target.arms[0], 1);
  r.target_reached.reset();
  r.step_losses = {{10, 1.2}, {20, 0.8}, {30, 0.7}};
  s = summarize(loss_target, {r});
  CHECK(s.arms[0].target->kaplan_meier[0][0] == doctest::Approx(15.0));
}

TEST_CASE("tuning: rung points keep their grid values after an extension below the grid") {
  test::ScratchDir dir;
  Experiment e = read(
      dir,
      small_experiment(
          {{"tune", {{"values", {0.001, 0.01, 0.1}}, {"seeds", 1}, {"eta", 3}, {"extend", 1}}}}));
  CompareOptions o;
  o.output = dir.path("out");
  // The lowest rate of the grid wins; 1e-4, tried below it, is worse.
  o.engine = made_up_engine([](double lr, std::uint64_t) {
    return std::pair<std::string, std::vector<double>>{"finished", {lr < 5e-4 ? 0.9 : 0.1 + lr}};
  });
  const auto tunings = tune_arms(e, o);
  CHECK(tunings[0].chosen == doctest::Approx(0.001));
  const TuningSummary t = tuning_summary(e, tunings);
  const auto& first = t.arms[0].rungs[0].points;
  REQUIRE(first.size() == 3);
  // Once looked up in the extended, re-sorted list: 1e-4, 1e-3, 1e-2.
  CHECK(first[0].value == 0.001);
  CHECK(first[1].value == 0.01);
  CHECK(first[2].value == 0.1);
  CHECK(t.arms[0].extended[0].value == doctest::Approx(1e-4));
}

TEST_CASE("tune extend: a best value on the edge is followed beyond it while it wins") {
  test::ScratchDir dir;
  // Adam at 1e-6 and 1e-5 barely moves in 3 epochs: the upper edge wins, and so do 1e-4 and
  // 1e-3 beyond it, up to the two points "extend" allows.
  Experiment e = read(
      dir,
      small_experiment(
          {{"tune", {{"values", {1e-6, 1e-5}}, {"seeds", 1}, {"method", "grid"}, {"extend", 2}}}}));
  REQUIRE(e.tune->extend == 2);
  CompareOptions o;
  o.output = dir.path("out");
  o.jobs = 2;
  const auto tunings = tune_arms(e, o);
  for (const auto& t : tunings) {
    CAPTURE(t.arm);
    REQUIRE(t.extended.size() == 2);
    CHECK(t.extended[0].value == doctest::Approx(1e-4));
    CHECK(t.extended[1].value == doctest::Approx(1e-3));
    CHECK(t.extended[1].selection < t.extended[0].selection);
    CHECK(t.chosen == doctest::Approx(1e-3));
    CHECK(t.values.size() == 4);
    CHECK(t.on_edge);  // still the highest value tried: the report says so
  }
  CHECK(e.arms[0].config["optimizer"]["lr"].get<double>() == doctest::Approx(1e-3));
  CHECK(fs::exists(dir.path("out/tuning/extend-1/runs")));
  Diagnostics diag;
  (void)read_tune_spec(json{{"values", {0.1, 1.0}}, {"extend", "yes"}}, "tune", diag);
  REQUIRE(diag.errors().size() == 1);
  CHECK(diag.errors()[0].find("tune.extend") != std::string::npos);
}

TEST_CASE("tune fixed: the evaluation seeds also run at one value, verdicts side by side") {
  test::ScratchDir dir;
  Experiment e = read(
      dir, small_experiment(
               {{"tune",
                 {{"values", {0.001, 0.1}}, {"seeds", 1}, {"method", "grid"}, {"fixed", 0.01}}}}));
  CompareOptions o;
  o.output = dir.path("out");
  o.jobs = 2;
  const Study study = run_study(e, o);
  REQUIRE(study.fixed);
  CHECK(study.records.size() == 6);
  REQUIRE(study.fixed_records.size() == 6);
  for (const auto& r : study.fixed_records) CHECK(r.config["optimizer"]["lr"] == 0.01);
  for (const auto& r : study.records) CHECK(r.config["optimizer"]["lr"] != 0.01);
  CHECK(fs::exists(run_record_path(dir.path("out/fixed"), "elu", 1)));
  const Summary summary = summarize_study(study);
  REQUIRE(summary.fixed);
  CHECK(summary.fixed->value == 0.01);
  CHECK(summary.fixed->comparisons[0].arm == "elu");
  REQUIRE(summary.tuning);
  CHECK(summary.tuning->arms.size() == 2);
}

TEST_CASE("the validation loss at fixed step budgets: the last evaluation at or before them") {
  test::ScratchDir dir;
  // 3 epochs, validation at epoch ends: half the budget (1.5 epochs) is epoch 1's loss; a
  // quarter (0.75 epochs) has no evaluation before it.
  Experiment e = read(dir, small_experiment({{"seeds", 2}}));
  CompareOptions o;
  o.output = dir.path("out");
  const auto records = run_experiment(e, o);
  const Summary summary = summarize(e, records);
  for (const auto& arm : summary.arms) {
    CHECK_FALSE(arm.measures.count("val_loss_at_25pct"));
    double mean = 0;
    for (const auto& r : records)
      if (r.arm == arm.name) mean += r.epochs[0].validation.loss / 2;
    CHECK(arm.measures.at("val_loss_at_50pct").mean == doctest::Approx(mean));
  }
}

TEST_CASE("tuning without a validation split is refused, not a silent pick of the first value") {
  test::ScratchDir dir;
  json spec =
      small_experiment({{"tune", {{"values", {0.01, 0.1}}, {"seeds", 1}, {"method", "grid"}}}});
  spec["base"]["data"].erase("validation");
  spec.erase("target");
  Experiment e = read(dir, spec);
  CompareOptions o;
  o.output = dir.path("out");
  CHECK_THROWS_WITH_AS(tune_arms(e, o), doctest::Contains("need a validation split"), ConfigError);
}

TEST_CASE("intervals are clipped to the measure's range, and only there") {
  test::ScratchDir dir;
  // tanh with hidden biases at -1: every hidden layer's mean activation is negative.
  json spec = small_experiment({{"seeds", 2}});
  spec["arms"].push_back({{"name", "tanh_low"}, {"activation", "tanh"}, {"bias_init", -1}});
  const Experiment e = read(dir, spec);
  CompareOptions o;
  o.output = dir.path("out");
  o.jobs = 2;
  const Summary summary = summarize(e, run_experiment(e, o));
  REQUIRE(summary.arms[2].layers_at_init[0].post_mean.mean < 0);
  for (const auto& a : summary.arms) {
    for (const auto& [name, est] : a.measures) {
      CAPTURE(name);
      if (name.find("accuracy") != std::string::npos) CHECK(est.ci_high <= 1.0);
      if (name.find("loss") != std::string::npos) CHECK(est.ci_low >= 0.0);
    }
    // Activation means are not bounded below by 0: their interval holds their (negative) mean.
    for (const auto& l : a.layers_at_init) {
      CHECK(l.post_mean.ci_low <= l.post_mean.mean);
      CHECK(l.post_var.ci_low >= 0.0);
    }
  }
}

TEST_CASE("successive halving refuses an empty space and a rung reported twice") {
  TuneSpec empty;
  CHECK_THROWS_AS(Halving(empty, 5), ConfigError);
  TuneSpec two;
  two.values = {0.1, 1.0};
  Halving h(two, 3);
  CHECK_THROWS_AS(h.report({1.0}), ConfigError);  // two points, one value
  while (!h.done()) h.report(std::vector<double>(h.rung().points.size(), 1.0));
  CHECK(h.chosen() == 0);  // a tie goes to the smaller value
  CHECK_THROWS_AS(h.report({1.0}), ConfigError);
}

TEST_CASE("ranks count a diverged run as a failure, not as missing (no survivorship)") {
  test::ScratchDir dir;
  const Experiment e = read(dir, small_experiment({{"seeds", 4}}));
  std::vector<RunRecord> records;
  for (const auto& arm : e.arms)
    for (int seed = 1; seed <= 4; ++seed) {
      RunRecord r;
      r.arm = arm.name;
      r.seed = static_cast<std::uint64_t>(seed);
      r.config = e.run_config(arm, r.seed);
      r.steps_per_epoch = 10;
      // elu: seed 3 diverged after one epoch at 0.6 test accuracy, seed 4 before any epoch.
      const bool diverged = arm.name == "elu" && seed >= 3;
      r.status = diverged ? "diverged" : "finished";
      if (!diverged)
        r.epochs = {made_up_epoch(1, 1.0, 0.9), made_up_epoch(2, 0.5, 0.9)};
      else if (seed == 3)  // one epoch before it diverged
        r.epochs = {made_up_epoch(1, 1.0, 0.6)};
      records.push_back(std::move(r));
    }
  const Summary s = summarize(e, records);
  const ArmSummary& elu = s.arms[1];
  REQUIRE(elu.name == "elu");
  // The survivors alone would score 0.9; all four runs: (0.9 + 0.9 + 0.6 + 0.5) / 4, chance
  // (1 / 2 outputs) for the run that finished no epoch.
  CHECK(elu.measures.at("test_accuracy_at_best_val").mean == doctest::Approx(0.9));
  const RankScore& score = elu.rank_scores.at("test_accuracy_at_best_val");
  CHECK(score.n == 4);
  CHECK(score.diverged == 2);
  CHECK(score.mean == doctest::Approx((0.9 + 0.9 + 0.6 + 0.5) / 4));
}

TEST_CASE("end to end: twice the SGD learning rate reaches the same losses in half the steps") {
  // Full-batch gradient descent at rate lr follows the gradient flow at time lr * steps, up to
  // an O(lr) discretisation error: at 0.01 against 0.02 the faster arm needs half the steps
  // to every loss, within a few per cent (the tolerance, 5%, is that error's size here).
  test::ScratchDir dir;
  json spec = small_experiment({{"seeds", 6}, {"eval_every_steps", 20}});
  spec.erase("target");
  spec["base"]["optimizer"] = {{"type", "sgd"}, {"lr", 0.01}};
  spec["base"]["train"] = {{"epochs", 1000}, {"batch_size", 320}};
  spec["arms"] = {{{"name", "slow"}, {"activation", "tanh"}},
                  {{"name", "fast"}, {"activation", "tanh"}, {"set", {{"optimizer.lr", 0.02}}}}};
  spec["baseline"] = "slow";
  const Experiment e = read(dir, spec);
  CompareOptions o;
  o.output = dir.path("out");
  o.jobs = 2;
  const Summary s = summarize(e, run_experiment(e, o));
  CHECK(s.speedup_curve == "val_loss_steps");
  CHECK(s.primary == std::vector<std::string>{"speedup"});
  const Comparison* c = nullptr;
  for (const auto& x : s.comparisons)
    if (x.measure == "speedup") c = &x;
  REQUIRE(c);
  CHECK(c->n == 6);
  CHECK(c->speedup->pairs == 6);
  CHECK(c->difference == doctest::Approx(0.5).epsilon(0.05));
  for (const double r : c->speedup->per_seed) CHECK(r == doctest::Approx(0.5).epsilon(0.05));
  CHECK(c->verdict == "faster");  // 6 of 6 seeds: p = 2/64, below 0.05
}

TEST_CASE("the timing stage: identical arms cost the same within the timing's spread") {
  test::ScratchDir dir;
  json spec = small_experiment({{"seeds", 1}});
  spec["arms"] = {{{"name", "a"}, {"activation", "relu"}}, {{"name", "b"}, {"activation", "relu"}}};
  const Experiment e = read(dir, spec);
  const StepTiming t = time_steps(e, {20, 200, 7});
  REQUIRE(t.costs.size() == 2);
  const StepCost& a = t.costs.at("a");
  const StepCost& b = t.costs.at("b");
  CHECK(a.repeats == 7);
  CHECK(a.steps == 200);
  CHECK(a.low_us <= a.median_us);
  CHECK(a.median_us <= a.high_us);
  const double ratio = a.median_us / b.median_us;
  CHECK(ratio >= a.low_us / b.high_us);
  CHECK(ratio <= a.high_us / b.low_us);
  // Kept and reused: the same file answers a second call without timing again.
  CompareOptions o;
  o.output = dir.path("out");
  fs::create_directories(o.output);
  const StepTiming first = timed_step_costs(e, o, {5, 20, 3});
  const StepTiming again = timed_step_costs(e, o, {5, 20, 3});
  CHECK(again.costs.at("a").median_us == first.costs.at("a").median_us);
  CHECK(fs::exists(dir.path("out/step_timing.json")));
}

TEST_CASE("a speedup with no common loss level is no test: it does not raise the others' Holm p") {
  test::ScratchDir dir;
  json spec = small_experiment({{"seeds", 8}});
  spec["arms"].push_back({{"name", "stuck"}, {"activation", "relu"}});
  const Experiment e = read(dir, spec);
  // Per epoch the loss is loss / epoch: elu's curve (1, 0.5, 0.33) shares levels with relu's
  // (2, 1, 0.67) in every seed; stuck's (100, 50, 33) never comes down to where relu starts.
  const auto loss = [](const Arm& arm, int seed) {
    return (arm.name == "elu" ? 1.0 : arm.name == "stuck" ? 100.0 : 2.0) + 0.001 * seed;
  };
  const Summary s = summarize(e, made_up_records(e, loss, [](const Arm&, int) { return true; }));
  const Comparison* elu = nullptr;
  const Comparison* stuck = nullptr;
  for (const auto& c : s.comparisons)
    if (c.measure == "speedup") (c.arm == "elu" ? elu : stuck) = &c;
  REQUIRE(elu);
  REQUIRE(stuck);
  CHECK(stuck->n == 0);
  CHECK(stuck->speedup->pairs == 8);
  CHECK(stuck->verdict == "no loss level both reach");
  // Holm over the one comparison that tests something: elu's exact p, 2/256, unadjusted.
  CHECK(elu->p_adjusted == doctest::Approx(2.0 / 256));
  CHECK(elu->verdict == "faster");
}

TEST_CASE("a speedup above 1 in every seed reads slower") {
  test::ScratchDir dir;
  const Experiment e = read(dir, small_experiment({{"seeds", 8}}));
  // elu's curve (3, 1.5, 1) reaches each level relu's (2, 1, 0.67) reaches later, every seed.
  const auto loss = [](const Arm& arm, int seed) {
    return (arm.name == "elu" ? 3.0 : 2.0) + 0.001 * seed;
  };
  const Summary s = summarize(e, made_up_records(e, loss, [](const Arm&, int) { return true; }));
  for (const auto& c : s.comparisons)
    if (c.measure == "speedup") {
      CHECK(c.difference > 1.0);
      CHECK(c.p_adjusted == doctest::Approx(2.0 / 256));
      CHECK(c.verdict == "slower");
    }
}
