// The built-in layers' options, typed (defaults written only here), and recipes for them:
//
//   nnfit::dense(256, nnfit::activation("selu")), nnfit::dropout({.rate = 0.2})
//
// The same structs are read from JSON ({"type": "dense", "units": 256, ...}); every
// activation name is a layer too ({"type": "elu"}).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nnfit/activations.hpp"
#include "nnfit/layer.hpp"
#include "nnfit/recipe.hpp"

namespace nnfit {

using LayerRecipe = Recipe<std::unique_ptr<Layer>()>;

struct DenseOptions {
  Index units = 0;  // required, >= 1
  bool bias = true;
  // An initialiser name, or "auto": the fused activation's recommendation, else the next
  // layer's, else glorot_uniform.
  std::string init = "auto";
  // "auto" (torch_default when init is, else zeros), "zeros", "torch_default" or a number.
  json bias_init = "auto";
  ActivationRecipe activation{};  // fused into the layer; empty for none
};
struct DropoutOptions {
  double rate = 0.5;  // in [0, 1)
};
struct PreluOptions {
  bool shared = true;  // one slope for the layer (PyTorch's default), or one per unit
  double init = 0.25;
};

LayerRecipe dense(const DenseOptions& options);
LayerRecipe dense(Index units, ActivationRecipe activation = {});
LayerRecipe dense(Index units, const std::string& activation);
LayerRecipe dropout(const DropoutOptions& options = {});
LayerRecipe alpha_dropout(const DropoutOptions& options = {});
LayerRecipe prelu(const PreluOptions& options = {});
// An activation as a layer of its own.
LayerRecipe activation_layer(ActivationRecipe activation);

// Reads a layer spec (a layer or an activation name); errors go to `diagnostics`, and the
// recipe is empty when the spec is wrong.
LayerRecipe read_layer(const json& spec, const std::string& path, Diagnostics& diagnostics);

// "init": "auto" of a dense layer made concrete from its own fused activation's
// recommendation (`own`), else the next layer's (`next`), else glorot_uniform.
std::string choose_init(const std::string& init, const std::string& own, const std::string& next);
// The layers' resolved specs, with every dense layer's "auto" init and bias_init resolved.
json resolved_layers(const std::vector<LayerRecipe>& layers);

}  // namespace nnfit
