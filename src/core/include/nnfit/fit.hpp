// The typed way in: a network as a list of layer recipes, trained on Eigen matrices, with
// options as C++ values. No JSON needed; the JSON path builds through the same recipes.
//
//   nnfit::Sequential net{nnfit::dense(64, "relu"), nnfit::dense(3)};
//   nnfit::Fitted fitted = nnfit::fit(net, x, labels,
//                                     {.optimizer = nnfit::adam({.lr = 1e-2}),
//                                      .train = {.epochs = 30, .batch_size = 32}});
//   nnfit::Matrix outputs = nnfit::predict(fitted.model, x_new);
//
// With `.run_dir`, fit() writes the run directory `nnfit` writes (config, metrics, model,
// best and checkpoint files, summary; nnfit/run_recorder.hpp), and `.resume = true`
// continues an interrupted fit exactly.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "nnfit/layers.hpp"
#include "nnfit/loss.hpp"
#include "nnfit/model_file.hpp"
#include "nnfit/optimizers.hpp"
#include "nnfit/schedule.hpp"
#include "nnfit/trainer.hpp"

namespace nnfit {

class Sequential {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<LayerRecipe> layers);
  Sequential& add(LayerRecipe layer);
  const std::vector<LayerRecipe>& layers() const { return layers_; }
  // From a JSON array of layer specs ([{"type": "dense", "units": 64}, "relu", ...]).
  static Sequential from_json(const json& layers, const std::string& origin = "model.layers");

 private:
  std::vector<LayerRecipe> layers_;
};

// Every member has an initialiser, so that designated initialisers may skip any (GCC 12
// warns about skipped members without one under -Wextra).
struct FitOptions {
  OptimizerRecipe optimizer = adam();
  ScheduleRecipe schedule = constant_lr();
  LossRecipe loss{};  // empty: softmax_cross_entropy for labels, mse for targets
  TrainConfig train{};
  double validation = 0.0;     // fraction held out for validation (stratified by class)
  std::string scale = "none";  // none | standardize | minmax: fitted on the training rows
  std::uint64_t seed = 1;      // initial weights, batch order, dropout, the validation split
  std::vector<std::string> class_names{};  // names of the labels 0, 1, ... (default "0", "1", ...)
  std::string run_dir{};                   // when set: the run directory, as `nnfit` writes it
  bool resume = false;                     // continue the fit in run_dir from its checkpoint
  bool overwrite = false;  // replace an unfinished run in run_dir (refused otherwise)
  Trainer::Callbacks callbacks{};
};

struct Fitted {
  SavedModel model;  // the trained model and its preprocessing, as a model file holds them
  TrainResult result;
  std::vector<EpochRecord> history;
};

// A fit's network and options from a config in the run-config schema (docs/CONFIG.md) without
// a data source: "model", "loss", "optimizer", "schedule", "train", "seed", and "data" with
// only "validation" and "scale" (the arrays are the data). "loss" absent or "auto": chosen
// from the targets when fitting. Throws ConfigError with every problem, each at its path, as
// a config file's are (Python's nnfit.fit_config reads dicts through it).
struct FitConfig {
  Sequential network;
  FitOptions options;
  json resolved;  // the config with every default written out
};
FitConfig read_fit_config(const json& config, const std::string& origin = "");

// Classification: one label in [0, classes) per row of x. The output layer's width must be
// the number of classes.
Fitted fit(const Sequential& network, const Matrix& x, const std::vector<std::int32_t>& labels,
           const FitOptions& options = {});
// Regression: one row of targets per row of x.
Fitted fit(const Sequential& network, const Matrix& x, const Matrix& targets,
           const FitOptions& options = {});

// The model's outputs (logits, or regression values) for raw inputs: the model's own
// preprocessing is applied first, as `nnfit predict` does.
Matrix predict(SavedModel& model, const Matrix& x);
// The most likely class of each row.
std::vector<std::int32_t> predict_classes(SavedModel& model, const Matrix& x);
// Loss and accuracy (or RMSE and R^2) on raw inputs.
Metrics evaluate(SavedModel& model, const Matrix& x, const std::vector<std::int32_t>& labels);
Metrics evaluate(SavedModel& model, const Matrix& x, const Matrix& targets);

}  // namespace nnfit
