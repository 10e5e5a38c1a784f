// The layer half of the registry: which files add layers, and make_layer(), which also
// accepts every activation name as a layer of its own.
#include "layers/activation_layer.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

void add_dense_layer(Registries& r);     // layers/dense.cpp
void add_prelu_layer(Registries& r);     // layers/prelu.cpp
void add_dropout_layers(Registries& r);  // layers/dropout.cpp

void add_builtin_layers(Registries& r) {
  add_dense_layer(r);
  add_prelu_layer(r);
  add_dropout_layers(r);
}

std::unique_ptr<Layer> make_layer(const json& spec, const std::string& path,
                                  Diagnostics& diagnostics) {
  const auto& r = registry();
  std::string name;
  std::string where = path;
  if (spec.is_object() && spec.contains("type") && spec.at("type").is_string()) {
    name = spec.at("type").get<std::string>();
    where = json_path(path, "type");
  } else if (spec.is_string()) {
    name = spec.get<std::string>();
  } else {
    diagnostics.error(spec.is_object() ? json_path(path, "type") : path,
                      spec.is_object() ? "missing: every layer needs a \"type\""
                                       : "expected a layer object {\"type\": ...}");
    return nullptr;
  }
  const json object = spec.is_object() ? spec : json::object();
  SpecReader reader(object, path, diagnostics);
  reader.accept("type");
  std::unique_ptr<Layer> layer;
  if (const auto* entry = r.layers.find(name)) {
    layer = entry->make(reader);
  } else if (const auto* activation = r.activations.find(name)) {
    layer = std::make_unique<ActivationLayer>(activation->make(reader));
  } else {
    std::vector<std::string> names = r.layers.names();
    for (const auto& n : r.activations.names()) names.push_back(n);
    diagnostics.error(where, unknown_name_message("layer type", name, names));
    return nullptr;
  }
  reader.finish();
  return layer;
}

std::unique_ptr<Layer> make_layer(const json& spec, const std::string& path) {
  Diagnostics diagnostics;
  auto layer = make_layer(spec, path, diagnostics);
  diagnostics.throw_if_any();
  return layer;
}

}  // namespace nnfit
