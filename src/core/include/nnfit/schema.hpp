// One schema per component: a typed options struct and a table of its fields.
//
// The struct's member initialisers are the defaults (written once); the table names each
// field's JSON key, type, bounds and meaning. From the table come reading and checking a JSON
// spec (through SpecReader: JSON paths, nearest names, every error at once), writing the
// options back as JSON (the resolved config), and the field list that `nnfit list` prints and
// docs/CONFIG.md is generated from.
//
//   struct HuberOptions { double delta = 1.0; };
//   Schema<HuberOptions>().number("delta", &HuberOptions::delta, "...", Bounds::positive());
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "nnfit/spec.hpp"

namespace nnfit {

// What `nnfit list` and docs/CONFIG.md say about one field.
struct FieldInfo {
  FieldInfo(std::string name, std::string type, json default_value, std::string doc,
            bool required = false, std::string default_note = "")
      : name(std::move(name)),
        type(std::move(type)),
        default_value(std::move(default_value)),
        doc(std::move(doc)),
        required(required),
        default_note(std::move(default_note)) {}
  std::string name;
  std::string type;    // "number > 0", "integer in [1, 16777216]", "boolean", "a | b"
  json default_value;  // null when the field is required or has no default
  std::string doc;     // what it means
  bool required = false;
  std::string default_note;  // says what the default is when no value can ("by source")
};

// Closed or open bounds of a number field.
struct Bounds {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_open = false, high_open = false;

  static Bounds positive(double high = 1e6) { return {0.0, high, true, false}; }
  static Bounds at_least(double low, double high = 1e30) { return {low, high, false, false}; }
  static Bounds unit_open_above() { return {0.0, 1.0, false, true}; }  // [0, 1)
  std::string text() const;
};

// "none" when absent, the JSON text otherwise (for tables).
std::string describe_default(const FieldInfo& field);

template <class Options>
class Schema {
 public:
  using Read = std::function<void(SpecReader&, Options&)>;
  using Write = std::function<void(const Options&, json&)>;

  explicit Schema(Options defaults = Options{}) : defaults_(std::move(defaults)) {}

  const Options& defaults() const { return defaults_; }

  // A number (double or float member).
  template <class T>
  Schema& number(const char* key, T Options::*member, std::string doc, Bounds bounds = {}) {
    static_assert(std::is_floating_point_v<T>);
    return add(
        {key, "number" + bounds.text(), json(defaults_.*member), std::move(doc)},
        [=](SpecReader& r, Options& o) {
          o.*member = static_cast<T>(r.number_in(key, o.*member, bounds.low, bounds.high,
                                                 bounds.low_open, bounds.high_open));
        },
        [=](const Options& o, json& j) { j[key] = o.*member; });
  }

  // An integer in [low, high] (any integer member).
  template <class T>
  Schema& integer(const char* key, T Options::*member, std::string doc, long long low,
                  long long high) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    return add(
        {key, integer_type(low, high), json(defaults_.*member), std::move(doc)},
        [=](SpecReader& r, Options& o) {
          o.*member = static_cast<T>(r.integer(key, static_cast<long long>(o.*member), low, high));
        },
        [=](const Options& o, json& j) { j[key] = o.*member; });
  }

  // An integer in [0, 2^64 - 1].
  Schema& unsigned_integer(const char* key, std::uint64_t Options::*member, std::string doc) {
    return add(
        {key, "integer >= 0", json(defaults_.*member), std::move(doc)},
        [=](SpecReader& r, Options& o) { o.*member = r.unsigned_integer(key, o.*member); },
        [=](const Options& o, json& j) { j[key] = o.*member; });
  }

  Schema& boolean(const char* key, bool Options::*member, std::string doc) {
    return add(
        {key, "boolean", json(defaults_.*member), std::move(doc)},
        [=](SpecReader& r, Options& o) { o.*member = r.boolean(key, o.*member); },
        [=](const Options& o, json& j) { j[key] = o.*member; });
  }

  // Any string.
  Schema& text(const char* key, std::string Options::*member, std::string doc,
               std::string type = "string") {
    return add(
        {key, std::move(type), json(defaults_.*member), std::move(doc)},
        [=](SpecReader& r, Options& o) { o.*member = r.string(key, o.*member); },
        [=](const Options& o, json& j) { j[key] = o.*member; });
  }

  // One of `allowed`.
  Schema& choice(const char* key, std::string Options::*member, std::vector<std::string> allowed,
                 std::string doc) {
    const std::string type = join_choices(allowed);
    return choice(
        key, member, [allowed] { return allowed; }, std::move(doc), type);
  }
  // One of a list computed when a spec is read (registry names, which may not all be
  // registered yet when the schema is built); `type` describes it.
  Schema& choice(const char* key, std::string Options::*member,
                 std::function<std::vector<std::string>()> allowed, std::string doc,
                 std::string type) {
    return add(
        {key, std::move(type), json(defaults_.*member), std::move(doc)},
        [=](SpecReader& r, Options& o) { o.*member = r.choice(key, o.*member, allowed()); },
        [=](const Options& o, json& j) { j[key] = o.*member; });
  }

  // A field with its own reading and writing (a value of several JSON types, a nested spec).
  Schema& custom(FieldInfo info, Read read, Write write) {
    return add(std::move(info), std::move(read), std::move(write));
  }

  // The last field added must be present.
  Schema& required() {
    fields_.back().info.required = true;
    fields_.back().info.default_value = nullptr;
    return *this;
  }

  // A rule between fields (nesterov needs momentum), checked after they are read.
  Schema& check(std::function<void(const Options&, SpecReader&)> rule) {
    checks_.push_back(std::move(rule));
    return *this;
  }

  // Reads every field (absent ones keep their defaults) and records unknown keys' errors
  // through `r` (the caller calls r.finish()).
  Options read(SpecReader& r) const {
    Options options = defaults_;
    for (const auto& field : fields_) {
      if (field.info.required && !r.has(field.info.name))
        r.diagnostics().error(r.path_of(field.info.name), "missing (" + field.info.type + ")");
      field.read(r, options);
    }
    for (const auto& rule : checks_) rule(options, r);
    return options;
  }

  // Every field's value, as JSON.
  json write(const Options& options) const {
    json out = json::object();
    for (const auto& field : fields_) field.write(options, out);
    return out;
  }

  std::vector<FieldInfo> fields() const {
    std::vector<FieldInfo> out;
    for (const auto& field : fields_) out.push_back(field.info);
    return out;
  }

 private:
  struct Field {
    FieldInfo info;
    Read read;
    Write write;
  };
  Schema& add(FieldInfo info, Read read, Write write) {
    fields_.push_back({std::move(info), std::move(read), std::move(write)});
    return *this;
  }
  static std::string integer_type(long long low, long long high) {
    if (high == std::numeric_limits<long long>::max()) return "integer >= " + std::to_string(low);
    return "integer in [" + std::to_string(low) + ", " + std::to_string(high) + "]";
  }
  static std::string join_choices(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : " | ") + name;
    return out;
  }

  Options defaults_;
  std::vector<Field> fields_;
  std::vector<std::function<void(const Options&, SpecReader&)>> checks_;
};

// For components without options.
struct NoOptions {};

}  // namespace nnfit
