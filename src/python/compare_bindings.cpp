// compare from Python: an experiment (a dict, as JSON text, or a file) run as `nnfit compare`
// runs it, in an output folder it owns while it runs, reported the same way. Returns the
// summary as JSON text (the typed Summary or SuiteSummary in its file form) and the report.
#include <pybind11/stl.h>

#include <chrono>
#include <ctime>
#include <mutex>

#include "bindings.hpp"
#include "nnfit/config.hpp"
#include "nnfit/detail/run_lock.hpp"
#include "nnfit/experiments/record_archive.hpp"
#include "nnfit/experiments/study.hpp"
#include "nnfit/experiments/suite.hpp"
#include "nnfit/report/compare_report.hpp"
#include "nnfit/report/machine.hpp"
#include "nnfit/report/suite_report.hpp"

namespace nnfit::python {

namespace {

std::string today() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d", std::gmtime(&now));
  return text;
}

struct CompareArguments {
  std::string experiment_text, origin, output, command;
  int jobs = 1;
  bool smoke = false, force = false;
};

// Runs and reports; the summary's JSON text. `interrupted` polls Ctrl-C.
std::string run_and_report(const Experiment& e, CompareOptions& co, const CompareArguments& a) {
  const auto started = std::chrono::steady_clock::now();
  const RunDirectoryLock lock(co.output);
  restore_record_archive(co.output);
  std::optional<Study> single;
  std::vector<DatasetStudy> suite;
  if (e.datasets.empty())
    single = run_study(e, co);
  else
    suite = run_suite(e, co);
  if (co.stopped()) return "";
  ReportContext context;
  context.command = a.command;
  context.machine = describe_machine();
  context.date = today();
  context.engine = std::to_string(co.jobs) + (co.jobs == 1 ? " run" : " runs") +
                   " at a time on one machine, from Python";
  context.wall_time =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  json out;
  if (single) {
    const Summary summary = summarize_study(*single);
    write_report(single->experiment, single->records, summary, context, co.output);
    out = summary;
  } else {
    std::vector<Summary> summaries;
    for (const auto& d : suite) {
      summaries.push_back(summarize_study(d.study));
      write_report(d.study.experiment, d.study.records, summaries.back(), context,
                   dataset_output(co.output, d.name));
    }
    const SuiteSummary summary = summarize_suite(e, summaries);
    write_suite_report(e, summary, context, co.output);
    out = summary;
  }
  write_record_archive(co.output);
  return out.dump();
}

std::string compare(const CompareArguments& a) {
  ExperimentOptions options;
  options.smoke = a.smoke;
  const Experiment e = read_experiment_json(json::parse(a.experiment_text), a.origin, options);
  CompareOptions co;
  co.output = a.output.empty() ? "runs/compare/" + e.name + (a.smoke ? "-smoke" : "") : a.output;
  co.jobs = a.jobs;
  co.force = a.force;
  // Polled from every worker thread: one poll at a time.
  auto poll = std::make_shared<SignalPoll>();
  auto guard = std::make_shared<std::mutex>();
  co.interrupted = [poll, guard] {
    const std::lock_guard<std::mutex> lock(*guard);
    return (*poll)();
  };
  std::string summary;
  {
    py::gil_scoped_release release;
    summary = run_and_report(e, co, a);
  }
  poll->raise_if_interrupted();
  return summary;
}

}  // namespace

void bind_compare(py::module_& m) {
  m.def("_load_config", [](const std::string& path) { return load_config(path).dump(); });
  m.def("_compare",
        [](const std::string& experiment_text, const std::string& origin, const std::string& output,
           int jobs, bool smoke, bool force, const std::string& command) {
          return compare({experiment_text, origin, output, command, jobs, smoke, force});
        });
}

}  // namespace nnfit::python
