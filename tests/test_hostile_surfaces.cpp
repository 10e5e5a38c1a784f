// Regression tests for hostile or careless input to the surfaces added after the first
// hardening round: compare's flags, experiment files and plan folders, model metadata,
// categorical CSV data and eval. Each case here once gave a wrong result with exit 0, refused
// valid input, crashed or ran out of memory.
#include <doctest/doctest.h>

#include <filesystem>

#include "nnfit/detail/json_text.hpp"
#include "nnfit/detail/memory_budget.hpp"
#include "nnfit/experiments/experiment.hpp"
#include "tests/cli_checks.hpp"

using namespace nnfit;
using nnfit::test::has;
using nnfit::test::refused;
using nnfit::test::Result;
using nnfit::test::Workspace;
namespace fs = std::filesystem;

namespace {

constexpr const char* kCompare = "compare -q --config tests/configs/tiny.json ";

// A classifier of classes x and y over features a and b, trained from a CSV into `dir`.
void train_xy_model(const Workspace& w, const std::string& dir) {
  std::string rows = "a,b,label\n";
  for (int i = 0; i < 12; ++i)
    rows += std::to_string(i % 2 ? 0.9 : 0.1) + "," + std::to_string(i % 3 * 0.1) + "," +
            (i % 2 ? "y" : "x") + "\n";
  test::write_file(w.path("xy.csv"), rows);
  test::write_file(w.path("xy.json"),
                   "{\"data\": {\"source\": \"csv\", \"path\": \"" + w.path("xy.csv") +
                       "\", \"validation\": 0}, \"model\": {\"layers\": [{\"type\": \"dense\", "
                       "\"units\": 2}]}, \"train\": {\"epochs\": 30}, \"optimizer\": {\"type\": "
                       "\"adam\", \"lr\": 0.1}}");
  REQUIRE(w.run("-q --config " + w.path("xy.json") + " -o " + dir).status == 0);
}

// Rewrites one metadata entry of a model file.
void edit_metadata(const std::string& path, const std::string& key, const std::string& value) {
  SafetensorsFile file = read_safetensors(path);
  file.metadata[key] = value;
  write_safetensors(path, file);
}

}  // namespace

TEST_CASE("compare --seeds: a repeated seed is refused as in experiment files, lists are bounded") {
  Workspace w;
  // One seed eight times once counted as n = 8 and printed "slower", p = 0.0078.
  refused(w,
          std::string(kCompare) + "--activations relu,elu --seeds 1,1,1,1,1,1,1,1 -j 1 -o " +
              w.path("a"),
          2, "--seeds: seed 1 is listed twice");
  CHECK_FALSE(fs::exists(w.dir / "a" / "summary.json"));
  // A list of 10^6 seeds ended in std::bad_alloc at 3.9 GB after 22 s.
  json many = json::array();
  for (int i = 0; i < 1'000'000; ++i) many.push_back(i);
  test::write_file(w.path("e.json"),
                   json{{"base", (test::kSource / "tests/configs/tiny.json").string()},
                        {"seeds", many},
                        {"arms", {{{"name", "relu"}, {"activation", "relu"}}}}}
                       .dump());
  refused(w, "compare -q --experiment " + w.path("e.json") + " -o " + w.path("b"), 2,
          "seeds: a list of 1000000 seeds; at most 10000");
  // A seed of 2^64 - 1 is one rule for files and the flag (the file once said "not >= 0").
  ExperimentOptions options;
  const json spec = {{"base", (test::kSource / "tests/configs/tiny.json").string()},
                     {"seeds", {18446744073709551615ULL, 0}},
                     {"arms", {{{"name", "relu"}, {"activation", "relu"}}}}};
  test::write_file(w.path("big.json"), spec.dump());
  CHECK(read_experiment(w.path("big.json")).seeds ==
        std::vector<std::uint64_t>{18446744073709551615ULL, 0});
  // 11 arms x 10,000 seeds: the plan alone would hold 110,000 configs.
  json arms = json::array();
  for (int i = 0; i < 11; ++i) {
    std::string name = "a";
    name += std::to_string(i);
    arms.push_back({{"name", name}});
  }
  test::write_file(w.path("wide.json"),
                   json{{"base", (test::kSource / "tests/configs/tiny.json").string()},
                        {"seeds", 10000},
                        {"arms", arms}}
                       .dump());
  CHECK_THROWS_WITH_AS(read_experiment(w.path("wide.json")),
                       doctest::Contains("11 arms x 10000 seeds = 110000 runs; at most 100000"),
                       ConfigError);
  options.seeds = {3, 3};
  CHECK_THROWS_WITH_AS(read_experiment(w.path("big.json"), options),
                       doctest::Contains("--seeds: seed 3 is listed twice"), ConfigError);
}

