#include "nnfit/model.hpp"

#include "nnfit/detail/json_text.hpp"
#include "nnfit/detail/memory_budget.hpp"
#include "nnfit/error.hpp"
#include "nnfit/safetensors.hpp"
#include "nnfit/version.hpp"

namespace nnfit {

Model::Model(Index inputs) : inputs_(inputs), sizes_{inputs} {
  if (inputs <= 0)
    throw ConfigError("model: inputs must be positive, found " + std::to_string(inputs));
}

Model Model::from_json(const json& spec, const std::string& origin) {
  Diagnostics diag(origin);
  SpecReader reader(spec, "", diag);
  if (!reader.has("inputs")) diag.error("inputs", "missing (the width of one sample)");
  const auto inputs = reader.integer("inputs", 1, 1);
  std::vector<std::unique_ptr<Layer>> layers;
  const json* list = reader.raw("layers");
  if (!list) {
    diag.error("layers", "missing (an array of layer objects)");
  } else if (!list->is_array() || list->empty()) {
    diag.error("layers", "expected a non-empty array of layer objects");
  } else {
    for (std::size_t i = 0; i < list->size(); ++i)
      layers.push_back(make_layer((*list)[i], json_path("layers", i), diag));
  }
  reader.finish();
  diag.throw_if_any();
  Model model(inputs);
  for (auto& layer : layers) model.add(std::move(layer));
  return model;
}

Model& Model::add(const json& layer_spec) {
  return add(make_layer(layer_spec, "layers[" + std::to_string(layers_.size()) + "]"));
}

Model& Model::add(std::unique_ptr<Layer> layer) {
  if (!layer) throw ConfigError("model: cannot add a null layer");
  const Index width = layer->setup(sizes_.back());
  if (width <= 0)
    throw ConfigError("model: layer " + std::to_string(layers_.size()) + " (" + layer->type() +
                      ") has no outputs");
  std::uint64_t total = static_cast<std::uint64_t>(num_parameters());
  for (const auto& shape : layer->parameter_shapes())
    total = saturating_add(total, saturating_multiply(static_cast<std::uint64_t>(shape.rows),
                                                      static_cast<std::uint64_t>(shape.cols)));
  // Values and gradients, 4 bytes each.
  check_fits_in_memory(saturating_multiply(total, 8),
                       "model: layer " + std::to_string(layers_.size()) + " (" + layer->type() +
                           ") brings the model to " + std::to_string(total) + " parameters, which");
  layers_.push_back(std::move(layer));
  sizes_.push_back(width);
  outputs_.emplace_back();
  output_grads_.emplace_back();
  relayout();
  return *this;
}

// Appends the new layer's parameters to the flat buffers and re-binds every layer, since
// growing the buffers may move them.
void Model::relayout() {
  const Index layer = num_layers() - 1;
  Index offset = num_parameters();
  for (const auto& shape : layers_.back()->parameter_shapes()) {
    ParameterInfo info;
    info.name = "layers." + std::to_string(layer) + "." + shape.name;
    info.shape = shape.is_vector ? std::vector<std::int64_t>{shape.cols}
                                 : std::vector<std::int64_t>{shape.rows, shape.cols};
    info.offset = offset;
    info.size = shape.size();
    info.layer = layer;
    offset += info.size;
    info_.push_back(std::move(info));
  }
  values_.resize(static_cast<std::size_t>(offset), 0.0f);
  grads_.resize(static_cast<std::size_t>(offset), 0.0f);
  bind_layers();
}

// Hands every layer its views: parameter values (this model's, or the owner's in a replica)
// and gradients.
void Model::bind_layers() {
  for (Index i = 0; i < num_layers(); ++i) {
    for (const auto& info : info_) {
      if (info.layer != i) continue;
      layers_[static_cast<std::size_t>(i)]->bind(values() + info.offset,
                                                 grads_.data() + info.offset);
      break;
    }
  }
}

void Model::initialize(Rng& rng) {
  // Layer i draws from stream i of `rng`: what one layer draws (a bias, say) does not shift
  // the draws of the layers after it, so models that share layer shapes share initial draws.
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer* next = i + 1 < layers_.size() ? layers_[i + 1].get() : nullptr;
    Rng layer_rng = rng.fork(i);
    layers_[i]->initialize(layer_rng, next);
  }
}

