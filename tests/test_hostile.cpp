// Regression tests for hostile inputs: each case here once crashed nnfit, exhausted its
// memory or gave a silently wrong result. Small fixtures live in tests/hostile/; the ones
// that cannot be small (100k-deep JSON, a checkpoint edited after a run) are made here.
#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "nnfit/detail/json_text.hpp"
#include "nnfit/detail/run_lock.hpp"
#include "tests/cli_checks.hpp"

using namespace nnfit;
using nnfit::test::has;
using nnfit::test::refused;
using nnfit::test::Result;
using nnfit::test::Workspace;
namespace fs = std::filesystem;

namespace {

// A fixture in tests/hostile/, for library calls (which run in the build folder).
std::string fixture(const std::string& name) {
  return (test::kSource / "tests" / "hostile" / name).string();
}

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// Trains tests/configs/tiny.json into `dir`, interrupted after 20 steps: a checkpoint to edit.
void interrupted_run(const Workspace& w, const std::string& dir) {
  const Result r =
      w.run("-q --config tests/configs/tiny.json --output " + dir + " --interrupt-after-steps 20");
  REQUIRE(r.status == 130);
}

// Rewrites one key of the checkpoint's trainer state.
void edit_trainer_state(const std::string& checkpoint, const std::string& key, const json& value) {
  SafetensorsFile file = read_safetensors(checkpoint);
  json state = json::parse(file.metadata.at("nnfit.trainer"));
  state[key] = value;
  file.metadata["nnfit.trainer"] = state.dump();
  write_safetensors(checkpoint, file);
}

}  // namespace

TEST_CASE("JSON nested 100k deep is refused with its position, in configs, --set and models") {
  Workspace w;
  const std::string config = w.path("deep.json");
  test::write_file(
      config, "{\"data\": {\"source\": \"moons\"},\n \"diagnostics\": " + nested(100000) + "}");
  refused(w, "config --config " + config, 2,
          config + ":2:80: invalid JSON: nested more than 64 levels deep");

  refused(w, "config --config tests/configs/tiny.json --set 'loss=" + nested(50000) + "'", 2,
          "--set loss:1:65: invalid JSON: nested more than 64 levels deep");

  // A safetensors header whose dtype is deep: a data error (exit 3) at its byte offset.
  const std::string header =
      "{\"w\":{\"dtype\":" + nested(100000) + ",\"shape\":[1],\"data_offsets\":[0,4]}}";
  std::string bytes(8, '\0');
  const std::uint64_t length = header.size();
  std::memcpy(bytes.data(), &length, 8);
  test::write_file(w.path("deep.safetensors"), bytes + header + std::string(4, '\0'));
  refused(w, "eval --model " + w.path("deep.safetensors") + " --data moons", 3,
          "deep.safetensors: byte 84: header is not valid JSON: nested more than 64");
}

TEST_CASE("messages cut long user values instead of dumping them") {
  json huge = json::array();
  for (int i = 0; i < 100000; ++i) huge.push_back(i);
  CHECK(brief_json(huge) == "an array of 100000 elements");
  CHECK(brief_json(std::string(1000, 'x')).size() < 90);
  CHECK(brief_json(json{{"a", 1}}) == "{\"a\":1}");
}

TEST_CASE("numbers beyond a double are located errors, not internal errors") {
  Workspace w;
  Result r = w.run("config --config tests/hostile/number_overflow.json");
  CHECK(r.status == 2);
  CHECK(has(r.err,
            "tests/hostile/number_overflow.json:4:38: invalid JSON: number overflow "
            "parsing '1e999'"));
  refused(w, "config --config tests/configs/tiny.json --set optimizer.lr=1e999", 2,
          "--set optimizer.lr:1:1: invalid JSON: number overflow");
  refused(w, "eval --model tests/hostile/safetensors_number_overflow.safetensors --data moons", 3,
          "safetensors_number_overflow.safetensors: byte 37: header is not valid JSON");
}