TEST_CASE("--baseline replaces the baseline of the config's arms and of an experiment file") {
  Workspace w;
  Result r = w.run(std::string(kCompare) + "--activations relu,elu --seeds 3 --baseline elu -o " +
                   w.path("a"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(json::parse(test::slurp(w.dir / "a" / "summary.json"))["baseline"] == "elu");
  test::write_file(
      w.path("e.json"),
      json{{"base", (test::kSource / "tests/configs/tiny.json").string()},
           {"baseline", "relu"},
           {"arms",
            {{{"name", "relu"}, {"activation", "relu"}}, {{"name", "elu"}, {"activation", "elu"}}}}}
          .dump());
  ExperimentOptions options;
  options.baseline = "elu";
  CHECK(read_experiment(w.path("e.json"), options).baseline == "elu");
  options.baseline = "tanh";
  CHECK_THROWS_WITH_AS(read_experiment(w.path("e.json"), options),
                       doctest::Contains("baseline: unknown arm 'tanh'"), ConfigError);
}

TEST_CASE("arm names are one safe path component, tune values are blamed on tune") {
  Workspace w;
  const auto experiment = [&](const json& arm, const json& tune) {
    json spec = {{"base", (test::kSource / "tests/configs/tiny.json").string()},
                 {"arms", {arm, {{"name", "elu"}, {"activation", "elu"}}}}};
    if (!tune.is_null()) spec["tune"] = tune;
    test::write_file(w.path("e.json"), spec.dump());
    return w.path("e.json");
  };
  // 5000 characters: once "internal error: filesystem error: File name too long" (exit 1).
  for (const std::string& name : {std::string(5000, 'a'), std::string("."), std::string(".."),
                                  std::string("a/b"), std::string("-x")}) {
    CAPTURE(name.substr(0, 10));
    const std::string file = experiment({{"name", name}, {"activation", "relu"}}, nullptr);
    CHECK_THROWS_WITH_AS(read_experiment(file), doctest::Contains("arms[0].name: '"), ConfigError);
  }
  CHECK_NOTHROW(read_experiment(experiment({{"name", "leaky_relu_0.01"}}, nullptr)));
  // A fixed value the run config refuses was blamed on optimizer.lr.
  const std::string file = experiment({{"name", "relu"}}, {{"values", {0.01, 0.1}}, {"fixed", -1}});
  CHECK_THROWS_WITH_AS(read_experiment(file),
                       doctest::Contains("tune.fixed: optimizer.lr = -1 is refused"), ConfigError);
}

TEST_CASE("plan lines: exact seeds and step counts, no symlink out of the folder, records match") {
  Workspace w;
  const fs::path out = w.dir / "p";
  REQUIRE(w.run("compare --config tests/configs/tiny.json --activations relu,elu --seeds 1 "
                "--plan " +
                out.string())
              .status == 0);
  const std::string plan = test::slurp(out / "plan.jsonl");
  const json first = json::parse(plan.substr(0, plan.find('\n')));
  const auto run_line = [&](const json& line) {
    test::write_file((out / "plan.jsonl").string(), line.dump() + "\n");
    return w.run("compare -q --run-one " + out.string() + " --index 0");
  };
  for (const json& seed : {json(-1), json(1.5), json::parse("18446744073709551616")}) {
    json line = first;
    line["seed"] = seed;
    const Result r = run_line(line);
    CHECK(r.status == 3);
    CHECK_MESSAGE(has(r.err, "plan.jsonl:1: seed "), r.err);
  }
  for (const json& every : {json(-5), json(10'000'000'000LL)}) {
    json line = first;
    line["log_every_steps"] = every;
    const Result r = run_line(line);
    CHECK(r.status == 3);
    CHECK_MESSAGE(has(r.err, "plan.jsonl:1: log_every_steps "), r.err);
  }
  // A link inside the folder to a folder outside it: the record once landed outside.
  fs::create_directories(w.dir / "elsewhere");
  fs::create_directory_symlink(w.dir / "elsewhere", out / "link");
  json line = first;
  line["record"] = "link/seed-1.json";
  Result r = run_line(line);
  CHECK(r.status == 3);
  CHECK_MESSAGE(has(r.err, "outside the folder"), r.err);
  CHECK(fs::is_empty(w.dir / "elsewhere"));
  // A dangling link once ended in exit 1.
  fs::create_directory_symlink(w.dir / "nothing", out / "dangling");
  line["record"] = "dangling/seed-1.json";
  r = run_line(line);
  CHECK(r.status == 3);
  CHECK_MESSAGE(has(r.err, "a symbolic link to nothing"), r.err);
  // --collect: a record whose arm and seed are not those of its file name is refused.
  const fs::path done = w.dir / "done";
  REQUIRE(w.run(std::string(kCompare) + "--activations relu,elu --seeds 2 -o " + done.string())
              .status == 0);
  json record = json::parse(test::slurp(done / "runs" / "elu" / "seed-1.json"));
  record["seed"] = 2;
  test::write_file((done / "runs" / "elu" / "seed-1.json").string(), record.dump());
  r = w.run(std::string(kCompare) + "--activations relu,elu --seeds 2 -o " + done.string());
  CHECK(r.status == 2);
  CHECK_MESSAGE(has(r.err, "elu/seed-1.json: it is the record of arm 'elu' seed 2"), r.err);
}

TEST_CASE("eval numbers the data's labels as the model's classes") {
  Workspace w;
  train_xy_model(w, w.path("m"));
  // Only class y: it was once reported as true class x in all 12 rows.
  test::write_file(w.path("y.csv"), "a,b,label\n0.9,0,y\n0.9,0.1,y\n0.9,0.2,y\n");
  Result r = w.run("eval --json --split train -m " + w.path("m") +
                   " --data '{\"source\": \"csv\", \"path\": \"" + w.path("y.csv") +
                   "\", \"validation\": 0}'");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const json e = json::parse(r.out);
  CHECK(e["classes"] == json{"x", "y"});
  CHECK(e["confusion"][0] == json{0, 0});  // no row is of class x
  CHECK(e["confusion"][1][0].get<int>() + e["confusion"][1][1].get<int>() == 3);
  test::write_file(w.path("z.csv"), "a,b,label\n0.9,0,y\n0.9,0.1,z\n");
  refused(w,
          "eval --split train -m " + w.path("m") + " --data '{\"source\": \"csv\", \"path\": \"" +
              w.path("z.csv") + "\", \"validation\": 0}'",
          3, "class 'z' is not one of (x, y)");
}

TEST_CASE("a header naming a column twice is refused in training and in predict") {
  Workspace w;
  test::write_file(w.path("d.csv"), "a,a,label\n0,10,p\n4,0,q\n");
  test::write_file(w.path("c.json"), "{\"data\": {\"source\": \"csv\", \"path\": \"" +
                                         w.path("d.csv") +
                                         "\", \"validation\": 0}, \"model\": {\"layers\": "
                                         "[{\"type\": \"dense\", \"units\": 2}]}}");
  refused(w, "-q --config " + w.path("c.json") + " -o " + w.path("r"), 3,
          "d.csv:1:3: column name 'a' is repeated (first in column 1)");
  train_xy_model(w, w.path("m"));
  test::write_file(w.path("in.csv"), "a,b,a\n0.9,0.1,0.2\n");
  refused(w, "predict -m " + w.path("m") + " -i " + w.path("in.csv"), 3,
          "in.csv:1:5: column name 'a' is repeated");
}

TEST_CASE("model metadata is checked like the tensors, naming the model file (exit 3)") {
  Workspace w;
  train_xy_model(w, w.path("m"));
  const std::string model = w.path("m") + "/model.safetensors";
  const std::string copy = w.path("edited.safetensors");
  // The model with metadata `key` set to `value` (and `features` as nnfit.features, if given).
  const auto refused_with = [&](const std::string& key, const std::string& value,
                                const std::string& part, const std::string& features = "") {
    fs::copy_file(model, copy, fs::copy_options::overwrite_existing);
    edit_metadata(copy, key, value);
    if (!features.empty()) edit_metadata(copy, "nnfit.features", features);
    CAPTURE(key);
    CAPTURE(value.substr(0, 80));
    refused(w, "predict -m " + copy + " -i " + w.path("xy.csv"), 3, copy + ": metadata " + part);
  };
  std::string million = "[";
  for (int i = 0; i < 1'000'000; ++i) {
    if (i > 0) million += ',';
    million += "\"c";
    million += std::to_string(i);
    million += '"';
  }
  million += "]";
  for (const std::string classes : {"[\"x\"]", "[\"x\",\"y\",\"z\"]", "[]", million.c_str()})
    refused_with("nnfit.classes", classes, "nnfit.classes names ");
  refused_with("nnfit.classes", "[\"x\",\"x\"]", "nnfit.classes names class 'x' twice");
  refused_with("nnfit.task", "banana", "nnfit.task is 'banana'");
  refused_with("nnfit.features", "[\"a\",\"a\"]", "nnfit.features names input 'a' twice");
  // column + size once overflowed and passed the bounds check.
  const auto categorical = [](const std::string& column, const std::string& categories) {
    return "[{\"name\": \"a\", \"categories\": " + categories + ", \"column\": " + column + "}]";
  };
  refused_with("nnfit.categorical", categorical("9223372036854775807", "[\"u\"]"),
               "nnfit.categorical: input 'a' lies outside the model's 2 inputs");
  refused_with("nnfit.categorical", categorical("1.5", "[\"u\"]"), "nnfit.categorical[0] is not");
  refused_with("nnfit.categorical", categorical("0", "[\"u\",\"u\"]"),
               "nnfit.categorical: input 'a' lists category 'u' twice");
  // A one-hot range over inputs the feature names call numeric ("a", "b").
  refused_with("nnfit.categorical", categorical("0", "[\"u\"]"),
               "nnfit.categorical: input 'a' covers input 0, which nnfit.features names 'a'");
  refused_with("nnfit.categorical",
               "[{\"name\": \"a\", \"categories\": [\"u\",\"v\"], \"column\": 0}, {\"name\": "
               "\"a\", \"categories\": [\"v\"], \"column\": 1}]",
               "nnfit.categorical: two one-hot inputs overlap at input 1", "[\"a=u\",\"a=v\"]");
}

TEST_CASE("one-hot CSV data beyond the machine's memory is refused before allocating") {
  // 120,000 rows, each a category of its own: 120,000 x 120,000 floats (57.6 GB). This once
  // ended in "out of memory" (exit 1), with no figure. On a machine where it would fit, the
  // test would allocate it: it is for machines of less memory (the project's have 24 GB).
  if (physical_memory_bytes() > 50'000'000'000ULL) return;
  test::ScratchDir dir;
  std::string rows = "id,label\n";
  for (int i = 0; i < 120'000; ++i) {
    rows += 'c';
    rows += std::to_string(i);
    rows += i % 2 ? ",p\n" : ",q\n";
  }
  test::write_file(dir.path("ids.csv"), rows);
  CHECK_THROWS_WITH_AS(
      load_data(json{{"source", "csv"}, {"path", dir.path("ids.csv")}, {"categorical", "auto"}}, 1),
      doctest::Contains("ids.csv's one-hot feature matrix (120000 rows x 120000 columns) needs "
                        "about 57.6 GB of memory"),
      DataError);
}
