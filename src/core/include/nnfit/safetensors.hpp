// The safetensors file format (https://github.com/huggingface/safetensors), float32 only:
//   8 bytes   little-endian u64 N, the header's length
//   N bytes   JSON: {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
//                    ..., "__metadata__": {"key": "string value", ...}}, space-padded to 8
//   the rest  the tensors' raw little-endian bytes, back to back, offsets relative to here
// Readable by Python's safetensors package and by a few lines of numpy.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nnfit {

struct Tensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> data;
};

struct SafetensorsFile {
  std::vector<Tensor> tensors;  // in file order
  std::map<std::string, std::string> metadata;
  const Tensor* find(const std::string& name) const;
};

// Writes atomically (temporary file + rename). Throws DataError on I/O failure.
void write_safetensors(const std::string& path, const SafetensorsFile& file);
// Throws DataError naming the file and byte offset for anything malformed: short file,
// header length past the end, bad JSON, unsupported dtype, shape/offset mismatch,
// overlapping or missing bytes.
SafetensorsFile read_safetensors(const std::string& path);
// The same from bytes in memory; `origin` names them in messages.
SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& origin);

}  // namespace nnfit
