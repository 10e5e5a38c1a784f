// Reading a run directory's files (run_files.hpp).
#include "run_files.hpp"

#include <fstream>
#include <sstream>

#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"

namespace nnfit::report {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path.string() + ": cannot open: the run has not written it");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<json> read_lines(const fs::path& path) {
  std::vector<json> records;
  std::istringstream in(read_text(path));
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) continue;
    records.push_back(
        parse_json_text(line, path.string() + ": line " + std::to_string(number), JsonBlame::data));
    if (!records.back().is_object())
      throw DataError(path.string() + ":" + std::to_string(number) + ": not a JSON object");
  }
  return records;
}

}  // namespace nnfit::report
