// The built-in optimisers' options, typed, with PyTorch's defaults (written only here), and
// recipes that build them over a model's parameters:
//
//   auto optimizer = nnfit::adam({.lr = 1e-3}).make(model.parameters());
//
// JSON specs ({"type": "adam", "lr": 0.001}) are read into the same structs.
#pragma once

#include <memory>

#include "nnfit/optimizer.hpp"
#include "nnfit/recipe.hpp"

namespace nnfit {

using OptimizerRecipe = Recipe<std::unique_ptr<Optimizer>(ParameterView)>;

// torch.optim.SGD
struct SgdOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;  // L2
  bool nesterov = false;      // needs momentum > 0 and dampening = 0
};

// torch.optim.Adam (weight decay as L2, coupled).
struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
};

// torch.optim.AdamW (weight decay decoupled): Adam's fields, PyTorch's AdamW defaults.
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

// torch.optim.RMSprop
struct RmspropOptions {
  double lr = 0.01;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
};

// Recipes from typed options, the same a JSON spec gives (with its resolved JSON).
OptimizerRecipe sgd(const SgdOptions& options = {});
OptimizerRecipe adam(const AdamOptions& options = {});
OptimizerRecipe adamw(const AdamWOptions& options = {});
OptimizerRecipe rmsprop(const RmspropOptions& options = {});

}  // namespace nnfit
