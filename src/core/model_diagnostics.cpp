// Training diagnostics (definitions in nnfit/model_diagnostics.hpp).
#include "nnfit/model_diagnostics.hpp"

#include <cmath>

#include "nnfit/error.hpp"

namespace nnfit {

namespace {

struct Moments {
  double mean = 0, var = 0;
};

// Mean and variance over every entry, in double precision (two passes: no cancellation).
Moments moments(const Matrix& m) {
  Moments r;
  if (m.size() == 0) return r;
  const auto values = m.reshaped();
  double sum = 0;
  for (const float v : values) sum += v;
  r.mean = sum / static_cast<double>(m.size());
  double squares = 0;
  for (const float v : values) squares += (v - r.mean) * (v - r.mean);
  r.var = squares / static_cast<double>(m.size());
  return r;
}

// Fraction of columns (units) with no positive entry.
double never_positive(const Matrix& m) {
  if (m.cols() == 0) return 0.0;
  Index count = 0;
  for (Index j = 0; j < m.cols(); ++j) count += m.col(j).maxCoeff() <= 0.0f;
  return static_cast<double>(count) / static_cast<double>(m.cols());
}

double norm(const float* values, Index size) {
  double sum = 0;
  for (Index i = 0; i < size; ++i) sum += static_cast<double>(values[i]) * values[i];
  return std::sqrt(sum);
}

}  // namespace

Matrix probe_batch(const Data& data, const DiagnosticsOptions& options) {
  const Split* named = data.split(options.split);
  const Split& split = named ? *named : data.train;
  if (split.empty())
    throw ConfigError("diagnostics.split: the " + options.split +
                      " split of this run is empty; probe another split");
  const Index n = std::min(options.probe_samples, split.size());
  Matrix probe(n, split.samples ? split.samples->x.cols() : 0);
  for (Index i = 0; i < n; ++i)
    probe.row(i) = split.samples->x.row(split.rows[static_cast<std::size_t>(i)]);
  return probe;
}

std::vector<ActivationStats> activation_statistics(Model& model, const Matrix& probe) {
  std::vector<ActivationStats> out;
  if (probe.rows() == 0) return out;
  model.forward(probe);
  const Index last = model.num_layers() - 1;
  int depth = 0;
  for (Index i = 0; i < last; ++i) {
    const Layer& layer = model.layer(i);
    const Matrix* pre = nullptr;
    if (layer.is_activation())
      pre = i == 0 ? &probe : &model.layer_output(i - 1);
    else if (layer.preactivation())
      pre = layer.preactivation();
    if (!pre) continue;
    const Matrix& post = model.layer_output(i);
    ActivationStats s;
    s.layer = i;
    s.depth = ++depth;
    s.activation = layer.activation_name();
    s.units = post.cols();
    const Moments a = moments(*pre), b = moments(post);
    s.pre_mean = a.mean;
    s.pre_var = a.var;
    s.post_mean = b.mean;
    s.post_var = b.var;
    s.dead = never_positive(post);
    s.negative_regime = never_positive(*pre);
    out.push_back(s);
  }
  return out;
}

json DiagnosticsRecord::to_json() const {
  json a = json::array(), p = json::array();
  for (const auto& s : activations)
    a.push_back({{"layer", s.layer},
                 {"depth", s.depth},
                 {"activation", s.activation},
                 {"units", s.units},
                 {"pre_mean", s.pre_mean},
                 {"pre_var", s.pre_var},
                 {"post_mean", s.post_mean},
                 {"post_var", s.post_var},
                 {"dead", s.dead},
                 {"negative_regime", s.negative_regime}});
  for (const auto& s : parameters)
    p.push_back({{"layer", s.layer},
                 {"grad_norm", s.grad_norm},
                 {"update_ratio", s.update_ratio},
                 {"weight_norm", s.weight_norm}});
  return {{"epoch", epoch}, {"activations", a}, {"parameters", p}};
}

DiagnosticsRecord DiagnosticsRecord::from_json(const json& j) {
  DiagnosticsRecord r;
  r.epoch = j.at("epoch").get<int>();
  for (const auto& a : j.at("activations")) {
    ActivationStats s;
    s.layer = a.at("layer").get<Index>();
    s.depth = a.at("depth").get<int>();
    s.activation = a.at("activation").get<std::string>();
    s.units = a.at("units").get<Index>();
    s.pre_mean = a.at("pre_mean").get<double>();
    s.pre_var = a.at("pre_var").get<double>();
    s.post_mean = a.at("post_mean").get<double>();
    s.post_var = a.at("post_var").get<double>();
    s.dead = a.at("dead").get<double>();
    s.negative_regime = a.at("negative_regime").get<double>();
    r.activations.push_back(s);
  }
  for (const auto& p : j.at("parameters")) {
    ParameterStats s;
    s.layer = p.at("layer").get<Index>();
    s.grad_norm = p.at("grad_norm").get<double>();
    s.update_ratio = p.at("update_ratio").get<double>();
    s.weight_norm = p.at("weight_norm").get<double>();
    r.parameters.push_back(s);
  }
  return r;
}

ModelDiagnostics::ModelDiagnostics(Model& model, Matrix probe)
    : model_(model), probe_(std::move(probe)) {
  for (const auto& info : model.parameter_info()) {
    if (layers_.empty() || layers_.back() != info.layer) {
      layers_.push_back(info.layer);
      ranges_.push_back({info.offset, 0});
    }
    ranges_.back().second = info.offset + info.size - ranges_.back().first;
  }
  grad_norm_sum_.assign(layers_.size(), 0.0);
  update_ratio_.assign(layers_.size(), 0.0);
}

void ModelDiagnostics::before_step(bool last_of_epoch) {
  if (last_of_epoch) before_.assign(model_.values(), model_.values() + model_.num_parameters());
}

void ModelDiagnostics::after_step(bool last_of_epoch) {
  ++steps_;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const auto [offset, size] = ranges_[l];
    grad_norm_sum_[l] += norm(model_.gradients() + offset, size);
    if (last_of_epoch && !before_.empty()) {
      double change = 0;
      for (Index i = offset; i < offset + size; ++i) {
        const double d =
            static_cast<double>(model_.values()[i]) - before_[static_cast<std::size_t>(i)];
        change += d * d;
      }
      const double weight = norm(before_.data() + offset, size);
      update_ratio_[l] = weight > 0 ? std::sqrt(change) / weight : 0.0;
    }
  }
}

DiagnosticsRecord ModelDiagnostics::record(int epoch) {
  DiagnosticsRecord r;
  r.epoch = epoch;
  r.activations = activation_statistics(model_, probe_);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    ParameterStats s;
    s.layer = layers_[l];
    s.grad_norm = steps_ > 0 ? grad_norm_sum_[l] / static_cast<double>(steps_) : 0.0;
    s.update_ratio = update_ratio_[l];
    s.weight_norm = norm(model_.values() + ranges_[l].first, ranges_[l].second);
    r.parameters.push_back(s);
  }
  steps_ = 0;
  grad_norm_sum_.assign(layers_.size(), 0.0);
  update_ratio_.assign(layers_.size(), 0.0);
  before_.clear();
  return r;
}

}  // namespace nnfit
