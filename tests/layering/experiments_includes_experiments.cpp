// Control for the layering check: the experiments layer sees its headers and the core's.
#include "nnfit/experiments/study.hpp"
#include "nnfit/model.hpp"
