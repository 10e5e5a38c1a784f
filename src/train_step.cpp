#include "nnfit/train_step.hpp"

#include <cmath>

#include "nnfit/error.hpp"

namespace nnfit {

StepResult train_step(Model& model, const Loss& loss, Optimizer& optimizer, const Matrix& x,
                      const Target& y, Rng& rng, const StepOptions& options) {
  model.zero_grad();
  model.forward(x, {.training = true, .rng = &rng});
  StepResult result;
  result.loss = model.backward(loss, y);
  const ParameterView view = model.parameters();
  result.gradient_norm =
      options.clip_norm > 0.0 ? clip_gradient_norm(view, options.clip_norm) : gradient_norm(view);
  auto show = [](double x) { return std::string(std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf"); };
  const std::string step = "optimiser step " + std::to_string(optimizer.steps() + 1) + ": ";
  if (!std::isfinite(result.loss)) throw DivergedError(step + "the loss is " + show(result.loss));
  if (!std::isfinite(result.gradient_norm))
    throw DivergedError(step + "the gradient norm is " + show(result.gradient_norm));
  optimizer.step();
  return result;
}

}  // namespace nnfit
