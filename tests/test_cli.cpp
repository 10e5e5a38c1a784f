// End-to-end tests of the nnfit command: they run the built binary on configs in tests/configs
// and configs/, and check outputs, messages and exit codes.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/cli_support.hpp"

using namespace nnfit;
using nnfit::test::kSource;
using nnfit::test::Result;
using nnfit::test::slurp;
using nnfit::test::Workspace;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("a synthetic config trains and writes the documented run directory") {
  Workspace w;
  const Result r = w.run("--config tests/configs/tiny.json --output " + w.path("run"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("tiny finished after 4 epochs") != std::string::npos);
  const fs::path run = w.dir / "run";
  for (const char* file : {"config.json", "metrics.jsonl", "metrics.csv", "model.safetensors",
                           "best.safetensors", "checkpoint.safetensors", "summary.json"})
    CHECK_MESSAGE(fs::exists(run / file), file);
  // metrics.jsonl: one object per epoch with every metric.
  const auto jsonl = lines(slurp(run / "metrics.jsonl"));
  REQUIRE(jsonl.size() == 4);
  const json epoch = json::parse(jsonl[3]);
  for (const char* key :
       {"epoch", "step", "lr", "grad_norm", "epoch_time", "samples_per_second", "train_loss",
        "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy"})
    CHECK_MESSAGE(epoch.contains(key), key);
  CHECK(epoch["epoch"] == 4);
  // 400 samples: 100 held out for test, 76 for validation (38 of each class's 150), leaving
  // 224 for training: 14 batches of 16 per epoch.
  CHECK(epoch["step"] == 4 * 14);
  const auto csv = lines(slurp(run / "metrics.csv"));
  REQUIRE(csv.size() == 5);
  CHECK(csv[0].rfind("epoch,step,lr,grad_norm,epoch_time,samples_per_second,train_loss", 0) == 0);
  // summary.json and the resolved config.
  const json summary = json::parse(slurp(run / "summary.json"));
  for (const char* key : {"final", "best", "wall_time", "nnfit_version", "seed", "threads",
                          "compiler_flags", "epochs", "steps"})
    CHECK_MESSAGE(summary.contains(key), key);
  CHECK(summary["seed"] == 3);
  const json config = json::parse(slurp(run / "config.json"));
  CHECK(config["optimizer"]["beta2"] == 0.999);  // defaults written out
  CHECK(config["loss"]["type"] == "softmax_cross_entropy");
  // The saved model reproduces the logged test accuracy.
  const Result e = w.run("eval --json --model " + (run / "model.safetensors").string() +
                         " --data tests/configs/tiny.json");
  INFO(e.err);
  REQUIRE(e.status == 0);
  const json evaluation = json::parse(e.out);
  CHECK(evaluation["accuracy"].get<double>() ==
        doctest::Approx(epoch["test_accuracy"].get<double>()));
  CHECK(evaluation["confusion"].size() == 2);
  // Without --data: the run's own data spec and seed, the same test split, and it says so.
  const Result own = w.run("eval --model " + run.string());
  INFO(own.err);
  REQUIRE(own.status == 0);
  CHECK(own.out.find("data: the run's own, ") != std::string::npos);
  const Result own_json = w.run("eval --json --model " + run.string());
  CHECK(json::parse(own_json.out)["accuracy"] == evaluation["accuracy"]);
  // A bare source name the run trained on with other settings is another data set: refused.
  const Result bare = w.run("eval --model " + run.string() + " --data moons");
  CHECK(bare.status != 0);
  CHECK(bare.err.find("the run trained on moons with its own settings") != std::string::npos);
}

TEST_CASE("one seed, one result: two runs of a config give identical weights") {
  Workspace w;
  REQUIRE(w.run("-q --config tests/configs/tiny.json --output " + w.path("a")).status == 0);
  REQUIRE(w.run("-q --config tests/configs/tiny.json --output " + w.path("b")).status == 0);
  CHECK(slurp(w.dir / "a" / "model.safetensors") == slurp(w.dir / "b" / "model.safetensors"));
  REQUIRE(
      w.run("-q --config tests/configs/tiny.json --set seed=4 --output " + w.path("c")).status ==
      0);
  CHECK(slurp(w.dir / "a" / "model.safetensors") != slurp(w.dir / "c" / "model.safetensors"));
}

TEST_CASE("an interrupted run resumed from its checkpoint ends with the same parameters") {
  Workspace w;
  REQUIRE(w.run("-q --config tests/configs/tiny.json --output " + w.path("whole")).status == 0);
  // 14 steps per epoch: stop mid-epoch 2 (after step 20), then mid-epoch 3 (after step 31).
  const Result first = w.run("-q --config tests/configs/tiny.json --output " + w.path("parts") +
                             " --interrupt-after-steps 20");
  CHECK(first.status == 130);
  CHECK(first.err.find("interrupted at optimiser step 20; checkpoint written") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(w.dir / "parts" / "summary.json"));
  const Result again = w.run("-q --config tests/configs/tiny.json --output " + w.path("parts"));
  CHECK(again.status == 2);
  CHECK(again.err.find("holds an unfinished run: --resume") != std::string::npos);
  const Result second = w.run("-q --config tests/configs/tiny.json --resume " + w.path("parts") +
                              " --interrupt-after-steps 11");
  CHECK(second.status == 130);
  // The command the interruption prints: --resume alone.
  CHECK(second.err.find("continue with: nnfit --resume " + w.path("parts")) != std::string::npos);
  const Result last = w.run("-q --resume " + w.path("parts"));
  INFO(last.err);
  REQUIRE(last.status == 0);
  const auto whole = read_safetensors(w.path("whole/model.safetensors"));
  const auto parts = read_safetensors(w.path("parts/model.safetensors"));
  REQUIRE(whole.tensors.size() == parts.tensors.size());
  for (std::size_t i = 0; i < whole.tensors.size(); ++i)
    CHECK(whole.tensors[i].data == parts.tensors[i].data);
  // The per-epoch losses agree too (times differ).
  const auto a = lines(slurp(w.dir / "whole" / "metrics.jsonl"));
  const auto b = lines(slurp(w.dir / "parts" / "metrics.jsonl"));
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    CHECK(json::parse(a[i])["train_loss"] == json::parse(b[i])["train_loss"]);
  // A changed config does not resume.
  const Result changed = w.run(
      "-q --config tests/configs/tiny.json --set optimizer.lr=0.5 --resume " + w.path("parts"));
  CHECK(changed.status == 2);
  CHECK(changed.err.find("differs from the checkpoint's config in optimizer.lr") !=
        std::string::npos);
}

TEST_CASE("every config in configs/ validates") {
  Workspace w;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "configs")) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    const Result r = w.run("config --config " + entry.path().string());
    CAPTURE(entry.path().string());
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(json::parse(r.out).contains("optimizer"));
    // The resolved config is a config: read again, it resolves to itself.
    test::write_file(w.path("resolved.json"), r.out);
    const Result again = w.run("config --config " + w.path("resolved.json"));
    CHECK(again.status == 0);
    CHECK(again.out == r.out);
    CHECK(r.out.find("\"auto\"") == std::string::npos);
  }
  CHECK(count >= 10);
}

