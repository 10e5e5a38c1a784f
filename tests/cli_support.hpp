// Running the built nnfit command from tests: exit status, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/support.hpp"

namespace nnfit::test {

inline const std::string kBinary = NNFIT_BINARY;
inline const std::filesystem::path kSource = NNFIT_SOURCE_DIR;

struct Result {
  int status = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& path) {
  return read_file(path.string());
}

// A scratch folder to run nnfit in: run() executes it with shell words `args` from the
// source directory and collects status, stdout and stderr.
struct Workspace : ScratchDir {
  Result run(const std::string& args) const {
    const auto out = dir / "stdout", err = dir / "stderr";
    const std::string command = "cd '" + kSource.string() + "' && '" + kBinary + "' " + args +
                                " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
    const int raw = std::system(command.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
};

}  // namespace nnfit::test
