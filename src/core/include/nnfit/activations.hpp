// The built-in activations' options, typed (defaults written only here), and recipes for
// them: `nnfit::activation("selu")`, `nnfit::leaky_relu({.slope = 0.1})`. The same structs
// are read from JSON ({"type": "leaky_relu", "slope": 0.1}). Formulas, derivatives and
// papers: src/core/layers/activations.cpp.
#pragma once

#include <memory>
#include <string>

#include "nnfit/activation.hpp"
#include "nnfit/recipe.hpp"

namespace nnfit {

using ActivationRecipe = Recipe<std::unique_ptr<Activation>()>;

struct LeakyReluOptions {
  double slope = 0.01;  // in [0, 1]
};
struct EluOptions {
  double alpha = 1.0;  // > 0
};
struct CeluOptions {
  double alpha = 1.0;  // > 0
};
struct SoftplusOptions {
  double beta = 1.0;        // > 0
  double threshold = 20.0;  // linear where beta * x > threshold
};
struct GeluOptions {
  std::string approximate = "none";  // none | tanh
};

// Any registered activation by name, at its default options. Throws ConfigError for an
// unknown name (listing the known ones).
ActivationRecipe activation(const std::string& name);
ActivationRecipe leaky_relu(const LeakyReluOptions& options = {});
ActivationRecipe elu(const EluOptions& options = {});
ActivationRecipe celu(const CeluOptions& options = {});
ActivationRecipe softplus(const SoftplusOptions& options = {});
ActivationRecipe gelu(const GeluOptions& options = {});

}  // namespace nnfit
