// Shared by the libFuzzer harnesses: expected errors are nnfit::Error (a message for the
// user); anything else escaping a harness -- another exception, a crash, a sanitizer report,
// a hang, memory beyond -rss_limit_mb -- is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace nnfit::fuzz {

// A file in the temporary folder holding `size` bytes at `data`, named for this process, and
// removed when the object goes (a campaign once left 113 of them behind).
class TemporaryFile {
 public:
  TemporaryFile(const char* name, const std::uint8_t* data, std::size_t size)
      : path_("/tmp/nnfit-fuzz-" + std::to_string(::getpid()) + "-" + std::string(name)) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f) std::abort();
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
  }
  ~TemporaryFile() { std::remove(path_.c_str()); }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace nnfit::fuzz
