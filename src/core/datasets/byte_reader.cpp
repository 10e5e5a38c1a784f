#include "datasets/byte_reader.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "nnfit/error.hpp"

namespace nnfit {

namespace {
constexpr std::size_t kChunk = 1 << 16;
}

ByteReader::ByteReader(const std::string& path) : path_(path), in_(kChunk) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw DataError(path + ": cannot open: " + std::strerror(errno));
  if (S_ISDIR(info.st_mode)) throw DataError(path + ": is a directory, expected a file");
  file_size_ = static_cast<std::uint64_t>(info.st_size);
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw DataError(path + ": cannot open: " + std::strerror(errno));
  fill_raw();
  compressed_ = in_len_ >= 2 && in_[0] == 0x1f && in_[1] == 0x8b;
  if (compressed_ && inflateInit2(&zs_, 15 + 16) != Z_OK) {
    std::fclose(file_);
    throw DataError(path + ": cannot start the gzip decoder");
  }
}

ByteReader::~ByteReader() {
  if (compressed_) inflateEnd(&zs_);
  if (file_) std::fclose(file_);
}

std::size_t ByteReader::fill_raw() {
  in_pos_ = 0;
  in_len_ = std::fread(in_.data(), 1, in_.size(), file_);
  if (in_len_ == 0 && std::ferror(file_))
    throw DataError(path_ + ": read error at byte " + std::to_string(raw_offset_) + ": " +
                    std::strerror(errno));
  return in_len_;
}

std::size_t ByteReader::read_some(void* out, std::size_t n) {
  if (n == 0) return 0;
  auto* dest = static_cast<unsigned char*>(out);
  std::size_t done = 0;
  if (has_peeked_) {
    dest[done++] = peeked_;
    has_peeked_ = false;
    ++offset_;
  }
  if (!compressed_) {
    while (done < n) {
      if (in_pos_ == in_len_ && fill_raw() == 0) break;
      const std::size_t take = std::min(n - done, in_len_ - in_pos_);
      std::memcpy(dest + done, in_.data() + in_pos_, take);
      in_pos_ += take;
      raw_offset_ += take;
      done += take;
      offset_ += take;
    }
    return done;
  }
  while (done < n && !stream_end_) {
    if (in_pos_ == in_len_ && fill_raw() == 0)
      throw DataError(path_ + ": compressed byte " + std::to_string(raw_offset_) +
                      ": the gzip stream ends early (truncated file?) after " +
                      std::to_string(offset_) + " bytes of data");
    zs_.next_in = in_.data() + in_pos_;
    zs_.avail_in = static_cast<uInt>(in_len_ - in_pos_);
    zs_.next_out = dest + done;
    zs_.avail_out = static_cast<uInt>(std::min<std::size_t>(n - done, 1u << 30));
    const int status = inflate(&zs_, Z_NO_FLUSH);
    const std::size_t consumed = (in_len_ - in_pos_) - zs_.avail_in;
    const std::size_t produced = static_cast<std::size_t>(zs_.next_out - (dest + done));
    in_pos_ += consumed;
    raw_offset_ += consumed;
    done += produced;
    offset_ += produced;
    if (status == Z_STREAM_END) {
      // A gzip file may hold several members back to back: go on with the next, if any.
      if (in_pos_ == in_len_ && fill_raw() == 0) {
        stream_end_ = true;
      } else {
        inflateReset(&zs_);
      }
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
      throw DataError(path_ + ": compressed byte " + std::to_string(raw_offset_) +
                      ": corrupt gzip data (" +
                      (zs_.msg ? zs_.msg : "zlib error " + std::to_string(status)) + ")");
    }
  }
  return done;
}

void ByteReader::read_exactly(void* out, std::size_t n, const std::string& what) {
  const std::uint64_t start = offset_;
  const std::size_t got = read_some(out, n);
  if (got != n)
    throw DataError(path_ + ": byte " + std::to_string(start) + ": expected " + std::to_string(n) +
                    " bytes of " + what + ", the data ends after " + std::to_string(got) +
                    " (truncated file?)");
}

bool ByteReader::at_end() {
  if (has_peeked_) return false;
  unsigned char byte;
  if (read_some(&byte, 1) == 0) return true;
  --offset_;
  peeked_ = byte;
  has_peeked_ = true;
  return false;
}

}  // namespace nnfit
