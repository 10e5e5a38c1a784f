// Must not compile: the core cannot see the experiments layer above it.
#include "nnfit/experiments/runner.hpp"
