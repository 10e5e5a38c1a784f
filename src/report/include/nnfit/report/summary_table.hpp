// The table `nnfit compare` prints at its end: per arm, runs, target, final loss, accuracy,
// the speed measure and the verdict.
#pragma once

#include <string>

#include "nnfit/experiments/runner.hpp"

namespace nnfit {

// From summary.json's content.
std::string summary_table(const json& summary);

}  // namespace nnfit
