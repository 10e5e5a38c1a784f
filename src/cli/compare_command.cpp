// `nnfit compare`: every arm of an experiment over several seeds, then statistics and a report.
//
//   nnfit compare --experiment experiments/elu_converges_faster.json [--smoke]
//   nnfit compare --config configs/mlp_relu.json --activations relu,elu,selu --seeds 5
//
// Output (default runs/compare/<experiment>[-smoke]/): runs/<arm>/seed-<n>.json per run (a
// resumed comparison skips them), runs.jsonl, summary.json, summary.csv, plots/*.svg,
// report.md and report.html; a table on stdout at the end.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "commands.hpp"
#include "compare_parts.hpp"
#include "nnfit/detail/run_lock.hpp"
#include "nnfit/error.hpp"
#include "nnfit/experiments/record_archive.hpp"
#include "nnfit/experiments/suite.hpp"
#include "nnfit/report/compare_report.hpp"
#include "nnfit/report/suite_report.hpp"
#include "progress.hpp"
#include "stop_signal.hpp"

namespace nnfit::cli {

namespace {

// A count or a list; the list is checked (repeats, size) with the experiment file's rule.
std::vector<std::uint64_t> parse_seeds(const std::string& text) {
  if (text.empty()) return {};
  std::vector<std::uint64_t> seeds;
  const bool list = text.find(',') != std::string::npos;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    std::size_t used = 0;
    unsigned long long value = 0;
    try {
      value = std::stoull(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || item[0] == '-')
      throw ConfigError("--seeds " + text +
                        ": expected a count (5: seeds 1 to 5) or a list (1,2,7)");
    seeds.push_back(value);
    start = comma + 1;
  }
  if (!list) {
    if (seeds[0] < 1 || seeds[0] > kMaxSeeds)
      throw ConfigError("--seeds: a count from 1 to " + std::to_string(kMaxSeeds));
    return first_seeds(static_cast<int>(seeds[0]));
  }
  return seeds;
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d", std::gmtime(&now));
  return text;
}

}  // namespace

std::string engine_label(const CompareArgs& options, const CompareOptions& co) {
  if (!options.engine_label.empty()) return options.engine_label;
  if (!options.collect.empty()) return "runs collected from their record files";
  return std::to_string(co.jobs) + (co.jobs == 1 ? " run" : " runs") +
         " at a time on one machine, " + std::to_string(co.threads_per_run) +
         (co.threads_per_run == 1 ? " thread" : " threads") + " each";
}

// The experiment: from --experiment FILE, or --config FILE with --activations.
Experiment experiment_of(const CompareArgs& options) {
  if (options.experiment.empty() == options.config.empty())
    throw ConfigError("compare: give either --experiment FILE or --config FILE --activations A,B");
  if (!options.config.empty() && options.activations.empty())
    throw ConfigError(
        "compare --config: also give --activations, e.g. --activations relu,elu,selu");
  if (!options.experiment.empty() && !options.activations.empty())
    throw ConfigError(
        "compare: --activations goes with --config; an experiment file lists its arms");
  ExperimentOptions eo;
  eo.smoke = options.smoke;
  eo.seeds = parse_seeds(options.seeds);
  eo.overrides = options.overrides;
  eo.baseline = options.baseline;
  if (!options.tune.empty()) {
    if (options.config.empty())
      throw ConfigError(
          "compare --tune goes with --config and --activations; an experiment file has its own "
          "\"tune\"");
    eo.tune = {{"key", options.tune == "lr" ? "optimizer.lr" : options.tune},
               {"log_range", {1e-4, 1.0}},
               {"points", 9}};
  }
  return options.experiment.empty()
             ? experiment_from_config(options.config, options.activations, eo)
             : read_experiment(options.experiment, eo);
}

// "[ 3/12] elu  seed 2  finished  4.1 s  3 epochs, train_loss ...": one line per run.
void print_run_line(const RunRecord& r, int done, int total) {
  std::string detail;
  if (!r.epochs.empty()) {
    const auto& last = r.epochs.back();
    char text[160];
    std::snprintf(text, sizeof text, "%zu epochs, train_loss %.4f", r.epochs.size(),
                  last.train.loss);
    detail = text;
    if (last.validation.accuracy)
      std::snprintf(text, sizeof text, ", val_accuracy %.4f", *last.validation.accuracy),
          detail += text;
    if (r.config["train"].contains("stop_at"))
      detail += r.target_reached ? ", target at epoch " + std::to_string(r.target_reached->first)
                                 : ", target not reached";
  }
  if (!r.error.empty()) detail += (detail.empty() ? "" : "; ") + r.error;
  std::printf("[%*d/%d] %-18s seed %-4llu %-11s %6.1f s  %s\n",
              static_cast<int>(std::to_string(total).size()), done, total, r.arm.c_str(),
              static_cast<unsigned long long>(r.seed), r.status.c_str(), r.wall_time,
              detail.c_str());
  std::fflush(stdout);
}

CompareOptions compare_options(const CompareArgs& options, const Experiment& experiment) {
  CompareOptions co;
  co.output = !options.output.empty()
                  ? options.output
                  : "runs/compare/" + experiment.name + (options.smoke ? "-smoke" : "");
  co.jobs = options.jobs > 0 ? options.jobs
                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  co.threads_per_run = options.threads;
  co.force = options.force;
  if (!options.quiet) co.on_run_end = print_run_line;
  return co;
}

Outcome run_all(const Experiment& experiment, const CompareOptions& co) {
  // A committed records archive: its records are put back and reused like any record.
  const int restored = restore_record_archive(co.output);
  if (restored > 0 && co.on_run_end)
    std::printf("%s: %d records restored from %s\n", co.output.c_str(), restored, kRecordArchive);
  Outcome out;
  if (experiment.datasets.empty())
    out.single = run_study(experiment, co);
  else
    out.suite = run_suite(experiment, co);
  return out;
}

namespace {

ReportContext report_context(const CompareArgs& options, const CompareOptions& co,
                             std::chrono::steady_clock::time_point started) {
  ReportContext context;
  context.command = options.command_line;
  context.machine = describe_machine();
  context.date = today();
  context.engine = engine_label(options, co);
  context.wall_time =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return context;
}

int failed_runs(const Study& study) {
  int failed = 0;
  for (const auto& r : study.records) failed += r.status == "failed";
  for (const auto& r : study.fixed_records) failed += r.status == "failed";
  return failed;
}

// One comparison's statistics and report in `output`; its summary.
Summary report_study(const Study& study, const ReportContext& context, const std::string& output) {
  Summary summary = summarize_study(study);
  write_report(study.experiment, study.records, summary, context, output);
  return summary;
}

// Every data set's report, then the ranks across them.
SuiteSummary report_suite(const Experiment& experiment, const std::vector<DatasetStudy>& suite,
                          const ReportContext& context, const std::string& output) {
  std::vector<Summary> summaries;
  for (const auto& d : suite)
    summaries.push_back(report_study(d.study, context, dataset_output(output, d.name)));
  SuiteSummary summary = summarize_suite(experiment, summaries);
  write_suite_report(experiment, summary, context, output);
  return summary;
}

void print_ranks(const SuiteSummary& summary) {
  if (!summary.ranking) return;
  std::printf("\naverage rank by %s over %zu data sets (1: the best):\n", summary.rank_by.c_str(),
              summary.datasets.size());
  for (std::size_t m = 0; m < summary.arms.size(); ++m)
    std::printf("  %-24s %.3f\n", summary.arms[m].c_str(), summary.ranking->average_ranks[m]);
  const Friedman& f = summary.ranking->friedman;
  std::printf("Friedman chi2 %.3g (p %.3g), Iman-Davenport F %.3g (p %.3g)\n", f.chi2, f.chi2_p,
              f.iman_davenport, f.iman_davenport_p);
}

}  // namespace

// The statistics and the report; the exit status says whether every run ended.
int report_and_exit_status(const CompareArgs& options, const Experiment& experiment,
                           const Outcome& outcome, const CompareOptions& co,
                           std::chrono::steady_clock::time_point started) {
  const ReportContext context = report_context(options, co, started);
  int failed = 0;
  if (outcome.single) {
    const Summary summary = report_study(*outcome.single, context, co.output);
    failed = failed_runs(*outcome.single);
    if (!options.quiet) std::printf("\n%s", summary_table(summary).c_str());
  } else {
    const SuiteSummary summary = report_suite(experiment, outcome.suite, context, co.output);
    for (const auto& d : outcome.suite) failed += failed_runs(d.study);
    if (!options.quiet) print_ranks(summary);
  }
  write_record_archive(co.output);
  if (!options.quiet)
    std::printf("\nreport: %s/report.md and report.html (%s)\n", co.output.c_str(),
                format_duration(context.wall_time).c_str());
  if (!failed) return kSuccess;
  std::fprintf(stderr,
               "nnfit: %d runs failed (see %s/report.md); run the same command again to retry "
               "them\n",
               failed, co.output.c_str());
  return kRunsFailed;
}

int compare(const CompareArgs& options) {
  if (!options.run_one.empty()) return run_one_command(options);
  if (!options.plan.empty()) return plan_command(options);
  if (!options.collect.empty()) return collect_command(options);
  const auto started = std::chrono::steady_clock::now();
  Experiment experiment = experiment_of(options);
  CompareOptions co = compare_options(options, experiment);
  const RunDirectoryLock lock(co.output);  // one compare at a time in an output folder
  const std::size_t sets = std::max<std::size_t>(1, experiment.datasets.size());
  if (!options.quiet) {
    std::printf(
        "nnfit compare: %s: %zu arms x %zu seeds%s = %zu runs, %s; output %s/\n",
        experiment.name.c_str(), experiment.arms.size(), experiment.seeds.size(),
        experiment.datasets.empty() ? "" : (" x " + std::to_string(sets) + " data sets").c_str(),
        experiment.arms.size() * experiment.seeds.size() * sets, engine_label(options, co).c_str(),
        co.output.c_str());
    if (experiment.tune)
      std::printf("tuning %s per arm first (tuning/ in the output)\n",
                  experiment.tune->key.c_str());
    std::fflush(stdout);
  }
  Outcome outcome;
  {
    StopSignal stop;
    co.interrupted = [] { return StopSignal::requested(); };
    co.engine = options.engine;
    outcome = run_all(experiment, co);
  }
  if (StopSignal::requested()) {
    std::fprintf(stderr,
                 "nnfit: compare interrupted; the runs that ended are kept in %s; run the same "
                 "command again to finish the others\n",
                 co.output.c_str());
    return kInterrupted;
  }
  if (!options.quiet && outcome.single)
    for (const auto& t : outcome.single->tunings)
      std::printf("tuned %-20s %s = %g%s\n", t.arm.c_str(), experiment.tune->key.c_str(), t.chosen,
                  t.on_edge ? " (on the edge of the space)" : "");
  return report_and_exit_status(options, experiment, outcome, co, started);
}

}  // namespace nnfit::cli
