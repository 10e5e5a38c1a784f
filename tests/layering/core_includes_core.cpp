// Control for the layering check: the core's own headers compile with its include roots.
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/nnfit.hpp"
