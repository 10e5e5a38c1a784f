// `nnfit compare --plan / --run-one / --collect`: a comparison on any batch scheduler
// (docs/SCALING.md). The output folder holds everything:
//
//   plan.json    the invocation (so that later calls need only the folder) and the stage
//   plan.jsonl   one run per line (RunTask::to_json, record path relative to the folder)
//
// --plan lists the runs of the first stage that is not complete (tuning rungs are barriers:
// the next rung's points depend on this one's results); --run-one trains one line and writes
// its record atomically; --collect reuses every record, says which are missing, and writes
// the statistics and the report exactly as `nnfit compare` does.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "compare_parts.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/detail/run_lock.hpp"
#include "nnfit/error.hpp"
#include "nnfit/version.hpp"
#include "stop_signal.hpp"

namespace nnfit::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPlanFile = "plan.json";
constexpr const char* kPlanLines = "plan.jsonl";

// What names the experiment: saved by --plan so that --collect needs only the folder.
json invocation_json(const CompareArgs& a) {
  const auto absolute = [](const std::string& p) {
    return p.empty() ? p : fs::absolute(p).lexically_normal().string();
  };
  return {{"experiment", absolute(a.experiment)},
          {"config", absolute(a.config)},
          {"activations", a.activations},
          {"seeds", a.seeds},
          {"set", a.overrides},
          {"baseline", a.baseline},
          {"tune", a.tune},
          {"smoke", a.smoke},
          {"threads", a.threads}};
}

// `options` with the output folder `out`, and the experiment the last --plan saved there when
// the command line names none.
CompareArgs with_invocation(CompareArgs options, const std::string& out) {
  if (!options.output.empty() && fs::path(options.output) != fs::path(out))
    throw ConfigError("compare: --output " + options.output + " and the folder " + out +
                      " differ; give the folder once");
  options.output = out;
  if (!options.experiment.empty() || !options.config.empty()) return options;
  const fs::path file = fs::path(out) / kPlanFile;
  if (!fs::exists(file))
    throw ConfigError(file.string() +
                      " does not exist: name the experiment (--experiment FILE, or --config "
                      "FILE --activations A,B) the first time");
  const json saved =
      parse_json_text(read_file_bytes(file.string()), file.string(), JsonBlame::data);
  try {
    const json& i = saved.at("invocation");
    options.experiment = i.at("experiment").get<std::string>();
    options.config = i.at("config").get<std::string>();
    options.activations = i.at("activations").get<std::vector<std::string>>();
    options.seeds = i.at("seeds").get<std::string>();
    options.overrides = i.at("set").get<std::vector<std::string>>();
    options.baseline = i.at("baseline").get<std::string>();
    options.tune = i.at("tune").get<std::string>();
    options.smoke = i.at("smoke").get<bool>();
    options.threads = i.at("threads").get<int>();
  } catch (const json::exception& e) {
    throw DataError(file.string() + ": not a plan written by nnfit compare --plan (" +
                    std::string(e.what()) + ")");
  }
  return options;
}

// The comparison up to the first stage with runs to do; those runs (empty: every stage of
// every data set is done, and `outcome` holds everything).
std::vector<RunTask> first_incomplete_stage(const Experiment& experiment, CompareOptions co,
                                            Outcome* outcome = nullptr) {
  std::vector<RunTask> todo;
  bool stop = false;
  co.on_run_end = nullptr;
  co.engine = [&](const std::vector<RunTask>& tasks, const auto&) {
    todo = tasks;
    stop = true;
  };
  co.interrupted = [&] { return stop; };
  Outcome o = run_all(experiment, co);
  if (outcome) *outcome = std::move(o);
  return todo;
}

std::string relative_to(const std::string& path, const std::string& out) {
  return fs::path(path).lexically_relative(out).generic_string();
}

// "tuning/rung-0", "fixed", or "evaluation" for the output folder itself.
std::string stage_name(const RunTask& task, const std::string& out) {
  const std::string stage = relative_to(task.stage, out);
  return stage == "." ? "evaluation" : stage;
}

}  // namespace

int plan_command(const CompareArgs& args) {
  const CompareArgs options = with_invocation(args, args.plan);
  const Experiment experiment = experiment_of(options);
  const CompareOptions co = compare_options(options, experiment);
  const RunDirectoryLock lock(co.output);
  const std::vector<RunTask> todo = first_incomplete_stage(experiment, co);
  std::string lines;
  for (std::size_t i = 0; i < todo.size(); ++i) {
    RunTask t = todo[i];
    t.record = relative_to(t.record, co.output);
    t.stage = relative_to(t.stage, co.output);
    json line = t.to_json();
    line["index"] = i;
    line["config_hash"] = config_hash(t.config);
    lines += line.dump() + "\n";
  }
  const std::string stage = todo.empty() ? "" : stage_name(todo.front(), co.output);
  fs::create_directories(co.output);
  write_file_atomically((fs::path(co.output) / kPlanLines).string(), lines);
  const json plan = {{"invocation", invocation_json(options)},
                     {"experiment", experiment.name},
                     {"stage", stage},
                     {"runs", todo.size()},
                     {"nnfit_version", kVersion}};
  write_file_atomically((fs::path(co.output) / kPlanFile).string(), plan.dump(2) + "\n");
  if (todo.empty())
    std::printf("every run of %s is done: nnfit compare --collect %s\n", experiment.name.c_str(),
                co.output.c_str());
  else
    std::printf(
        "%s/%s: %zu runs of stage %s; run each with\n  nnfit compare --run-one %s --index I   "
        "(I = 0 .. %zu)\nthen nnfit compare --plan %s again for the next stage\n",
        co.output.c_str(), kPlanLines, todo.size(), stage.c_str(), co.output.c_str(),
        todo.size() - 1, co.output.c_str());
  return kSuccess;
}

