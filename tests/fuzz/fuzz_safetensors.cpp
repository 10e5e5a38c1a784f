// libFuzzer harness: safetensors bytes -> parse_safetensors -> load_model, as `nnfit eval` and
// `predict` load a model file: the model built from the spec in its metadata with its weights,
// and every other metadata field (task, classes, features, one-hot inputs, preprocessing)
// checked against it.
#include <nnfit/nnfit.hpp>
#include <string_view>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto file = nnfit::parse_safetensors(
        std::string_view(reinterpret_cast<const char*>(data), size), "input");
    const nnfit::SavedModel saved = nnfit::load_model(file, "input");
    (void)saved.model.num_parameters();
  } catch (const nnfit::Error&) {
  }
  return 0;
}
