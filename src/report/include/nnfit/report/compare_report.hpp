// The report of a comparison (the report layer): runs.jsonl, summary.json and .csv, SVG plots,
// report.md and report.html from the runs and summarize()'s statistics.
#pragma once

#include <string>
#include <vector>

#include "nnfit/experiments/runner.hpp"
#include "nnfit/experiments/summary.hpp"
#include "nnfit/report/machine.hpp"
#include "nnfit/report/summary_table.hpp"

namespace nnfit {

struct ReportContext {
  std::string command;  // the command line that reproduces the comparison
  std::string machine;  // describe_machine()
  std::string date;
  double wall_time = 0.0;  // of this invocation
  // How the runs ran: "2 runs at a time on one machine", "4 MPI ranks", ...
  std::string engine = "1 run at a time on one machine";
};

// Writes to `output`: runs.jsonl (every run's record), summary.json (summarize() with the
// context), summary.csv (one row per arm and measure), plots/*.svg, report.md and a
// self-contained report.html (plots inline). Every file is written atomically.
void write_report(const Experiment& experiment, const std::vector<RunRecord>& records,
                  const Summary& summary, const ReportContext& context, const std::string& output);

// What the context says of the invocation: command, machine, nnfit version, compiler flags,
// date (what summary.json records beside the statistics).
Provenance provenance_of(const ReportContext& context);

}  // namespace nnfit