TEST_CASE("a checkpoint's trainer state is validated against itself and the config") {
  Workspace w;
  const std::string dir = w.path("run");
  const std::string checkpoint = dir + "/checkpoint.safetensors";
  const std::vector<std::pair<std::pair<std::string, json>, std::string>> cases = {
      {{"epoch", -5}, "trainer state \"epoch\" is -5, expected an integer in [0, 4]"},
      {{"epoch", 99}, "trainer state \"epoch\" is 99, expected an integer in [0, 4]"},
      {{"best_epoch", 9}, "trainer state \"best_epoch\" is 9, expected an integer in [0, 1]"},
      {{"status", 7}, "trainer state \"status\" is 7"},
      {{"history", json::array()}, "\"history\" must list one record for each of the 1"},
      {{"step_in_epoch", 1ULL << 40}, "trainer state \"step_in_epoch\" is 1099511627776"},
      {{"loss_sum", "x"}, "trainer state \"loss_sum\" is \"x\", expected a finite number"},
  };
  for (const auto& [edit, message] : cases) {
    CAPTURE(edit.first);
    fs::remove_all(dir);
    interrupted_run(w, dir);
    edit_trainer_state(checkpoint, edit.first, edit.second);
    const Result r = w.run("-q --resume " + dir);
    CHECK(r.status == 3);
    CHECK(has(r.err, checkpoint + ": "));
    CHECK(has(r.err, message));
  }
  // done with an empty history (once a segfault at history.back()).
  fs::remove_all(dir);
  interrupted_run(w, dir);
  SafetensorsFile file = read_safetensors(checkpoint);
  json state = json::parse(file.metadata.at("nnfit.trainer"));
  state["epoch"] = 0;
  state["history"] = json::array();
  state["best_epoch"] = 0;
  state["epochs_without_improvement"] = 0;
  state["done"] = true;
  file.metadata["nnfit.trainer"] = state.dump();
  write_safetensors(checkpoint, file);
  refused(w, "-q --resume " + dir, 3, "\"done\" with no finished epoch");
}

TEST_CASE("IDX sizes are checked against the file and overflow before allocating") {
  Workspace w;
  const std::string labels = w.path("labels");
  test::write_file(labels, std::string("\0\0\x08\x01\0\x01\0\0", 8) + std::string(65536, '\0'));
  CHECK_THROWS_WITH_AS(read_idx(fixture("idx_huge_header.idx"), labels),
                       doctest::Contains("the header promises 17179869184 bytes of data, the "
                                         "file holds 0 (truncated file?)"),
                       DataError);
  const std::string labels_max = w.path("labels_max");
  test::write_file(labels_max, std::string("\0\0\x08\x01\xff\xff\xff\xff", 8));
  CHECK_THROWS_WITH_AS(read_idx(fixture("idx_overflow_header.idx"), labels_max),
                       doctest::Contains("the header's dimensions overflow 64 bits"), DataError);
  // Compressed: 100000 zero images claimed and present (a 78 MB stream from ~80 KB), but only
  // 10 labels: refused from the headers, before any image is decompressed.
  const std::string images = w.path("images.gz");
  gzFile f = gzopen(images.c_str(), "wb9");
  const std::string header = std::string("\0\0\x08\x03\0\x01\x86\xa0\0\0\0\x1c\0\0\0\x1c", 16);
  gzwrite(f, header.data(), static_cast<unsigned>(header.size()));
  const std::string zeros(1 << 20, '\0');
  for (int i = 0; i < 75; ++i) gzwrite(f, zeros.data(), static_cast<unsigned>(zeros.size()));
  gzclose(f);
  const std::string ten = w.path("ten");
  test::write_file(ten, std::string("\0\0\x08\x01\0\0\0\x0a", 8) + std::string(10, '\0'));
  CHECK_THROWS_WITH_AS(
      read_idx(images, ten),
      doctest::Contains(("10 labels, but " + images + " has 100000 images").c_str()), DataError);
  // A gzip stream that promises 2^34 values and holds 16 bytes fails where the data ends.
  const std::string small = w.path("small.gz");
  f = gzopen(small.c_str(), "wb");
  const std::string promise = std::string("\0\0\x08\x02\0\x01\0\0\0\x01\0\0", 12);
  gzwrite(f, promise.data(), static_cast<unsigned>(promise.size()));
  gzwrite(f, zeros.data(), 16);
  gzclose(f);
  const std::string many = w.path("many");
  test::write_file(many, std::string("\0\0\x08\x01\0\x01\0\0", 8) + std::string(65536, '\0'));
  CHECK_THROWS_WITH_AS(read_idx(small, many), doctest::Contains("the data ends after 0 of them"),
                       DataError);
}

