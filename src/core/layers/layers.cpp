// The layer half of the registry: which files add layers, and reading layer specs, which
// also accepts every activation name as a layer of its own.
#include "nnfit/layers.hpp"

#include "layers/activation_layer.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

void add_dense_layer(Registries& r);     // src/core/layers/dense.cpp
void add_prelu_layer(Registries& r);     // src/core/layers/prelu.cpp
void add_dropout_layers(Registries& r);  // src/core/layers/dropout.cpp

void add_builtin_layers(Registries& r) {
  add_dense_layer(r);
  add_prelu_layer(r);
  add_dropout_layers(r);
}

LayerRecipe activation_layer(ActivationRecipe activation) {
  auto make = activation.make;
  return {activation.type, activation.resolved,
          [make]() -> std::unique_ptr<Layer> { return std::make_unique<ActivationLayer>(make()); },
          activation.recommended_init};
}

LayerRecipe read_layer(const json& spec, const std::string& path, Diagnostics& diagnostics) {
  const auto& r = registry();
  const std::string name = spec_type(spec);
  if (name.empty() && !spec.is_string()) {
    diagnostics.error(spec.is_object() ? json_path(path, "type") : path,
                      spec.is_object() ? "missing: every layer needs a \"type\""
                                       : "expected a layer object {\"type\": ...}");
    return {};
  }
  if (r.layers.find(name)) return read_recipe(r.layers, spec, path, diagnostics);
  if (r.activations.find(name))
    return activation_layer(read_recipe(r.activations, spec, path, diagnostics));
  std::vector<std::string> names = r.layers.names();
  for (const auto& n : r.activations.names()) names.push_back(n);
  diagnostics.error(spec.is_object() ? json_path(path, "type") : path,
                    unknown_name_message("layer type", name, names));
  return {};
}

std::unique_ptr<Layer> make_layer(const json& spec, const std::string& path,
                                  Diagnostics& diagnostics) {
  const LayerRecipe recipe = read_layer(spec, path, diagnostics);
  return recipe && diagnostics.empty() ? recipe.make() : nullptr;
}

std::vector<std::string> activation_arm_names() {
  std::vector<std::string> names = registry().activations.names();
  for (const auto& entry : registry().layers.entries())
    if (entry.traits.learned_activation) names.push_back(entry.name);
  return names;
}

std::unique_ptr<Layer> make_layer(const json& spec, const std::string& path) {
  Diagnostics diagnostics;
  auto layer = make_layer(spec, path, diagnostics);
  diagnostics.throw_if_any();
  return layer;
}

}  // namespace nnfit
