// A comparison's records in one gzip file (nnfit/experiments/record_archive.hpp).
#include "nnfit/experiments/record_archive.hpp"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <vector>

#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxDecompressed = std::uint64_t{4} << 30;

// A record file: runs/<arm>/seed-<n>.json somewhere below the output.
bool is_record_path(const fs::path& relative) {
  const std::string name = relative.filename().string();
  if (name.rfind("seed-", 0) != 0 || relative.extension() != ".json") return false;
  const fs::path folder = relative.parent_path();
  return folder.has_parent_path() && folder.parent_path().filename() == "runs";
}

std::string gzip(const std::string& text) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error("records archive: zlib could not start");
  if (text.size() > 0xFFFFFFFFu) throw Error("records archive: more than 4 GB of records");
  std::string out(deflateBound(&zs, static_cast<uLong>(text.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (status != Z_STREAM_END) throw Error("records archive: zlib could not compress");
  return out;
}

std::string gunzip(const std::string& bytes, const std::string& path) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw DataError(path + ": zlib could not start");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char chunk[1 << 16];
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    status = inflate(&zs, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) {
      inflateEnd(&zs);
      throw DataError(path + ": byte " + std::to_string(zs.total_in) +
                      ": not a gzip stream, or a damaged one");
    }
    out.append(chunk, sizeof chunk - zs.avail_out);
    if (out.size() > kMaxDecompressed) {
      inflateEnd(&zs);
      throw DataError(path + ": more than 4 GB decompressed; not a records archive");
    }
    if (status == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw DataError(path + ": the gzip stream ends early (truncated)");
    }
  }
  inflateEnd(&zs);
  return out;
}

// The record file of one archive line, checked: relative, inside, a record file.
fs::path record_path(const json& line, const std::string& where) {
  if (!line.is_object() || !line.contains("path") || !line["path"].is_string() ||
      !line.contains("record") || !line["record"].is_object())
    throw DataError(where + ": expected {\"path\": ..., \"record\": {...}}");
  const fs::path path(line["path"].get<std::string>());
  if (path.is_absolute() || path.empty())
    throw DataError(where + ": the path must be relative to the comparison's folder");
  for (const auto& part : path)
    if (part == "..") throw DataError(where + ": the path leaves the comparison's folder");
  if (!is_record_path(path))
    throw DataError(where + ": " + brief_text(path.string()) +
                    " is not a record file (runs/<arm>/seed-<n>.json)");
  return path;
}

}  // namespace

int write_record_archive(const std::string& output) {
  std::vector<std::pair<std::string, std::string>> records;  // relative path, its JSON
  for (const auto& entry : fs::recursive_directory_iterator(output)) {
    if (!entry.is_regular_file()) continue;
    const fs::path relative = entry.path().lexically_relative(output);
    if (!is_record_path(relative)) continue;
    std::string text = read_file_bytes(entry.path().string());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    records.push_back({relative.generic_string(), std::move(text)});
  }
  std::sort(records.begin(), records.end());
  std::string lines;
  for (const auto& [path, text] : records)
    lines += "{\"path\":" + json(path).dump() + ",\"record\":" + text + "}\n";
  write_file_atomically((fs::path(output) / kRecordArchive).string(), gzip(lines));
  return static_cast<int>(records.size());
}

int restore_record_archive(const std::string& output) {
  const std::string path = (fs::path(output) / kRecordArchive).string();
  if (!fs::exists(path)) return 0;
  std::istringstream lines(gunzip(read_file_bytes(path), path));
  std::string text;
  int restored = 0;
  for (std::size_t number = 1; std::getline(lines, text); ++number) {
    if (text.empty()) continue;
    const std::string where = path + ":" + std::to_string(number);
    const json line = parse_json_text(text, where, JsonBlame::data);
    const fs::path file = fs::path(output) / record_path(line, where);
    if (fs::exists(file)) continue;
    fs::create_directories(file.parent_path());
    write_file_atomically(file.string(), line["record"].dump() + "\n");
    ++restored;
  }
  return restored;
}

}  // namespace nnfit