TEST_CASE("safetensors and model specs are checked against the tensors before allocating") {
  CHECK_THROWS_WITH_AS(read_safetensors(fixture("safetensors_shape_wrap.safetensors")),
                       doctest::Contains("tensor 'w': shape [4611686018427387904] holds "
                                         "4611686018427387904 values, more than the file's 0 "
                                         "data bytes can hold"),
                       DataError);
  CHECK_THROWS_WITH_AS(Model::load(fixture("model_spec_too_large.safetensors")),
                       doctest::Contains("tensor 'layers.0.weight' has shape [2, 2], the model "
                                         "spec says [16384, 32768]"),
                       DataError);
  Workspace w;
  refused(w, "eval --model tests/hostile/model_spec_corrupt.safetensors --data moons", 3,
          "unknown layer type 'densse'");
}

TEST_CASE("inline labels are bounded before any class is named") {
  Workspace w;
  for (const std::string value : {"100000000", "2147483647", "4294967295"}) {
    const std::string name = value == "100000000"    ? "1e8"
                             : value == "2147483647" ? "int32_max"
                                                     : "uint32_max";
    const Result r = w.run("config --config tests/hostile/inline_label_" + name + ".json");
    CAPTURE(value);
    CHECK(r.status == 2);
    CHECK(has(r.err, "data.labels[2]: expected class indices from 0 to 65535; found " + value));
  }
}

TEST_CASE("file names, symlink loops and huge indices are messages, not internal errors") {
  Workspace w;
  refused(w, "config --config tests/hostile/extends_loop.json", 2,
          "loop_a.json: cannot open: Too many levels of symbolic links");
  refused(w, "config --config " + std::string(5000, 'a') + ".json", 2, "File name too long");
  refused(w,
          "config --config tests/configs/tiny.json --set "
          "'model.layers[99999999999999999999999].units=1'",
          2, "index [99999999999999999999999] is out of range");
}

TEST_CASE("a data source of the wrong type is a message (found by fuzz_config)") {
  Workspace w;
  refused(w, "config --config tests/hostile/config_source_array.json", 2,
          "data.source: expected a string, found an array");
}

TEST_CASE("seeds take the whole 64-bit range") {
  Workspace w;
  const Result r = w.run("config --config tests/hostile/seed_uint64_max.json");
  REQUIRE(r.status == 0);
  CHECK(json::parse(r.out)["seed"].get<std::uint64_t>() == 18446744073709551615ULL);
}

TEST_CASE("bad data is refused at load with where it is (exit 3)") {
  Workspace w;
  refused(w, "-q --config tests/hostile/inline_feature_1e300.json -o " + w.path("a"), 3,
          "inline: sample 1, feature 1 is inf (beyond float32's range?)");
  refused(w, "-q --config tests/hostile/latin1_label.json -o " + w.path("b"), 3,
          "tests/hostile/latin1_label.csv:2:9: the class label is not valid UTF-8");
}

TEST_CASE("work that cannot fit in memory is refused with the figure") {
  Workspace w;
  refused(w, "-q --config tests/hostile/parameters_1e14.json -o " + w.path("a"), 2,
          "model: 281475077373954 parameters, which needs about 2.25 PB of memory");
  CHECK_THROWS_WITH_AS(
      load_data(json{{"source", "blobs"}, {"samples", 100000000}, {"features", 100000}}, 1),
      doctest::Contains("100000000 generated samples of 100000 features needs about 40 TB"),
      ConfigError);
}

TEST_CASE("a loss that does not fit the task is refused before training") {
  Workspace w;
  const Result r = w.run("-q --config tests/hostile/loss_task_mismatch.json -o " + w.path("a"));
  CHECK(r.status == 2);
  CHECK(has(r.err,
            "loss: \"softmax_cross_entropy\" is for class labels, but the data is a "
            "regression task"));
  CHECK_FALSE(fs::exists(w.dir / "a" / "summary.json"));
}

