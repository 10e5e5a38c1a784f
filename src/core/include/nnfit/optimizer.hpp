// Optimisers over the model's flat parameter buffer (after flashlight's FirstOrderOptimizer).
//
// An optimiser is constructed over one ParameterView -- all parameters and their gradients as
// two contiguous float arrays -- so that its state is index-aligned with the parameters and
// each step is one vectorised pass. Update rules are PyTorch's, exactly (see each file in
// optimizers/).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nnfit/parameters.hpp"
#include "nnfit/spec.hpp"
#include "nnfit/types.hpp"

namespace nnfit {

// Everything needed to continue an optimiser exactly where it stopped.
struct OptimizerState {
  std::int64_t steps = 0;
  std::map<std::string, std::vector<float>> buffers;  // index-aligned with the parameters
};

class Optimizer {
 public:
  Optimizer(ParameterView parameters, double lr) : params_(parameters), lr_(lr), base_lr_(lr) {}
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual std::string name() const = 0;
  virtual json config() const = 0;
  // One update of every parameter from the current gradients.
  void step() {
    update(0, params_.size, steps_ + 1);
    ++steps_;
  }
  // The update rule on parameters [begin, end) for optimiser step `step` (1-based). Element-
  // wise, so disjoint ranges can run on different threads; step() is update() over all.
  virtual void update(Index begin, Index end, std::int64_t step) = 0;
  // Counts a step whose ranges were updated with update() (by several threads).
  void finish_step() { ++steps_; }
  void zero_grad();

  // The learning rate used by the next step; schedules set it from base_lr().
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  double base_lr() const { return base_lr_; }
  // Optimiser steps taken so far (Adam's bias correction counts these).
  std::int64_t steps() const { return steps_; }

  OptimizerState state() const;
  // Throws ConfigError when the buffers do not match this optimiser and parameter count.
  void load_state(const OptimizerState& state);

 protected:
  // Named state buffers, each of size params_.size, created by the derived constructor.
  std::vector<float>& add_buffer(const std::string& name);

  ParameterView params_;
  double lr_;
  double base_lr_;
  std::int64_t steps_ = 0;
  std::map<std::string, std::vector<float>> buffers_;
};

std::unique_ptr<Optimizer> make_optimizer(const json& spec, ParameterView parameters,
                                          const std::string& path = "optimizer");

// L2 norm of all gradients, summed in double.
double gradient_norm(ParameterView parameters);
// Scales the gradients so their global L2 norm is at most max_norm (PyTorch's
// clip_grad_norm_, including its 1e-6). Returns the norm before clipping.
double clip_gradient_norm(ParameterView parameters, double max_norm);
// The same, given the norm already measured.
void clip_gradients(ParameterView parameters, double norm, double max_norm);

}  // namespace nnfit
