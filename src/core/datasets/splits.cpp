// Row selections (datasets/splits.hpp).
#include "datasets/splits.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "nnfit/error.hpp"

namespace nnfit {

// Splits `rows` into (kept, held out), holding out `fraction` of each class (or of all rows).
std::pair<std::vector<Index>, std::vector<Index>> hold_out(const std::vector<Index>& rows,
                                                           double fraction, const Samples& samples,
                                                           bool stratify, Rng& rng,
                                                           const std::string& what) {
  std::map<std::int32_t, std::vector<Index>> groups;
  const bool by_class = stratify && samples.task == Task::classification;
  for (const Index r : rows)
    groups[by_class ? samples.labels[static_cast<std::size_t>(r)] : 0].push_back(r);
  std::vector<Index> kept, held;
  for (auto& [label, group] : groups) {
    rng.shuffle(group.begin(), group.end());
    const auto take =
        static_cast<std::size_t>(std::llround(fraction * static_cast<double>(group.size())));
    held.insert(held.end(), group.begin(), group.begin() + static_cast<std::ptrdiff_t>(take));
    kept.insert(kept.end(), group.begin() + static_cast<std::ptrdiff_t>(take), group.end());
  }
  if (held.empty() || kept.empty())
    throw ConfigError("data." + what + ": a fraction of " + std::to_string(fraction) + " of " +
                      std::to_string(rows.size()) + " samples leaves " +
                      (held.empty() ? "nothing held out" : "nothing to train on"));
  std::sort(kept.begin(), kept.end());
  std::sort(held.begin(), held.end());
  return {kept, held};
}

std::vector<Index> first_rows(Index n, std::int64_t limit) {
  std::vector<Index> rows(static_cast<std::size_t>(limit > 0 ? std::min<Index>(n, limit) : n));
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<Index>(i);
  return rows;
}

}  // namespace nnfit
