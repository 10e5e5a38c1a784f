// Tests that walk the registry: every optimiser, layer, loss and data source gets them without
// being named here, so a new entry is checked the day it is added. (Activations have their
// own walk in test_activations.cpp, with reference formulas.)
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "tests/support.hpp"

using namespace nnfit;
using namespace nnfit::test;

namespace {

// Parameters with gradients that differ element by element, so that a rule mixing elements
// (a per-layer norm, say) would show.
struct Problem {
  std::vector<float> values, grads;
  explicit Problem(Index n) : values(static_cast<std::size_t>(n)), grads(values.size()) {
    for (std::size_t i = 0; i < values.size(); ++i)
      values[i] = static_cast<float>(std::sin(1.7 * static_cast<double>(i) + 0.3));
  }
  ParameterView view() { return {values.data(), grads.data(), static_cast<Index>(values.size())}; }
  void compute_gradient(int step) {
    for (std::size_t i = 0; i < values.size(); ++i)
      grads[i] =
          values[i] * 0.5f + static_cast<float>(std::cos(0.9 * static_cast<double>(i) + step));
  }
};

// Every optimiser's spec: its defaults, with weight decay when it has one (so that the decay
// path is split too).
json optimizer_spec(const OptimizerRegistry::Entry& entry) {
  json spec = {{"type", entry.name}};
  for (const auto& field : entry.fields)
    if (field.name == "weight_decay") spec["weight_decay"] = 0.01;
  return spec;
}

}  // namespace

TEST_CASE("every optimiser: an update split across two threads equals the whole update") {
  const Index n = 37, cut = 13;
  for (const auto& entry : registry().optimizers.entries()) {
    CAPTURE(entry.name);
    const json spec = optimizer_spec(entry);
    Problem whole(n), split(n);
    auto a = make_optimizer(spec, whole.view());
    auto b = make_optimizer(spec, split.view());
    for (int step = 1; step <= 5; ++step) {
      whole.compute_gradient(step);
      a->step();
      split.compute_gradient(step);
      std::thread first([&] { b->update(0, cut, step); });
      std::thread second([&] { b->update(cut, n, step); });
      first.join();
      second.join();
      b->finish_step();
    }
    CHECK(whole.values == split.values);
    CHECK(a->steps() == b->steps());
  }
}

TEST_CASE("every optimiser: its saved state resumes the same trajectory") {
  for (const auto& entry : registry().optimizers.entries()) {
    CAPTURE(entry.name);
    const json spec = optimizer_spec(entry);
    Problem a(11), b(11);
    auto first = make_optimizer(spec, a.view());
    for (int step = 1; step <= 3; ++step) {
      a.compute_gradient(step);
      first->step();
    }
    b.values = a.values;
    auto second = make_optimizer(spec, b.view());
    second->load_state(first->state());
    for (int step = 4; step <= 6; ++step) {
      a.compute_gradient(step);
      first->step();
      b.compute_gradient(step);
      second->step();
    }
    CHECK(a.values == b.values);
  }
}

namespace {

// A layer's spec with its required options filled in.
json layer_spec(const LayerRegistry::Entry& entry) {
  json spec = {{"type", entry.name}};
  for (const auto& field : entry.fields) {
    if (!field.required) continue;
    REQUIRE_MESSAGE(field.name == "units", "layer '" << entry.name << "' requires '" << field.name
                                                     << "': give the test a value for it");
    spec["units"] = 3;
  }
  return spec;
}

// Inputs away from 0, where activations fused into a layer have their kinks.
Matrix away_from_zero(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix x(rows, cols);
  for (Index i = 0; i < x.size(); ++i) {
    const double v = rng.uniform(0.2, 1.5);
    x.data()[i] = static_cast<float>(rng.uniform(0.0, 1.0) < 0.5 ? -v : v);
  }
  return x;
}

}  // namespace

