// A comparison beyond one process (docs/SCALING.md): --plan / --run-one / --collect in
// separate processes and `mpirun -np 3` give the summary of one process with --jobs 1, timing
// aside; a killed run is reported missing and a rerun completes it; runs of another nnfit
// version are refused.
#include <doctest/doctest.h>
#include <zlib.h>

#include <fstream>

#include "nnfit/detail/json_text.hpp"
#include "tests/cli_support.hpp"

namespace nnfit {

namespace {

namespace fs = std::filesystem;
using test::Result;
using test::Workspace;

constexpr const char* kExperiment = "--experiment tests/experiments/scaling.json";

// The summary without what depends on timing (the runs' wall times, the costs per step and
// the speedups in seconds) or on the invocation.
json comparable(const json& j) {
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [key, value] : j.items())
      if (key != "wall_time" && key != "step_evaluation_seconds" && key != "date" &&
          key != "command" && key != "machine" && key != "step_cost")
        out[key] = comparable(value);
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j)  // the speedup in seconds is the timing's too
      if (!v.is_object() || v.value("measure", "") != "seconds_speedup")
        out.push_back(comparable(v));
    return out;
  }
  return j;
}

json summary_of(const fs::path& dir) {
  return comparable(json::parse(test::slurp(dir / "summary.json")));
}

int planned_runs(const fs::path& dir) {
  return json::parse(test::slurp(dir / "plan.json"))["runs"].get<int>();
}

}  // namespace

TEST_CASE("--plan, --run-one and --collect in separate processes give the --jobs 1 summary") {
  Workspace w;
  const fs::path one = w.dir / "one", plan = w.dir / "plan";
  REQUIRE(w.run(std::string("compare -q -j 1 ") + kExperiment + " -o " + one.string()).status == 0);
  // The first --plan names the experiment; later ones and --collect read it from the folder.
  Result r = w.run(std::string("compare ") + kExperiment + " --plan " + plan.string());
  REQUIRE(r.status == 0);
  CHECK(r.out.find("stage tuning/rung-0") != std::string::npos);
  int stages = 0;
  for (int n = planned_runs(plan); n > 0; n = planned_runs(plan)) {
    ++stages;
    for (int i = 0; i < n; ++i)
      REQUIRE(
          w.run("compare -q --run-one " + plan.string() + " --index " + std::to_string(i)).status ==
          0);
    REQUIRE(w.run("compare --plan " + plan.string()).status == 0);
  }
  CHECK(stages == 4);  // two rungs, the evaluation, the fixed-rate evaluation
  // A run-one of a finished line does nothing.
  r = w.run("compare --run-one " + plan.string() + " --index 0");
  CHECK(r.status == 2);  // the plan is empty now: no line 0
  REQUIRE(w.run("compare -q --collect " + plan.string()).status == 0);
  CHECK(summary_of(plan) == summary_of(one));
}

#ifdef NNFIT_MPIEXEC
TEST_CASE("mpirun -np 3 nnfit compare gives the --jobs 1 summary") {
  Workspace w;
  const fs::path one = w.dir / "one", ranks = w.dir / "ranks";
  REQUIRE(w.run(std::string("compare -q -j 1 ") + kExperiment + " -o " + one.string()).status == 0);
  // Open MPI's own allocations are not nnfit's leaks.
  const std::string command = std::string("cd '") + test::kSource.string() +
                              "' && ASAN_OPTIONS=detect_leaks=0 " NNFIT_MPIEXEC
                              " --oversubscribe --allow-run-as-root -np 3 '" +
                              test::kBinary + "' compare -q " + kExperiment + " -o '" +
                              ranks.string() + "' >'" + (w.dir / "mpi.log").string() + "' 2>&1";
  const int status = std::system(command.c_str());
  INFO(test::slurp(w.dir / "mpi.log"));
  REQUIRE(status == 0);
  CHECK(summary_of(ranks) == summary_of(one));
  CHECK(test::slurp(ranks / "report.md").find("2 MPI ranks") != std::string::npos);
}
#endif

TEST_CASE("a --run-one killed mid-run is reported missing by --collect, a rerun completes it") {
  Workspace w;
  const fs::path out = w.dir / "killed";
  // One long run (about 3 s) per arm.
  const std::string experiment =
      "--config tests/configs/tiny.json --activations relu,elu --seeds 1 --set "
      "train.epochs=3000 data.samples=2000";
  REQUIRE(w.run("compare " + experiment + " --plan " + out.string()).status == 0);
  REQUIRE(planned_runs(out) == 2);
  REQUIRE(w.run("compare -q --run-one " + out.string() + " --index 1").status == 0);
  const std::string killed = "cd '" + test::kSource.string() + "' && timeout -s KILL 0.5 '" +
                             test::kBinary + "' compare -q --run-one '" + out.string() +
                             "' --index 0";
  CHECK(WEXITSTATUS(std::system(killed.c_str())) == 137);  // timeout: killed by SIGKILL
  CHECK_FALSE(fs::exists(out / "runs" / "relu" / "seed-1.json"));
  Result r = w.run("compare --collect " + out.string());
  CHECK(r.status == 5);
  CHECK(r.err.find("1 runs of stage evaluation are missing") != std::string::npos);
  CHECK(r.err.find("relu seed 1") != std::string::npos);
  CHECK_FALSE(fs::exists(out / "summary.json"));
  REQUIRE(w.run("compare -q --run-one " + out.string() + " --index 0").status == 0);
  r = w.run("compare -q --collect " + out.string());
  CHECK(r.status == 0);
  CHECK(fs::exists(out / "summary.json"));
}