const Matrix& Model::forward(const Matrix& x, const ForwardContext& context) {
  if (layers_.empty()) throw ConfigError("model: forward on a model with no layers");
  if (x.cols() != inputs_)
    throw ConfigError("model: input has " + std::to_string(x.cols()) +
                      " columns, the model takes " + std::to_string(inputs_));
  last_input_ = &x;
  const Matrix* input = &x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    layers_[i]->forward(*input, outputs_[i], context);
    input = &outputs_[i];
  }
  return outputs_.back();
}

void Model::backward(const Matrix& gy) {
  if (!last_input_) throw ConfigError("model: backward before forward");
  if (gy.rows() != outputs_.back().rows() || gy.cols() != outputs_.back().cols())
    throw ConfigError("model: output gradient is " + std::to_string(gy.rows()) + "x" +
                      std::to_string(gy.cols()) + ", the output is " +
                      std::to_string(outputs_.back().rows()) + "x" +
                      std::to_string(outputs_.back().cols()));
  const Matrix* upstream = &gy;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const Matrix& input = i == 0 ? *last_input_ : outputs_[i - 1];
    Matrix* g = i == 0 ? nullptr : &output_grads_[i - 1];
    layers_[i]->backward(input, outputs_[i], *upstream, g);
    upstream = g;
  }
}

double Model::backward(const Loss& loss, const Target& target, float gradient_scale) {
  if (!last_input_) throw ConfigError("model: backward before forward");
  const double value = loss.evaluate(outputs_.back(), target, &loss_gradient_);
  if (gradient_scale != 1.0f) loss_gradient_ *= gradient_scale;
  backward(loss_gradient_);
  return value;
}

Model Model::replica() {
  Model copy = from_json(spec());
  if (copy.num_parameters() != num_parameters())
    throw ConfigError("model: a replica has a different parameter count");
  copy.shared_values_ = values();
  copy.values_.clear();
  copy.values_.shrink_to_fit();
  copy.bind_layers();
  return copy;
}

void Model::zero_grad() {
  std::fill(grads_.begin(), grads_.end(), 0.0f);
}

std::vector<std::string> Model::parameter_names() const {
  std::vector<std::string> names;
  for (const auto& info : info_) names.push_back(info.name);
  return names;
}

const ParameterInfo& Model::find(const std::string& name) const {
  for (const auto& info : info_)
    if (info.name == name) return info;
  throw ConfigError(unknown_name_message("parameter", name, parameter_names()));
}

namespace {
// A parameter's slice of a flat buffer, shaped [rows, cols] (a vector as [1, n]).
MatrixMap view_of(float* buffer, const ParameterInfo& info) {
  const Index rows = info.shape.size() == 2 ? info.shape[0] : 1;
  return MatrixMap(buffer + info.offset, rows, info.size / std::max<Index>(rows, 1));
}
}  // namespace

MatrixMap Model::parameter(const std::string& name) {
  return view_of(values(), find(name));
}

MatrixMap Model::gradient(const std::string& name) {
  return view_of(grads_.data(), find(name));
}

namespace {
std::string with_thousands(Index n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
}  // namespace

std::string Model::summary() const {
  char line[160];
  std::snprintf(line, sizeof line, "%-5s %-28s %-12s %12s\n", "layer", "type", "output",
                "parameters");
  std::string out = line;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = *layers_[i];
    std::string type = layer.type();
    if (layer.type() == "dense") {
      type += "(" + std::to_string(sizes_[i]) + "->" + std::to_string(sizes_[i + 1]);
      if (!layer.activation_name().empty()) type += ", " + layer.activation_name();
      type += ")";
    }
    Index count = 0;
    for (const auto& shape : layer.parameter_shapes()) count += shape.size();
    const std::string shape = "[*, " + std::to_string(sizes_[i + 1]) + "]";
    std::snprintf(line, sizeof line, "%-5zu %-28.28s %-12s %12s\n", i, type.c_str(), shape.c_str(),
                  with_thousands(count).c_str());
    out += line;
  }
  std::snprintf(line, sizeof line, "total %s parameters (%s as float32), input [*, %ld]\n",
                with_thousands(num_parameters()).c_str(),
                format_bytes(static_cast<std::uint64_t>(num_parameters()) * 4).c_str(),
                static_cast<long>(inputs_));
  return out + line;
}

json Model::spec() const {
  json layers = json::array();
  for (const auto& layer : layers_) layers.push_back(layer->config());
  return {{"inputs", inputs_}, {"layers", layers}};
}

