// "missing": "impute": missing (NaN) inputs filled from the training rows alone.
#pragma once

#include <vector>

#include "nnfit/dataset.hpp"

namespace nnfit {

// Each missing input of `train` (and of `test`, when given) takes what the training `rows`
// say: a numeric column's mean, or for a nominal attribute the value most of them have.
void impute_missing(Samples& train, Samples* test, const std::vector<Index>& rows);

}  // namespace nnfit
