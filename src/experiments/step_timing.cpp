// The timing stage (nnfit/experiments/step_timing.hpp).
#include "nnfit/experiments/step_timing.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

#include "nnfit/batch_loader.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/error.hpp"
#include "nnfit/run_setup.hpp"
#include "nnfit/train_step.hpp"

namespace nnfit {

namespace {

using Clock = std::chrono::steady_clock;

// One arm ready to step: its data, network, optimiser and batches.
struct Stepper {
  std::string arm;
  std::shared_ptr<const Data> data;
  std::unique_ptr<RunSetup> setup;
  std::unique_ptr<BatchLoader> batches;
  RunConfig run;
  Rng rng;
  std::string origin;
  std::int64_t epoch = 0;

  void step() {
    Batch batch;
    if (!batches->next(batch)) {
      batches->start_epoch(++epoch);
      batches->next(batch);
    }
    try {
      train_step(setup->model, *setup->loss, *setup->optimizer, batch.x, batch.target(), rng,
                 {run.train.clip_norm});
    } catch (const DivergedError&) {
      // A step's cost does not depend on where the weights are: start the network again.
      setup = build_run(run, *data, origin);
    }
  }
};

Stepper make_stepper(const Experiment& e, const Arm& arm,
                     std::map<std::string, std::shared_ptr<const Data>>& loaded) {
  const std::uint64_t seed = e.seeds.front();
  Stepper s{arm.name,
            nullptr,
            nullptr,
            nullptr,
            read_run_config(e.run_config(arm, seed, 1), e.name),
            Rng(seed),
            e.name + " (timing arm '" + arm.name + "')"};
  const std::string key = s.run.data.dump();
  if (!loaded.count(key)) loaded[key] = std::make_shared<const Data>(load_data(s.run.data, seed));
  s.data = loaded[key];
  s.setup = build_run(s.run, *s.data, s.origin);
  s.batches = std::make_unique<BatchLoader>(s.data->train, s.run.train.batch_size,
                                            s.run.train.shuffle, s.run.train.drop_last, seed);
  s.batches->start_epoch(0);
  return s;
}

StepCost cost_of(const std::vector<double>& microseconds, std::int64_t steps) {
  const auto [low, high] = std::minmax_element(microseconds.begin(), microseconds.end());
  return {median(microseconds), *low, *high, static_cast<int>(microseconds.size()), steps};
}

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("unknown");
}

// What decides whether a kept timing still holds: every arm's config and the options.
json timing_key(const Experiment& e, const StepTimingOptions& o) {
  json arms = json::object();
  for (const auto& arm : e.arms) arms[arm.name] = e.run_config(arm, e.seeds.front(), 1);
  return {
      {"arms", arms}, {"warmup_steps", o.warmup_steps}, {"steps", o.steps}, {"repeats", o.repeats}};
}

}  // namespace

StepTiming time_steps(const Experiment& e, const StepTimingOptions& o) {
  std::map<std::string, std::shared_ptr<const Data>> loaded;
  std::vector<Stepper> steppers;
  // An arm that cannot be built (its runs failed the same way, and say so) has no cost: the
  // others are still timed and the report still written.
  for (const auto& arm : e.arms) try {
      steppers.push_back(make_stepper(e, arm, loaded));
    } catch (const Error&) {
    }
  for (auto& s : steppers)
    for (std::int64_t i = 0; i < o.warmup_steps; ++i) s.step();
  std::vector<std::vector<double>> times(steppers.size());
  for (int round = 0; round < o.repeats; ++round)
    for (std::size_t a = 0; a < steppers.size(); ++a) {
      const auto start = Clock::now();
      for (std::int64_t i = 0; i < o.steps; ++i) steppers[a].step();
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      times[a].push_back(seconds * 1e6 / static_cast<double>(o.steps));
    }
  StepTiming out;
  for (std::size_t a = 0; a < steppers.size(); ++a)
    out.costs[steppers[a].arm] = cost_of(times[a], o.steps);
  out.where = "host " + host_name();
  return out;
}

StepTiming timed_step_costs(const Experiment& e, const CompareOptions& options,
                            const StepTimingOptions& timing) {
  const std::string path = (std::filesystem::path(options.output) / "step_timing.json").string();
  const json key = timing_key(e, timing);
  if (!options.force && std::filesystem::exists(path)) try {
      std::ifstream in(path);
      const json kept = json::parse(in);
      if (kept.at("key") == key) {
        StepTiming t;
        t.where = kept.at("where").get<std::string>();
        t.costs = kept.at("costs").get<std::map<std::string, StepCost>>();
        return t;
      }
    } catch (const json::exception&) {
      // A damaged or older file: time again.
    }
  StepTiming t = time_steps(e, timing);
  write_file_atomically(path,
                        json{{"key", key}, {"where", t.where}, {"costs", t.costs}}.dump(2) + "\n");
  return t;
}

}  // namespace nnfit
