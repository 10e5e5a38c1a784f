#include "nnfit/model_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <set>

#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

namespace {

std::map<std::string, std::string> metadata_of(const ModelInfo& info) {
  std::map<std::string, std::string> m = info.metadata;
  m["nnfit.task"] = info.task == Task::classification ? "classification" : "regression";
  m["nnfit.classes"] = json(info.class_names).dump();
  m["nnfit.preprocessing"] = info.scaler.type;
  if (info.scaler.clip > 0) m["nnfit.preprocessing_clip"] = json(info.scaler.clip).dump();
  if (!info.feature_names.empty()) m["nnfit.features"] = json(info.feature_names).dump();
  if (!info.categorical.empty()) {
    json c = json::array();
    for (const auto& input : info.categorical) c.push_back(input.to_json());
    m["nnfit.categorical"] = c.dump();
  }
  return m;
}

std::vector<Tensor> scaler_tensors(const Scaler& s) {
  if (s.identity()) return {};
  const auto n = static_cast<std::int64_t>(s.offset.size());
  return {{"preprocessing.offset", {n}, std::vector<float>(s.offset.data(), s.offset.data() + n)},
          {"preprocessing.factor", {n}, std::vector<float>(s.factor.data(), s.factor.data() + n)}};
}

// The first name in `names` that an earlier one repeats, or "" when they are distinct.
std::string first_repeated(const std::vector<std::string>& names) {
  std::set<std::string> seen;
  for (const auto& n : names)
    if (!seen.insert(n).second) return n;
  return "";
}

// A metadata entry holding a JSON list of names ("" when absent).
std::vector<std::string> names_in(const std::string& path, const std::string& key,
                                  const std::string& text) {
  if (text.empty()) return {};
  const json names = parse_json_text(text, path + ": metadata " + key, JsonBlame::data);
  if (!names.is_array() ||
      !std::all_of(names.begin(), names.end(), [](const json& n) { return n.is_string(); }))
    throw DataError(path + ": metadata " + key + " is not a JSON list of names");
  return names.get<std::vector<std::string>>();
}

// Metadata "nnfit.categorical": [{name, categories, column}, ...], each field of its exact type
// (a column of 1.5 is not column 1).
std::vector<CategoricalInput> categorical_in(const std::string& path, const std::string& text) {
  const std::string key = path + ": metadata nnfit.categorical";
  const json list = parse_json_text(text, key, JsonBlame::data);
  const auto strings = [](const json& v) {
    return v.is_array() &&
           std::all_of(v.begin(), v.end(), [](const json& s) { return s.is_string(); });
  };
  if (!list.is_array()) throw DataError(key + " is not a list of {name, categories, column}");
  std::vector<CategoricalInput> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& e = list[i];
    if (!e.is_object() || e.size() != 3 || !e.contains("name") || !e["name"].is_string() ||
        !e.contains("categories") || !strings(e["categories"]) || !e.contains("column") ||
        !e["column"].is_number_unsigned())
      throw DataError(key + "[" + std::to_string(i) + "] is not {\"name\": text, \"categories\": " +
                      "[text, ...], \"column\": an integer >= 0}");
    out.push_back(CategoricalInput::from_json(e));  // column >= 0 as read: fits an Index if <= max
    if (e["column"].get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      throw DataError(key + "[" + std::to_string(i) + "]: column " + e["column"].dump() +
                      " is out of range");
  }
  return out;
}

ModelInfo info_of(const std::string& path, const SafetensorsFile& file) {
  ModelInfo info;
  info.metadata = file.metadata;
  const auto get = [&](const std::string& key) -> std::string {
    const auto it = file.metadata.find(key);
    return it == file.metadata.end() ? "" : it->second;
  };
  const std::string task = get("nnfit.task");
  if (task != "classification" && task != "regression")
    throw DataError(path + ": metadata nnfit.task is " +
                    (task.empty() ? std::string("missing") : "'" + brief_text(task, 40) + "'") +
                    "; expected classification or regression");
  info.task = task == "regression" ? Task::regression : Task::classification;
  info.class_names = names_in(path, "nnfit.classes", get("nnfit.classes"));
  info.feature_names = names_in(path, "nnfit.features", get("nnfit.features"));
  info.scaler.type = get("nnfit.preprocessing").empty() ? "none" : get("nnfit.preprocessing");
  if (const std::string clip = get("nnfit.preprocessing_clip"); !clip.empty()) {
    const json value =
        parse_json_text(clip, path + ": metadata nnfit.preprocessing_clip", JsonBlame::data);
    if (!value.is_number() || !(value.get<double>() > 0) || !std::isfinite(value.get<double>()))
      throw DataError(path + ": metadata nnfit.preprocessing_clip is not a positive number");
    info.scaler.clip = value.get<double>();
  }
  if (const std::string c = get("nnfit.categorical"); !c.empty())
    info.categorical = categorical_in(path, c);
  const Tensor* offset = file.find("preprocessing.offset");
  const Tensor* factor = file.find("preprocessing.factor");
  if ((offset == nullptr) != (factor == nullptr) ||
      (offset && offset->data.size() != factor->data.size()))
    throw DataError(path + ": preprocessing.offset and preprocessing.factor do not match");
  if (offset) {
    info.scaler.offset =
        Eigen::Map<const RowVector>(offset->data.data(), static_cast<Index>(offset->data.size()));
    info.scaler.factor =
        Eigen::Map<const RowVector>(factor->data.data(), static_cast<Index>(factor->data.size()));
  }
  return info;
}

}  // namespace

void save_model(const std::string& path, const Model& model, const ModelInfo& info) {
  model.save(path, metadata_of(info), scaler_tensors(info.scaler));
}

