// libFuzzer harness: safetensors bytes -> parse_safetensors -> a model built from the spec in
// its metadata and loaded with its weights (what `nnfit eval` and `predict` do with a file).
#include <nnfit/nnfit.hpp>
#include <string_view>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto file = nnfit::parse_safetensors(
        std::string_view(reinterpret_cast<const char*>(data), size), "input");
    nnfit::Model model = nnfit::Model::load(file, "input");
    (void)model.num_parameters();
  } catch (const nnfit::Error&) {
  }
  return 0;
}
