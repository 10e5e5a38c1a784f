#include "nnfit/train_step.hpp"

#include <cmath>

#include "nnfit/detail/denormals.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

std::string nonfinite_message(std::int64_t step, const StepResult& result) {
  auto show = [](double x) { return std::string(std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf"); };
  const std::string where = "optimiser step " + std::to_string(step) + ": ";
  if (!std::isfinite(result.loss)) return where + "the loss is " + show(result.loss);
  return where + "the gradient norm is " + show(result.gradient_norm);
}

StepResult train_step(Model& model, const Loss& loss, Optimizer& optimizer, const Matrix& x,
                      const Target& y, Rng& rng, const StepOptions& options) {
  const FlushDenormals flush;  // see nnfit/denormals.hpp
  model.zero_grad();
  model.forward(x, {.training = true, .rng = &rng});
  StepResult result;
  result.loss = model.backward(loss, y);
  const ParameterView view = model.parameters();
  result.gradient_norm =
      options.clip_norm > 0.0 ? clip_gradient_norm(view, options.clip_norm) : gradient_norm(view);
  if (!std::isfinite(result.loss) || !std::isfinite(result.gradient_norm))
    throw DivergedError(nonfinite_message(optimizer.steps() + 1, result));
  optimizer.step();
  return result;
}

}  // namespace nnfit
