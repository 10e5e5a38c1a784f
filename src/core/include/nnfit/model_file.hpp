// Trained models and checkpoints as files.
//
// A trained model file is a safetensors file with the weights ("layers.*"), the data
// preprocessing ("preprocessing.offset" and ".factor", so that eval and predict transform
// inputs exactly as training did) and, in the metadata, the model spec, the task and the
// class names. A checkpoint is the same plus the optimiser's state ("optimizer.<buffer>") and
// the trainer's state and resolved config in the metadata.
#pragma once

#include <map>
#include <string>

#include "nnfit/dataset.hpp"
#include "nnfit/model.hpp"
#include "nnfit/optimizer.hpp"

namespace nnfit {

struct ModelInfo {
  Scaler scaler;
  Task task = Task::classification;
  std::vector<std::string> class_names;
  std::map<std::string, std::string> metadata;
  // The input columns' names (metadata "nnfit.features"), when the training data named them:
  // predict matches an input's header against them.
  std::vector<std::string> feature_names;
  // The one-hot encoded inputs (metadata "nnfit.categorical"): predict encodes a raw value
  // with them and refuses one the training data did not have.
  std::vector<CategoricalInput> categorical;
};

struct SavedModel {
  Model model;
  ModelInfo info;
};

void save_model(const std::string& path, const Model& model, const ModelInfo& info);
// Every metadata field is checked against the tensors and the model (DataError naming `path`).
SavedModel load_model(const std::string& path);
SavedModel load_model(const SafetensorsFile& file, const std::string& path);

struct Checkpoint {
  OptimizerState optimizer;
  json trainer_state;
  json config;
};

void save_checkpoint(const std::string& path, const Model& model, const ModelInfo& info,
                     const Optimizer& optimizer, const json& trainer_state, const json& config);
// Loads the weights into `model` (which must have the checkpoint's shape) and returns the rest.
Checkpoint load_checkpoint(const std::string& path, Model& model);

}  // namespace nnfit
