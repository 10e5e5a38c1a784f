// Experiments over several data sets (nnfit/experiments/suite.hpp).
#include "nnfit/experiments/suite.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include "nnfit/error.hpp"
#include "nnfit/experiments/rank_tests.hpp"
#include "nnfit/experiments/statistics.hpp"
#include "nnfit/registry.hpp"
#include "nnfit/uci.hpp"

namespace nnfit {

namespace {

DatasetEntry uci_entry(const std::string& name) {
  return {name, {{"source", "uci"}, {"name", name}}};
}

// The base's data keys every source takes (split, scale, ...), under the entry's own; a
// test fraction only for a source without a test file of its own.
json merged_data(const json& entry, const json& base) {
  json data = entry;
  const bool own_test = has_own_test_set(entry);
  for (const auto& field : data_fields()) {
    if (field.name == "test" && own_test) continue;
    if (!data.contains(field.name) && base.is_object() && base.contains(field.name))
      data[field.name] = base[field.name];
  }
  return data;
}

}  // namespace

std::vector<DatasetEntry> read_datasets(const json& spec, const std::string& path,
                                        Diagnostics& diag) {
  std::vector<DatasetEntry> out;
  if (!spec.is_array() || spec.empty()) {
    diag.error(path,
               "expected a list: \"uci\", names of UCI sets, or {\"name\", \"data\"} objects");
    return out;
  }
  const std::vector<std::string> uci = uci_names();
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const json& d = spec[i];
    const std::string where = json_path(path, i);
    if (d == "uci") {
      for (const auto& name : uci) out.push_back(uci_entry(name));
    } else if (d.is_string()) {
      const std::string name = d.get<std::string>();
      if (std::find(uci.begin(), uci.end(), name) == uci.end())
        diag.error(where, unknown_name_message("UCI data set", name, uci) +
                              " (or give {\"name\": ..., \"data\": {...}})");
      else
        out.push_back(uci_entry(name));
    } else if (d.is_object() && d.contains("name") && d["name"].is_string() && d.contains("data") &&
               d["data"].is_object() && d.size() == 2) {
      out.push_back({d["name"].get<std::string>(), d["data"]});
    } else {
      diag.error(where, "expected \"uci\", a UCI set's name, or {\"name\": ..., \"data\": {...}}");
    }
  }
  std::set<std::string> seen;
  for (const auto& e : out) {
    if (!seen.insert(e.name).second) diag.error(path, "data set '" + e.name + "' is listed twice");
    if (const std::string problem = folder_name_problem(e.name); !problem.empty())
      diag.error(path, "data set " + problem);
  }
  return out;
}

Experiment dataset_experiment(const Experiment& e, const DatasetEntry& d) {
  Experiment sub = e;
  sub.name = e.name + "/" + d.name;
  sub.datasets.clear();
  if (e.arms.empty()) return sub;
  json data = merged_data(d.data, e.arms.front().config.value("data", json::object()));
  const std::uint64_t seed = e.seeds.empty() ? 1 : e.seeds.front();
  const std::string where = e.origin + ": datasets: " + d.name;
  Data loaded = load_data(data, seed, where);
  // A small set would leave a handful of validation rows (labor: 8) to choose the epoch and
  // the learning rate on: it takes kSmallSetSplit for validation and for test instead, unless
  // its entry says otherwise. Each seed draws its own stratified split, so an arm's score is
  // the mean over as many repeated splits as seeds.
  if (loaded.validation.size() > 0 && loaded.validation.size() < kMinValidationRows &&
      !d.data.contains("validation") && !has_own_test_set(data)) {
    data["validation"] = kSmallSetSplit;
    data["test"] = kSmallSetSplit;
    loaded = load_data(data, seed, where);
  }
  for (auto& arm : sub.arms) {
    arm.config["data"] = data;
    json& layers = arm.config["model"]["layers"];
    for (std::size_t i = layers.size(); i-- > 0;)
      if (layers[i].value("type", "") == "dense") {
        layers[i]["units"] = loaded.num_outputs;
        break;
      }
  }
  return sub;
}

std::string dataset_output(const std::string& output, const std::string& name) {
  return (std::filesystem::path(output) / "datasets" / name).string();
}

