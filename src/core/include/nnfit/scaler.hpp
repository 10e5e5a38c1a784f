// Scaling features: fitted on the training rows only, applied in place to every split, and
// stored with the model so that evaluation and prediction see the same transform.
#pragma once

#include <string>
#include <vector>

#include "nnfit/types.hpp"

namespace nnfit {

// Per-feature affine transform x' = (x - offset) * factor.
struct Scaler {
  std::string type = "none";  // none | unit | standardize | standardize_global | minmax
  RowVector offset;           // [features]; empty for "none"
  RowVector factor;
  double clip = 0;  // > 0: transformed values are clamped to [-clip, clip]
  // Fits on `rows` of `x` (the training split). Constant features get factor 1.
  static Scaler fit(const std::string& type, const Matrix& x, const std::vector<Index>& rows,
                    double pixel_max);
  void apply(Matrix& x) const;
  bool identity() const { return offset.size() == 0; }
};

}  // namespace nnfit
