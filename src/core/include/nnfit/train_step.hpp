// One optimisation step on one batch, the unit every training loop is made of.
#pragma once

#include <string>

#include "nnfit/loss.hpp"
#include "nnfit/model.hpp"
#include "nnfit/optimizer.hpp"

namespace nnfit {

struct StepOptions {
  double clip_norm = 0.0;  // > 0: clip the global gradient norm to this before the update
};

struct StepResult {
  double loss = 0.0;           // the batch's mean loss before the update
  double gradient_norm = 0.0;  // global L2 norm of the gradients (before clipping)
};

// "optimiser step 12: the loss is nan": what a step with a non-finite loss or gradient says.
std::string nonfinite_message(std::int64_t step, const StepResult& result);

// zero_grad, forward in training mode (dropout draws from rng), loss, backward, optimiser
// step, with denormal floats flushed to zero (nnfit/denormals.hpp). Throws DivergedError, before
// touching the parameters, when the loss or the gradient norm is NaN or Inf.
StepResult train_step(Model& model, const Loss& loss, Optimizer& optimizer, const Matrix& x,
                      const Target& y, Rng& rng, const StepOptions& options = {});

}  // namespace nnfit
