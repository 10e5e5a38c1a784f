// libFuzzer harness: CSV text read as training data (options from the first byte: header or
// not, classification or regression, the missing-value policy, categorical columns) and as
// `predict` records.
#include <nnfit/nnfit.hpp>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  nnfit::CsvOptions options;
  options.header = flags & 1;
  options.task = flags & 2 ? nnfit::Task::regression : nnfit::Task::classification;
  options.missing = flags & 4 ? "drop_row" : flags & 8 ? "zero" : "error";
  options.has_target = !(flags & 16);
  if (flags & 32) options.target = {"0"};
  if (flags & 64) options.categorical_auto = true;
  if (flags & 128) options.missing = "impute";
  try {
    const nnfit::Samples s = nnfit::parse_csv(text, "input", options);
    (void)s.size();
  } catch (const nnfit::Error&) {
  }
  try {
    const std::string path = nnfit::fuzz::temporary_file("input.csv", data + 1, size - 1);
    const auto records = nnfit::read_csv_records(path);
    for (const auto& record : records)
      for (const auto& cell : record) nnfit::require_utf8(path, cell, "cell");
  } catch (const nnfit::Error&) {
  }
  return 0;
}
