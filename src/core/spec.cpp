#include "nnfit/spec.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <sstream>

#include "nnfit/error.hpp"

namespace nnfit {

void Diagnostics::error(const std::string& path, const std::string& message) {
  std::string line = origin_.empty() ? "" : origin_ + ": ";
  if (!path.empty()) line += path + ": ";
  errors_.push_back(line + message);
}

void Diagnostics::throw_if_any() const {
  if (errors_.empty()) return;
  std::string message;
  for (std::size_t i = 0; i < errors_.size(); ++i) message += (i ? "\n" : "") + errors_[i];
  throw ConfigError(message);
}

std::string format_number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

std::string spec_text(const json& spec, const char* key) {
  return spec.is_object() && spec.contains(key) && spec[key].is_string()
             ? spec[key].get<std::string>()
             : std::string();
}

std::string spec_type(const json& spec) {
  return spec.is_string() ? spec.get<std::string>() : spec_text(spec, "type");
}

std::string json_path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}
std::string json_path(const std::string& base, std::size_t index) {
  return base + "[" + std::to_string(index) + "]";
}

namespace {
std::string type_name(const json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_null()) return "null";
  if (value.is_array()) return "an array";
  return "an object";
}
}  // namespace

SpecReader::SpecReader(const json& spec, std::string path, Diagnostics& diagnostics)
    : spec_(spec), path_(std::move(path)), diag_(diagnostics), object_(spec.is_object()) {
  if (!object_) diag_.error(path_, "expected an object, found " + type_name(spec));
}

std::string SpecReader::path_of(const std::string& key) const {
  return json_path(path_, key);
}

bool SpecReader::has(const std::string& key) const {
  return object_ && spec_.contains(key);
}

const json* SpecReader::raw(const std::string& key) {
  known_.insert(key);
  if (!has(key)) return nullptr;
  resolved_[key] = spec_.at(key);
  return &spec_.at(key);
}

double SpecReader::number(const std::string& key, double fallback) {
  const json* value = raw(key);
  if (!value) return keep(key, fallback);
  if (!value->is_number()) {
    diag_.error(path_of(key), "expected a number, found " + type_name(*value));
    return fallback;
  }
  const double x = value->get<double>();
  if (!std::isfinite(x)) {
    diag_.error(path_of(key), "expected a finite number");
    return fallback;
  }
  return keep(key, x);
}

double SpecReader::number_in(const std::string& key, double fallback, double low, double high,
                             bool low_exclusive, bool high_exclusive) {
  if (!has(key)) {
    known_.insert(key);
    return keep(key, fallback);
  }
  const double x = number(key, fallback);
  const bool below = low_exclusive ? x <= low : x < low;
  const bool above = high_exclusive ? x >= high : x > high;
  if (below || above) {
    std::string range = std::string(low_exclusive ? "(" : "[") + format_number(low) + ", " +
                        format_number(high) + (high_exclusive ? ")" : "]");
    diag_.error(path_of(key), "value " + format_number(x) + " is out of range; allowed: " + range);
    return fallback;
  }
  return x;
}

long long SpecReader::integer(const std::string& key, long long fallback, long long low,
                              long long high) {
  const json* value = raw(key);
  if (!value) return keep(key, fallback);
  if (!value->is_number_integer() && !value->is_number_unsigned()) {
    diag_.error(path_of(key), "expected an integer, found " + type_name(*value));
    return fallback;
  }
  if (value->is_number_unsigned() &&
      value->get<std::uint64_t>() > static_cast<std::uint64_t>(LLONG_MAX)) {
    diag_.error(path_of(key),
                "value " + value->dump() + " is out of range; allowed: <= " + std::to_string(high));
    return fallback;
  }
  const long long x = value->get<long long>();
  if (x < low || x > high) {
    std::string range = (low == LLONG_MIN ? std::string("") : ">= " + std::to_string(low));
    if (high != LLONG_MAX) range += (range.empty() ? "" : " and ") + ("<= " + std::to_string(high));
    diag_.error(path_of(key), "value " + std::to_string(x) + " is out of range; allowed: " + range);
    return fallback;
  }
  return x;
}

std::uint64_t SpecReader::unsigned_integer(const std::string& key, std::uint64_t fallback) {
  const json* value = raw(key);
  if (!value) return keep(key, fallback);
  if (!value->is_number_unsigned() &&
      !(value->is_number_integer() && value->get<long long>() >= 0)) {
    diag_.error(path_of(key), "expected an integer >= 0, found " +
                                  (value->is_number_integer() ? value->dump() : type_name(*value)));
    return fallback;
  }
  return value->get<std::uint64_t>();
}

bool SpecReader::boolean(const std::string& key, bool fallback) {
  const json* value = raw(key);
  if (!value) return keep(key, fallback);
  if (!value->is_boolean()) {
    diag_.error(path_of(key), "expected true or false, found " + type_name(*value));
    return fallback;
  }
  return value->get<bool>();
}

std::string SpecReader::string(const std::string& key, const std::string& fallback) {
  const json* value = raw(key);
  if (!value) return keep(key, fallback);
  if (!value->is_string()) {
    diag_.error(path_of(key), "expected a string, found " + type_name(*value));
    return fallback;
  }
  return value->get<std::string>();
}

std::string SpecReader::choice(const std::string& key, const std::string& fallback,
                               const std::vector<std::string>& allowed) {
  const bool present = has(key);
  std::string value = string(key, fallback);
  if (present && std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    diag_.error(path_of(key), unknown_name_message("value", value, allowed));
    return fallback;
  }
  return value;
}

void SpecReader::finish() {
  if (!object_) return;
  for (const auto& [key, value] : spec_.items()) {
    if (known_.count(key)) continue;
    std::vector<std::string> valid(known_.begin(), known_.end());
    diag_.error(path_of(key), unknown_name_message("key", key, valid));
  }
}

}  // namespace nnfit