TEST_CASE("every layer passes the gradient checker, in evaluation and in training mode") {
  for (const auto& entry : registry().layers.entries()) {
    CAPTURE(entry.name);
    for (const bool training : {false, true}) {
      CAPTURE(training);
      auto layer = make_layer(layer_spec(entry));
      GradientCheckOptions options;
      options.training = training;
      const GradientCheckResult result = check_gradients(*layer, away_from_zero(4, 5, 3), options);
      CHECK_MESSAGE(result.ok, result.summary());
      CHECK(result.checked > 0);
    }
  }
}

namespace {

// A target the loss fits, for `outputs` columns (its traits say which task). Target is a
// view, so this holds what it views.
struct TargetFor {
  std::vector<std::int32_t> labels;
  Matrix y;
  TargetFor(const EntryTraits& fits, Index rows, Index outputs) : y(rows, outputs) {
    for (Index i = 0; i < rows; ++i) labels.push_back(static_cast<std::int32_t>(i % outputs));
    for (Index i = 0; i < y.size(); ++i)
      y.data()[i] = fits.task == Task::regression
                        ? static_cast<float>(std::sin(1.3 * static_cast<double>(i)) * 2.0)
                        : static_cast<float>(i % 2);  // 0/1 targets
    if (fits.task != Task::classification) labels.clear();
  }
  Target target() const { return labels.empty() ? Target(y) : Target(labels); }
};

}  // namespace

TEST_CASE("every loss passes the gradient checker through a model") {
  for (const auto& entry : registry().losses.entries()) {
    CAPTURE(entry.name);
    const Index outputs = std::max<Index>(3, entry.traits.min_outputs);
    Model model(4);
    model.add(make_layer(json{{"type", "dense"}, {"units", outputs}, {"activation", "tanh"}}));
    Rng rng(5);
    model.initialize(rng);
    auto loss = make_loss(json{{"type", entry.name}});
    const TargetFor target(entry.traits, 6, outputs);
    const GradientCheckResult result =
        check_gradients(model, *loss, away_from_zero(6, 4, 7), target.target());
    CHECK_MESSAGE(result.ok, result.summary());
    CHECK(result.checked > 0);
  }
}

namespace {

// One or more data specs per source, files written into `dir`: both tasks where a source can
// hold either. A source added to the registry without an example here fails the test below.
std::map<std::string, std::vector<json>> source_examples(const ScratchDir& dir) {
  std::vector<int> labels;
  for (int i = 0; i < 50; ++i) labels.push_back(i % 10);
  write_file(dir.path("images"), idx_images(50, 2, 2));
  write_file(dir.path("labels"), idx_labels(labels));
  for (const char* prefix : {"train", "t10k"}) {
    write_file(dir.path(std::string(prefix) + "-images-idx3-ubyte"), idx_images(50, 2, 2));
    write_file(dir.path(std::string(prefix) + "-labels-idx1-ubyte"), idx_labels(labels));
  }
  std::string csv = "a,b,y\n", arff = "@relation r\n@attribute a numeric\n";
  arff += "@attribute c {x,y}\n@attribute y numeric\n@data\n";
  for (int i = 0; i < 12; ++i) {
    csv += std::to_string(i) + "," + std::to_string(i % 3) + "," + std::to_string(i % 2) + "\n";
    arff += std::to_string(i) + "," + (i % 2 ? "x" : "y") + "," + std::to_string(i * 0.5) + "\n";
  }
  write_file(dir.path("d.csv"), csv);
  write_file(dir.path("t.csv"), csv);
  write_file(dir.path("d.arff"), arff);
  const json rows = json::array({{0.0, 1.0}, {1.0, 0.0}, {1.0, 1.0}, {0.0, 0.0}, {2.0, 1.0}});
  std::map<std::string, std::vector<json>> out = {
      {"fashion_mnist", {{{"path", dir.dir.string()}}}},
      {"mnist", {{{"path", dir.dir.string()}}}},
      {"idx", {{{"images", dir.path("images")}, {"labels", dir.path("labels")}}}},
      {"csv",
       {{{"path", dir.path("d.csv")}},
        {{"path", dir.path("d.csv")}, {"task", "regression"}},
        {{"path", dir.path("d.csv")}, {"test_path", dir.path("t.csv")}}}},
      {"arff", {{{"path", dir.path("d.arff")}}, {{"path", dir.path("d.arff")}, {"target", "c"}}}},
      {"inline",
       {{{"features", rows}, {"labels", {0, 1, 1, 0, 1}}},
        {{"features", rows}, {"targets", {{0.5}, {1.5}, {2.5}, {0.0}, {1.0}}}}}},
      {"rdata",
       {{{"path", std::string(NNFIT_SOURCE_DIR) + "/tests/data/rdata/twenty.rda"}, {"target", "y"}},
        {{"path", std::string(NNFIT_SOURCE_DIR) + "/tests/data/rdata/twenty.rda"},
         {"target", "r"}}}},
      {"uci", {{{"name", "iris"}}}},
  };
  for (const auto& entry : registry().sources.entries())
    if (entry.fields.size() > 0 && entry.fields.front().name == "samples")
      out[entry.name] = {{{"samples", 40}}};  // a generator
  for (auto& [name, specs] : out)
    for (auto& spec : specs) spec["source"] = name;
  return out;
}

// The config `nnfit config` reads for a data spec, with "loss": "auto".
json config_with(const json& data) {
  return {{"name", "walk"},
          {"data", data},
          {"model", {{"layers", {{{"type", "dense"}, {"units", 1}}}}}},
          {"loss", "auto"}};
}

}  // namespace