TEST_CASE("--collect refuses runs of another nnfit version or config, naming them") {
  Workspace w;
  const fs::path out = w.dir / "mixed";
  REQUIRE(w.run("compare -q --config tests/configs/tiny.json --activations relu,elu --seeds 2 -o " +
                out.string())
              .status == 0);
  REQUIRE(w.run("compare --config tests/configs/tiny.json --activations relu,elu --seeds 2 "
                "--plan " +
                out.string())
              .status == 0);
  const fs::path record = out / "runs" / "elu" / "seed-2.json";
  json j = json::parse(test::slurp(record));
  j["nnfit_version"] = "0.0.1";
  test::write_file(record.string(), j.dump());
  Result r = w.run("compare --collect " + out.string());
  CHECK(r.status == 2);
  CHECK(r.err.find("elu/seed-2.json: made by nnfit 0.0.1") != std::string::npos);
  j["nnfit_version"] = kVersion;
  j["config"]["optimizer"]["lr"] = 0.5;
  test::write_file(record.string(), j.dump());
  r = w.run("compare --collect " + out.string());
  CHECK(r.status == 2);
  CHECK(r.err.find("elu/seed-2.json: its config differs") != std::string::npos);
}

TEST_CASE("--run-one refuses a bad index and a plan line whose record leaves the folder") {
  Workspace w;
  const fs::path out = w.dir / "p";
  Result r = w.run("compare --run-one " + out.string() + " --index 0");
  CHECK(r.status == 2);
  CHECK(r.err.find("plan.jsonl does not exist") != std::string::npos);
  REQUIRE(w.run("compare --config tests/configs/tiny.json --activations relu,elu --seeds 1 "
                "--plan " +
                out.string())
              .status == 0);
  r = w.run("compare --run-one " + out.string() + " --index 7");
  CHECK(r.status == 2);
  CHECK(r.err.find("has 2 runs (0 to 1)") != std::string::npos);
  r = w.run("compare --run-one " + out.string());
  CHECK(r.status == 2);
  CHECK(r.err.find("give --index") != std::string::npos);
  json line = json::parse(
      test::slurp(out / "plan.jsonl").substr(0, test::slurp(out / "plan.jsonl").find('\n')));
  line["record"] = "../../escaped.json";
  test::write_file((out / "plan.jsonl").string(), line.dump() + "\n");
  r = w.run("compare --run-one " + out.string() + " --index 0");
  CHECK(r.status == 3);
  CHECK(r.err.find("plan.jsonl:1: the record path leaves the folder") != std::string::npos);
  CHECK_FALSE(fs::exists(w.dir / "escaped.json"));
}

}  // namespace nnfit

namespace nnfit {

TEST_CASE("records.jsonl.gz holds every record: the report regenerates from it alone") {
  Workspace w;
  const fs::path out = w.dir / "study";
  REQUIRE(w.run(std::string("compare -q ") + kExperiment + " -o " + out.string()).status == 0);
  REQUIRE(fs::exists(out / "records.jsonl.gz"));
  const json before = summary_of(out);
  // Only the archive and the experiment file are left, as in a fresh clone of docs/.
  for (const char* folder : {"runs", "tuning", "fixed"}) fs::remove_all(out / folder);
  fs::remove(out / "summary.json");
  const Result again = w.run(std::string("compare ") + kExperiment + " -o " + out.string());
  INFO(again.err);
  REQUIRE(again.status == 0);
  CHECK(again.out.find("records restored from records.jsonl.gz") != std::string::npos);
  CHECK(again.out.find(" seed ") == std::string::npos);  // no run line: nothing trained
  CHECK(summary_of(out) == before);
  // The archive is untrusted: a path out of the folder is refused (exit 3), naming the line.
  const std::string archive = (out / "records.jsonl.gz").string();
  gzFile gz = gzopen(archive.c_str(), "wb");
  const std::string line = "{\"path\": \"../../x/runs/a/seed-1.json\", \"record\": {}}\n";
  gzwrite(gz, line.data(), static_cast<unsigned>(line.size()));
  gzclose(gz);
  fs::remove_all(out / "runs");
  Result r = w.run(std::string("compare -q ") + kExperiment + " -o " + out.string());
  CHECK(r.status == 3);
  CHECK(r.err.find("records.jsonl.gz:1: the path leaves the comparison's folder") !=
        std::string::npos);
  test::write_file(archive, "not gzip");
  r = w.run(std::string("compare -q ") + kExperiment + " -o " + out.string());
  CHECK(r.status == 3);
  CHECK(r.err.find("records.jsonl.gz: byte") != std::string::npos);
}

}  // namespace nnfit
