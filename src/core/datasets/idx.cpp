// IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/), raw or gzip-compressed:
//   bytes 0-1  zero          byte 2  dtype (0x08 = unsigned byte, the only one read here)
//   byte 3     dimensions d  then d big-endian u32 sizes, then the data, row-major.
// Images are [n, rows, cols] (or [n, features]); labels [n]. Pixels are converted to float
// chunk by chunk while decompressing, so no second copy of the images is ever held.
#include <algorithm>
#include <array>
#include <cstring>

#include "datasets/byte_reader.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/detail/memory_budget.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

namespace {

constexpr std::uint64_t kMaxFeatures = std::uint64_t{1} << 24;

struct IdxHeader {
  std::vector<std::uint32_t> dims;
};

IdxHeader read_header(ByteReader& in, const std::string& what, std::size_t min_dims,
                      std::size_t max_dims) {
  std::array<unsigned char, 4> magic{};
  in.read_exactly(magic.data(), 4, "IDX magic number");
  if (magic[0] != 0 || magic[1] != 0)
    throw DataError(in.path() + ": byte 0: not an IDX file (magic number starts " +
                    std::to_string(magic[0]) + " " + std::to_string(magic[1]) + ", expected 0 0)");
  if (magic[2] != 0x08) {
    char found[8];
    std::snprintf(found, sizeof found, "0x%02X", magic[2]);
    throw DataError(in.path() + ": byte 2: IDX dtype " + found +
                    " is not supported; nnfit reads unsigned bytes (0x08)");
  }
  const std::size_t ndims = magic[3];
  if (ndims < min_dims || ndims > max_dims)
    throw DataError(in.path() + ": byte 3: " + what + " file has " + std::to_string(ndims) +
                    " dimensions, expected " + std::to_string(min_dims) +
                    (min_dims == max_dims ? "" : " to " + std::to_string(max_dims)));
  IdxHeader header;
  for (std::size_t i = 0; i < ndims; ++i) {
    std::array<unsigned char, 4> b{};
    in.read_exactly(b.data(), 4, "IDX dimension " + std::to_string(i));
    header.dims.push_back((std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                          (std::uint32_t{b[2]} << 8) | b[3]);
    if (header.dims.back() == 0)
      throw DataError(in.path() + ": byte " + std::to_string(4 + 4 * i) + ": dimension " +
                      std::to_string(i) + " is 0");
  }
  return header;
}

void expect_end(ByteReader& in, const std::string& promised) {
  if (!in.at_end())
    throw DataError(in.path() + ": byte " + std::to_string(in.offset()) +
                    ": extra data after the " + promised + " the header promises");
}

// The number of values the header promises, checked against overflow and, for an
// uncompressed file, against the file's size, before anything is allocated.
std::uint64_t promised_values(ByteReader& in, const IdxHeader& header) {
  std::uint64_t count = 1;
  for (const auto d : header.dims)
    if (__builtin_mul_overflow(count, std::uint64_t{d}, &count))
      throw DataError(in.path() + ": the header's dimensions overflow 64 bits");
  const std::uint64_t header_bytes = 4 + 4 * header.dims.size();
  if (!in.compressed() && count != in.file_size() - header_bytes)
    throw DataError(in.path() + ": the header promises " + std::to_string(count) +
                    " bytes of data, the file holds " +
                    std::to_string(in.file_size() - header_bytes) +
                    (count > in.file_size() - header_bytes ? " (truncated file?)" : ""));
  return count;
}

// The most bytes `in` can still produce: what is left of a raw file, or for a gzip file the
// deflate format's largest expansion (1032 to 1, a long run of one byte) of what is left.
std::uint64_t most_bytes_left(const ByteReader& in) {
  if (!in.compressed()) return in.file_size() - std::min(in.file_size(), in.offset());
  return saturating_multiply(in.file_size(), 1032);
}

// Reads `rows` rows of `width` bytes as floats. When the file can hold what the header
// promises (and it fits in half the memory; untouched pages cost nothing), the matrix is allocated
// once, backed by huge pages (advise_huge_pages: filling it page by page was a third of a
// Fashion-MNIST run's start-up); otherwise it grows with the data actually decompressed (doubling),
// never to the header's promise up front: a 1 KB gzip file claiming 4 GB of pixels fails when its
// stream ends, having held only what it had.
Matrix read_rows(ByteReader& in, std::uint64_t rows, std::uint64_t width) {
  const std::uint64_t total = rows * width;  // checked by promised_values
  const bool fits = total <= most_bytes_left(in) &&
                    saturating_multiply(total, sizeof(float)) <= physical_memory_bytes() / 2;
  Matrix x(fits ? static_cast<Index>(rows) : 0, static_cast<Index>(width));
  if (fits) advise_huge_pages(x.data(), static_cast<std::size_t>(total) * sizeof(float));
  std::vector<unsigned char> chunk(1 << 16);
  const std::uint64_t first_rows = std::max<std::uint64_t>(1, (1 << 16) / width);
  std::uint64_t done = 0;
  while (done < total) {
    const std::uint64_t take = std::min<std::uint64_t>(chunk.size(), total - done);
    const std::uint64_t at = in.offset();
    const std::size_t got = in.read_some(chunk.data(), static_cast<std::size_t>(take));
    if (got != take)
      throw DataError(in.path() + ": byte " + std::to_string(at + got) + ": the header promises " +
                      std::to_string(rows) + " rows of " + std::to_string(width) +
                      " bytes, the data ends after " + std::to_string((done + got) / width) +
                      " of them (truncated file?)");
    const std::uint64_t rows_needed = (done + take + width - 1) / width;
    if (rows_needed > static_cast<std::uint64_t>(x.rows())) {
      const std::uint64_t grown = std::min(
          rows, std::max({rows_needed, 2 * static_cast<std::uint64_t>(x.rows()), first_rows}));
      x.conservativeResize(static_cast<Index>(grown), Eigen::NoChange);
    }
    float* out = x.data() + done;
    for (std::size_t i = 0; i < got; ++i) out[i] = static_cast<float>(chunk[i]);
    done += take;
  }
  return x;
}

}  // namespace

Samples read_idx(const std::string& images_path, const std::string& labels_path) {
  // Both headers first: a label count that does not match is found before any pixel is read.
  ByteReader images(images_path);
  const auto header = read_header(images, "an image", 2, 3);
  ByteReader labels(labels_path);
  const auto label_header = read_header(labels, "a label", 1, 1);
  const std::uint64_t n = header.dims[0];
  if (label_header.dims[0] != n)
    throw DataError(labels_path + ": byte 4: " + std::to_string(label_header.dims[0]) +
                    " labels, but " + images_path + " has " + std::to_string(n) + " images");
  const std::uint64_t values = promised_values(images, header);
  promised_values(labels, label_header);
  const std::uint64_t features = values / n;
  if (features > kMaxFeatures)
    throw DataError(images_path + ": the header promises " + std::to_string(features) +
                    " values per image; nnfit reads at most " + std::to_string(kMaxFeatures));

  Samples samples;
  samples.x = read_rows(images, n, features);
  expect_end(images, std::to_string(n) + " images");
  const Matrix raw = read_rows(labels, n, 1);
  expect_end(labels, std::to_string(n) + " labels");
  samples.labels.resize(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i)
    samples.labels[i] = static_cast<std::int32_t>(raw(static_cast<Index>(i), 0));
  const int classes = *std::max_element(samples.labels.begin(), samples.labels.end()) + 1;
  for (int c = 0; c < classes; ++c) samples.class_names.push_back(std::to_string(c));
  samples.task = Task::classification;
  samples.pixel_max = 255.0;
  return samples;
}

}  // namespace nnfit
