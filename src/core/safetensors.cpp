#include "nnfit/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

static_assert(std::endian::native == std::endian::little,
              "safetensors I/O assumes a little-endian machine");

const Tensor* SafetensorsFile::find(const std::string& name) const {
  for (const auto& tensor : tensors)
    if (tensor.name == name) return &tensor;
  return nullptr;
}

void write_safetensors(const std::string& path, const SafetensorsFile& file) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::size_t offset = 0;
  for (const auto& tensor : file.tensors) {
    std::int64_t count = 1;
    for (auto d : tensor.shape) count *= d;
    if (count != static_cast<std::int64_t>(tensor.data.size()))
      throw DataError(path + ": tensor '" + tensor.name + "' has " +
                      std::to_string(tensor.data.size()) + " values but its shape holds " +
                      std::to_string(count));
    const std::size_t bytes = tensor.data.size() * sizeof(float);
    header[tensor.name] = {
        {"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + text.size() + offset);
  const std::uint64_t length = text.size();
  out.append(reinterpret_cast<const char*>(&length), 8);
  out += text;
  for (const auto& tensor : file.tensors)
    out.append(reinterpret_cast<const char*>(tensor.data.data()),
               tensor.data.size() * sizeof(float));
  write_file_atomically(path, out);
}

SafetensorsFile read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw DataError(path + ": read error");
  return parse_safetensors(buffer.str(), path);
}

namespace {

// Where the parts of a safetensors file are, and how to complain about them.
struct Layout {
  std::string_view bytes;
  const std::string& path;
  std::size_t body = 0;  // where the tensors' bytes start
  std::uint64_t data_bytes() const { return bytes.size() - body; }
  DataError error(std::size_t offset, const std::string& what) const {
    return DataError(path + ": byte " + std::to_string(offset) + ": " + what);
  }
};

// The element count of `shape`, checked against overflow and against the file before anything
// is allocated: [2^62] with empty offsets must not pass because count * 4 wraps to 0.
std::uint64_t element_count(const Layout& f, const json& shape, const std::string& where,
                            std::vector<std::int64_t>& dims) {
  std::uint64_t count = 1;
  for (const auto& d : shape) {
    if (!d.is_number_unsigned()) throw f.error(8, where + ": shape entries must be >= 0");
    const auto extent = d.get<std::uint64_t>();
    if (extent > static_cast<std::uint64_t>(INT64_MAX) ||
        __builtin_mul_overflow(count, extent, &count))
      throw f.error(8, where + ": shape " + brief_json(shape) + " overflows 64 bits");
    dims.push_back(static_cast<std::int64_t>(extent));
  }
  if (count > f.data_bytes() / sizeof(float))
    throw f.error(8, where + ": shape " + brief_json(shape) + " holds " + std::to_string(count) +
                         " values, more than the file's " + std::to_string(f.data_bytes()) +
                         " data bytes can hold");
  return count;
}

// One header entry {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} and its data;
// returns the tensor with its begin offset.
std::pair<std::size_t, Tensor> read_tensor(const Layout& f, const std::string& name,
                                           const json& entry) {
  const std::string where = "tensor '" + name + "'";
  if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
      !entry.contains("data_offsets"))
    throw f.error(8, where + " needs dtype, shape and data_offsets");
  if (entry["dtype"] != "F32")
    throw f.error(8, where + " has dtype " + brief_json(entry["dtype"]) + "; nnfit reads F32 only");
  const auto& shape = entry["shape"];
  const auto& offsets = entry["data_offsets"];
  if (!shape.is_array() || !offsets.is_array() || offsets.size() != 2)
    throw f.error(8, where + ": shape must be an array and data_offsets [begin, end]");
  Tensor tensor;
  tensor.name = name;
  const std::uint64_t count = element_count(f, shape, where, tensor.shape);
  if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    throw f.error(8, where + ": data_offsets must be non-negative integers");
  const auto begin = offsets[0].get<std::uint64_t>();
  const auto end = offsets[1].get<std::uint64_t>();
  if (end < begin || end - begin != count * sizeof(float))
    throw f.error(8, where + ": data_offsets [" + std::to_string(begin) + ", " +
                         std::to_string(end) + "] do not hold " + std::to_string(count) +
                         " float32 values");
  if (end > f.data_bytes())
    throw f.error(f.body + begin, where + " ends at byte " + std::to_string(f.body + end) +
                                      " but the file has " + std::to_string(f.bytes.size()) +
                                      " bytes (truncated?)");
  tensor.data.resize(count);
  if (count)
    std::memcpy(tensor.data.data(), f.bytes.data() + f.body + begin, count * sizeof(float));
  return {static_cast<std::size_t>(begin), std::move(tensor)};
}

// The tensors' bytes must follow each other with no gap or overlap and fill the file.
void check_back_to_back(const Layout& f,
                        const std::vector<std::pair<std::size_t, Tensor>>& sorted) {
  std::size_t expected = 0;
  for (const auto& [begin, tensor] : sorted) {
    if (begin != expected)
      throw f.error(f.body + std::min(begin, expected),
                    "tensor '" + tensor.name +
                        "' data does not follow the previous tensor's (overlap or gap)");
    expected = begin + tensor.data.size() * sizeof(float);
  }
  if (expected != f.data_bytes())
    throw f.error(f.body + expected, std::to_string(f.data_bytes() - expected) +
                                         " bytes after the last tensor belong to none");
}

}  // namespace

SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& path) {
  Layout f{bytes, path};
  if (bytes.size() < 8)
    throw f.error(bytes.size(), "file too short for a safetensors header (" +
                                    std::to_string(bytes.size()) + " bytes, expected at least 8)");
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  if (length > bytes.size() - 8)
    throw f.error(0, "header length " + std::to_string(length) + " runs past the end of the " +
                         std::to_string(bytes.size()) + "-byte file (truncated?)");
  f.body = 8 + static_cast<std::size_t>(length);
  const json header = parse_json_text(bytes.substr(8, length), path, JsonBlame::data, 8,
                                      "header is not valid JSON");
  if (!header.is_object()) throw f.error(8, "header is not a JSON object");

  SafetensorsFile file;
  std::vector<std::pair<std::size_t, Tensor>> located;
  for (const auto& [name, entry] : header.items()) {
    if (name != "__metadata__") {
      located.push_back(read_tensor(f, name, entry));
      continue;
    }
    if (!entry.is_object()) throw f.error(8, "__metadata__ is not an object");
    for (const auto& [key, value] : entry.items()) {
      if (!value.is_string()) throw f.error(8, "__metadata__." + key + " is not a string");
      file.metadata[key] = value.get<std::string>();
    }
  }
  // File order (by offset), so that a round trip is stable whatever order the JSON keys had.
  std::stable_sort(located.begin(), located.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  check_back_to_back(f, located);
  for (auto& [begin, tensor] : located) file.tensors.push_back(std::move(tensor));
  return file;
}

}  // namespace nnfit
