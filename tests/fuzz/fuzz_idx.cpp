// libFuzzer harness: IDX image and label files (raw or gzip, recognised by content). The
// first byte chooses where the input splits into the two files.
#include <nnfit/nnfit.hpp>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t split = std::min<std::size_t>(size - 1, 8u + data[0]);
  const nnfit::fuzz::TemporaryFile labels("labels", data + 1, split);
  const nnfit::fuzz::TemporaryFile images("images", data + 1 + split, size - 1 - split);
  try {
    const nnfit::Samples s = nnfit::read_idx(images.path(), labels.path());
    (void)s.size();
  } catch (const nnfit::Error&) {
  }
  return 0;
}