TEST_CASE("extends and --set: merged, child wins, overrides last") {
  Workspace w;
  const Result r = w.run(
      "config --config tests/configs/tiny_child.json --set model.layers[0].activation=selu --set "
      "train.epochs=7");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const json config = json::parse(r.out);
  CHECK(config["name"] == "tiny_child");
  CHECK(config["optimizer"]["lr"] == 0.02);
  CHECK(config["optimizer"]["type"] == "adam");
  CHECK(config["model"]["layers"][0]["activation"]["type"] == "selu");
  CHECK(config["train"]["epochs"] == 7);
  CHECK(config["seed"] == 3);
}

TEST_CASE("config errors: every problem at once, with file, JSON path and suggestion, exit 2") {
  Workspace w;
  const Result r = w.run("--config tests/configs/bad_many.json");
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  const auto errors = lines(r.err);
  CHECK(errors.size() == 6);
  for (const char* expected :
       {"tests/configs/bad_many.json: model.layers[0].units: value -4 is out of range",
        "model.layers[1].rate: value 1 is out of range; allowed: [0, 1)",
        "model.layers[2].type: unknown layer type 'selu_' (did you mean 'selu'?); valid: dense",
        "model.layers[3].units: expected an integer, found a string",
        "optimizer.lr: value 0 is out of range; allowed: (0, 1e+06]",
        "train.batchsize: unknown key 'batchsize' (did you mean 'batch_size'?)"})
    CHECK_MESSAGE(r.err.find(expected) != std::string::npos, expected);

  const Result syntax = w.run("--config tests/configs/bad_syntax.json");
  CHECK(syntax.status == 2);
  CHECK(syntax.err.find("tests/configs/bad_syntax.json:4:24: invalid JSON") != std::string::npos);

  const Result outputs = w.run("--config tests/configs/bad_outputs.json --output " + w.path("o"));
  CHECK(outputs.status == 2);
  CHECK(outputs.err.find("the last layer has 3 outputs, but the data has 2 classes") !=
        std::string::npos);

  const Result missing = w.run("--config tests/configs/nope.json");
  CHECK(missing.status == 2);
  CHECK(missing.err.find("tests/configs/nope.json: cannot open") != std::string::npos);

  const Result set =
      w.run("config --config tests/configs/tiny.json --set model.layers[9].type=elu");
  CHECK(set.status == 2);
  CHECK(set.err.find("model.layers has 3 elements") != std::string::npos);

  const Result usage = w.run("--config tests/configs/tiny.json --bogus");
  CHECK(usage.status == 2);
  CHECK(usage.err.find("--bogus") != std::string::npos);
  CHECK(w.run("").status == 2);
}