std::vector<DatasetStudy> run_suite(const Experiment& e, const CompareOptions& options) {
  std::vector<DatasetStudy> out;
  for (const auto& d : e.datasets) {
    CompareOptions o = options;
    o.output = dataset_output(options.output, d.name);
    DatasetStudy s{d.name, dataset_experiment(e, d), {}};
    s.study = run_study(s.experiment, o);
    s.experiment = s.study.experiment;
    if (options.stopped()) break;
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

// The score a data set's summary gives an arm: its rank score of `measure` (summary.cpp,
// rank_scores), none when it has no runs behind it.
const RankScore* score_of(const Summary& s, const std::string& arm, const std::string& measure) {
  const ArmSummary* a = s.arm(arm);
  if (!a) return nullptr;
  const auto it = a->rank_scores.find(measure);
  return it == a->rank_scores.end() ? nullptr : &it->second;
}

// Per data set, each arm's mean of `measure` over the evaluation seeds, a diverged run counted
// as a failure (summary.cpp, rank_scores); NaN when it has none.
std::vector<std::vector<double>> suite_scores(const Experiment& e,
                                              const std::vector<Summary>& summaries,
                                              const std::string& measure) {
  std::vector<std::vector<double>> scores;
  for (const auto& s : summaries) {
    std::vector<double> row;
    for (const auto& arm : e.arms) {
      const RankScore* score = score_of(s, arm.name, measure);
      row.push_back(score ? score->mean : std::nan(""));
    }
    scores.push_back(row);
  }
  return scores;
}

// Each arm against the baseline: Holm over the rank z-tests, and Wilcoxon over data sets.
std::vector<RankComparison> against_baseline(const Experiment& e, const Ranks& ranks,
                                             const std::vector<std::vector<double>>& scores,
                                             int baseline) {
  const std::vector<double> p = rank_p_values(ranks, baseline);
  std::vector<double> others, wilcoxon_p;
  std::vector<Wilcoxon> tests;
  for (int m = 0; m < ranks.methods(); ++m) {
    if (m == baseline) continue;
    others.push_back(p[static_cast<std::size_t>(m)]);
    std::vector<double> a, b;  // the data sets where both have the measure
    for (const auto& row : scores) {
      const double x = row[static_cast<std::size_t>(m)],
                   y = row[static_cast<std::size_t>(baseline)];
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      a.push_back(x);
      b.push_back(y);
    }
    tests.push_back(wilcoxon_signed_rank(a, b));
    wilcoxon_p.push_back(tests.back().p);
  }
  const std::vector<double> holm = holm_adjust(others), holm_w = holm_adjust(wilcoxon_p);
  const double se = rank_standard_error(ranks);
  std::vector<RankComparison> out;
  for (int m = 0, k = 0; m < ranks.methods(); ++m) {
    if (m == baseline) continue;
    const double difference = ranks.average[static_cast<std::size_t>(m)] -
                              ranks.average[static_cast<std::size_t>(baseline)];
    const auto kk = static_cast<std::size_t>(k++);
    const Wilcoxon& w = tests[kk];
    out.push_back({e.arms[static_cast<std::size_t>(m)].name,
                   difference,
                   difference / se,
                   others[kk],
                   holm[kk],
                   holm[kk] < kAlpha ? (difference < 0 ? "better" : "worse")
                                     : "not shown at this many data sets",
                   {w.n, w.r_plus, w.r_minus, w.p, holm_w[kk], w.exact}});
  }
  return out;
}

// Every pair of arms by the Wilcoxon signed-rank test over the data sets, Holm-adjusted across
// the k (k - 1) / 2 pairs.
std::vector<PairComparison> all_pairs(const Experiment& e,
                                      const std::vector<std::vector<double>>& scores) {
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  std::vector<Wilcoxon> tests;
  std::vector<double> p;
  for (std::size_t i = 0; i < e.arms.size(); ++i)
    for (std::size_t j = i + 1; j < e.arms.size(); ++j) {
      std::vector<double> a, b;
      for (const auto& row : scores)
        if (std::isfinite(row[i]) && std::isfinite(row[j]))
          a.push_back(row[i]), b.push_back(row[j]);
      pairs.push_back({i, j});
      tests.push_back(wilcoxon_signed_rank(a, b));
      p.push_back(tests.back().p);
    }
  const std::vector<double> holm = holm_adjust(p);
  std::vector<PairComparison> out;
  for (std::size_t k = 0; k < pairs.size(); ++k)
    out.push_back({e.arms[pairs[k].first].name, e.arms[pairs[k].second].name, tests[k].r_plus,
                   tests[k].r_minus, tests[k].n, p[k], holm[k]});
  return out;
}

// Whether every arm's mean on one data set is within two of its standard errors of chance.
bool all_near_chance(const std::vector<const RankScore*>& scores) {
  if (scores.empty()) return false;
  for (const RankScore* s : scores) {
    if (!s || s->chance <= 0 || s->n < 2) return false;
    if (s->mean > s->chance + 2 * s->sd / std::sqrt(static_cast<double>(s->n))) return false;
  }
  return true;
}

// The ranks and tests over the kept data sets (at least two), each arm's missing score ranked
// last (-inf). `near_chance`: per kept set, whether every arm scored within noise of chance.
SuiteRanking rank_suite(const Experiment& e, const std::vector<std::vector<double>>& kept,
                        const std::vector<std::string>& used,
                        const std::vector<bool>& near_chance) {
  SuiteRanking out;
  const Ranks ranks = rank_methods(kept, false);
  int baseline = 0;
  for (std::size_t m = 0; m < e.arms.size(); ++m)
    if (e.arms[m].name == e.baseline) baseline = static_cast<int>(m);
  for (const auto& row : kept) {
    std::vector<double> r;
    for (const double v : row) r.push_back(std::isfinite(v) ? v : std::nan(""));
    out.scores.push_back(r);
  }
  // A set on which every arm scores the same (within same_score) cannot order them: with
  // accuracy on a skewed set, every arm at the majority rate. Its ranks are all tied, so it
  // adds nothing to the tests but N; the report names it.
  for (std::size_t d = 0; d < kept.size(); ++d)
    if (near_chance[d] || std::all_of(kept[d].begin(), kept[d].end(),
                                      [&](double v) { return same_score(v, kept[d].front()); }))
      out.non_discriminating.push_back(used[d]);
  out.ranks = ranks.per_dataset;
  out.average_ranks = ranks.average;
  out.friedman = friedman_test(ranks);
  out.critical_difference = nemenyi_critical_difference(ranks.methods(), ranks.datasets());
  out.rank_standard_error = rank_standard_error(ranks);
  out.power = suite_power(ranks.methods(), out.rank_standard_error, e.reported_rank_difference);
  out.against_baseline = against_baseline(e, ranks, kept, baseline);
  out.pairs = all_pairs(e, kept);
  out.claimed_order = e.claimed_order;
  return out;
}

}  // namespace

SuitePower suite_power(int methods, double se, std::optional<double> reported) {
  SuitePower p;
  if (methods < 2 || !(se > 0)) return p;
  const double first = kAlpha / (methods - 1), power_z = normal_quantile(0.8);
  p.detectable_first_step = (normal_quantile(1 - first / 2) + power_z) * se;
  p.detectable_last_step = (normal_quantile(1 - kAlpha / 2) + power_z) * se;
  p.reported_rank_difference = reported;
  if (reported) {
    const double shift = std::abs(*reported) / se;
    p.power_first_step = normal_cdf(shift - normal_quantile(1 - first / 2));
    p.power_unadjusted = normal_cdf(shift - normal_quantile(1 - kAlpha / 2));
  }
  return p;
}

SuiteSummary summarize_suite(const Experiment& e, const std::vector<Summary>& summaries) {
  std::vector<std::vector<double>> scores = suite_scores(e, summaries, e.rank_by);
  SuiteSummary out;
  out.experiment = e.name;
  out.claim = e.claim;
  out.source = e.source;
  out.rank_by = e.rank_by;
  out.baseline = e.baseline;
  for (const auto& a : e.arms) out.arms.push_back(a.name);
  out.alpha = kAlpha;
  // A data set where no arm has the measure says nothing; an arm without it ranks last there.
  std::vector<std::vector<double>> kept;
  std::vector<std::vector<ScoreRuns>> runs;  // per kept set and arm: the runs behind its score
  std::vector<bool> near_chance;             // per kept set
  for (std::size_t d = 0; d < scores.size(); ++d) {
    const std::string name = e.datasets[d].name;
    bool any = false;
    for (const double v : scores[d]) any |= std::isfinite(v);
    if (!any) {
      out.left_out.push_back(name);
      continue;
    }
    std::vector<ScoreRuns> row;
    std::vector<const RankScore*> arm_scores;
    for (const auto& arm : e.arms) {
      const RankScore* score = score_of(summaries[d], arm.name, e.rank_by);
      row.push_back(score ? ScoreRuns{score->n, score->diverged} : ScoreRuns{});
      arm_scores.push_back(score);
    }
    runs.push_back(row);
    near_chance.push_back(e.rank_by.find("balanced") != std::string::npos &&
                          all_near_chance(arm_scores));
    for (auto& v : scores[d])
      if (!std::isfinite(v)) v = -std::numeric_limits<double>::infinity();
    kept.push_back(scores[d]);
    out.datasets.push_back(name);
  }
  if (kept.size() < 2) return out;
  out.ranking = rank_suite(e, kept, out.datasets, near_chance);
  out.ranking->score_runs = runs;
  return out;
}

}  // namespace nnfit
