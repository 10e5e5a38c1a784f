// IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/), raw or gzip-compressed:
//   bytes 0-1  zero          byte 2  dtype (0x08 = unsigned byte, the only one read here)
//   byte 3     dimensions d  then d big-endian u32 sizes, then the data, row-major.
// Images are [n, rows, cols] (or [n, features]); labels [n]. Pixels are converted to float
// chunk by chunk while decompressing, so no second copy of the images is ever held.
#include <array>
#include <cstring>

#include "datasets/byte_reader.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

namespace {

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

}  // namespace

Samples read_idx(const std::string& images_path, const std::string& labels_path) {
  Samples samples;
  ByteReader images(images_path);
  const auto header = read_header(images, "an image", 2, 3);
  const std::uint64_t n = header.dims[0];
  std::uint64_t features = 1;
  for (std::size_t i = 1; i < header.dims.size(); ++i) features *= header.dims[i];
  if (n * features > (std::uint64_t{1} << 34))
    throw DataError(images_path + ": header promises " + std::to_string(n) + " x " +
                    std::to_string(features) + " values, more than nnfit will hold");
  samples.x.resize(static_cast<Index>(n), static_cast<Index>(features));
  std::vector<unsigned char> chunk(1 << 16);
  float* out = samples.x.data();
  std::uint64_t remaining = n * features;
  while (remaining > 0) {
    const std::size_t take =
        static_cast<std::size_t>(std::min<std::uint64_t>(remaining, chunk.size()));
    const std::uint64_t at = images.offset();
    const std::size_t got = images.read_some(chunk.data(), take);
    if (got != take)
      throw DataError(images_path + ": byte " + std::to_string(at + got) +
                      ": the header promises " + std::to_string(n) + " images of " +
                      std::to_string(features) + " bytes, the data ends after " +
                      std::to_string((n * features - remaining + got) / features) +
                      " of them (truncated file?)");
    for (std::size_t i = 0; i < take; ++i) out[i] = static_cast<float>(chunk[i]);
    out += take;
    remaining -= take;
  }
  expect_end(images, std::to_string(n) + " images");

  ByteReader labels(labels_path);
  const auto label_header = read_header(labels, "a label", 1, 1);
  if (label_header.dims[0] != n)
    throw DataError(labels_path + ": byte 4: " + std::to_string(label_header.dims[0]) +
                    " labels, but " + images_path + " has " + std::to_string(n) + " images");
  std::vector<unsigned char> raw(static_cast<std::size_t>(n));
  labels.read_exactly(raw.data(), raw.size(), std::to_string(n) + " labels");
  expect_end(labels, std::to_string(n) + " labels");
  samples.labels.assign(raw.begin(), raw.end());
  const int classes = *std::max_element(raw.begin(), raw.end()) + 1;
  for (int c = 0; c < classes; ++c) samples.class_names.push_back(std::to_string(c));
  samples.task = Task::classification;
  samples.pixel_max = 255.0;
  return samples;
}

}  // namespace nnfit
