// A finite-difference gradient checker (after dlib's test_layer) that users can run on their
// own layers, activations and whole models.
//
// For a layer, the checked scalar is L = sum(w * layer(x)) with fixed random weights w, so
// every output contributes; for a model, L is the loss. Each input element and parameter v
// is moved by h = step * max(1, |v|) both ways and (L+ - L-) / (actual 2h) is compared with
// the analytic gradient from backward(). L is summed in double; the layers themselves run in
// float32, so a difference counts as an error only beyond
//     atol + rtol * max(|numeric|, |analytic|) + noise,
// where noise = 16 * FLT_EPSILON * sum(|w * y|) / h bounds what float32 rounding of the
// outputs can do to the central difference.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nnfit/layer.hpp"
#include "nnfit/loss.hpp"
#include "nnfit/model.hpp"

namespace nnfit {

struct GradientCheckOptions {
  double step = 1e-3;
  double rtol = 1e-2;
  double atol = 1e-5;
  bool training = false;   // forward in training mode, with the same RNG stream each time
  std::uint64_t seed = 1;  // for the layer's parameters, w and the training-mode stream
};

struct GradientCheckResult {
  bool ok = true;
  Index checked = 0;
  double max_error = 0.0;             // the largest |numeric - analytic|
  std::vector<std::string> failures;  // "input[0,3]: analytic 0.25, numeric 0.31"
  std::string summary() const;
};

// Sets `layer` up for input.cols() inputs, gives it parameter buffers of its own,
// initialises them from the seed, and checks the gradients of its input and parameters.
GradientCheckResult check_gradients(Layer& layer, const Matrix& input,
                                    const GradientCheckOptions& options = {});
// Checks the gradients of the model's parameters for loss(model(input), target) at the
// model's current parameter values (which are restored afterwards).
GradientCheckResult check_gradients(Model& model, const Loss& loss, const Matrix& input,
                                    const Target& target, const GradientCheckOptions& options = {});

}  // namespace nnfit
