// `nnfit eval` (metrics and a confusion matrix on a data split) and `nnfit predict` (CSV in,
// predictions out), both with the preprocessing saved in the model file.
#include <cstdio>
#include <filesystem>

#include "nnfit/atomic_file.hpp"
#include "nnfit/config.hpp"
#include "nnfit/error.hpp"
#include "nnfit/metrics.hpp"
#include "nnfit/model_file.hpp"
#include "nnfit/parallel_step.hpp"
#include "nnfit/registry.hpp"
#include "src/cli/commands.hpp"

namespace nnfit::cli {

namespace {

// --data: a config file (its "data" section), a JSON object, or a source name.
json data_spec(const std::string& text) {
  if (!text.empty() && text.front() == '{') {
    try {
      return json::parse(text);
    } catch (const json::parse_error& e) {
      throw ConfigError(std::string("--data: invalid JSON: ") + e.what());
    }
  }
  if (std::filesystem::exists(text)) {
    const json config = load_config(text);
    if (!config.contains("data")) throw ConfigError(text + ": no \"data\" section");
    // The run's seed drew its generated samples and its splits: the same seed gives the same
    // test split.
    json data = config["data"];
    if (data.is_object() && !data.contains("seed")) data["seed"] = config.value("seed", 1);
    return data;
  }
  if (registry().sources.find(text)) return json{{"source", text}};
  throw ConfigError("--data " + text + ": not a file, a JSON object or a data source; " +
                    registry().sources.unknown(text));
}

}  // namespace

int evaluate_model(const std::string& model_path, const std::string& data_text,
                   const std::string& split_name, bool json_output, int threads) {
  SavedModel saved = load_model(model_path);
  json spec = data_spec(data_text);
  spec.erase("scale");  // the model's own preprocessing applies
  const Data data = load_data(spec, 1, "data", saved.info.scaler);
  if (data.num_features != saved.model.input_size())
    throw ConfigError("--data: " + std::to_string(data.num_features) +
                      " features, the model takes " + std::to_string(saved.model.input_size()));
  const Split* split = split_name == "train"        ? &data.train
                       : split_name == "validation" ? &data.validation
                       : split_name == "test"       ? &data.test
                                                    : nullptr;
  if (!split) throw ConfigError("--split " + split_name + ": expected train, validation or test");
  if (split->empty())
    throw ConfigError(
        "--split " + split_name + ": the data has no " + split_name + " samples" +
        (split_name == "test" ? " (use --split train, or a source with a test set)" : ""));
  const bool classification = saved.info.task == Task::classification;
  if (classification != (data.task == Task::classification))
    throw ConfigError("--data: the model does " +
                      std::string(classification ? "classification" : "regression") +
                      ", the data is for " + (classification ? "regression" : "classification"));
  auto loss = make_loss(classification ? "softmax_cross_entropy" : "mse");
  ParallelStep parallel(saved.model, threads);
  const Evaluation e = evaluate(saved.model, *loss, *split, 1024, classification, &parallel);
  const auto& names = saved.info.class_names;
  if (json_output) {
    json out = {{"split", split_name}, {"samples", e.metrics.samples}, {"loss", e.metrics.loss}};
    if (e.metrics.accuracy) out["accuracy"] = *e.metrics.accuracy;
    if (e.metrics.rmse) out["rmse"] = *e.metrics.rmse;
    if (e.metrics.r2) out["r2"] = *e.metrics.r2;
    if (classification) {
      json rows = json::array();
      for (Index i = 0; i < e.confusion.rows(); ++i) {
        json row = json::array();
        for (Index j = 0; j < e.confusion.cols(); ++j) row.push_back(e.confusion(i, j));
        rows.push_back(row);
      }
      out["confusion"] = rows;
      out["classes"] = names;
    }
    std::printf("%s\n", out.dump().c_str());
    return kSuccess;
  }
  std::printf("%s on %s %s (%ld samples): loss %.4f", model_path.c_str(), data.source.c_str(),
              split_name.c_str(), static_cast<long>(e.metrics.samples), e.metrics.loss);
  if (e.metrics.accuracy) std::printf("  accuracy %.4f", *e.metrics.accuracy);
  if (e.metrics.rmse) std::printf("  rmse %.4g  r2 %.4f", *e.metrics.rmse, *e.metrics.r2);
  std::printf("\n");
  if (classification) {
    std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%14s", "");
    for (Index j = 0; j < e.confusion.cols(); ++j) std::printf(" %6ld", static_cast<long>(j));
    std::printf("  recall\n");
    for (Index i = 0; i < e.confusion.rows(); ++i) {
      const std::string name = i < static_cast<Index>(names.size())
                                   ? names[static_cast<std::size_t>(i)]
                                   : std::to_string(i);
      std::printf("%2ld %-11.11s", static_cast<long>(i), name.c_str());
      for (Index j = 0; j < e.confusion.cols(); ++j)
        std::printf(" %6ld", static_cast<long>(e.confusion(i, j)));
      const auto total = e.confusion.row(i).sum();
      std::printf(
          "  %6.4f\n",
          total ? static_cast<double>(e.confusion(i, i)) / static_cast<double>(total) : 0.0);
    }
  }
  return kSuccess;
}

int predict(const std::string& model_path, const std::string& input, const std::string& output,
            bool header, bool probabilities, int threads) {
  SavedModel saved = load_model(model_path);
  CsvOptions options;
  options.header = header;
  options.has_target = false;
  Samples samples = read_csv(input, options);
  if (samples.x.cols() != saved.model.input_size())
    throw DataError(input + ": " + std::to_string(samples.x.cols()) + " columns, the model takes " +
                    std::to_string(saved.model.input_size()) + " features");
  saved.info.scaler.apply(samples.x);
  const bool classification = saved.info.task == Task::classification;
  const auto& names = saved.info.class_names;
  std::string out;
  // Header.
  if (classification) {
    out += "prediction";
    if (probabilities)
      for (const auto& n : names) out += ",p_" + n;
  } else {
    for (Index j = 0; j < saved.model.output_size(); ++j)
      out += (j ? ",y" : "y") + std::to_string(j);
  }
  out += "\n";
  const Index batch = 1024;
  Matrix x;
  char number[32];
  ParallelStep parallel(saved.model, threads);
  // Rows of one part of a batch, in order (the parts come in row order).
  auto write = [&](Index, const Matrix& y) {
    for (Index i = 0; i < y.rows(); ++i) {
      if (classification) {
        Index best = 0;
        y.row(i).maxCoeff(&best);
        std::string name = best < static_cast<Index>(names.size())
                               ? names[static_cast<std::size_t>(best)]
                               : std::to_string(best);
        if (name.find_first_of(",\"\n") != std::string::npos) {
          std::string quoted = "\"";
          for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
          name = quoted + "\"";
        }
        out += name;
        if (probabilities) {
          const float max = y.row(i).maxCoeff();
          const RowVector e = (y.row(i).array() - max).exp().matrix();
          const float sum = e.sum();
          for (Index j = 0; j < e.size(); ++j) {
            std::snprintf(number, sizeof number, ",%.6g", e[j] / sum);
            out += number;
          }
        }
      } else {
        for (Index j = 0; j < y.cols(); ++j) {
          std::snprintf(number, sizeof number, "%s%.9g", j ? "," : "", y(i, j));
          out += number;
        }
      }
      out += "\n";
    }
  };
  for (Index start = 0; start < samples.x.rows(); start += batch) {
    const Index n = std::min(batch, samples.x.rows() - start);
    x = samples.x.middleRows(start, n);
    parallel.forward(x);
    parallel.for_each_output(write);
  }
  if (output.empty() || output == "-") {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    write_file_atomically(output, out);
  }
  return kSuccess;
}

int list_registry() {
  const auto& r = registry();
  auto show = [](const char* title, const auto& table) {
    std::printf("%s:\n", title);
    for (const auto& e : table.entries())
      std::printf("  %-22s %s%s%s\n", e.name.c_str(), e.summary.c_str(),
                  e.parameters.empty() ? "" : "; ", e.parameters.c_str());
    std::printf("\n");
  };
  show("layers (every activation is a layer too)", r.layers);
  show("activations (also \"activation\" on a dense layer)", r.activations);
  show("losses", r.losses);
  show("optimizers", r.optimizers);
  show("initializers (\"init\" on a dense layer; \"auto\" picks by activation)", r.initializers);
  show("schedules", r.schedules);
  show("data sources", r.sources);
  std::printf("metrics (for train.stop_at and train.patience):\n ");
  for (const auto& m : metric_names()) std::printf(" %s", m.c_str());
  std::printf("\n");
  return kSuccess;
}

}  // namespace nnfit::cli
