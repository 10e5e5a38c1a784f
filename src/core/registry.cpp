#include "nnfit/registry.hpp"

namespace nnfit {

Registries& registry() {
  static Registries* instance = [] {
    auto* r = new Registries();  // never destroyed: factories may be used during exit
    add_builtin_activations(*r);
    add_builtin_layers(*r);
    add_builtin_losses(*r);
    add_builtin_optimizers(*r);
    add_builtin_initializers(*r);
    add_builtin_schedules(*r);
    add_builtin_sources(*r);
    return r;
  }();
  return *instance;
}

bool has_own_test_set(const json& spec) {
  const auto* entry = registry().sources.find(spec_text(spec, "source"));
  return entry && entry->traits.own_test_set && entry->traits.own_test_set(spec);
}

std::string default_loss(Task task) {
  for (const auto& entry : registry().losses.entries())
    if (entry.traits.default_for_task && entry.traits.task == task) return entry.name;
  throw ConfigError(std::string("no loss is registered as the default for ") +
                    (task == Task::classification ? "classification" : "regression"));
}

std::string losses_for(Task task) {
  std::string list;
  for (const auto& entry : registry().losses.entries())
    if (entry.traits.task == task) list += (list.empty() ? "\"" : " or \"") + entry.name + "\"";
  return list;
}

}  // namespace nnfit
