// The machine a comparison ran on, as reports state it (nnfit/report/machine.hpp).
#include "nnfit/report/machine.hpp"

#include <fstream>
#include <thread>

namespace nnfit {

std::string describe_machine() {
  std::string cpu = "unknown CPU", os = "unknown OS";
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  std::ifstream release("/etc/os-release");
  for (std::string line; std::getline(release, line);)
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      os = line.substr(12);
      if (os.size() >= 2 && os.front() == '"') os = os.substr(1, os.size() - 2);
    }
  return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, " + os;
}

}  // namespace nnfit
