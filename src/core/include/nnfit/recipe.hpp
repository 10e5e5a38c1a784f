// Recipes: components (layers, losses, optimisers, ...) described and ready to build.
#pragma once

#include <functional>
#include <string>

#include "nnfit/spec.hpp"

namespace nnfit {

// A component read from its spec and ready to build: reading (and checking) happens once,
// when a config is read; building happens when a run starts, as often as runs need.
template <class Signature>
struct Recipe;
template <class Product, class... Args>
struct Recipe<Product(Args...)> {
  std::string type;
  json resolved;  // the spec with every default written out
  std::function<Product(Args...)> make;
  // The initialiser a dense layer before this one should use ("" when it does not matter).
  std::string recommended_init;
  explicit operator bool() const { return static_cast<bool>(make); }
};

}  // namespace nnfit
