// libFuzzer harness: a comparison's records archive (records.jsonl.gz, include/nnfit/
// record_archive.hpp) restored into a scratch folder, as `nnfit compare` restores a committed
// one. The input is the archive's bytes; whatever it restores is removed after each input.
#include <filesystem>
#include <nnfit/experiments/record_archive.hpp>
#include <nnfit/nnfit.hpp>

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  const fs::path folder =
      fs::temp_directory_path() / ("nnfit-fuzz-" + std::to_string(::getpid()) + "-records");
  fs::create_directories(folder);
  {
    std::FILE* f = std::fopen((folder / nnfit::kRecordArchive).c_str(), "wb");
    if (!f) std::abort();
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
  }
  try {
    (void)nnfit::restore_record_archive(folder.string());
  } catch (const nnfit::Error&) {
  }
  fs::remove_all(folder);
  return 0;
}
