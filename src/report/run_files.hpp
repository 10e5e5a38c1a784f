// Reading a run directory's files for the reports (run_report.cpp, runs_report.cpp): whole
// files and JSON-lines files, every problem a DataError naming the file and line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "nnfit/config.hpp"

namespace nnfit::report {

std::string read_text(const std::filesystem::path& path);
// One JSON object per non-empty line.
std::vector<json> read_lines(const std::filesystem::path& path);

}  // namespace nnfit::report
