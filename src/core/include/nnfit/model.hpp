// A Model: layers in a chain, and the one flat buffer that holds all their parameters (and a
// second for the gradients). Layers hold views into those buffers, so the whole model's
// parameters are one contiguous float array for optimisers, checkpoints and gradient checks.
//
// Parameters are named `layers.<i>.<name>` (i counts every layer, activations included) and
// can be read and written by name as Eigen maps, shaped as PyTorch shapes them.
//
// The chain is the only topology so far. Layers see only (input, output) matrices, so a skip
// connection would be a change here (a node with two inputs, gradients summed where paths
// meet), not in any layer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nnfit/layer.hpp"
#include "nnfit/loss.hpp"
#include "nnfit/optimizer.hpp"
#include "nnfit/safetensors.hpp"

namespace nnfit {

struct ParameterInfo {
  std::string name;                 // "layers.0.weight"
  std::vector<std::int64_t> shape;  // [out, in] or [out]
  Index offset = 0;                 // into the flat buffers
  Index size = 0;
  Index layer = 0;
};

class Model {
 public:
  explicit Model(Index inputs);
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // {"inputs": 4, "layers": [{"type": "dense", "units": 8, "activation": "relu"}, ...]}.
  // Parameters are zero until initialize(). Throws ConfigError listing every problem, each
  // with its JSON path (prefixed by `origin`, e.g. a file name, when given).
  static Model from_json(const json& spec, const std::string& origin = "");
  // A model saved by save(): its spec from the file's metadata, then its weights. The spec is
  // checked against the file's tensors before anything is allocated; every problem with the
  // file is a DataError.
  static Model load(const std::string& path);
  // The same from a file already read (`path` names it in messages).
  static Model load(const SafetensorsFile& file, const std::string& path);

  // Appends a layer; existing parameters keep their values. Refuses (ConfigError, with the
  // figure) a layer that would take the parameters and their gradients past the machine's
  // memory.
  Model& add(const json& layer_spec);
  Model& add(std::unique_ptr<Layer> layer);

  // Fills every parameter: layer i draws from rng.fork(i) (rng itself does not advance).
  void initialize(Rng& rng);

  // output = model(x). x: [batch, inputs] and must stay alive until backward().
  // Returns a reference to the model's own output buffer, valid until the next forward.
  const Matrix& forward(const Matrix& x, const ForwardContext& context = {});
  // Inference in evaluation mode; returns a copy.
  Matrix predict(const Matrix& x) { return forward(x); }
  // Adds dL/dparameters into the gradient buffer, given gy = dL/doutput for the last forward.
  void backward(const Matrix& gy);
  // The loss of the last forward's output, and backward() from its gradient times
  // `gradient_scale` (a thread's share of a split batch). Returns the unscaled loss.
  double backward(const Loss& loss, const Target& target, float gradient_scale = 1.0f);
  void zero_grad();

  Index input_size() const { return inputs_; }
  Index output_size() const { return sizes_.back(); }
  Index num_layers() const { return static_cast<Index>(layers_.size()); }
  Layer& layer(Index i) { return *layers_.at(static_cast<std::size_t>(i)); }
  const Layer& layer(Index i) const { return *layers_.at(static_cast<std::size_t>(i)); }
  // Output of layer i from the last forward ([batch, width]); for diagnostics.
  const Matrix& layer_output(Index i) const { return outputs_.at(static_cast<std::size_t>(i)); }

  Index num_parameters() const { return static_cast<Index>(grads_.size()); }
  const std::vector<ParameterInfo>& parameter_info() const { return info_; }
  std::vector<std::string> parameter_names() const;
  // Views shaped [rows, cols] (a vector is [1, n]). Throw ConfigError for unknown names.
  MatrixMap parameter(const std::string& name);
  MatrixMap gradient(const std::string& name);
  // The flat buffers, for optimisers and checkpoints.
  ParameterView parameters() { return {values(), grads_.data(), num_parameters()}; }
  float* values() { return shared_values_ ? shared_values_ : values_.data(); }
  const float* values() const { return shared_values_ ? shared_values_ : values_.data(); }
  float* gradients() { return grads_.data(); }

  // A model for another thread: the same layers (rebuilt from spec(), so every layer must be
  // registered), reading and writing this model's parameter values, with gradients and
  // workspaces of its own. This model must outlive it and gain no layers meanwhile.
  Model replica();

  // The spec that rebuilds this model (without weights).
  json spec() const;
  // A table of the layers, as Keras's model.summary(): each layer's type (with its fused
  // activation), output shape and parameter count, then the total.
  std::string summary() const;
  // Weights as safetensors with the spec in the metadata (key "nnfit.model"), atomically.
  // `metadata` adds string entries, `extra` more tensors (their names must not start with
  // "layers.").
  void save(const std::string& path, const std::map<std::string, std::string>& metadata = {},
            const std::vector<Tensor>& extra = {}) const;
  // Loads weights saved from a model of the same shape: every parameter must be in the file
  // with its shape; tensors the model lacks are an error (except "optimizer.*" and
  // "preprocessing.*", which checkpoints and trained models carry).
  void load_weights(const std::string& path);
  // The same from a file already read (`path` names it in messages).
  void load_weights(const SafetensorsFile& file, const std::string& path);

 private:
  const ParameterInfo& find(const std::string& name) const;
  void relayout();
  void bind_layers();

  Index inputs_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Index> sizes_;  // sizes_[0] = inputs, sizes_[i + 1] = width after layer i
  // 64-byte aligned (Eigen's aligned_allocator with EIGEN_MAX_ALIGN_BYTES=64): Eigen picks
  // its vectorised code paths by alignment, and reductions then sum in a different order, so
  // an address that varied from run to run would make results vary with it.
  std::vector<float, Eigen::aligned_allocator<float>> values_;
  std::vector<float, Eigen::aligned_allocator<float>> grads_;
  std::vector<ParameterInfo> info_;
  std::vector<Matrix> outputs_;
  std::vector<Matrix> output_grads_;
  Matrix loss_gradient_;
  const Matrix* last_input_ = nullptr;
  float* shared_values_ = nullptr;  // set in a replica: the owner's values
};

}  // namespace nnfit
