// The report of an experiment over several data sets (the report layer).
#pragma once

#include <string>

#include "nnfit/experiments/experiment.hpp"
#include "nnfit/experiments/suite.hpp"
#include "nnfit/report/compare_report.hpp"

namespace nnfit {

// An experiment over several data sets: summary.json (summarize_suite() with the context),
// report.md, report.html and plots/critical_difference.svg in `output`; each data set's own
// report is in output/datasets/<name>/.
void write_suite_report(const Experiment& experiment, const SuiteSummary& summary,
                        const ReportContext& context, const std::string& output);

}  // namespace nnfit
