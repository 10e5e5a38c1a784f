// nnfit: train multilayer perceptrons from JSON configs. See `nnfit --help` and README.md.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "commands.hpp"
#include "nnfit/error.hpp"
#include "nnfit/gemm.hpp"
#include "nnfit/version.hpp"
#ifdef NNFIT_WITH_MPI
#include "mpi_engine.hpp"
#include "stop_signal.hpp"
#endif

using namespace nnfit::cli;

namespace {

const char* kHelp =
    "nnfit: train multilayer perceptrons from JSON configs.\n\n"
    "  nnfit --config configs/mlp_selu.json        train, write runs/mlp_selu/\n"
    "  nnfit --resume runs/mlp_selu                continue an interrupted run\n"
    "  nnfit config --config F                     print the resolved config\n"
    "  nnfit eval --model M --data fashion_mnist   metrics and confusion matrix\n"
    "  nnfit predict --model M --input x.csv       predictions as CSV\n"
    "  nnfit list                                  what can be named in a config\n"
    "  nnfit summary --config F                    layers, shapes, parameter counts\n"
    "  nnfit report runs/mlp_selu                  (re)draw a run's report.html\n"
    "  nnfit report runs/a runs/b -o runs.html     several runs overlaid on one page\n"
    "  nnfit compare --experiment experiments/elu_converges_faster.json\n"
    "  nnfit compare --config F --activations relu,elu,selu --seeds 5\n"
    "                                              arms over seeds: statistics, plots, report\n"
    "  nnfit compare --experiment F --plan DIR; --run-one DIR --index I; --collect DIR\n"
    "  mpirun -np N nnfit compare --experiment F   the same on a cluster (docs/SCALING.md)\n\n"
    "While training, one line per epoch shows the training and validation metrics; a\n"
    "trailing * marks a new best of the monitored metric (val_loss, or train_loss without a\n"
    "validation split, or train.patience.metric); test metrics come once, in the summary.\n\n"
    "Exit status: 0 success, 2 bad usage or config (or the run directory is in use),\n"
    "3 data error, 4 diverged, 5 some compare runs failed (or, for --collect, are missing),\n"
    "130 interrupted.";

// What the command line says, filled in by CLI11: each subcommand's options and its App.
struct Arguments {
  TrainOptions train;
  bool quiet = false, json_lines = false, list_markdown = false;
  CLI::App *config = nullptr, *eval = nullptr, *predict = nullptr, *report = nullptr,
           *summary = nullptr, *list = nullptr, *compare = nullptr;
  std::string config_file;
  std::vector<std::string> config_sets;
  std::string eval_model, eval_data, eval_split = "test";
  bool eval_json = false;
  int inference_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  PredictOptions predict_options;
  bool with_header = false, no_header = false;
  std::vector<std::string> report_dirs;
  std::string report_output, summary_config, summary_model;
  CompareArgs compare_args;
  std::string activations;
#ifdef NNFIT_WITH_MPI
  const mpi::Session* mpi = nullptr;
#endif
};

void add_train_options(CLI::App& app, Arguments& a) {
  TrainOptions& train = a.train;
  app.add_option("-c,--config", train.config, "run config (JSON); see docs/CONFIG.md");
  app.add_option("--set", train.overrides, "override a config key: --set optimizer.lr=0.01")
      ->take_all();
  app.add_option("--resume", train.resume,
                 "continue the run in this directory from its checkpoint");
  app.add_option("-o,--output", train.output, "run directory (default: the config's output.dir)");
  app.add_option("-j,--threads", train.threads, "training threads (overrides train.threads)")
      ->check(CLI::Range(1, 256));
  app.add_flag("--force", train.force, "start over in a directory that holds an unfinished run");
  app.add_flag("-q,--quiet", a.quiet, "print nothing but errors");
  app.add_flag("--json", a.json_lines, "print one JSON object per epoch, then the summary");
  app.add_option("--interrupt-after-steps", train.interrupt_after_steps,
                 "testing: raise SIGINT after N optimiser steps")
      ->group("");
}

void add_inference_threads(CLI::App& command, Arguments& a) {
  command
      .add_option("-j,--threads", a.inference_threads,
                  "threads for the forward passes (default: the number of cores)")
      ->check(CLI::Range(1, 256));
}

void add_config_and_eval(CLI::App& app, Arguments& a) {
  a.config = app.add_subcommand("config", "print the fully resolved config");
  a.config->add_option("-c,--config", a.config_file, "run config (JSON)")->required();
  a.config->add_option("--set", a.config_sets, "override a config key")->take_all();

  a.eval = app.add_subcommand("eval", "evaluate a trained model: metrics and confusion matrix");
  a.eval
      ->add_option("-m,--model", a.eval_model,
                   "model file, or a run directory (its model.safetensors)")
      ->required();
  a.eval->add_option("-d,--data", a.eval_data,
                     "a config file (its data section), a JSON data spec, or a source name "
                     "(default: the run's own data, when --model is in a run directory)");
  a.eval->add_option("--split", a.eval_split, "train, validation or test (default test)");
  a.eval->add_flag("--json", a.eval_json, "print the result as one JSON object");
  add_inference_threads(*a.eval, a);
}

void add_predict(CLI::App& app, Arguments& a) {
  a.predict = app.add_subcommand("predict", "predict from a CSV of features");
  CLI::App& predict = *a.predict;
  predict.add_option("-m,--model", a.predict_options.model, "model file, or a run directory")
      ->required();
  predict.add_option("-i,--input", a.predict_options.input, "CSV file, one sample per row")
      ->required();
  predict.add_option("-o,--output", a.predict_options.output,
                     "where to write the CSV (default stdout)");
  auto* header_flag = predict.add_flag(
      "--header", a.with_header,
      "the input's first row is a header (default: a first row with any non-number, or equal "
      "to the model's feature names, is one)");
  predict.add_flag("--no-header", a.no_header, "the input has no header row")
      ->excludes(header_flag);
  predict.add_option("--id", a.predict_options.id,
                     "copy this column (a name, or a 0-based index without a header) to the "
                     "output's first column");
  predict.add_flag("--probabilities", a.predict_options.probabilities,
                   "add a probability column per class");
  predict.add_flag("--logits", a.predict_options.logits,
                   "add the raw model output (logit) per class");
  add_inference_threads(predict, a);
}

void add_report_summary_list(CLI::App& app, Arguments& a) {
  a.report = app.add_subcommand(
      "report", "write report.html for a run directory, or one page overlaying several runs");
  a.report->add_option("runs", a.report_dirs, "run directories (runs/NAME ...)")->required();
  a.report->add_option("-o,--output", a.report_output,
                       "with several runs: the HTML file to write (default runs.html)");
  a.summary = app.add_subcommand(
      "summary", "the model's layers, output shapes and parameter counts (like Keras's summary)");
  auto* from_config = a.summary->add_option("-c,--config", a.summary_config,
                                            "a run config (its data sets the input)");
  a.summary->add_option("-m,--model", a.summary_model, "a model file or run directory")
      ->excludes(from_config);
  a.list = app.add_subcommand("list",
                              "list every layer, activation, loss, optimizer, "
                              "initializer, schedule and data source, with their fields");
  a.list->add_flag("--markdown", a.list_markdown,
                   "print the reference tables of docs/CONFIG.md instead");
}

void add_compare(CLI::App& app, Arguments& a) {
  a.compare = app.add_subcommand(
      "compare", "train several arms over several seeds; statistics, plots and a report");
  CLI::App& compare = *a.compare;
  CompareArgs& cmp = a.compare_args;
  compare.add_option("-e,--experiment", cmp.experiment, "experiment file (experiments/*.json)");
  compare.add_option("-c,--config", cmp.config, "base run config (with --activations)");
  compare.add_option("-a,--activations", a.activations,
                     "comma-separated activations, one arm each: relu,elu,selu");
  compare.add_option("-s,--seeds", cmp.seeds, "a count (5: seeds 1-5) or a list (1,2,7)");
  compare.add_option("--set", cmp.overrides, "override a key of every arm's config")->take_all();
  compare.add_option("--baseline", cmp.baseline, "the arm the others are compared with");
  compare.add_option("--tune", cmp.tune,
                     "with --activations: tune this key per arm (lr = optimizer.lr) over "
                     "[1e-4, 1], 9 log-spaced points, by successive halving on 2 tuning seeds");
  compare.add_option("-o,--output", cmp.output,
                     "output folder (default runs/compare/<experiment>)");
  compare.add_option("-j,--jobs", cmp.jobs, "runs at once (default: the number of cores)")
      ->check(CLI::Range(1, 256));
  compare.add_option("--threads", cmp.threads, "training threads per run (default 1)")
      ->check(CLI::Range(1, 256));
  compare.add_flag("--smoke", cmp.smoke, "the experiment's reduced size (its \"smoke\" section)");
  compare.add_flag("--force", cmp.force, "redo runs already in the output folder");
  compare.add_flag("-q,--quiet", cmp.quiet, "print nothing but errors");
  compare.add_option("--plan", cmp.plan,
                     "write the next stage's runs to DIR/plan.jsonl (any batch scheduler)");
  compare.add_option("--run-one", cmp.run_one, "train one run of DIR/plan.jsonl (with --index)");
  compare.add_option("--index", cmp.index, "the 0-based line of plan.jsonl for --run-one")
      ->check(CLI::NonNegativeNumber);
  compare.add_option("--collect", cmp.collect,
                     "statistics and report from DIR's run files; list the missing ones");
  compare.get_option("--plan")->excludes("--run-one")->excludes("--collect");
  compare.get_option("--run-one")->excludes("--collect");
}

#ifdef NNFIT_WITH_MPI
// Under mpirun with more than one rank: rank 0 runs the comparison on the other ranks, which
// train what it sends them (src/cli/mpi_engine.hpp).
int compare_on_ranks(CompareArgs& cmp, const mpi::Session& session) {
  if (!cmp.plan.empty() || !cmp.run_one.empty() || !cmp.collect.empty())
    throw nnfit::ConfigError(
        "compare --plan, --run-one and --collect are for batch schedulers; under mpirun give "
        "the experiment alone");
  if (session.rank() > 0) return mpi::serve();
  cmp.engine = mpi::coordinator(session.size(), [] { return StopSignal::requested(); });
  cmp.engine_label = std::to_string(session.size() - 1) +
                     " MPI ranks training one run at a time each (rank 0 coordinating), " +
                     std::to_string(cmp.threads) + (cmp.threads == 1 ? " thread" : " threads") +
                     " per run";
  // On every way out (an error before any run went out included), the workers stop.
  struct Release {
    int ranks;
    ~Release() { mpi::release_workers(ranks); }
  } release{session.size()};
  return compare(cmp);
}
#endif

int run_compare(Arguments& a, int argc, char** argv) {
  CompareArgs& cmp = a.compare_args;
  for (std::size_t start = 0; start < a.activations.size();) {
    const auto comma = std::min(a.activations.find(',', start), a.activations.size());
    if (comma > start) cmp.activations.push_back(a.activations.substr(start, comma - start));
    start = comma + 1;
  }
  cmp.command_line = "nnfit";
  for (int i = 1; i < argc; ++i) cmp.command_line += std::string(" ") + argv[i];
#ifdef NNFIT_WITH_MPI
  if (a.mpi && a.mpi->active() && a.mpi->size() > 1) return compare_on_ranks(cmp, *a.mpi);
#endif
  return compare(cmp);
}

// Runs what the command line asked for.
int dispatch(CLI::App& app, Arguments& a, int argc, char** argv) {
  if (a.config->parsed()) return print_config(a.config_file, a.config_sets);
  if (a.eval->parsed())
    return evaluate_model(a.eval_model, a.eval_data, a.eval_split, a.eval_json,
                          a.inference_threads);
  if (a.predict->parsed()) {
    a.predict_options.header = a.with_header ? Header::yes
                               : a.no_header ? Header::no
                                             : Header::detect;
    a.predict_options.threads = a.inference_threads;
    return predict(a.predict_options);
  }
  if (a.list->parsed()) return list_registry(a.list_markdown);
  if (a.report->parsed()) return print_report(a.report_dirs, a.report_output);
  if (a.summary->parsed()) {
    if (a.summary_config.empty() && a.summary_model.empty())
      throw nnfit::ConfigError("summary: give --config FILE or --model FILE");
    return print_summary(a.summary_config, a.summary_model);
  }
  if (a.compare->parsed()) return run_compare(a, argc, argv);
  if (a.train.config.empty() && a.train.resume.empty()) {
    std::fprintf(stderr, "%s", app.help().c_str());
    std::fprintf(stderr, "nnfit: nothing to do: give --config FILE or a subcommand\n");
    return kUsage;
  }
  return train(a.train);
}

// Every exception becomes a message and its documented exit status.
template <class F>
int with_exit_codes(F&& run) {
  try {
    return run();
  } catch (const nnfit::ConfigError& e) {
    std::fprintf(stderr, "nnfit: %s\n", e.what());
    return kUsage;
  } catch (const nnfit::DataError& e) {
    std::fprintf(stderr, "nnfit: %s\n", e.what());
    return kDataError;
  } catch (const nnfit::DivergedError& e) {
    std::fprintf(stderr, "nnfit: %s\n", e.what());
    return kDiverged;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "nnfit: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    // A bug, not a user error: say so rather than abort.
    std::fprintf(stderr, "nnfit: internal error: %s\n", e.what());
    return 1;
  }
}

// Evaluation passes allocate and free matrices of a few hundred kB every epoch. By default
// glibc serves those with mmap and trims the heap behind them, so the next epoch faults every
// page in again: a fresh process (a --run-one task, an MPI rank's first run) trained a small
// network 40% slower than a long-lived one (docs/SCALING.md). Freed memory is kept for reuse
// instead: large blocks come from the heap (up to 32 MB, glibc's limit) and the heap is
// trimmed only past 256 MB of free space at its top.
void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();
#ifdef NNFIT_WITH_MPI
  const mpi::Session session(&argc, &argv);
#endif
  CLI::App app{kHelp, "nnfit"};
  app.set_version_flag("--version", [] {
    return std::string("nnfit ") + nnfit::kVersion + "\nmatrix products: " + nnfit::gemm_backend();
  });
  app.require_subcommand(0, 1);
  Arguments a;
  add_train_options(app, a);
  add_config_and_eval(app, a);
  add_predict(app, a);
  add_report_summary_list(app, a);
  add_compare(app, a);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "nnfit: %s\nRun nnfit --help for usage.\n", e.what());
    return kUsage;
  }
  if (a.quiet && a.json_lines) {
    std::fprintf(stderr, "nnfit: --quiet and --json exclude each other\n");
    return kUsage;
  }
  a.train.output_mode = a.json_lines ? Output::json : a.quiet ? Output::quiet : Output::normal;
#ifdef NNFIT_WITH_MPI
  a.mpi = &session;
  // Several ranks of anything but compare would do the same work in the same place.
  if (session.active() && session.size() > 1 && !a.compare->parsed()) {
    if (session.rank() == 0)
      std::fprintf(stderr, "nnfit: only nnfit compare runs on several MPI ranks\n");
    return kUsage;
  }
#endif
  return with_exit_codes([&] { return dispatch(app, a, argc, argv); });
}
