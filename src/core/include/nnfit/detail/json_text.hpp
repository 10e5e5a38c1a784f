// JSON text from untrusted sources (configs, --set values, safetensors headers, checkpoint
// metadata), parsed with bounded nesting and every parser failure turned into an nnfit
// error that names the origin and the position.
//
// nlohmann's parser is iterative, but dump(), comparisons and our own merges recurse: a
// 100k-deep array overflows the stack there. kMaxJsonDepth bounds nesting at parse time
// instead (nnfit's own files nest at most 6 deep; inline data 3).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace nnfit {

using json = nlohmann::json;

inline constexpr int kMaxJsonDepth = 64;

// Which error a failure becomes: ConfigError (exit 2) or DataError (exit 3).
enum class JsonBlame { config, data };

// Parses `text`; on failure throws (per `blame`) "<origin>:<line>:<column>: invalid JSON: ..."
// or, with `byte_base` set, "<origin>: byte <byte_base + offset>: ..." (binary files).
// `what` names the failure ("invalid JSON", "header is not valid JSON").
json parse_json_text(std::string_view text, const std::string& origin,
                     JsonBlame blame = JsonBlame::config, std::size_t byte_base = SIZE_MAX,
                     const std::string& what = "invalid JSON");

// A value as compact JSON for a message, cut to about `max_chars` ("...") so that a huge or
// hostile value never floods a message.
std::string brief_json(const json& value, std::size_t max_chars = 80);

}  // namespace nnfit