namespace {

// `out`/`relative`, refused unless it stays inside `out` once symbolic links are followed: a
// plan line is untrusted (edited, or from another machine), and a link inside the folder
// that points elsewhere would put a record outside it. A dangling link is refused too.
fs::path inside_folder(const std::string& out, const std::string& relative,
                       const std::string& where, const std::string& what) {
  const fs::path path(relative);
  if (path.is_absolute() || path.empty())
    throw DataError(where + ": the " + what + " must be relative to the folder");
  fs::path walked(out);
  for (const auto& part : path) {
    if (part == "..") throw DataError(where + ": the " + what + " leaves the folder");
    walked /= part;
    if (fs::is_symlink(walked) && !fs::exists(walked))
      throw DataError(where + ": the " + what + " runs through " + walked.string() +
                      ", a symbolic link to nothing");
  }
  const fs::path base = fs::weakly_canonical(out);
  const fs::path resolved = fs::weakly_canonical(walked);
  const fs::path rest = resolved.lexically_relative(base);
  if (rest.empty() || *rest.begin() == "..")
    throw DataError(where + ": the " + what + " " + walked.string() + " resolves to " +
                    resolved.string() + ", outside the folder (a symbolic link?)");
  return walked;
}

// Line `index` of the plan, its paths made relative to the working directory again.
RunTask planned_task(const std::string& out, long long index) {
  const fs::path file = fs::path(out) / kPlanLines;
  if (!fs::exists(file))
    throw ConfigError(file.string() + " does not exist: run nnfit compare --plan " + out +
                      " first");
  std::istringstream lines(read_file_bytes(file.string()));
  std::string line;
  long long n = 0;
  while (std::getline(lines, line)) {
    if (n++ != index) continue;
    const std::string where = file.string() + ":" + std::to_string(n);
    const json parsed = parse_json_text(line, where, JsonBlame::data);
    RunTask t;
    try {
      t = RunTask::from_json(parsed);
    } catch (const json::exception& e) {
      throw DataError(where + ": not a run written by nnfit compare --plan (" +
                      std::string(e.what()) + ")");
    } catch (const DataError& e) {
      throw DataError(where + ": " + e.what());
    }
    t.record = inside_folder(out, t.record, where, "record path").string();
    t.stage = inside_folder(out, t.stage, where, "stage").lexically_normal().string();
    return t;
  }
  throw ConfigError("--index " + std::to_string(index) + ": " + file.string() + " has " +
                    std::to_string(n) + " runs (0 to " + std::to_string(n - 1) + ")");
}

// A finished record of the same run already there (a task run twice by the scheduler).
bool already_done(const RunTask& t) {
  if (!fs::exists(t.record)) return false;
  try {
    const json saved = parse_json_text(read_file_bytes(t.record), t.record, JsonBlame::data);
    const std::string status = saved.at("status").get<std::string>();
    return saved.value("config_hash", "") == config_hash(t.config) && saved.at("arm") == t.arm &&
           saved.at("seed") == t.seed && status != "failed" && status != "interrupted";
  } catch (const std::exception&) {
    return false;  // damaged: run it again
  }
}

}  // namespace

int run_one_command(const CompareArgs& options) {
  if (options.index < 0)
    throw ConfigError("--run-one: give --index I, the 0-based line of " + options.run_one + "/" +
                      kPlanLines);
  const RunTask task = planned_task(options.run_one, options.index);
  if (already_done(task)) {
    if (!options.quiet) std::printf("%s: already done\n", task.record.c_str());
    return kSuccess;
  }
  StopSignal stop;
  const RunRecord record = run_task(task, [] { return StopSignal::requested(); });
  if (record.status == "interrupted") return kInterrupted;
  write_run_record(task, record);
  if (!options.quiet) print_run_line(record, 1, 1);
  if (record.status != "failed") return kSuccess;
  std::fprintf(stderr, "nnfit: %s seed %llu failed: %s\n", record.arm.c_str(),
               static_cast<unsigned long long>(record.seed), record.error.c_str());
  return kRunsFailed;
}

int collect_command(const CompareArgs& args) {
  const auto started = std::chrono::steady_clock::now();
  const CompareArgs options = with_invocation(args, args.collect);
  const Experiment experiment = experiment_of(options);
  const CompareOptions co = compare_options(options, experiment);
  const RunDirectoryLock lock(co.output);
  Outcome outcome;
  const std::vector<RunTask> missing = first_incomplete_stage(experiment, co, &outcome);
  if (missing.empty()) return report_and_exit_status(options, experiment, outcome, co, started);
  std::fprintf(stderr, "nnfit: %s: %zu runs of stage %s are missing or failed:\n",
               co.output.c_str(), missing.size(), stage_name(missing.front(), co.output).c_str());
  for (std::size_t i = 0; i < missing.size() && i < 20; ++i)
    std::fprintf(stderr, "  %s seed %llu (%s)\n", missing[i].arm.c_str(),
                 static_cast<unsigned long long>(missing[i].seed), missing[i].record.c_str());
  if (missing.size() > 20) std::fprintf(stderr, "  ... and %zu more\n", missing.size() - 20);
  std::fprintf(stderr,
               "nnfit compare --plan %s lists them; run them with --run-one and collect again\n",
               co.output.c_str());
  return kRunsFailed;
}

}  // namespace nnfit::cli
