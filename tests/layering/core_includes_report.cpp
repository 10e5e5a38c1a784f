// Must not compile: the core cannot see the report layer two layers above it.
#include "nnfit/report/run_report.hpp"
