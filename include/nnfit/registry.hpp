// The registry: name -> factory, one table per kind. It is the only place that knows every
// layer, activation, loss, optimiser, initialiser and schedule; everything else asks it by
// name. Built-ins are added on first use by the add_builtin_* function of the file that
// implements them (layers/activations.cpp adds every activation, and so on), so adding an
// activation touches that one file plus its test.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nnfit/activation.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/error.hpp"
#include "nnfit/layer.hpp"
#include "nnfit/loss.hpp"
#include "nnfit/optimizer.hpp"
#include "nnfit/schedule.hpp"

namespace nnfit {

using LayerFactory = std::function<std::unique_ptr<Layer>(SpecReader&)>;
using ActivationFactory = std::function<std::unique_ptr<Activation>(SpecReader&)>;
using LossFactory = std::function<std::unique_ptr<Loss>(SpecReader&)>;
using OptimizerFactory = std::function<std::unique_ptr<Optimizer>(SpecReader&, ParameterView)>;
using InitializerFactory = std::function<void(MatrixMap weight, Rng& rng)>;
using ScheduleFactory = std::function<std::unique_ptr<Schedule>(SpecReader&)>;
// A data source's samples, and its own test set when it has one (Fashion-MNIST does).
struct SourceData {
  Samples train;
  std::optional<Samples> test;
};
// Reading a source's keys is separate from loading it, so that a whole config is checked
// before any file is read: the factory reads the spec and returns the loader.
using SourceLoader = std::function<SourceData(Rng&)>;
using DataSourceFactory = std::function<SourceLoader(SpecReader&)>;

template <class Factory>
class Registry {
 public:
  struct Entry {
    std::string name;
    std::string summary;     // one line: what it is (and its paper)
    std::string parameters;  // "alpha=1.0, beta=..." with defaults; "" when none
    Factory make;
  };

  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  // Throws ConfigError when the name is taken.
  void add(std::string name, std::string summary, std::string parameters, Factory make) {
    if (find(name)) throw ConfigError(kind_ + " '" + name + "' is already registered");
    entries_.push_back(
        {std::move(name), std::move(summary), std::move(parameters), std::move(make)});
  }
  const Entry* find(std::string_view name) const {
    for (const auto& entry : entries_)
      if (entry.name == name) return &entry;
    return nullptr;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : entries_) out.push_back(entry.name);
    return out;
  }
  // "a, b, c": every name, for messages.
  std::string listing() const {
    std::string list;
    for (const auto& entry : entries_) list += (list.empty() ? "" : ", ") + entry.name;
    return list;
  }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::string& kind() const { return kind_; }
  std::string unknown(std::string_view name) const {
    return unknown_name_message(kind_, name, names());
  }

 private:
  std::string kind_;
  std::vector<Entry> entries_;
};

struct Registries {
  Registry<LayerFactory> layers{"layer"};
  Registry<ActivationFactory> activations{"activation"};
  Registry<LossFactory> losses{"loss"};
  Registry<OptimizerFactory> optimizers{"optimizer"};
  Registry<InitializerFactory> initializers{"initializer"};
  Registry<ScheduleFactory> schedules{"schedule"};
  Registry<DataSourceFactory> sources{"data source"};
};

// The process-wide registry, with the built-ins added on first call.
Registries& registry();

// Called once by registry(); each is defined next to what it registers.
void add_builtin_layers(Registries& r);        // layers/*.cpp
void add_builtin_activations(Registries& r);   // layers/activations.cpp
void add_builtin_losses(Registries& r);        // src/losses.cpp
void add_builtin_optimizers(Registries& r);    // optimizers/*.cpp
void add_builtin_initializers(Registries& r);  // src/init.cpp
void add_builtin_schedules(Registries& r);     // src/schedule.cpp
void add_builtin_sources(Registries& r);       // datasets/sources.cpp

// Reads {"type": name, ...} or a bare "name" and returns the registry entry, or null after
// recording an unknown-name error at `path`.type.
template <class Factory>
const typename Registry<Factory>::Entry* lookup(const Registry<Factory>& table, const json& spec,
                                                const std::string& path, Diagnostics& diag) {
  std::string name;
  std::string where = path;
  if (spec.is_string()) {
    name = spec.get<std::string>();
  } else if (spec.is_object() && spec.contains("type") && spec.at("type").is_string()) {
    name = spec.at("type").get<std::string>();
    where = json_path(path, "type");
  } else if (spec.is_object()) {
    diag.error(json_path(path, "type"), "missing; expected one of: " + table.listing());
    return nullptr;
  } else {
    diag.error(path, "expected a " + table.kind() + " name or an object with \"type\"");
    return nullptr;
  }
  const auto* entry = table.find(name);
  if (!entry) diag.error(where, table.unknown(name));
  return entry;
}

// Builds an object from its registry entry: looks the name up, lets the factory read the
// spec's keys, records unknown keys. Problems go to `diag`; null when the name is unknown.
template <class Factory, class... Args>
auto build_into(const Registry<Factory>& table, const json& spec, const std::string& path,
                Diagnostics& diag, Args&&... args)
    -> decltype(table.entries()[0].make(std::declval<SpecReader&>(), std::forward<Args>(args)...)) {
  const auto* entry = lookup(table, spec, path, diag);
  if (!entry) return {};
  const json object = spec.is_object() ? spec : json::object();
  SpecReader reader(object, path, diag);
  reader.accept("type");
  auto made = entry->make(reader, std::forward<Args>(args)...);
  reader.finish();
  return made;
}

// The same, throwing ConfigError with every problem at once.
template <class Factory, class... Args>
auto build(const Registry<Factory>& table, const json& spec, const std::string& path,
           Args&&... args) {
  Diagnostics diag;
  auto made = build_into(table, spec, path, diag, std::forward<Args>(args)...);
  diag.throw_if_any();
  return made;
}

}  // namespace nnfit
