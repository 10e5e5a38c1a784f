// The typed C++ API: Sequential, typed options, fit / evaluate / predict on Eigen matrices,
// the same results as the JSON path, and run directories with exact resume.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/support.hpp"

using namespace nnfit;
using nnfit::test::ScratchDir;

namespace {

Samples spirals(std::uint64_t seed) {
  Rng rng(seed);
  return generate(json{{"source", "spirals"}, {"samples", 400}, {"turns", 1.0}}, rng);
}

std::vector<float> parameters_of(const Fitted& fitted) {
  const Model& m = fitted.model.model;
  return {m.values(), m.values() + m.num_parameters()};
}

}  // namespace

TEST_CASE("fit learns the spirals from matrices alone, and predict agrees with evaluate") {
  const Samples s = spirals(3);
  Sequential net{dense(32, "tanh"), dense(32, activation("tanh")), dense(2)};
  Fitted fitted = fit(net, s.x, s.labels,
                      {.optimizer = adam({.lr = 0.01}),
                       .train = {.epochs = 60, .batch_size = 32},
                       .scale = "standardize",
                       .seed = 5});
  const Metrics m = evaluate(fitted.model, s.x, s.labels);
  REQUIRE(m.accuracy);
  CHECK(*m.accuracy >= 0.95);
  const auto classes = predict_classes(fitted.model, s.x);
  std::size_t right = 0;
  for (std::size_t i = 0; i < classes.size(); ++i) right += classes[i] == s.labels[i];
  CHECK(static_cast<double>(right) / static_cast<double>(classes.size()) ==
        doctest::Approx(*m.accuracy));
  CHECK(fitted.history.size() == 60);
}

TEST_CASE("typed recipes and JSON specs train to the same parameters") {
  const Samples s = spirals(4);
  const FitOptions options{.optimizer = sgd({.lr = 0.05, .momentum = 0.9}),
                           .schedule = cosine_lr({.warmup_steps = 5}),
                           .train = {.epochs = 3, .batch_size = 16},
                           .seed = 9};
  const Fitted typed =
      fit(Sequential{dense(16, leaky_relu({.slope = 0.1})), dropout({.rate = 0.1}), dense(2)}, s.x,
          s.labels, options);
  const Fitted from_json = fit(Sequential::from_json(json::parse(R"([
      {"type": "dense", "units": 16, "activation": {"type": "leaky_relu", "slope": 0.1}},
      {"type": "dropout", "rate": 0.1}, {"type": "dense", "units": 2}])")),
                               s.x, s.labels, options);
  CHECK(parameters_of(typed) == parameters_of(from_json));
}

