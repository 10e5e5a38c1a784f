// Activation functions: y = f(x) applied to a [batch, units] matrix.
//
// An Activation is used two ways: as a layer of its own ({"type": "elu"}) and fused into a
// Dense layer ({"type": "dense", "units": 64, "activation": "elu"}). Built-ins live in
// src/core/layers/activations.cpp, each with its formula, derivative and paper. Users add their own
// with register_activation(), after which the name works in JSON specs too.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "nnfit/spec.hpp"
#include "nnfit/types.hpp"

namespace nnfit {

class Activation {
 public:
  virtual ~Activation() = default;
  // The registry name ("elu").
  virtual std::string name() const = 0;
  // The spec that rebuilds this activation, parameters included ({"type":"elu","alpha":1}).
  virtual json config() const { return json{{"type", name()}}; }
  // y = f(x). x, y: [batch, units]; y is resized by the caller.
  virtual void forward(const Matrix& x, Matrix& y) const = 0;
  // gx = dL/dx given gy = dL/dy, x and the cached y = f(x). Shapes all [batch, units].
  // gx may alias gy (the Dense layer computes it in place).
  virtual void backward(const Matrix& x, const Matrix& y, const Matrix& gy, Matrix& gx) const = 0;
  // The initialiser `"init": "auto"` picks for a Dense layer followed by this activation.
  virtual std::string recommended_init() const { return "glorot_uniform"; }
};

// Scalar forms for user-defined activations: f(x), and f'(x) given x and y = f(x).
using ScalarFunction = std::function<float(float)>;
using ScalarDerivative = std::function<float(float x, float y)>;

// Adds an element-wise activation to the registry: from then on `name` works everywhere a
// built-in does (JSON specs, "activation" shorthand, gradient checks). Throws ConfigError if
// the name is taken. Register before building models from other threads.
void register_activation(const std::string& name, ScalarFunction f, ScalarDerivative derivative,
                         const std::string& summary = "user-defined activation",
                         const std::string& recommended_init = "glorot_uniform");

// Builds an activation from a name or a spec object; unknown names list the valid ones.
std::unique_ptr<Activation> make_activation(const json& spec,
                                            const std::string& path = "activation");

}  // namespace nnfit
