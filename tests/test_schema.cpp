// Schemas: one table per component drives reading, the resolved config, `nnfit list` and the
// reference in docs/CONFIG.md. Here: the round trip (read, resolve, write, read gives the
// same), the committed reference matching the generated one, every registry entry's fields
// matching what reading writes, and typed options giving the same recipes as JSON.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "nnfit/config.hpp"
#include "nnfit/detail/reference.hpp"
#include "nnfit/registry.hpp"
#include "tests/cli_support.hpp"

using namespace nnfit;
using nnfit::test::kSource;

namespace {

json resolve(const json& config, const std::string& origin) {
  return read_run_config(config, origin).resolved;
}

// Reads a registry entry from {"type": name} alone (required fields given as `required`).
template <class Table>
json resolved_entry(const Table& table, const std::string& name, const json& required) {
  json spec = required;
  spec["type"] = name;
  Diagnostics diag;
  auto recipe = read_recipe(table, spec, name, diag);
  INFO((diag.errors().empty() ? std::string() : diag.errors()[0]));
  REQUIRE(diag.empty());
  return recipe.resolved;
}

// Every field a table lists is a key of what reading writes, and every key written is listed.
template <class Table>
void check_fields_match(const Table& table, const json& required = json::object()) {
  for (const auto& entry : table.entries()) {
    CAPTURE(entry.name);
    const json resolved = resolved_entry(table, entry.name, required);
    for (const auto& field : entry.fields)
      if (!field.default_value.is_null() || field.required) CHECK(resolved.contains(field.name));
    for (const auto& [key, value] : resolved.items()) {
      if (key == "type") continue;
      CAPTURE(key);
      CHECK(std::any_of(entry.fields.begin(), entry.fields.end(),
                        [&](const FieldInfo& f) { return f.name == key; }));
    }
    for (const auto& field : entry.fields)
      if (!field.default_value.is_null()) CHECK(resolved[field.name] == field.default_value);
  }
}

}  // namespace

TEST_CASE("every shipped config resolves to itself: read, resolve, write, read") {
  for (const auto* folder : {"configs", "tests/configs"}) {
    for (const auto& file : std::filesystem::directory_iterator(kSource / folder)) {
      const std::string path = file.path().string();
      if (file.path().extension() != ".json" || path.find("/bad") != std::string::npos ||
          path.find("syntax") != std::string::npos)
        continue;
      CAPTURE(path);
      const json first = resolve(load_config(path), path);
      CHECK(resolve(first, path) == first);
      // Every default is written out: nothing in the resolved config is "auto".
      CHECK(first.dump().find("\"auto\"") == std::string::npos);
    }
  }
}

TEST_CASE("docs/CONFIG.md holds the reference generated from the schemas") {
  std::ifstream in(kSource / "docs/CONFIG.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto begin = doc.find(kReferenceBegin);
  const auto end = doc.find(kReferenceEnd);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string committed =
      doc.substr(begin, end - begin + std::string(kReferenceEnd).size()) + "\n";
  // On failure: scripts/update-config-reference rewrites that part of docs/CONFIG.md.
  CHECK(committed == reference_markdown());
}

TEST_CASE("each registry entry's field table matches what reading its spec writes") {
  const auto& r = registry();
  check_fields_match(r.activations);
  check_fields_match(r.losses);
  check_fields_match(r.optimizers);
  check_fields_match(r.schedules);
  check_fields_match(r.initializers);
  for (const auto& entry : r.layers.entries()) {
    CAPTURE(entry.name);
    const json required = entry.name == "dense" ? json{{"units", 3}} : json::object();
    const json resolved = resolved_entry(r.layers, entry.name, required);
    for (const auto& field : entry.fields)
      if (!field.default_value.is_null()) CHECK(resolved[field.name] == field.default_value);
  }
}

TEST_CASE("a required field that is missing is named with its type") {
  Diagnostics diag;
  (void)read_layer(json{{"type", "dense"}}, "model.layers[0]", diag);
  REQUIRE(diag.errors().size() == 1);
  CHECK(diag.errors()[0] == "model.layers[0].units: missing (integer in [1, 16777216])");
}

TEST_CASE("typed options and JSON give the same recipe") {
  Diagnostics diag;
  auto from_json = [&](const auto& table, const json& spec) {
    return read_recipe(table, spec, "x", diag).resolved;
  };
  const auto& r = registry();
  CHECK(adam({.lr = 0.01, .amsgrad = true}).resolved ==
        from_json(r.optimizers, {{"type", "adam"}, {"lr", 0.01}, {"amsgrad", true}}));
  CHECK(adamw().resolved["weight_decay"] == 0.01);
  CHECK(adam().resolved["weight_decay"] == 0.0);
  CHECK(sgd({.lr = 0.1, .momentum = 0.9}).resolved ==
        from_json(r.optimizers, {{"type", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}}));
  CHECK(leaky_relu({.slope = 0.2}).resolved ==
        from_json(r.activations, {{"type", "leaky_relu"}, {"slope", 0.2}}));
  CHECK(cosine_lr({.min_factor = 0.1}).resolved ==
        from_json(r.schedules, {{"type", "cosine"}, {"min_factor", 0.1}}));
  CHECK(dense(4, "selu").resolved ==
        from_json(r.layers, {{"type", "dense"}, {"units", 4}, {"activation", "selu"}}));
  CHECK(diag.empty());
  // The typed and JSON optimisers update alike.
  std::vector<float> p1 = {1.0f, -2.0f}, g = {0.5f, 0.25f}, p2 = p1, g2 = g;
  auto a = adam({.lr = 0.1}).make({p1.data(), g.data(), 2});
  auto b = make_optimizer({{"type", "adam"}, {"lr", 0.1}}, {p2.data(), g2.data(), 2});
  a->step();
  b->step();
  CHECK(p1 == p2);
  CHECK_THROWS_AS(dense(0), ConfigError);
  CHECK_THROWS_AS(activation("selu_"), ConfigError);
}

TEST_CASE("a schema's cross-field rule is checked when its spec is read") {
  Diagnostics diag;
  (void)read_recipe(registry().optimizers, json{{"type", "sgd"}, {"nesterov", true}}, "optimizer",
                    diag);
  REQUIRE(diag.errors().size() == 1);
  CHECK(diag.errors()[0] == "optimizer.nesterov: needs momentum > 0 and dampening = 0");
}
