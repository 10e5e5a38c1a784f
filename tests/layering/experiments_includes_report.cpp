// Must not compile: the experiments layer cannot see the report layer above it.
#include "nnfit/report/compare_report.hpp"
