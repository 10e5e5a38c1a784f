// The registry: name -> schema and builder, one table per kind. It is the only place that
// knows every layer, activation, loss, optimiser, initialiser, schedule and data source;
// everything else asks it by name. Each entry's fields (from its Schema) drive reading its
// JSON, the resolved config, `nnfit list` and docs/CONFIG.md. Built-ins are added on first use by
// the add_builtin_* function of the file that implements them (src/core/layers/activations.cpp adds
// every activation, and so on), so adding an activation touches that one file plus its test.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nnfit/activation.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/error.hpp"
#include "nnfit/layer.hpp"
#include "nnfit/loss.hpp"
#include "nnfit/optimizer.hpp"
#include "nnfit/recipe.hpp"
#include "nnfit/schedule.hpp"
#include "nnfit/schema.hpp"

namespace nnfit {

// A data source's samples, and its own test set when it has one (Fashion-MNIST does).
struct SourceData {
  Samples train;
  std::optional<Samples> test;
};
using SourceLoader = std::function<SourceData(Rng&)>;

// What kind of thing an entry is, beyond its name.
struct EntryTraits {
  // The initialiser for a dense layer feeding it ("" when any will do).
  std::string recommended_init{};
  // A layer that is an activation with parameters of its own (prelu): it can be an arm of
  // an activation comparison, but not fused into a dense layer.
  bool learned_activation = false;
  // A loss: the task it is for (unset: either), the fewest outputs it means something over,
  // and whether "loss": "auto" picks it for that task.
  std::optional<Task> task{};
  Index min_outputs = 1;
  bool default_for_task = false;
  // A data source: the task its samples will have, from its spec as written, before anything
  // is loaded (what resolves "loss": "auto" in the config). Unset: classification.
  std::function<Task(const json& spec)> task_of_spec{};
  // A data source whose samples are images (they carry pixel_max): "scale" defaults to "unit"
  // for it, to "none" for the others.
  bool images = false;
  // A data source: whether the spec gives a test set of the source's own (a "test" fraction
  // is then refused), and the test fraction held out when it does not and "test" is not set.
  std::function<bool(const json& spec)> own_test_set{};
  double default_test = 0.0;

  // The traits of a loss for `task`, of an image source, of a source whose task follows its
  // spec.
  static EntryTraits loss_for(Task task, bool default_for_task, Index min_outputs = 1) {
    EntryTraits t;
    t.task = task;
    t.default_for_task = default_for_task;
    t.min_outputs = min_outputs;
    return t;
  }
  static EntryTraits image_source(std::function<bool(const json& spec)> own_test_set) {
    EntryTraits t;
    t.images = true;
    t.own_test_set = std::move(own_test_set);
    return t;
  }
  static EntryTraits source_task(std::function<Task(const json& spec)> task_of_spec) {
    EntryTraits t;
    t.task_of_spec = std::move(task_of_spec);
    return t;
  }
};

template <class Signature>
class Registry;
template <class Product, class... Args>
class Registry<Product(Args...)> {
 public:
  using Made = Recipe<Product(Args...)>;
  using Reader = std::function<Made(SpecReader&)>;
  struct Entry {
    std::string name;
    std::string summary;  // one line: what it is (and its paper)
    std::vector<FieldInfo> fields;
    Reader read;
    EntryTraits traits;
  };

  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  // A component with typed options: `build(options, args...)` makes it. Throws ConfigError
  // when the name is taken.
  template <class Options, class Build>
  void add(std::string name, std::string summary, Schema<Options> schema, Build build,
           EntryTraits traits = {}) {
    auto fields = schema.fields();
    Reader read = [name, schema, build, init = traits.recommended_init](SpecReader& r) {
      return recipe(name, schema, schema.read(r), build, init);
    };
    add_entry({std::move(name), std::move(summary), std::move(fields), std::move(read),
               std::move(traits)});
  }
  // A component without options.
  template <class Build>
  void add(std::string name, std::string summary, Build build, EntryTraits traits = {}) {
    add(
        std::move(name), std::move(summary), Schema<NoOptions>(),
        [build = std::move(build)](const NoOptions&, Args... args) { return build(args...); },
        std::move(traits));
  }
  // A component that reads its spec itself; `fields` documents what it reads.
  void add_reader(std::string name, std::string summary, std::vector<FieldInfo> fields, Reader read,
                  EntryTraits traits = {}) {
    add_entry({std::move(name), std::move(summary), std::move(fields), std::move(read),
               std::move(traits)});
  }

