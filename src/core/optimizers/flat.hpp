// Whole-vector views of the flat parameter, gradient and state buffers for the update rules.
//
// Updates run block by block: every expression of a rule is applied to one L1-sized block of
// all its arrays before the next block, so each array crosses the memory bus once per step
// however many expressions the rule has (for Adam's 235k parameters: 7 MB of traffic, not 12).
#pragma once

#include <cmath>
#include <vector>

#include "nnfit/optimizer.hpp"

namespace nnfit {

using FlatArray = Eigen::Map<Eigen::ArrayXf>;

inline constexpr Index kUpdateBlock = 2048;

// A block [start, start + size) of a flat buffer.
inline FlatArray block_of(float* data, Index start, Index size) {
  return FlatArray(data + start, size);
}

// The correctly rounded square root of each element, as PyTorch's. Eigen's own .sqrt() on
// float packets (with EIGEN_FAST_MATH, its default) is an rsqrt estimate and one Newton step:
// not correctly rounded, and different for 8- and 16-wide packets, so an update split across
// threads at another offset changed the last bit (the registry walk's split-update test found
// it in RMSprop).
template <class Expression>
auto exact_sqrt(const Expression& x) {
  return x.unaryExpr([](float v) { return std::sqrt(v); });
}

// Calls update(start, size) for consecutive blocks covering [begin, end).
template <class Update>
void for_each_block(Index begin, Index end, Update&& update) {
  for (Index start = begin; start < end; start += kUpdateBlock)
    update(start, std::min(kUpdateBlock, end - start));
}

}  // namespace nnfit
