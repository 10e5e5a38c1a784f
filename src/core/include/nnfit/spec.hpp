// Reading JSON specs (layers, losses, optimisers, ...) with errors that say where.
//
// A SpecReader reads the keys of one JSON object, checks types and ranges, and records every
// problem in a shared Diagnostics list instead of stopping at the first: the user sees all
// of them at once. `finish()` reports the keys nobody asked for (unknown keys are errors).
// Paths look like `model.layers[2].units`.
#pragma once

#include <climits>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nnfit {

using json = nlohmann::json;

class Diagnostics {
 public:
  explicit Diagnostics(std::string origin = "") : origin_(std::move(origin)) {}
  void error(const std::string& path, const std::string& message);
  bool empty() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  // Throws ConfigError with every recorded error, one per line, if there are any.
  void throw_if_any() const;
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::vector<std::string> errors_;
};

class SpecReader {
 public:
  // `spec` must outlive the reader. A non-object spec is reported as an error.
  SpecReader(const json& spec, std::string path, Diagnostics& diagnostics);

  bool is_object() const { return object_; }
  const std::string& path() const { return path_; }
  std::string path_of(const std::string& key) const;
  bool has(const std::string& key) const;
  Diagnostics& diagnostics() { return diag_; }

  // Each getter marks the key as known and returns the default when the key is absent or
  // wrong (after recording the error).
  double number(const std::string& key, double fallback);
  // Number with bounds; `min_exclusive` makes the lower bound strict (lr > 0).
  double number_in(const std::string& key, double fallback, double low, double high,
                   bool low_exclusive = false, bool high_exclusive = false);
  long long integer(const std::string& key, long long fallback, long long low = LLONG_MIN,
                    long long high = LLONG_MAX);
  // An integer in [0, 2^64 - 1] (seeds).
  std::uint64_t unsigned_integer(const std::string& key, std::uint64_t fallback);
  bool boolean(const std::string& key, bool fallback);
  std::string string(const std::string& key, const std::string& fallback);
  // A string that must be one of `allowed`.
  std::string choice(const std::string& key, const std::string& fallback,
                     const std::vector<std::string>& allowed);
  // The raw value (marked known), or nullptr when absent.
  const json* raw(const std::string& key);
  // The same, with `fallback` as the resolved value when the key is absent (for values a
  // reader checks itself, so that the resolved spec still writes out their default).
  const json* raw(const std::string& key, const json& fallback) {
    const json* value = raw(key);
    if (!value) resolved_[key] = fallback;
    return value;
  }
  // Marks keys as known without reading them (for example "type", read by the registry).
  void accept(const std::string& key) {
    known_.insert(key);
    if (has(key)) resolved_[key] = spec_.at(key);
  }

  // Records every key of the object that no getter asked for.
  void finish();

  // Every key read so far with the value used: the given one, or the default. This is the
  // spec with its defaults written out (the resolved config).
  const json& resolved() const { return resolved_; }

 private:
  const json& spec_;
  std::string path_;
  Diagnostics& diag_;
  bool object_;
  std::set<std::string> known_;
  json resolved_ = json::object();
  template <class T>
  T keep(const std::string& key, T value) {
    resolved_[key] = value;
    return value;
  }
};

// A number as messages and docs show it ("0.001", "1e+06"): six significant digits.
std::string format_number(double x);

// The component name of a spec: "elu", or {"type": "elu", ...}; "" when it names none (a
// "type" that is not a string included).
std::string spec_type(const json& spec);
// spec[key] when it is a string, else "": for reading a spec that may be wrong.
std::string spec_text(const json& spec, const char* key);

// "[2]" appended to a path, or ".key".
std::string json_path(const std::string& base, const std::string& key);
std::string json_path(const std::string& base, std::size_t index);

}  // namespace nnfit
