// The UCI classification sets of Debian's weka package (src/core/datasets/uci.cpp), source "uci".
#pragma once

#include <string>
#include <vector>

#include "nnfit/types.hpp"

namespace nnfit {

// The test fraction of a set without a test file, unless data.test says otherwise.
inline constexpr double kUciTestFraction = 0.2;

// Where scripts/setup extracts the ARFF files.
inline constexpr const char* kUciFolder = "/usr/local/share/nnfit/uci";

// The folder holding the sets (kUciFolder, or an installed weka's examples); "" when neither.
std::string uci_folder();
// The names of the suite, in order.
std::vector<std::string> uci_names();
// Whether the set comes with a test file of its own (segment), so no test fraction is held out.
bool uci_has_test_file(const std::string& name);

struct UciSet {
  std::string name, about;
  Index rows = 0, features = 0, classes = 0;  // features after one-hot encoding
  bool installed = false;
};
// Every set with its size (read from the files when they are installed).
std::vector<UciSet> uci_sets();

}  // namespace nnfit
