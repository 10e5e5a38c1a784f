// Whole-vector views of the flat parameter, gradient and state buffers for the update rules.
#pragma once

#include <vector>

#include "nnfit/optimizer.hpp"

namespace nnfit {

using FlatArray = Eigen::Map<Eigen::ArrayXf>;

inline FlatArray values_of(const ParameterView& p) {
  return FlatArray(p.values, p.size);
}
inline FlatArray gradients_of(const ParameterView& p) {
  return FlatArray(p.gradients, p.size);
}
inline FlatArray array_of(std::vector<float>& buffer) {
  return FlatArray(buffer.data(), static_cast<Index>(buffer.size()));
}

}  // namespace nnfit
