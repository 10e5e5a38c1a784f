// Gradient norms and clipping over the flat gradient buffer (PyTorch's clip_grad_norm_).
#include <cmath>

#include "nnfit/optimizer.hpp"
#include "optimizers/flat.hpp"

namespace nnfit {

double gradient_norm(ParameterView p) {
  // Vectorised float sums over blocks of 2048 (short enough for float), added up in double.
  double sum = 0.0;
  for_each_block(0, p.size, [&](Index start, Index size) {
    sum += static_cast<double>(block_of(p.gradients, start, size).matrix().squaredNorm());
  });
  return std::sqrt(sum);
}

void clip_gradients(ParameterView p, double norm, double max_norm) {
  const double coefficient = max_norm / (norm + 1e-6);
  if (coefficient < 1.0) FlatArray(p.gradients, p.size) *= static_cast<float>(coefficient);
}

double clip_gradient_norm(ParameterView p, double max_norm) {
  const double norm = gradient_norm(p);
  clip_gradients(p, norm, max_norm);
  return norm;
}

}  // namespace nnfit
