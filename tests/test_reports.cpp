// What a single run leaves for a person: the model summary, report.html, periodic checkpoint
// snapshots, per-class scores in eval.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/cli_support.hpp"

using namespace nnfit;
using nnfit::test::Result;
using nnfit::test::Workspace;
namespace fs = std::filesystem;

TEST_CASE("per-class precision, recall and F1 match scikit-learn's classification_report") {
  // sklearn's documented example: y_true = [0, 1, 2, 2, 2], y_pred = [0, 0, 2, 2, 1] gives
  // precision 0.50 / 0.00 / 1.00, recall 1.00 / 0.00 / 0.67, F1 0.67 / 0.00 / 0.80,
  // macro-average F1 0.49.
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> confusion(3, 3);
  confusion << 1, 0, 0, 1, 0, 0, 0, 1, 2;
  const auto scores = class_scores(confusion);
  REQUIRE(scores.size() == 3);
  CHECK(scores[0].precision == doctest::Approx(0.5));
  CHECK(scores[0].recall == doctest::Approx(1.0));
  CHECK(scores[0].f1 == doctest::Approx(2.0 / 3.0));
  CHECK(scores[1].f1 == 0.0);
  CHECK(scores[2].precision == doctest::Approx(1.0));
  CHECK(scores[2].recall == doctest::Approx(2.0 / 3.0));
  CHECK(scores[2].f1 == doctest::Approx(0.8));
  CHECK(scores[2].support == 3);
  CHECK(macro_f1(scores) == doctest::Approx((2.0 / 3.0 + 0.8) / 3.0));
  CHECK(macro_f1(scores) == doctest::Approx(0.49).epsilon(0.01));
}

TEST_CASE("a run writes report.html, nnfit report redraws it, output.report=false skips it") {
  Workspace w;
  const std::string dir = w.path("run");
  Result r = w.run("-q --config tests/configs/tiny.json --set diagnostics=true -o " + dir);
  REQUIRE(r.status == 0);
  const std::string html = test::slurp(dir + "/report.html");
  CHECK(html.find("<h1>Run tiny</h1>") != std::string::npos);
  for (const char* part :
       {"Loss by epoch", "Accuracy by epoch", "Learning rate", "gradient norm",
        "Activation variance by layer", "dense(2-&gt;16, elu)", "&quot;epochs&quot;: 4"})
    CHECK_MESSAGE(html.find(part) != std::string::npos, part);
  // A classifier's summary has no rmse or r2 column; the cosine schedule's rate is drawn on a
  // linear axis; no caption repeats its chart's title.
  CHECK(html.find("<th>rmse</th>") == std::string::npos);
  CHECK(html.find("learning rate (log scale)") == std::string::npos);
  CHECK(html.find("<figcaption>Loss by epoch</figcaption>") == std::string::npos);
  CHECK(html.find("Validation loss by step") == std::string::npos);  // no step evaluations
  // With validation every 5 steps: steps.jsonl, and the report draws it at that resolution.
  const std::string stepped = w.path("stepped");
  REQUIRE(w.run("-q --config tests/configs/tiny.json --set train.eval_every_steps=5 -o " + stepped)
              .status == 0);
  const auto steps = test::slurp(stepped + "/steps.jsonl");
  CHECK(json::parse(steps.substr(0, steps.find('\n')))["step"] == 5);
  CHECK(test::slurp(stepped + "/report.html").find("Validation loss by step") != std::string::npos);
  fs::remove(dir + "/report.html");
  r = w.run("report " + dir);
  CHECK(r.status == 0);
  CHECK(r.out == dir + "/report.html\n");
  CHECK(test::slurp(dir + "/report.html") == html);
  r = w.run("report " + w.path("nothing"));
  CHECK(r.status == 3);
  r = w.run("-q --config tests/configs/tiny.json --set output.report=false -o " + w.path("b"));
  CHECK(r.status == 0);
  CHECK_FALSE(fs::exists(w.dir / "b" / "report.html"));
}

TEST_CASE("model summary: layers, output shapes, parameter counts") {
  Workspace w;
  const Result r = w.run("summary --config tests/configs/tiny.json");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("0     dense(2->16, elu)            [*, 16]                48") !=
        std::string::npos);
  CHECK(r.out.find("total 82 parameters") != std::string::npos);
  REQUIRE(w.run("-q --config tests/configs/tiny.json -o " + w.path("run")).status == 0);
  CHECK(w.run("summary --model " + w.path("run")).out == r.out);
}

TEST_CASE("periodic checkpoint snapshots keep the newest N") {
  Workspace w;
  const std::string dir = w.path("run");
  const Result r = w.run(
      "-q --config tests/configs/tiny.json --set train.epochs=7 "
      "train.checkpoint_every_epochs=2 train.keep_checkpoints=2 -o " +
      dir);
  REQUIRE(r.status == 0);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir + "/checkpoints"))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"epoch-0004.safetensors", "epoch-0006.safetensors"});
  const auto snapshot = read_safetensors(dir + "/checkpoints/epoch-0006.safetensors");
  CHECK(json::parse(snapshot.metadata.at("nnfit.trainer"))["epoch"] == 6);
}

TEST_CASE("eval --json has per-class scores and the macro F1") {
  Workspace w;
  REQUIRE(w.run("-q --config tests/configs/tiny.json -o " + w.path("run")).status == 0);
  const Result r = w.run("eval --json -m " + w.path("run") + " --data tests/configs/tiny.json");
  REQUIRE(r.status == 0);
  const json out = json::parse(r.out);
  REQUIRE(out["per_class"].size() == 2);
  const auto& c = out["confusion"];
  const double tp = c[1][1].get<double>();
  CHECK(out["per_class"][1]["precision"].get<double>() ==
        doctest::Approx(tp / (tp + c[0][1].get<double>())));
  CHECK(out["per_class"][1]["support"] == c[1][0].get<int>() + c[1][1].get<int>());
  CHECK(out.contains("macro_f1"));
}
