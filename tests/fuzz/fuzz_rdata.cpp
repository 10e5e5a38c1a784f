// libFuzzer harness: an R data file's bytes (compressed or not) read as training data, options
// from the first byte: the missing-value policy, the target, a dropped or categorical column,
// the object. Every path through decompression, the structural walk, librdata and the
// conversion must end in Samples or an nnfit::Error.
#include <nnfit/nnfit.hpp>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  nnfit::RDataOptions options;
  options.missing = flags & 1 ? "drop_row" : flags & 2 ? "impute" : "error";
  options.target = flags & 4 ? "x_real" : "y";
  if (flags & 8) options.drop = {"name", "day"};
  if (flags & 16) options.categorical = {"name"};
  if (flags & 32) options.object = "kinds";
  try {
    const nnfit::Samples s = nnfit::parse_rdata(
        std::string(reinterpret_cast<const char*>(data + 1), size - 1), "input.rda", options);
    (void)s.size();
  } catch (const nnfit::Error&) {
  }
  return 0;
}
