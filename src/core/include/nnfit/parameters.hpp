// A model's parameters and gradients as two contiguous float arrays: what optimisers are
// built over and what gradient clipping reads (Model::parameters() hands one out).
#pragma once

#include "nnfit/types.hpp"

namespace nnfit {

struct ParameterView {
  float* values = nullptr;
  float* gradients = nullptr;
  Index size = 0;
};

}  // namespace nnfit
