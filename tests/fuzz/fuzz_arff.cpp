// libFuzzer harness: ARFF text read as training data (options from the first byte: the
// missing-value policy, the class by name, a dropped attribute) and, with imputation, through
// load_data as a data spec would load it (split, then the missing values imputed from the
// training rows).
#include <nnfit/nnfit.hpp>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  nnfit::ArffOptions options;
  options.missing = flags & 1 ? "drop_row" : flags & 2 ? "zero" : "error";
  if (flags & 4) options.target = "class";
  if (flags & 8) options.drop = {"text"};
  try {
    const nnfit::Samples s = nnfit::parse_arff(text, "input.arff", options);
    (void)s.size();
  } catch (const nnfit::Error&) {
  }
  if (!(flags & 16)) return 0;
  const nnfit::fuzz::TemporaryFile file("input.arff", data + 1, size - 1);
  nnfit::json spec = {{"source", "arff"},
                      {"path", file.path()},
                      {"missing", "impute"},
                      {"validation", 0.25},
                      {"scale", flags & 32 ? "standardize" : "none"}};
  if (flags & 4) spec["target"] = "class";
  try {
    const nnfit::Data d = nnfit::load_data(spec, 1);
    (void)d.train.size();
  } catch (const nnfit::Error&) {
  }
  return 0;
}