  // The recipe of a component from its typed options (what reading a spec gives, and what
  // the typed C++ API gives without JSON).
  template <class Options, class Build>
  static Made recipe(const std::string& name, const Schema<Options>& schema, const Options& options,
                     Build build, std::string recommended_init = "") {
    json resolved = schema.write(options);
    resolved["type"] = name;
    return Made{name, std::move(resolved),
                [options, build](Args... args) { return build(options, args...); },
                std::move(recommended_init)};
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
  void add_entry(Entry entry) {
    if (find(entry.name)) throw ConfigError(kind_ + " '" + entry.name + "' is already registered");
    entries_.push_back(std::move(entry));
  }
  std::string kind_;
  std::vector<Entry> entries_;
};

using LayerRegistry = Registry<std::unique_ptr<Layer>()>;
using ActivationRegistry = Registry<std::unique_ptr<Activation>()>;
using LossRegistry = Registry<std::unique_ptr<Loss>()>;
using OptimizerRegistry = Registry<std::unique_ptr<Optimizer>(ParameterView)>;
using InitializerRegistry = Registry<void(MatrixMap, Rng&)>;
using ScheduleRegistry = Registry<std::unique_ptr<Schedule>()>;
// Reading a source's keys is separate from loading it, so that a whole config is checked
// before any file is read.
using SourceRegistry = Registry<SourceData(Rng&)>;

using LayerRecipe = LayerRegistry::Made;
using ActivationRecipe = ActivationRegistry::Made;
using LossRecipe = LossRegistry::Made;
using OptimizerRecipe = OptimizerRegistry::Made;
using ScheduleRecipe = ScheduleRegistry::Made;
using SourceRecipe = SourceRegistry::Made;

struct Registries {
  LayerRegistry layers{"layer"};
  ActivationRegistry activations{"activation"};
  LossRegistry losses{"loss"};
  OptimizerRegistry optimizers{"optimizer"};
  InitializerRegistry initializers{"initializer"};
  ScheduleRegistry schedules{"schedule"};
  SourceRegistry sources{"data source"};
};

// The process-wide registry, with the built-ins added on first call.
Registries& registry();

// Called once by registry(); each is defined next to what it registers.
void add_builtin_layers(Registries& r);        // src/core/layers/layers.cpp
void add_builtin_activations(Registries& r);   // src/core/layers/activations.cpp
void add_builtin_losses(Registries& r);        // src/core/loss.cpp
void add_builtin_optimizers(Registries& r);    // src/core/optimizers/optimizer.cpp
void add_builtin_initializers(Registries& r);  // src/core/init.cpp
void add_builtin_schedules(Registries& r);     // src/core/optimizers/schedule.cpp
void add_builtin_sources(Registries& r);       // src/core/datasets/sources.cpp

// Whether a data spec gives a test set of its source's own (its traits say; false when they
// do not or the source is unknown).
bool has_own_test_set(const json& spec);

// The name of the loss "loss": "auto" means for a task (whose traits say default_for_task).
std::string default_loss(Task task);
// The registered losses for a task, as `"a" or "b"` (for messages).
std::string losses_for(Task task);

// Reads {"type": name, ...} or a bare "name" and returns the registry entry, or null after
// recording an unknown-name error at `path`.type.
template <class Table>
const typename Table::Entry* lookup(const Table& table, const json& spec, const std::string& path,
                                    Diagnostics& diag) {
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

// Reads a component's spec through its registry entry: looks the name up, lets the entry
// read its keys, records unknown keys. Problems go to `diag`; an empty recipe when the name is
// unknown.
template <class Table>
typename Table::Made read_recipe(const Table& table, const json& spec, const std::string& path,
                                 Diagnostics& diag) {
  const auto* entry = lookup(table, spec, path, diag);
  if (!entry) return {};
  const json object = spec.is_object() ? spec : json::object();
  SpecReader reader(object, path, diag);
  reader.accept("type");
  auto recipe = entry->read(reader);
  reader.finish();
  return recipe;
}

// The recipe of a component by name at its default options; ConfigError for an unknown name.
template <class Table>
typename Table::Made recipe_named(const Table& table, const std::string& name,
                                  const std::string& path) {
  Diagnostics diag;
  auto recipe = read_recipe(table, json(name), path, diag);
  diag.throw_if_any();
  return recipe;
}

// Reads and builds, throwing ConfigError with every problem at once.
template <class Table, class... Args>
auto build(const Table& table, const json& spec, const std::string& path, Args&&... args) {
  Diagnostics diag;
  auto recipe = read_recipe(table, spec, path, diag);
  diag.throw_if_any();
  return recipe.make(std::forward<Args>(args)...);
}

// Every activation an experiment can compare: the activation functions, and the layers that
// are activations with learned parameters (prelu).
std::vector<std::string> activation_arm_names();

}  // namespace nnfit
