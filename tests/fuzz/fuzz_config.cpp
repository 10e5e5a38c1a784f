// libFuzzer harness: a run config as JSON text -> parse -> every key checked and resolved (what
// `nnfit config` does), and the text after a NUL byte applied as a --set override.
#include <nnfit/nnfit.hpp>
#include <string_view>

#include "nnfit/detail/json_text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  try {
    nnfit::json config = nnfit::parse_json_text(text, "input");
    if (nul != std::string_view::npos)
      nnfit::apply_override(config, std::string(input.substr(nul + 1)));
    const nnfit::RunConfig run = nnfit::read_run_config(config, "input");
    (void)run.resolved.dump();
  } catch (const nnfit::Error&) {
  }
  return 0;
}