TEST_CASE("fit refuses what does not fit, with a message") {
  const Samples s = spirals(1);
  CHECK_THROWS_WITH_AS(fit(Sequential{dense(3)}, s.x, s.labels), doctest::Contains("2 classes"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(fit(Sequential{dense(2)}, s.x, std::vector<std::int32_t>{0, 1}),
                       doctest::Contains("2 labels"), ConfigError);
  CHECK_THROWS_AS(fit(Sequential{}, s.x, s.labels), ConfigError);
}

TEST_CASE("regression: fit, evaluate and a model file that applies its own scaling") {
  ScratchDir scratch;
  Rng rng(2);
  const Samples s = generate(json{{"source", "sine"}, {"samples", 256}}, rng);
  Fitted fitted = fit(Sequential{dense(32, "tanh"), dense(1)}, s.x, s.y,
                      {.optimizer = adam({.lr = 0.01}),
                       .train = {.epochs = 40, .batch_size = 32},
                       .scale = "standardize"});
  const Metrics m = evaluate(fitted.model, s.x, s.y);
  REQUIRE(m.r2);
  CHECK(*m.r2 > 0.9);
  save_model(scratch.path("sine.safetensors"), fitted.model.model, fitted.model.info);
  SavedModel loaded = load_model(scratch.path("sine.safetensors"));
  CHECK(predict(loaded, s.x) == predict(fitted.model, s.x));
}

TEST_CASE("fit with a run directory writes it, and an interrupted fit resumes exactly") {
  ScratchDir scratch;
  const Samples s = spirals(6);
  const Sequential net{dense(16, "relu"), dense(2)};
  FitOptions options{.train = {.epochs = 4, .batch_size = 50}, .seed = 3};
  const Fitted whole = fit(net, s.x, s.labels, options);

  options.run_dir = scratch.path("run");
  int steps = 0;
  options.callbacks.on_step = [&](const StepProgress&) { ++steps; };
  options.callbacks.interrupted = [&] { return steps == 13; };  // mid-epoch 2 (8 per epoch)
  const Fitted first = fit(net, s.x, s.labels, options);
  CHECK(first.result.status == TrainResult::Status::interrupted);
  CHECK(std::filesystem::exists(scratch.path("run/checkpoint.safetensors")));
  CHECK_FALSE(std::filesystem::exists(scratch.path("run/summary.json")));
  // A new fit in the directory of an unfinished one is refused, as `nnfit` refuses it.
  FitOptions again = options;
  again.callbacks = {};
  CHECK_THROWS_WITH_AS(fit(net, s.x, s.labels, again), doctest::Contains("unfinished run"),
                       ConfigError);

  options.resume = true;
  options.callbacks = {};
  const Fitted resumed = fit(net, s.x, s.labels, options);
  CHECK(resumed.result.status == TrainResult::Status::finished);
  CHECK(parameters_of(resumed) == parameters_of(whole));
  for (const char* file : {"config.json", "metrics.jsonl", "metrics.csv", "model.safetensors",
                           "best.safetensors", "summary.json"})
    CHECK(std::filesystem::exists(scratch.path(std::string("run/") + file)));
  // A different fit cannot resume this one.
  options.train.epochs = 5;
  CHECK_THROWS_WITH_AS(fit(net, s.x, s.labels, options), doctest::Contains("train.epochs"),
                       ConfigError);
}

TEST_CASE("eval_every_steps times a validation target in steps, and resumes exactly") {
  ScratchDir scratch;
  const Samples s = spirals(8);
  const Sequential net{dense(32, "tanh"), dense(32, "tanh"), dense(2)};
  FitOptions options{.optimizer = adam({.lr = 0.02}),
                     .train = {.epochs = 6, .batch_size = 40, .eval_every_steps = 3},
                     .validation = 0.25,
                     .scale = "standardize",
                     .seed = 2};
  options.train.stop_at = StopAt{"val_accuracy", 0.8, false};
  FitOptions by_epoch = options;
  by_epoch.train.eval_every_steps = 0;
  const Fitted coarse = fit(net, s.x, s.labels, by_epoch);
  const Fitted fine = fit(net, s.x, s.labels, options);
  // The same training (evaluation changes nothing), the target seen no later, at a step that
  // is a multiple of 3 or an epoch end (300 rows / 40 = 8 steps per epoch).
  CHECK(parameters_of(coarse) == parameters_of(fine));
  REQUIRE(coarse.result.target_reached);
  REQUIRE(fine.result.target_reached);
  const std::int64_t step = fine.result.target_reached->second;
  CHECK(step <= coarse.result.target_reached->second);
  CHECK((step % 3 == 0 || step % 8 == 0));

  // Interrupted mid-epoch and resumed: the same parameters and the same target step.
  options.run_dir = scratch.path("run");
  int steps = 0;
  options.callbacks.on_step = [&](const StepProgress&) { ++steps; };
  options.callbacks.interrupted = [&] { return steps == 11; };
  CHECK(fit(net, s.x, s.labels, options).result.status == TrainResult::Status::interrupted);
  options.callbacks = {};
  options.resume = true;
  const Fitted resumed = fit(net, s.x, s.labels, options);
  CHECK(parameters_of(resumed) == parameters_of(fine));
  REQUIRE(resumed.result.target_reached);
  CHECK(resumed.result.target_reached->second == step);
}