TEST_CASE("a run directory belongs to one process, stale temporaries go") {
  Workspace w;
  const std::string dir = w.path("run");
  {
    const RunDirectoryLock held(dir);
    const Result r = w.run("-q --config tests/configs/tiny.json -o " + dir);
    CHECK(r.status == 2);
    CHECK(has(r.err, dir + " is in use by another nnfit process (pid " +
                         std::to_string(::getpid()) + ")"));
    const Result c =
        w.run("compare -q --config tests/configs/tiny.json -a relu --seeds 1 -o " + dir);
    CHECK(c.status == 2);
    CHECK(has(c.err, "is in use by another nnfit process"));
  }
  // A pid that cannot be running (above pid_max), and the test's own pid (alive).
  test::write_file(dir + "/model.safetensors.tmp.2147483647", "half a file");
  const std::string alive = dir + "/summary.json.tmp." + std::to_string(::getpid());
  test::write_file(alive, "being written");
  test::write_file(dir + "/notes.tmp.txt", "not ours");
  test::write_file(dir + "/photo.jpg.tmp.2147483647", "not a kind nnfit writes");
  const Result r = w.run("-q --config tests/configs/tiny.json -o " + dir);
  CHECK(r.status == 0);
  CHECK_FALSE(fs::exists(dir + "/model.safetensors.tmp.2147483647"));
  CHECK(fs::exists(alive));
  CHECK(fs::exists(dir + "/notes.tmp.txt"));
  CHECK(fs::exists(dir + "/photo.jpg.tmp.2147483647"));
}

TEST_CASE("predict: header detection, names matched, ids passed through, logits") {
  Workspace w;
  test::write_file(w.path("d.csv"),
                   "a,b,label\n0.9,0.8,yes\n0.1,0.2,no\n0.7,0.9,yes\n0.2,0.1,no\n0.8,0.6,yes\n"
                   "0.3,0.2,no\n");
  test::write_file(w.path("c.json"),
                   "{\"data\": {\"source\": \"csv\", \"path\": \"" + w.path("d.csv") +
                       "\"}, \"model\": {\"layers\": [{\"type\": \"dense\", \"units\": 2}]}, "
                       "\"train\": {\"epochs\": 2}}");
  REQUIRE(w.run("-q --config " + w.path("c.json") + " -o " + w.path("m")).status == 0);
  // Five rows without a header give five predictions (the first row once vanished).
  test::write_file(w.path("nh.csv"), "0.9,0.8\n0.1,0.2\n0.5,0.5\n0.3,0.3\n0.7,0.7\n");
  Result r = w.run("predict -m " + w.path("m") + " -i " + w.path("nh.csv"));
  REQUIRE(r.status == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 6);
  // Reordered columns are matched by name: the same predictions as in the model's order.
  test::write_file(w.path("ab.csv"), "id,a,b\nx1,0.9,0.8\nx2,0.1,0.2\n");
  test::write_file(w.path("ba.csv"), "b,id,a\n0.8,x1,0.9\n0.2,x2,0.1\n");
  const Result ab = w.run("predict --logits --id id -m " + w.path("m") + " -i " + w.path("ab.csv"));
  const Result ba = w.run("predict --logits --id id -m " + w.path("m") + " -i " + w.path("ba.csv"));
  REQUIRE(ab.status == 0);
  CHECK(ab.out == ba.out);
  CHECK(ab.out.rfind("id,prediction,logit_no,logit_yes\nx1,", 0) == 0);
  // A header without a model feature is an error naming it.
  test::write_file(w.path("missing.csv"), "a,c\n0.9,0.8\n");
  refused(w, "predict -m " + w.path("m") + " -i " + w.path("missing.csv"), 3,
          "the header lacks the model's feature columns b");
}

TEST_CASE("the resume command printed after an interruption works as printed") {
  Workspace w;
  const std::string dir = w.path("run");
  const Result first = w.run("-q --config tests/configs/tiny.json --set train.epochs=3 -o " + dir +
                             " --interrupt-after-steps 20");
  REQUIRE(first.status == 130);
  const std::string printed = "continue with: nnfit --resume " + dir;
  REQUIRE(has(first.err, printed));
  const Result resumed = w.run("-q --resume " + dir);
  INFO(resumed.err);
  CHECK(resumed.status == 0);
  CHECK(json::parse(test::slurp(dir + "/summary.json"))["epochs"] == 3);
}
