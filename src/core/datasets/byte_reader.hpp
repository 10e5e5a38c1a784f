// Sequential reading of a file that may be gzip-compressed, without temporary files.
//
// Compression is recognised by content (the gzip magic 1f 8b), not by the name. Offsets in
// errors count bytes of the decompressed stream, which is what a file format's header
// describes; a truncated or corrupt compressed stream says so, with the compressed offset.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace nnfit {

class ByteReader {
 public:
  // Throws DataError for a missing file, a directory, or a file that cannot be read.
  explicit ByteReader(const std::string& path);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  // Reads up to n bytes; returns how many (0 only at the end of the data).
  std::size_t read_some(void* out, std::size_t n);
  // Reads exactly n bytes of `what`, or throws DataError naming the offset and the shortfall.
  void read_exactly(void* out, std::size_t n, const std::string& what);
  // True when no data is left.
  bool at_end();
  // Bytes of (decompressed) data consumed so far.
  std::uint64_t offset() const { return offset_; }
  bool compressed() const { return compressed_; }
  // The file's size on disk (compressed bytes for a gzip file).
  std::uint64_t file_size() const { return file_size_; }
  const std::string& path() const { return path_; }

 private:
  std::size_t fill_raw();  // refills in_ from the file; returns the bytes read

  std::string path_;
  std::uint64_t file_size_ = 0;
  std::FILE* file_ = nullptr;
  bool compressed_ = false;
  bool stream_end_ = false;
  z_stream zs_{};
  std::vector<unsigned char> in_;
  std::size_t in_pos_ = 0, in_len_ = 0;
  std::uint64_t raw_offset_ = 0;  // bytes of the file consumed by the decoder
  std::uint64_t offset_ = 0;
  unsigned char peeked_ = 0;
  bool has_peeked_ = false;
};

}  // namespace nnfit
