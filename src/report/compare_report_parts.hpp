// The parts of a comparison report (compare_report.cpp writes the files and puts them
// together): what every part reads, the shared number formats (compare_common.cpp), the plots
// (compare_plots.cpp) and the sections (compare_sections.cpp).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "document.hpp"
#include "nnfit/experiments/runner.hpp"
#include "nnfit/report/compare_report.hpp"

namespace nnfit::compare_parts {

// What every part of the report reads.
struct ReportInputs {
  const Experiment& e;
  const std::vector<RunRecord>& records;
  const Summary& summary;
  const ReportContext& context;
  std::map<std::string, std::string> colors;  // arm -> plot colour
  std::size_t epochs = 0;                     // the longest run's
};

struct Figure {
  std::string caption, file, svg;
};

// Numbers as the report's cells show them.
std::string fmt(double v, const char* format = "%.4g");
// "0.2345 ± 0.0123 [0.2200, 0.2490]" from an arm's estimate of a measure; "-" when absent.
std::string estimate_text(const ArmSummary& arm, const std::string& name,
                          const char* format = "%.4g");
// The printf format of a measure's values.
const char* format_of(const std::string& measure);
// The loss curve the speedup compares, in words ("validation loss (checked every 200 steps)").
std::string describe_curve(const Summary& summary);
// A ratio as the report shows it: "0.782×".
std::string times(double ratio);
// A measure in words ("steps to val_accuracy >= 0.8 (checked every 200 steps)").
std::string describe_measure(const std::string& m, const Summary& summary);

// Per arm, a metric over epochs: the mean and the range over seeds.
struct Curve {
  std::vector<double> x, mean, low, high;
};
Curve curve(const std::vector<RunRecord>& records, const std::string& arm,
            const std::function<std::optional<double>(const RunRecord&, std::size_t)>& value,
            std::size_t points);
// The accuracy the records have at epoch ends (validation, else test, else training).
std::string epoch_metric_for_accuracy(const std::vector<RunRecord>& records);

bool has_layer_statistics(const Summary& summary);
// Every plot the experiment has, in report order.
std::vector<Figure> all_plots(const ReportInputs& in);

void intro_section(report::Document& doc, const ReportInputs& in);
void verdicts_section(report::Document& doc, const ReportInputs& in);
void sensitivity_section(report::Document& doc, const ReportInputs& in);
void tuning_section(report::Document& doc, const ReportInputs& in);
void cost_section(report::Document& doc, const ReportInputs& in);
void arms_section(report::Document& doc, const ReportInputs& in);
void hidden_layers_section(report::Document& doc, const ReportInputs& in);
void comparisons_section(report::Document& doc, const ReportInputs& in);
void problems_section(report::Document& doc, const std::vector<RunRecord>& records);
void method_section(report::Document& doc, const ReportInputs& in);

}  // namespace nnfit::compare_parts
