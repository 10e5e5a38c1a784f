// Shared by the libFuzzer harnesses: expected errors are nnfit::Error (a message for the
// user); anything else escaping a harness -- another exception, a crash, a sanitizer report,
// a hang, memory beyond -rss_limit_mb -- is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace nnfit::fuzz {

// A file in this process's own temporary folder holding `size` bytes at `data`.
inline std::string temporary_file(const char* name, const std::uint8_t* data, std::size_t size) {
  const std::string path =
      "/tmp/nnfit-fuzz-" + std::to_string(::getpid()) + "-" + std::string(name);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace nnfit::fuzz
