// libFuzzer harness: CSV text read as training data (options from the first byte: header or
// not, classification or regression, the missing-value policy, categorical columns) and as
// `predict` records; then, options from the second byte, through load_data with an explicit
// categorical list and a test file (the text after a form feed, '\f'), whose categories and
// classes are the training file's.
#include <nnfit/nnfit.hpp>

#include "tests/fuzz/fuzz_support.hpp"

namespace {

void read_as_training_data(std::uint8_t flags, const std::string& text) {
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
}

void read_as_records(const std::uint8_t* data, std::size_t size) {
  try {
    const nnfit::fuzz::TemporaryFile file("input.csv", data, size);
    const auto records = nnfit::read_csv_records(file.path());
    for (const auto& record : records)
      for (const auto& cell : record) nnfit::require_utf8(file.path(), cell, "cell");
  } catch (const nnfit::Error&) {
  }
}

// A data spec over the text before '\f' (training) and after it (test).
void read_as_data_spec(std::uint8_t flags, const std::string& text) {
  const std::size_t feed = text.find('\f');
  const std::string train = text.substr(0, feed);
  const std::string test = feed == std::string::npos ? "" : text.substr(feed + 1);
  const auto bytes = [](const std::string& s) {
    return reinterpret_cast<const std::uint8_t*>(s.data());
  };
  const nnfit::fuzz::TemporaryFile train_file("train.csv", bytes(train), train.size());
  const nnfit::fuzz::TemporaryFile test_file("test.csv", bytes(test), test.size());
  const nnfit::json lists[] = {{"0"}, {"1", "a"}, {"b"}, "auto"};
  nnfit::json spec = {{"source", "csv"},
                      {"path", train_file.path()},
                      {"header", (flags & 1) != 0},
                      {"categorical", lists[(flags >> 1) & 3]},
                      {"missing", flags & 8 ? "impute" : "zero"},
                      {"validation", flags & 16 ? 0.0 : 0.25}};
  if (feed != std::string::npos) spec["test_path"] = test_file.path();
  if (flags & 32) spec["task"] = "regression";
  try {
    const nnfit::Data d = nnfit::load_data(spec, 1);
    (void)d.train.size();
  } catch (const nnfit::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  read_as_training_data(data[0], text);
  read_as_records(data + 2, size - 2);
  read_as_data_spec(data[1], text);
  return 0;
}
