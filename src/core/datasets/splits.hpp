// Row selections of a data set: the first `limit` rows, and held-out fractions (test,
// validation), stratified by class when asked. Rows are indices, never copies.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nnfit/dataset.hpp"

namespace nnfit {

// Splits `rows` into (kept, held out), holding out `fraction` of each class (or of all rows).
// Throws ConfigError when either side would be empty ("data.<what>: ...").
std::pair<std::vector<Index>, std::vector<Index>> hold_out(const std::vector<Index>& rows,
                                                           double fraction, const Samples& samples,
                                                           bool stratify, Rng& rng,
                                                           const std::string& what);
// Rows 0 .. min(n, limit) - 1 (all n when limit is 0).
std::vector<Index> first_rows(Index n, std::int64_t limit);

}  // namespace nnfit