namespace {

// "nnfit.classes" against the model's outputs: one name per output for classification (a
// header of one width over rows of another otherwise), none for regression; names distinct.
void check_classes(const std::string& path, const ModelInfo& info, const Model& model) {
  const auto n = static_cast<Index>(info.class_names.size());
  if (info.task == Task::classification && n != model.output_size())
    throw DataError(path + ": metadata nnfit.classes names " + std::to_string(n) +
                    " classes, the model has " + std::to_string(model.output_size()) + " outputs");
  if (info.task == Task::regression && n != 0)
    throw DataError(path + ": metadata nnfit.classes names classes, but nnfit.task is regression");
  if (const std::string name = first_repeated(info.class_names); !name.empty())
    throw DataError(path + ": metadata nnfit.classes names class '" + brief_text(name, 40) +
                    "' twice");
}

// "nnfit.features" and "nnfit.categorical" against the model's inputs: one distinct name per
// input; each one-hot range inside the inputs (no overflow), disjoint from the others, with
// distinct categories, over the columns the feature names give it ("name=category").
void check_inputs(const std::string& path, const ModelInfo& info, const Model& model) {
  const Index inputs = model.input_size();
  const auto& names = info.feature_names;
  if (!names.empty() && static_cast<Index>(names.size()) != inputs)
    throw DataError(path + ": metadata nnfit.features names " + std::to_string(names.size()) +
                    " features, the model takes " + std::to_string(inputs));
  if (const std::string name = first_repeated(names); !name.empty())
    throw DataError(path + ": metadata nnfit.features names input '" + brief_text(name, 40) +
                    "' twice");
  std::vector<std::pair<Index, Index>> ranges;  // [first, end) of each one-hot input
  const std::string where = path + ": metadata nnfit.categorical: ";
  const std::string key = where + "input '";
  for (const auto& c : info.categorical) {
    const auto size = static_cast<Index>(c.categories.size());
    if (size == 0 || c.column < 0 || c.column > inputs - size)  // no column + size overflow
      throw DataError(key + brief_text(c.name, 40) + "' lies outside the model's " +
                      std::to_string(inputs) + " inputs");
    if (const std::string v = first_repeated(c.categories); !v.empty())
      throw DataError(key + brief_text(c.name, 40) + "' lists category '" + brief_text(v, 40) +
                      "' twice");
    for (Index k = 0; k < size && !names.empty(); ++k)
      if (names[static_cast<std::size_t>(c.column + k)] !=
          c.name + "=" + c.categories[static_cast<std::size_t>(k)])
        throw DataError(key + brief_text(c.name, 40) + "' covers input " +
                        std::to_string(c.column + k) + ", which nnfit.features names '" +
                        brief_text(names[static_cast<std::size_t>(c.column + k)], 40) + "'");
    ranges.push_back({c.column, c.column + size});
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second)
      throw DataError(where + "two one-hot inputs overlap at input " +
                      std::to_string(ranges[i].first));
}

}  // namespace

SavedModel load_model(const std::string& path) {
  return load_model(read_safetensors(path), path);
}

SavedModel load_model(const SafetensorsFile& file, const std::string& path) {
  Model model = Model::load(file, path);
  ModelInfo info = info_of(path, file);
  check_classes(path, info, model);
  check_inputs(path, info, model);
  if (!info.scaler.identity() && info.scaler.offset.size() != model.input_size())
    throw DataError(path + ": preprocessing has " + std::to_string(info.scaler.offset.size()) +
                    " features, the model takes " + std::to_string(model.input_size()));
  return {std::move(model), std::move(info)};
}

void save_checkpoint(const std::string& path, const Model& model, const ModelInfo& info,
                     const Optimizer& optimizer, const json& trainer_state, const json& config) {
  auto metadata = metadata_of(info);
  const OptimizerState state = optimizer.state();
  metadata["nnfit.trainer"] = trainer_state.dump();
  metadata["nnfit.config"] = config.dump();
  metadata["nnfit.optimizer_steps"] = std::to_string(state.steps);
  auto tensors = scaler_tensors(info.scaler);
  for (const auto& [name, buffer] : state.buffers)
    tensors.push_back({"optimizer." + name, {static_cast<std::int64_t>(buffer.size())}, buffer});
  model.save(path, metadata, tensors);
}

Checkpoint load_checkpoint(const std::string& path, Model& model) {
  const SafetensorsFile file = read_safetensors(path);
  model.load_weights(file, path);
  Checkpoint checkpoint;
  auto entry = [&](const std::string& key) -> const std::string& {
    const auto it = file.metadata.find(key);
    if (it == file.metadata.end())
      throw DataError(path + ": not an nnfit checkpoint (no \"" + key + "\" in its metadata)");
    return it->second;
  };
  checkpoint.trainer_state =
      parse_json_text(entry("nnfit.trainer"), path + ": metadata nnfit.trainer", JsonBlame::data);
  checkpoint.config =
      parse_json_text(entry("nnfit.config"), path + ": metadata nnfit.config", JsonBlame::data);
  const std::string& steps = entry("nnfit.optimizer_steps");
  const auto [end, error] =
      std::from_chars(steps.data(), steps.data() + steps.size(), checkpoint.optimizer.steps);
  if (error != std::errc() || end != steps.data() + steps.size() || checkpoint.optimizer.steps < 0)
    throw DataError(path + ": metadata nnfit.optimizer_steps is not a step count");
  for (const auto& tensor : file.tensors)
    if (tensor.name.rfind("optimizer.", 0) == 0)
      checkpoint.optimizer.buffers[tensor.name.substr(10)] = tensor.data;
  return checkpoint;
}

}  // namespace nnfit