TEST_CASE(
    "every data source: its task and own test set, known before loading, are the "
    "loaded data's, and the resolved loss follows the task") {
  ScratchDir dir;
  const auto examples = source_examples(dir);
  for (const auto& entry : registry().sources.entries()) {
    CAPTURE(entry.name);
    REQUIRE_MESSAGE(examples.count(entry.name), "give the test an example spec of this source");
    for (json spec : examples.at(entry.name)) {
      CAPTURE(spec.dump());
      spec["validation"] = 0.2;
      const Data data = load_data(spec, 1);
      CHECK(task_of_data_spec(spec) == data.task);
      // The traits say whether the test set is the source's own, as loading finds it.
      const bool own_test = data.test.size() > 0 && data.test.samples != data.train.samples;
      CHECK(has_own_test_set(spec) == own_test);
      Diagnostics diagnostics;
      const RunConfig run = read_run_config(config_with(spec), "walk.json", diagnostics);
      CHECK(run.resolved["loss"]["type"] == default_loss(data.task));
    }
  }
}

TEST_CASE("every data source: its field table is what checking its spec writes out") {
  ScratchDir dir;
  const auto examples = source_examples(dir);
  std::set<std::string> split_keys;
  for (const auto& field : data_fields()) split_keys.insert(field.name);
  for (const auto& entry : registry().sources.entries()) {
    CAPTURE(entry.name);
    Diagnostics diagnostics;
    const json resolved = check_data_spec(examples.at(entry.name).front(), diagnostics);
    CHECK_MESSAGE(diagnostics.empty(), (diagnostics.empty() ? "" : diagnostics.errors()[0]));
    std::set<std::string> keys, table = split_keys;
    for (const auto& [key, value] : resolved.items()) keys.insert(key);
    table.insert("source");
    for (const auto& field : entry.fields) {
      table.insert(field.name);
      // A default the table documents is the value a spec without the key gets.
      if (!field.default_value.is_null() && !examples.at(entry.name).front().contains(field.name))
        CHECK_MESSAGE(resolved.value(field.name, json()) == field.default_value, field.name);
    }
    for (const auto& key : keys) CHECK_MESSAGE(table.count(key), key << " is not in the table");
  }
}
