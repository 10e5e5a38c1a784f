// Name suggestions for error messages: Levenshtein distance, case-insensitive.
#include "nnfit/error.hpp"

#include <algorithm>
#include <cctype>

namespace nnfit {

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string nearest_name(std::string_view name, const std::vector<std::string>& valid) {
  std::string best;
  // Ranked by (effective distance, edit distance): one name inside the other ("mse_loss" and
  // "mse") counts as distance 1, and ties go to the closer spelling ("selu_": selu, not elu).
  std::pair<std::size_t, std::size_t> best_score{std::max<std::size_t>(2, name.size() / 2) + 1, 0};
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string needle = lower(name);
  for (const auto& candidate : valid) {
    const std::size_t d = edit_distance(name, candidate);
    const std::string hay = lower(candidate);
    const bool inside =
        !needle.empty() && !hay.empty() &&
        (hay.find(needle) != std::string::npos || needle.find(hay) != std::string::npos);
    const std::pair<std::size_t, std::size_t> score{inside ? std::min<std::size_t>(d, 1) : d, d};
    if (score < best_score) {
      best_score = score;
      best = candidate;
    }
  }
  return best;
}

std::string unknown_name_message(std::string_view what, std::string_view name,
                                 const std::vector<std::string>& valid) {
  std::string message = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  const std::string suggestion = nearest_name(name, valid);
  if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
  message += "; valid: ";
  for (std::size_t i = 0; i < valid.size(); ++i) message += (i ? ", " : "") + valid[i];
  return message;
}

std::string brief_text(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  std::size_t cut = max_chars;
  // Back up over UTF-8 continuation bytes (10xxxxxx) so that no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "... (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace nnfit
