// The UCI suite (src/core/datasets/uci.cpp), source "uci": classification sets from Debian's
// packages, each counted once: weka's ARFF files, the R packages mlbench and kernlab's data
// files (.rda, read with librdata), scikit-learn's bundled CSV files.
#pragma once

#include <string>
#include <vector>

#include "nnfit/types.hpp"

namespace nnfit {

// The test fraction of a set without a test file, unless data.test says otherwise.
inline constexpr double kUciTestFraction = 0.2;

// Where scripts/setup extracts the packages' data: one folder per package below it
// (weka's ARFF files in uci/, mlbench/, kernlab/, sklearn/).
inline constexpr const char* kUciRoot = "/usr/local/share/nnfit";
// The ARFF files' folder (kept for "path", which names it).
inline constexpr const char* kUciFolder = "/usr/local/share/nnfit/uci";

// The folder holding weka's ARFF sets (kUciFolder, or an installed weka's examples); "" when
// neither.
std::string uci_folder();
// The names of the suite, in order.
std::vector<std::string> uci_names();
// Whether the set comes with a test file of its own (segment), so no test fraction is held out.
bool uci_has_test_file(const std::string& name);

struct UciSet {
  std::string name, about, package;           // package: the Debian package it comes from
  std::string file;                           // as the package names it
  Index rows = 0, features = 0, classes = 0;  // features after one-hot encoding
  Index rows_used = 0;  // after the suite's cap (kUciMaxRows), before any split
  double majority = 0;  // the largest class's share of the rows
  bool installed = false;
};
// Every set with its size (read from the files when they are installed).
std::vector<UciSet> uci_sets();

// The suite's size cap: a larger set is used through a stratified sample of this many rows,
// the same for every arm and seed ("max_rows" overrides it; 0: all rows), so that
// LetterRecognition (20,000 rows) and Shuttle (58,000) do not dominate the wall time.
inline constexpr Index kUciMaxRows = 2000;

}  // namespace nnfit
