#include "nnfit/detail/json_text.hpp"

#include "nnfit/error.hpp"

namespace nnfit {

namespace {

struct TooDeep {};

// 1-based line and column of byte `offset` in `text`.
std::string line_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n')
      ++line, column = 1;
    else
      ++column;
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// The offset of the bracket that opens nesting level kMaxJsonDepth + 1 (strings skipped).
std::size_t too_deep_offset(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return text.size();
}

// nlohmann reports a number too large for a double ("number overflow parsing '1e999'")
// without a position: find the token it quotes.
std::size_t token_offset(std::string_view text, const std::string& what) {
  const auto open = what.find('\'');
  const auto close = what.rfind('\'');
  if (open == std::string::npos || close <= open + 1) return std::string::npos;
  return text.find(what.substr(open + 1, close - open - 1));
}

std::string reason_of(const json::exception& e) {
  // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." ->
  // "syntax error ..." (the position is given our way).
  std::string what = e.what();
  for (const char* marker : {"syntax error", "number overflow", "invalid"}) {
    const auto at = what.find(marker);
    if (at != std::string::npos) return what.substr(at);
  }
  const auto bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

[[noreturn]] void fail(JsonBlame blame, const std::string& message) {
  if (blame == JsonBlame::data) throw DataError(message);
  throw ConfigError(message);
}

std::string where(std::string_view text, const std::string& origin, std::size_t offset,
                  std::size_t byte_base) {
  if (byte_base != SIZE_MAX) return origin + ": byte " + std::to_string(byte_base + offset);
  return origin + ":" + line_column(text, offset);
}

}  // namespace

json parse_json_text(std::string_view text, const std::string& origin, JsonBlame blame,
                     std::size_t byte_base, const std::string& what) {
  const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth)
      throw TooDeep{};
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), limit_depth);
  } catch (const TooDeep&) {
    fail(blame, where(text, origin, too_deep_offset(text), byte_base) + ": " + what +
                    ": nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
  } catch (const json::parse_error& e) {
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    fail(blame, where(text, origin, offset, byte_base) + ": " + what + ": " + reason_of(e));
  } catch (const json::exception& e) {
    const std::size_t offset = token_offset(text, e.what());
    const std::string at =
        offset == std::string::npos ? origin : where(text, origin, offset, byte_base);
    fail(blame, at + ": " + what + ": " + reason_of(e) +
                    (e.id == 406 ? " (beyond the range of a double)" : ""));
  }
}

std::string brief_json(const json& value, std::size_t max_chars) {
  // Containers are summarised by their kind and size before anything is serialised, so that
  // a huge value costs nothing; short ones are shown whole.
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.size() + 2 <= max_chars)
      return value.dump(-1, ' ', false, json::error_handler_t::replace);
    return json(s.substr(0, max_chars)).dump(-1, ' ', false, json::error_handler_t::replace) +
           "...";
  }
  if (!value.is_structured()) return value.dump();
  if (value.size() <= 16) {
    const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() <= max_chars) return text;
  }
  return std::string(value.is_array() ? "an array of " : "an object of ") +
         std::to_string(value.size()) + (value.is_array() ? " elements" : " keys");
}

}  // namespace nnfit
