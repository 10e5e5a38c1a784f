// The machine a comparison ran on, as its report and summary.json state it.
#pragma once

#include <string>

namespace nnfit {

// "Intel(R) Xeon(R) ... , 2 cores, Debian GNU/Linux 12 (bookworm)", from /proc/cpuinfo and
// /etc/os-release.
std::string describe_machine();

}  // namespace nnfit
