// Exceptions thrown by nnfit. Each kind maps to one documented exit code of the CLI:
// ConfigError 2 (bad usage or config), DataError 3 (bad data file), DivergedError 4.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nnfit {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A config, a spec or an argument is wrong. The message names where (file, JSON path).
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A data or model file is missing, truncated or corrupt. The message names the file and offset.
class DataError : public Error {
 public:
  using Error::Error;
};

// The loss or the parameters became NaN or Inf.
class DivergedError : public Error {
 public:
  using Error::Error;
};

// The valid name closest to `name` by edit distance, or "" when none is close enough to help.
std::string nearest_name(std::string_view name, const std::vector<std::string>& valid);

// "unknown X 'name' (did you mean 'y'?); valid: a, b, c" -- the one wording for unknown names.
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 const std::vector<std::string>& valid);

// `text` as a message may quote it: whole when it has at most `max_chars` bytes, else its
// first `max_chars` (cut at a UTF-8 character boundary) and "... (N bytes)", so that a 5 MB
// value read from a file does not become a 5 MB error line.
std::string brief_text(std::string_view text, std::size_t max_chars = 80);

}  // namespace nnfit
