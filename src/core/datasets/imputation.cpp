// Imputation of missing inputs (datasets/imputation.hpp). Nothing from the validation or test
// rows is used.
#include "datasets/imputation.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace nnfit {

namespace {

// The columns of each attribute: a nominal attribute's one-hot columns together.
std::vector<std::vector<Index>> column_groups(const Samples& s) {
  std::vector<std::vector<Index>> groups;
  std::map<std::int32_t, std::size_t> index;
  for (Index c = 0; c < s.x.cols(); ++c) {
    const std::int32_t g = s.feature_groups.empty() ? static_cast<std::int32_t>(c)
                                                    : s.feature_groups[static_cast<std::size_t>(c)];
    const auto [it, added] = index.emplace(g, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(c);
  }
  return groups;
}

}  // namespace

// A numeric column's mean, or for a nominal attribute the column (value) most rows have.
void impute_missing(Samples& train, Samples* test, const std::vector<Index>& rows) {
  for (const auto& group : column_groups(train)) {
    std::vector<double> sums(group.size(), 0.0);
    double count = 0;
    for (const Index r : rows) {
      if (std::isnan(train.x(r, group[0]))) continue;
      for (std::size_t k = 0; k < group.size(); ++k) sums[k] += train.x(r, group[k]);
      ++count;
    }
    std::vector<float> fill(group.size(), 0.0f);
    if (group.size() == 1) {
      fill[0] = count > 0 ? static_cast<float>(sums[0] / count) : 0.0f;
    } else if (count > 0) {
      fill[static_cast<std::size_t>(std::max_element(sums.begin(), sums.end()) - sums.begin())] =
          1.0f;
    }
    for (Samples* s : {&train, test}) {
      if (!s) continue;
      for (Index r = 0; r < s->x.rows(); ++r)
        if (std::isnan(s->x(r, group[0])))
          for (std::size_t k = 0; k < group.size(); ++k) s->x(r, group[k]) = fill[k];
    }
  }
}

}  // namespace nnfit
