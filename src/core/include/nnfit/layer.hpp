// The layer contract (after mlpack 4).
//
//   forward(input, output, context)        output = f(input)
//   backward(input, output, gy, g)         g = dL/dinput from gy = dL/doutput, and adds
//                                          dL/dparameters into the layer's gradient views
//
// Parameters are not owned by layers: the Model lays every layer's parameters out in one flat
// buffer (and their gradients in another) and hands each layer views into them with bind().
// That makes optimisers, checkpoints and gradient checks whole-vector operations.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nnfit/rng.hpp"
#include "nnfit/spec.hpp"
#include "nnfit/types.hpp"

namespace nnfit {

// One parameter tensor of a layer: its local name ("weight") and shape (a vector is 1 x n).
struct ParameterShape {
  std::string name;
  Index rows = 0;
  Index cols = 0;
  bool is_vector = false;  // saved with shape [cols] rather than [rows, cols]
  Index size() const { return rows * cols; }
};

// What a forward pass is for. Training mode enables dropout, which draws from `rng`.
struct ForwardContext {
  bool training = false;
  Rng* rng = nullptr;
};

class Layer {
 public:
  virtual ~Layer() = default;

  virtual std::string type() const = 0;
  // The spec that rebuilds this layer ({"type": "dense", "units": 10, ...}).
  virtual json config() const = 0;
  // The same with every "auto" resolved as initialize() would, given the next layer (null
  // for the last): what `nnfit config` prints and config.json records.
  virtual json resolved_config(const Layer* /*next*/) const { return config(); }

  // Called once by the Model with the input width; returns the output width.
  virtual Index setup(Index input_size) = 0;
  virtual std::vector<ParameterShape> parameter_shapes() const { return {}; }
  // Views into the model's flat buffers, in the order of parameter_shapes(). Called again
  // whenever the model relocates its buffers.
  virtual void bind(float* /*parameters*/, float* /*gradients*/) {}
  // Fills the parameters. `next` is the following layer, so that "init": "auto" can pick the
  // initialiser its activation recommends; null for the last layer.
  virtual void initialize(Rng& /*rng*/, const Layer* /*next*/) {}
  // The initialiser this layer recommends for the Dense layer before it ("" for none).
  virtual std::string recommended_init() const { return ""; }

  // input: [batch, in]; output: [batch, out], resized by the layer.
  virtual void forward(const Matrix& input, Matrix& output, const ForwardContext& context) = 0;
  // input, output: as in the last forward; gy: [batch, out]; g: [batch, in], resized by the
  // layer, or null when nobody needs it (the first layer). Parameter gradients are added to
  // (not written over) the gradient views: zero them between steps.
  virtual void backward(const Matrix& input, const Matrix& output, const Matrix& gy, Matrix* g) = 0;

  // For diagnostics. An activation layer maps its input (the pre-activation) to its output;
  // a layer with a fused activation (dense) keeps its pre-activation from the last forward.
  virtual bool is_activation() const { return false; }
  virtual const Matrix* preactivation() const { return nullptr; }
  // The name of the activation the layer applies ("" for none).
  virtual std::string activation_name() const { return ""; }
};

// Builds a layer from a spec; activation names are layers too. Errors go to `diagnostics`
// and the result is null when the spec is wrong.
std::unique_ptr<Layer> make_layer(const json& spec, const std::string& path,
                                  Diagnostics& diagnostics);
// The same, throwing ConfigError.
std::unique_ptr<Layer> make_layer(const json& spec, const std::string& path = "layer");

}  // namespace nnfit