TEST_CASE("data errors exit 3, divergence exits 4 naming epoch, batch and layer") {
  Workspace w;
  const Result data = w.run("--config tests/configs/bad_data.json --output " + w.path("d"));
  CHECK(data.status == 3);
  CHECK(data.err == "nnfit: does-not-exist.csv: cannot open: No such file or directory\n");
  const Result diverged = w.run("-q --config tests/configs/diverges.json --output " + w.path("x"));
  CHECK(diverged.status == 4);
  CHECK(diverged.err.find("diverged at epoch 1, batch ") != std::string::npos);
  CHECK(diverged.err.find("layers.") != std::string::npos);
}

TEST_CASE("a metric the run does not measure is refused before training") {
  Workspace w;
  const Result r = w.run(
      "-q --config tests/configs/tiny.json --set data.validation=0 "
      "--set 'train.patience={\"metric\":\"val_loss\"}' --output " +
      w.path("m"));
  CHECK(r.status == 2);
  CHECK(r.err.find("train.patience.metric: the metric 'val_loss' is not measured in this run: "
                   "there is no validation split") != std::string::npos);
  CHECK_FALSE(fs::exists(w.dir / "m" / "metrics.jsonl"));
}

TEST_CASE("init_from: matching weights start the run, mismatched ones are an error") {
  Workspace w;
  REQUIRE(w.run("-q --config tests/configs/tiny.json --output " + w.path("a")).status == 0);
  const Result ok = w.run(
      "-q --config tests/configs/tiny.json --set model.init_from=" + w.path("a/model.safetensors") +
      " --set train.epochs=1 --output " + w.path("b"));
  INFO(ok.err);
  CHECK(ok.status == 0);
  const Result bad = w.run(
      "-q --config tests/configs/tiny.json --set model.init_from=" + w.path("a/model.safetensors") +
      " --set model.layers[0].units=8 --output " + w.path("c"));
  CHECK(bad.status == 2);
  CHECK(bad.err.find("tensor 'layers.0.weight' has shape [16, 2], the model expects [8, 2]") !=
        std::string::npos);
}

TEST_CASE("--json prints one JSON object per epoch, then the summary") {
  Workspace w;
  const Result r = w.run("--json --config tests/configs/tiny.json --output " + w.path("j"));
  REQUIRE(r.status == 0);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 5);
  for (int i = 0; i < 4; ++i)
    CHECK(json::parse(out[static_cast<std::size_t>(i)])["epoch"] == i + 1);
  CHECK(json::parse(out[4]).contains("summary"));
}

TEST_CASE("predict writes one CSV row per input row, help and version exit 0") {
  Workspace w;
  REQUIRE(w.run("-q --config tests/configs/tiny.json --output " + w.path("p")).status == 0);
  std::ofstream(w.path("x.csv")) << "a,b\n1.0,0.5\n-1.0,0.5\n0.5,-0.4\n";
  const Result r = w.run("predict --probabilities --model " + w.path("p/model.safetensors") +
                         " --input " + w.path("x.csv"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto rows = lines(r.out);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == "prediction,p_0,p_1");
  const Result wrong = w.run("predict --model " + w.path("p/model.safetensors") +
                             " --input tests/configs/tiny.json");
  CHECK(wrong.status == 3);
  CHECK(w.run("--help").status == 0);
  CHECK(w.run("eval --help").status == 0);
  const Result version = w.run("--version");
  CHECK(version.status == 0);
  CHECK(version.out.rfind("nnfit ", 0) == 0);
  const Result list = w.run("list");
  CHECK(list.status == 0);
  CHECK(list.out.find("leaky_relu") != std::string::npos);
  CHECK(list.out.find("fashion_mnist") != std::string::npos);
}
