#include "nnfit/model_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "nnfit/error.hpp"
#include "nnfit/json_text.hpp"

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

ModelInfo info_of(const std::string& path, const SafetensorsFile& file) {
  ModelInfo info;
  info.metadata = file.metadata;
  const auto get = [&](const std::string& key) -> std::string {
    const auto it = file.metadata.find(key);
    return it == file.metadata.end() ? "" : it->second;
  };
  info.task = get("nnfit.task") == "regression" ? Task::regression : Task::classification;
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
  if (const std::string c = get("nnfit.categorical"); !c.empty()) {
    const json list = parse_json_text(c, path + ": metadata nnfit.categorical", JsonBlame::data);
    try {
      for (const auto& entry : list) info.categorical.push_back(CategoricalInput::from_json(entry));
    } catch (const json::exception&) {
      throw DataError(path +
                      ": metadata nnfit.categorical is not a list of {name, categories, "
                      "column}");
    }
  }
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

SavedModel load_model(const std::string& path) {
  Model model = Model::load(path);
  ModelInfo info = info_of(path, read_safetensors(path));
  if (!info.feature_names.empty() &&
      static_cast<Index>(info.feature_names.size()) != model.input_size())
    throw DataError(path + ": metadata nnfit.features names " +
                    std::to_string(info.feature_names.size()) + " features, the model takes " +
                    std::to_string(model.input_size()));
  for (const auto& c : info.categorical)
    if (c.categories.empty() || c.column < 0 ||
        c.column + static_cast<Index>(c.categories.size()) > model.input_size())
      throw DataError(path + ": metadata nnfit.categorical: input '" + c.name +
                      "' lies outside the model's " + std::to_string(model.input_size()) +
                      " inputs");
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
