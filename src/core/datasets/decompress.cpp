// Decompression of a file in memory (datasets/decompress.hpp).
#include "datasets/decompress.hpp"

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>

#include <cstdint>
#include <limits>

#include "nnfit/detail/memory_budget.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

namespace {

constexpr std::size_t kStep = std::size_t{1} << 20;

bool starts_with(const std::string& text, std::string_view magic) {
  return text.size() >= magic.size() && std::string_view(text).substr(0, magic.size()) == magic;
}

// Room for one more step of output, or a DataError when that would not fit in memory.
void grow(std::string& out, std::size_t used, const std::string& origin,
          const std::string& compression) {
  const std::uint64_t want = saturating_add(used, kStep);
  try {
    check_fits_in_memory(
        want, origin + " decompressed (" + compression + ", " + format_bytes(used) + " so far)");
  } catch (const ConfigError& e) {
    throw DataError(e.what());
  }
  out.resize(static_cast<std::size_t>(want));
}

std::string corrupt(const std::string& origin, const std::string& compression,
                    std::uint64_t consumed, const std::string& why) {
  return origin + ": byte " + std::to_string(consumed) + " of the " + compression +
         " stream: " + why;
}

std::string gunzip(const std::string& in, const std::string& origin) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) throw DataError(origin + ": zlib cannot start");
  std::string out;
  std::size_t used = 0;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  int status = Z_OK;
  std::size_t offered = 0;  // avail_in is 32 bits: offer the input in pieces
  while (status != Z_STREAM_END) {
    if (z.avail_in == 0 && offered < in.size()) {
      const std::size_t piece = std::min<std::size_t>(in.size() - offered, 1u << 30);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + offered));
      z.avail_in = static_cast<uInt>(piece);
      offered += piece;
    }
    if (used == out.size()) grow(out, used, origin, "gzip");
    z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    z.avail_out = static_cast<uInt>(out.size() - used);
    status = inflate(&z, Z_NO_FLUSH);
    used = out.size() - z.avail_out;
    if (status == Z_BUF_ERROR && z.avail_in == 0 && offered == in.size()) break;
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
      const std::string why = z.msg ? z.msg : "corrupt data";
      const auto at = z.total_in;
      inflateEnd(&z);
      throw DataError(corrupt(origin, "gzip", at, why));
    }
  }
  const auto at = z.total_in;
  inflateEnd(&z);
  if (status != Z_STREAM_END)
    throw DataError(corrupt(origin, "gzip", at, "the stream ends early (a truncated file)"));
  out.resize(used);
  return out;
}

std::string bunzip2(const std::string& in, const std::string& origin) {
  if (in.size() > std::numeric_limits<unsigned>::max())
    throw DataError(origin + ": a bzip2 file over 4 GB is not read");
  bz_stream z{};
  if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) throw DataError(origin + ": bzip2 cannot start");
  std::string out;
  std::size_t used = 0;
  z.next_in = const_cast<char*>(in.data());
  z.avail_in = static_cast<unsigned>(in.size());
  int status = BZ_OK;
  while (status != BZ_STREAM_END) {
    if (used == out.size()) grow(out, used, origin, "bzip2");
    z.next_out = out.data() + used;
    z.avail_out = static_cast<unsigned>(out.size() - used);
    status = BZ2_bzDecompress(&z);
    used = out.size() - z.avail_out;
    const std::uint64_t at = in.size() - z.avail_in;
    if (status != BZ_OK && status != BZ_STREAM_END) {
      BZ2_bzDecompressEnd(&z);
      throw DataError(corrupt(origin, "bzip2", at,
                              "corrupt data (libbz2 error " + std::to_string(status) + ")"));
    }
    if (status == BZ_OK && z.avail_in == 0 && z.avail_out > 0) {
      BZ2_bzDecompressEnd(&z);
      throw DataError(corrupt(origin, "bzip2", at, "the stream ends early (a truncated file)"));
    }
  }
  BZ2_bzDecompressEnd(&z);
  out.resize(used);
  return out;
}

std::string unxz(const std::string& in, const std::string& origin) {
  lzma_stream z = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&z, UINT64_MAX, 0) != LZMA_OK)
    throw DataError(origin + ": liblzma cannot start");
  std::string out;
  std::size_t used = 0;
  z.next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  z.avail_in = in.size();
  lzma_ret status = LZMA_OK;
  while (status != LZMA_STREAM_END) {
    if (used == out.size()) grow(out, used, origin, "xz");
    z.next_out = reinterpret_cast<std::uint8_t*>(out.data() + used);
    z.avail_out = out.size() - used;
    // With all the input given, LZMA_FINISH makes a truncated stream an error, not a wait.
    status = lzma_code(&z, LZMA_FINISH);
    used = out.size() - z.avail_out;
    if (status != LZMA_OK && status != LZMA_STREAM_END) {
      const std::uint64_t at = z.total_in;
      lzma_end(&z);
      throw DataError(corrupt(origin, "xz", at,
                              status == LZMA_BUF_ERROR
                                  ? "the stream ends early (a truncated file)"
                                  : "corrupt data (liblzma error " + std::to_string(status) + ")"));
    }
  }
  lzma_end(&z);
  out.resize(used);
  return out;
}

}  // namespace

FileBytes decompress(std::string text, const std::string& origin) {
  if (starts_with(text, "\x1f\x8b")) return {gunzip(text, origin), "gzip"};
  if (starts_with(text, "BZh")) return {bunzip2(text, origin), "bzip2"};
  if (starts_with(text, std::string_view("\xfd"
                                         "7zXZ\0",
                                         6)))
    return {unxz(text, origin), "xz"};
  return {std::move(text), "none"};
}

}  // namespace nnfit
