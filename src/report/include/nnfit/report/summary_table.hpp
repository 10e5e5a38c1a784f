// The table `nnfit compare` prints at its end: per arm, runs, target, final loss, accuracy,
// the speed measure and the verdict.
#pragma once

#include <string>

#include "nnfit/experiments/summary.hpp"

namespace nnfit {

std::string summary_table(const Summary& summary);

}  // namespace nnfit
