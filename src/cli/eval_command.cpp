// `nnfit eval` (metrics and a confusion matrix on a data split, with the preprocessing saved
// in the model file) and `nnfit list`.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "commands.hpp"
#include "nnfit/config.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/detail/reference.hpp"
#include "nnfit/error.hpp"
#include "nnfit/metrics.hpp"
#include "nnfit/model_file.hpp"
#include "nnfit/parallel_step.hpp"
#include "nnfit/registry.hpp"

namespace nnfit::cli {

namespace {

// --data: a config file (its "data" section), a JSON object, or a source name.
json data_spec(const std::string& text) {
  if (!text.empty() && text.front() == '{') return parse_json_text(text, "--data");
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

// The config.json of the run directory a model file sits in, if it is in one.
std::optional<json> run_config_beside(const std::string& model_path) {
  const auto config = std::filesystem::path(model_path).parent_path() / "config.json";
  if (!std::filesystem::exists(config)) return std::nullopt;
  return load_config(config.string());
}

// The data to evaluate on: --data, or without it the run's own data spec and seed (so its
// test split is the one it was trained beside). A bare source name the run trained on with
// other settings is refused: the generator's defaults would be another data set.
json evaluation_data(const std::string& data_text, const std::string& model_path) {
  const std::optional<json> run = run_config_beside(model_path);
  if (data_text.empty()) {
    if (!run || !run->contains("data"))
      throw ConfigError(
          "--data is needed: " + model_path +
          " is not in a run directory (no config.json with a data section beside it)");
    return data_spec((std::filesystem::path(model_path).parent_path() / "config.json").string());
  }
  json spec = data_spec(data_text);
  if (run && run->contains("data") && spec == json{{"source", data_text}} &&
      (*run)["data"].value("source", std::string()) == data_text && (*run)["data"] != spec)
    throw ConfigError("--data " + data_text + ": the run trained on " + data_text +
                      " with its own settings (" + brief_json((*run)["data"]) +
                      "); leave --data out to evaluate on the run's own data, or give a full spec");
  return spec;
}

std::string class_name(const std::vector<std::string>& names, Index i) {
  return i < static_cast<Index>(names.size()) ? names[static_cast<std::size_t>(i)]
                                              : std::to_string(i);
}

void print_evaluation_json(const Evaluation& e, const std::string& split, bool classification,
                           const std::vector<std::string>& names) {
  json out = {{"split", split}, {"samples", e.metrics.samples}, {"loss", e.metrics.loss}};
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
    const auto scores = class_scores(e.confusion);
    json per_class = json::array();
    for (std::size_t c = 0; c < scores.size(); ++c)
      per_class.push_back({{"class", class_name(names, static_cast<Index>(c))},
                           {"precision", scores[c].precision},
                           {"recall", scores[c].recall},
                           {"f1", scores[c].f1},
                           {"support", scores[c].support}});
    out["per_class"] = per_class;
    out["macro_f1"] = macro_f1(scores);
  }
  std::printf("%s\n", out.dump().c_str());
}

// The confusion matrix, then precision, recall and F1 per class (sklearn's
// classification_report).
void print_confusion(const Evaluation& e, const std::vector<std::string>& names) {
  std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%14s", "");
  for (Index j = 0; j < e.confusion.cols(); ++j) std::printf(" %6ld", static_cast<long>(j));
  std::printf("\n");
  for (Index i = 0; i < e.confusion.rows(); ++i) {
    std::printf("%2ld %-11.11s", static_cast<long>(i), class_name(names, i).c_str());
    for (Index j = 0; j < e.confusion.cols(); ++j)
      std::printf(" %6ld", static_cast<long>(e.confusion(i, j)));
    std::printf("\n");
  }
  const auto scores = class_scores(e.confusion);
  std::printf("\n%-14s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "support");
  for (std::size_t c = 0; c < scores.size(); ++c)
    std::printf("%2zu %-11.11s %9.4f %9.4f %9.4f %9ld\n", c,
                class_name(names, static_cast<Index>(c)).c_str(), scores[c].precision,
                scores[c].recall, scores[c].f1, static_cast<long>(scores[c].support));
  std::printf("%-14s %9s %9s %9.4f %9ld\n", "macro average", "", "", macro_f1(scores),
              static_cast<long>(e.confusion.sum()));
}

}  // namespace

std::string model_file_of(const std::string& argument) {
  if (!std::filesystem::is_directory(argument)) return argument;
  const auto file = std::filesystem::path(argument) / "model.safetensors";
  if (!std::filesystem::exists(file))
    throw DataError(argument + ": a directory without model.safetensors; give the model file");
  return file.string();
}

namespace {

// One-hot inputs must be encoded as in training: the same attributes, categories and order.
// (A CSV's categories come from the file's values, so one that lacks a category is refused
// here rather than shifting every column after it.)
void check_same_encoding(const std::vector<CategoricalInput>& data,
                         const std::vector<CategoricalInput>& model, const std::string& path) {
  const auto describe = [](const std::vector<CategoricalInput>& list, const std::string& name) {
    for (const auto& c : list)
      if (c.name == name) {
        std::string text;
        for (const auto& v : c.categories) text += (text.empty() ? "" : ", ") + v;
        return "(" + text + ") from input " + std::to_string(c.column);
      }
    return std::string("(not one-hot encoded)");
  };
  for (const auto* list : {&data, &model})
    for (const auto& c : *list) {
      const auto same = [&](const CategoricalInput& o) {
        return o.name == c.name && o.categories == c.categories && o.column == c.column;
      };
      const auto& other = list == &data ? model : data;
      if (std::none_of(other.begin(), other.end(), same))
        throw DataError("--data: input '" + c.name + "' is encoded " + describe(data, c.name) +
                        " in the data but " + describe(model, c.name) + " in " + path);
    }
}

// `split` with its labels numbered as the model's classes (the data file numbers them from
// the labels it holds: one with only class "y" of a model of "x" and "y" would call it "x").
Split with_model_classes(const Split& split, const std::vector<std::string>& model_classes,
                         const std::string& model_path) {
  if (split.samples->class_names == model_classes) return split;
  auto samples = std::make_shared<Samples>(*split.samples);
  renumber_classes(*samples, model_classes,
                   "--data: a class that the model " + model_path + " was not trained on");
  return {samples, split.rows};
}

}  // namespace

int evaluate_model(const std::string& model_argument, const std::string& data_text,
                   const std::string& split_name, bool json_output, int threads) {
  const std::string model_path = model_file_of(model_argument);
  SavedModel saved = load_model(model_path);
  json spec = evaluation_data(data_text, model_path);
  const std::string described = brief_json(spec);
  spec.erase("scale");  // the model's own preprocessing applies
  const Data data = load_data(spec, 1, "data", saved.info.scaler);
  if (data.num_features != saved.model.input_size())
    throw ConfigError("--data: " + std::to_string(data.num_features) +
                      " features, the model takes " + std::to_string(saved.model.input_size()));
  check_same_encoding(data.categorical, saved.info.categorical, model_path);
  const Split* chosen = data.split(split_name);
  if (!chosen) throw ConfigError("--split " + split_name + ": expected train, validation or test");
  if (chosen->empty())
    throw ConfigError(
        "--split " + split_name + ": the data has no " + split_name + " samples" +
        (split_name == "test" ? " (use --split train, or a source with a test set)" : ""));
  const bool classification = saved.info.task == Task::classification;
  if (classification != (data.task == Task::classification))
    throw ConfigError("--data: the model does " +
                      std::string(classification ? "classification" : "regression") +
                      ", the data is for " + (classification ? "regression" : "classification"));
  const Split split =
      classification ? with_model_classes(*chosen, saved.info.class_names, model_path) : *chosen;
  auto loss = make_loss(classification ? "softmax_cross_entropy" : "mse");
  ParallelStep parallel(saved.model, threads);
  const Evaluation e = evaluate(saved.model, *loss, split, 1024, classification, &parallel);
  if (json_output) {
    print_evaluation_json(e, split_name, classification, saved.info.class_names);
  } else {
    std::printf("%s on %s %s (%ld samples): loss %.4f", model_path.c_str(), data.source.c_str(),
                split_name.c_str(), static_cast<long>(e.metrics.samples), e.metrics.loss);
    if (e.metrics.accuracy) std::printf("  accuracy %.4f", *e.metrics.accuracy);
    if (e.metrics.rmse) std::printf("  rmse %.4g  r2 %.4f", *e.metrics.rmse, *e.metrics.r2);
    std::printf("\ndata: %s%s\n", data_text.empty() ? "the run's own, " : "", described.c_str());
    if (classification) print_confusion(e, saved.info.class_names);
  }
  return kSuccess;
}

int list_registry(bool markdown) {
  std::printf("%s", (markdown ? reference_markdown() : reference_text()).c_str());
  return kSuccess;
}

}  // namespace nnfit::cli
