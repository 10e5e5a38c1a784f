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

}  // namespace nnfit
