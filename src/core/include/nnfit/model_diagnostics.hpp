// Training diagnostics: what happens inside the network, epoch by epoch.
//
// Activation statistics come from a fixed probe batch passed through the model in evaluation
// mode. A hidden layer is every activation a signal passes through before the output layer:
// a Dense layer with a fused activation, or an activation layer (relu, prelu, ...). For each:
//   pre_mean, pre_var    mean and variance of the pre-activations z over all units and rows
//   post_mean, post_var  the same for the activations f(z)
//   dead                 fraction of units whose activation is never positive (f(z) <= 0 for
//                        every probe row): for ReLU such a unit passes no gradient either
//   negative_regime      fraction of units whose pre-activation is never positive (z <= 0 on
//                        every row). Equal to `dead` for ReLU, ELU, SELU, Softsign and tanh;
//                        for Leaky ReLU and PReLU it counts units stuck on the leaky side;
//                        softplus and sigmoid are never "dead" (f > 0), only negative_regime.
// Parameter statistics, for every layer with parameters:
//   grad_norm            L2 norm of the layer's gradient, mean over the epoch's steps
//   update_ratio         ||w_after - w_before|| / ||w_before|| over the epoch's last step
// All sums are in double precision.
#pragma once

#include <string>
#include <vector>

#include "nnfit/config.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/model.hpp"

namespace nnfit {

struct ActivationStats {
  Index layer = 0;  // model layer index where the activation is applied
  int depth = 0;    // 1-based hidden layer number
  std::string activation;
  Index units = 0;
  double pre_mean = 0, pre_var = 0, post_mean = 0, post_var = 0;
  double dead = 0, negative_regime = 0;
};

struct ParameterStats {
  Index layer = 0;
  double grad_norm = 0.0;     // 0 before any step
  double update_ratio = 0.0;  // 0 before any step
  double weight_norm = 0.0;
};

struct DiagnosticsRecord {
  int epoch = 0;  // 0: at initialisation
  std::vector<ActivationStats> activations;
  std::vector<ParameterStats> parameters;
  json to_json() const;
  static DiagnosticsRecord from_json(const json& j);
};

// Activation statistics of `probe` ([rows, inputs]) through `model` in evaluation mode.
std::vector<ActivationStats> activation_statistics(Model& model, const Matrix& probe);

// The probe batch: the first `options.probe_samples` rows of the chosen split (all of them
// when it is smaller). Throws ConfigError when that split is empty.
Matrix probe_batch(const Data& data, const DiagnosticsOptions& options);

// Collects the per-layer gradient norms and update ratios while a Trainer runs: call
// before_step() and after_step() around every optimiser step (Trainer::Callbacks has both),
// then record() at the end of each epoch.
class ModelDiagnostics {
 public:
  ModelDiagnostics(Model& model, Matrix probe);
  // `last_of_epoch`: the step whose update ratio is measured.
  void before_step(bool last_of_epoch);
  void after_step(bool last_of_epoch);
  // The epoch's record (activations on the probe batch now); resets the step sums.
  DiagnosticsRecord record(int epoch);

 private:
  Model& model_;
  Matrix probe_;
  std::vector<Index> layers_;                    // layers with parameters, in order
  std::vector<std::pair<Index, Index>> ranges_;  // their [offset, size) in the flat buffer
  std::vector<double> grad_norm_sum_, update_ratio_;
  std::vector<float> before_;
  long steps_ = 0;
};

}  // namespace nnfit
