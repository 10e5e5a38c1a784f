// nnfit: train multilayer perceptrons from JSON configs. See `nnfit --help` and README.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "nnfit/error.hpp"
#include "nnfit/version.hpp"
#include "src/cli/commands.hpp"

using namespace nnfit::cli;

int main(int argc, char** argv) {
  CLI::App app{
      "nnfit: train multilayer perceptrons from JSON configs.\n\n"
      "  nnfit --config configs/mlp_selu.json        train, write runs/mlp_selu/\n"
      "  nnfit --config F --resume runs/mlp_selu     continue an interrupted run\n"
      "  nnfit config --config F                     print the resolved config\n"
      "  nnfit eval --model M --data fashion_mnist   metrics and confusion matrix\n"
      "  nnfit predict --model M --input x.csv       predictions as CSV\n"
      "  nnfit list                                  what can be named in a config\n"
      "  nnfit summary --config F                    layers, shapes, parameter counts\n"
      "  nnfit report runs/mlp_selu                  (re)draw a run's report.html\n"
      "  nnfit compare --experiment experiments/elu_converges_faster.json\n"
      "  nnfit compare --config F --activations relu,elu,selu --seeds 5\n"
      "                                              arms over seeds: statistics, plots, report\n\n"
      "While training, one line per epoch shows the training and validation metrics; a\n"
      "trailing * marks a new best of the monitored metric (val_loss, or train_loss without a\n"
      "validation split, or train.patience.metric); test metrics come once, in the summary.\n\n"
      "Exit status: 0 success, 2 bad usage or config, 3 data error, 4 diverged, "
      "5 some compare runs failed, 130 interrupted.",
      "nnfit"};
  app.set_version_flag("--version", std::string("nnfit ") + nnfit::kVersion);
  app.require_subcommand(0, 1);

  TrainOptions train;
  bool quiet = false, json_lines = false;
  app.add_option("-c,--config", train.config, "run config (JSON); see docs/CONFIG.md");
  app.add_option("--set", train.overrides, "override a config key: --set optimizer.lr=0.01")
      ->take_all();
  app.add_option("--resume", train.resume,
                 "continue the run in this directory from its checkpoint");
  app.add_option("-o,--output", train.output, "run directory (default: the config's output.dir)");
  app.add_option("-j,--threads", train.threads, "training threads (overrides train.threads)")
      ->check(CLI::Range(1, 256));
  app.add_flag("--force", train.force, "start over in a directory that holds an unfinished run");
  app.add_flag("-q,--quiet", quiet, "print nothing but errors");
  app.add_flag("--json", json_lines, "print one JSON object per epoch, then the summary");
  app.add_option("--interrupt-after-steps", train.interrupt_after_steps,
                 "testing: raise SIGINT after N optimiser steps")
      ->group("");

  auto* config = app.add_subcommand("config", "print the fully resolved config");
  std::string config_file;
  std::vector<std::string> config_sets;
  config->add_option("-c,--config", config_file, "run config (JSON)")->required();
  config->add_option("--set", config_sets, "override a config key")->take_all();

  auto* eval = app.add_subcommand("eval", "evaluate a trained model: metrics and confusion matrix");
  std::string eval_model, eval_data, eval_split = "test";
  bool eval_json = false;
  eval->add_option("-m,--model", eval_model,
                   "model file, or a run directory (its model.safetensors)")
      ->required();
  eval->add_option("-d,--data", eval_data,
                   "a config file (its data section), a JSON data spec, or a source name")
      ->required();
  eval->add_option("--split", eval_split, "train, validation or test (default test)");
  eval->add_flag("--json", eval_json, "print the result as one JSON object");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int inference_threads = cores;
  eval->add_option("-j,--threads", inference_threads,
                   "threads for the forward passes (default: the number of cores)")
      ->check(CLI::Range(1, 256));

  auto* predict = app.add_subcommand("predict", "predict from a CSV of features");
  PredictOptions predict_options;
  bool with_header = false, no_header = false;
  predict->add_option("-m,--model", predict_options.model, "model file, or a run directory")
      ->required();
  predict->add_option("-i,--input", predict_options.input, "CSV file, one sample per row")
      ->required();
  predict->add_option("-o,--output", predict_options.output,
                      "where to write the CSV (default stdout)");
  auto* header_flag = predict->add_flag(
      "--header", with_header,
      "the input's first row is a header (default: a first row with any non-number, or equal "
      "to the model's feature names, is one)");
  predict->add_flag("--no-header", no_header, "the input has no header row")->excludes(header_flag);
  predict->add_option("--id", predict_options.id,
                      "copy this column (a name, or a 0-based index without a header) to the "
                      "output's first column");
  predict->add_flag("--probabilities", predict_options.probabilities,
                    "add a probability column per class");
  predict->add_flag("--logits", predict_options.logits,
                    "add the raw model output (logit) per class");
  predict
      ->add_option("-j,--threads", inference_threads,
                   "threads for the forward passes (default: the number of cores)")
      ->check(CLI::Range(1, 256));

  auto* report = app.add_subcommand("report", "write report.html for a run directory");
  std::string report_dir;
  report->add_option("run", report_dir, "the run directory (runs/NAME)")->required();

  auto* summary = app.add_subcommand(
      "summary", "the model's layers, output shapes and parameter counts (like Keras's summary)");
  std::string summary_config, summary_model;
  auto* summary_config_option =
      summary->add_option("-c,--config", summary_config, "a run config (its data sets the input)");
  summary->add_option("-m,--model", summary_model, "a model file or run directory")
      ->excludes(summary_config_option);

  auto* list = app.add_subcommand("list",
                                  "list every layer, activation, loss, optimizer, "
                                  "initializer, schedule and data source");

  auto* compare = app.add_subcommand(
      "compare", "train several arms over several seeds; statistics, plots and a report");
  CompareArgs cmp;
  std::string activations;
  compare->add_option("-e,--experiment", cmp.experiment, "experiment file (experiments/*.json)");
  compare->add_option("-c,--config", cmp.config, "base run config (with --activations)");
  compare->add_option("-a,--activations", activations,
                      "comma-separated activations, one arm each: relu,elu,selu");
  compare->add_option("-s,--seeds", cmp.seeds, "a count (5: seeds 1-5) or a list (1,2,7)");
  compare->add_option("--set", cmp.overrides, "override a key of every arm's config")->take_all();
  compare->add_option("--baseline", cmp.baseline, "the arm the others are compared with");
  compare->add_option("-o,--output", cmp.output,
                      "output folder (default runs/compare/<experiment>)");
  compare->add_option("-j,--jobs", cmp.jobs, "runs at once (default: the number of cores)")
      ->check(CLI::Range(1, 256));
  compare->add_option("--threads", cmp.threads, "training threads per run (default 1)")
      ->check(CLI::Range(1, 256));
  compare->add_flag("--smoke", cmp.smoke, "the experiment's reduced size (its \"smoke\" section)");
  compare->add_flag("--force", cmp.force, "redo runs already in the output folder");
  compare->add_flag("-q,--quiet", cmp.quiet, "print nothing but errors");

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
  if (quiet && json_lines) {
    std::fprintf(stderr, "nnfit: --quiet and --json exclude each other\n");
    return kUsage;
  }
  train.output_mode = json_lines ? Output::json : quiet ? Output::quiet : Output::normal;

  try {
    if (config->parsed()) return print_config(config_file, config_sets);
    if (eval->parsed())
      return evaluate_model(eval_model, eval_data, eval_split, eval_json, inference_threads);
    if (predict->parsed()) {
      predict_options.header = with_header ? Header::yes : no_header ? Header::no : Header::detect;
      predict_options.threads = inference_threads;
      return nnfit::cli::predict(predict_options);
    }
    if (list->parsed()) return list_registry();
    if (report->parsed()) return print_report(report_dir);
    if (summary->parsed()) {
      if (summary_config.empty() && summary_model.empty())
        throw nnfit::ConfigError("summary: give --config FILE or --model FILE");
      return print_summary(summary_config, summary_model);
    }
    if (compare->parsed()) {
      for (std::size_t start = 0; start < activations.size();) {
        const auto comma = std::min(activations.find(',', start), activations.size());
        if (comma > start) cmp.activations.push_back(activations.substr(start, comma - start));
        start = comma + 1;
      }
      cmp.command_line = "nnfit";
      for (int i = 1; i < argc; ++i) cmp.command_line += std::string(" ") + argv[i];
      return nnfit::cli::compare(cmp);
    }
    if (train.config.empty() && train.resume.empty()) {
      std::fprintf(stderr, "%s", app.help().c_str());
      std::fprintf(stderr, "nnfit: nothing to do: give --config FILE or a subcommand\n");
      return kUsage;
    }
    return nnfit::cli::train(train);
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