void Model::save(const std::string& path, const std::map<std::string, std::string>& metadata,
                 const std::vector<Tensor>& extra) const {
  SafetensorsFile file;
  file.metadata = metadata;
  file.metadata["nnfit.model"] = spec().dump();
  file.metadata["nnfit.version"] = kVersion;
  for (const auto& info : info_) {
    const float* begin = values() + info.offset;
    file.tensors.push_back({info.name, info.shape, std::vector<float>(begin, begin + info.size)});
  }
  for (const auto& tensor : extra) {
    if (tensor.name.rfind("layers.", 0) == 0)
      throw ConfigError("model save: extra tensor '" + tensor.name + "' would shadow a parameter");
    file.tensors.push_back(tensor);
  }
  write_safetensors(path, file);
}

namespace {

std::string show_shape(const std::vector<std::int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// The layers of a saved spec, sized but not laid out (nothing allocated), checked against the
// file's tensors: a 900-byte file whose spec declares a 16384 x 32768 layer is refused here,
// before 2 GB are allocated for it.
void check_spec_against_tensors(const json& spec, const SafetensorsFile& file,
                                const std::string& path) {
  Diagnostics diag(path + " (metadata nnfit.model)");
  SpecReader reader(spec, "", diag);
  Index width = reader.integer("inputs", 1, 1, Index{1} << 40);
  const json* list = reader.raw("layers");
  std::vector<std::string> problems;
  if (list && list->is_array()) {
    for (std::size_t i = 0; i < list->size() && diag.empty(); ++i) {
      auto layer = make_layer((*list)[i], json_path("layers", i), diag);
      if (!layer) break;
      width = layer->setup(width);
      for (const auto& shape : layer->parameter_shapes()) {
        const std::string name = "layers." + std::to_string(i) + "." + shape.name;
        const auto expected = shape.is_vector ? std::vector<std::int64_t>{shape.cols}
                                              : std::vector<std::int64_t>{shape.rows, shape.cols};
        const Tensor* tensor = file.find(name);
        if (!tensor)
          problems.push_back("missing tensor '" + name + "'");
        else if (tensor->shape != expected)
          problems.push_back("tensor '" + name + "' has shape " + show_shape(tensor->shape) +
                             ", the model spec says " + show_shape(expected));
      }
    }
  }
  if (!diag.empty()) throw DataError(diag.errors().front());
  if (!problems.empty()) {
    std::string message = path + ": the model spec in the metadata does not fit the tensors:";
    for (const auto& p : problems) message += "\n  " + p;
    throw DataError(message);
  }
}

}  // namespace

Model Model::load(const std::string& path) {
  return load(read_safetensors(path), path);
}

Model Model::load(const SafetensorsFile& file, const std::string& path) {
  const auto it = file.metadata.find("nnfit.model");
  if (it == file.metadata.end())
    throw DataError(path +
                    ": no \"nnfit.model\" entry in the metadata: not a model saved by "
                    "nnfit (load its weights into a model built from a spec instead)");
  const json spec = parse_json_text(it->second, path + ": metadata nnfit.model", JsonBlame::data);
  check_spec_against_tensors(spec, file, path);
  try {
    Model model = from_json(spec, path + " (metadata nnfit.model)");
    model.load_weights(file, path);
    return model;
  } catch (const ConfigError& e) {
    // A saved file that does not describe a valid model is a corrupt file (exit 3).
    throw DataError(e.what());
  }
}

void Model::load_weights(const std::string& path) {
  load_weights(read_safetensors(path), path);
}

void Model::load_weights(const SafetensorsFile& file, const std::string& path) {
  std::vector<std::string> problems;
  for (const auto& info : info_) {
    const Tensor* tensor = file.find(info.name);
    if (!tensor) {
      problems.push_back("missing tensor '" + info.name + "'");
      continue;
    }
    if (tensor->shape != info.shape)
      problems.push_back("tensor '" + info.name + "' has shape " + show_shape(tensor->shape) +
                         ", the model expects " + show_shape(info.shape));
  }
  for (const auto& tensor : file.tensors) {
    if (tensor.name.rfind("optimizer.", 0) == 0 || tensor.name.rfind("preprocessing.", 0) == 0)
      continue;
    bool known = false;
    for (const auto& info : info_) known = known || info.name == tensor.name;
    if (!known) problems.push_back("tensor '" + tensor.name + "' is not a parameter of the model");
  }
  if (!problems.empty()) {
    std::string message = path + ": the weights do not fit the model:";
    for (const auto& p : problems) message += "\n  " + p;
    throw ConfigError(message);
  }
  for (const auto& info : info_) {
    const Tensor* tensor = file.find(info.name);
    std::copy(tensor->data.begin(), tensor->data.end(), values() + info.offset);
  }
}

}  // namespace nnfit
