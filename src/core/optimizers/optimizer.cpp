// The optimiser base: gradient zeroing, state for checkpoints, and the list of built-in
// optimisers. (Gradient norms and clipping: src/core/optimizers/clipping.cpp.)
#include "nnfit/optimizer.hpp"

#include <cmath>

#include "nnfit/registry.hpp"
#include "optimizers/flat.hpp"

namespace nnfit {

void Optimizer::zero_grad() {
  std::fill(params_.gradients, params_.gradients + params_.size, 0.0f);
}

std::vector<float>& Optimizer::add_buffer(const std::string& name) {
  auto& buffer = buffers_[name];
  buffer.assign(static_cast<std::size_t>(params_.size), 0.0f);
  return buffer;
}

OptimizerState Optimizer::state() const {
  return {steps_, buffers_};
}

void Optimizer::load_state(const OptimizerState& state) {
  if (state.steps < 0) throw ConfigError(name() + " state: negative step count");
  for (const auto& [key, buffer] : buffers_) {
    const auto it = state.buffers.find(key);
    if (it == state.buffers.end())
      throw ConfigError(name() + " state: missing buffer '" + key + "'");
    if (it->second.size() != buffer.size())
      throw ConfigError(name() + " state: buffer '" + key + "' has " +
                        std::to_string(it->second.size()) + " values, the model has " +
                        std::to_string(buffer.size()) + " parameters");
  }
  for (const auto& [key, buffer] : state.buffers)
    if (!buffers_.count(key)) throw ConfigError(name() + " state: unexpected buffer '" + key + "'");
  buffers_ = state.buffers;
  steps_ = state.steps;
}

void add_sgd(Registries& r);      // src/core/optimizers/sgd.cpp
void add_adam(Registries& r);     // src/core/optimizers/adam.cpp (adam, adamw)
void add_rmsprop(Registries& r);  // src/core/optimizers/rmsprop.cpp

void add_builtin_optimizers(Registries& r) {
  add_sgd(r);
  add_adam(r);
  add_rmsprop(r);
}

std::unique_ptr<Optimizer> make_optimizer(const json& spec, ParameterView parameters,
                                          const std::string& path) {
  return build(registry().optimizers, spec, path, parameters);
}

}  // namespace nnfit
