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
  const auto step = std::to_string(optimizer.steps() + 1);
  if (!std::isfinite(result.loss))
    throw DivergedError("the loss is " + std::to_string(result.loss) + " at optimiser step " +
                        step);
  if (!std::isfinite(result.gradient_norm))
    throw DivergedError("the gradient norm is " + std::to_string(result.gradient_norm) +
                        " at optimiser step " + step);
  optimizer.step();
  return result;
}

}  // namespace nnfit
