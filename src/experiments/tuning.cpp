// Per-arm tuning (nnfit/experiments/tuning.hpp).
#include "nnfit/experiments/tuning.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "nnfit/config.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

TuneSpec read_tune_spec(const json& spec, const std::string& path, Diagnostics& diag) {
  TuneSpec t;
  SpecReader r(spec, path, diag);
  t.key = r.string("key", t.key);
  const json* range = r.raw("log_range");
  const json* values = r.raw("values");
  const auto points = r.integer("points", 9, 2, 100);
  if ((range == nullptr) == (values == nullptr)) {
    diag.error(path, "give \"log_range\": [low, high] (with \"points\") or \"values\": [...]");
  } else if (range) {
    if (!range->is_array() || range->size() != 2 || !(*range)[0].is_number() ||
        !(*range)[1].is_number() || !((*range)[0].get<double>() > 0) ||
        !((*range)[1].get<double>() > (*range)[0].get<double>()))
      diag.error(r.path_of("log_range"), "expected [low, high] with 0 < low < high");
    else
      for (long long i = 0; i < points; ++i) {
        const double lo = std::log10((*range)[0].get<double>()),
                     hi = std::log10((*range)[1].get<double>());
        t.values.push_back(std::pow(
            10.0, lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(points - 1)));
      }
  } else if (!values->is_array() || values->size() < 2 ||
             !std::all_of(values->begin(), values->end(),
                          [](const json& v) { return v.is_number(); })) {
    diag.error(r.path_of("values"), "expected at least two numbers");
  } else {
    t.values = values->get<std::vector<double>>();
    std::sort(t.values.begin(), t.values.end());
  }
  if (const json* select = r.raw("select")) {
    SpecReader s(*select, r.path_of("select"), diag);
    std::vector<std::string> validation;
    for (const auto& m : metric_names())
      if (m.rfind("val_", 0) == 0) validation.push_back(m);
    t.metric = s.choice("metric", t.metric, validation);
    t.at_best = s.choice("at", "best", {"best", "final"}) == "best";
    s.finish();
  }
  t.seeds = static_cast<int>(r.integer("seeds", t.seeds, 1, 100));
  t.successive_halving = r.choice("method", "successive_halving", {"successive_halving", "grid"}) ==
                         "successive_halving";
  t.eta = static_cast<int>(r.integer("eta", t.eta, 2, 10));
  if (const json* extend = r.raw("extend")) {
    if (extend->is_boolean())
      t.extend = extend->get<bool>() ? kDefaultExtensions : 0;
    else if (extend->is_number_integer() && extend->get<long long>() >= 0 &&
             extend->get<long long>() <= 10)
      t.extend = extend->get<int>();
    else
      diag.error(r.path_of("extend"), "expected true, false or a number of points from 0 to 10");
  }
  if (r.has("fixed")) t.fixed = r.number("fixed", 0.0);
  r.finish();
  return t;
}

double selection_value(const std::vector<EpochRecord>& epochs, const TuneSpec& tune) {
  const std::string measure = tune.metric.substr(4);  // "val_loss" -> "loss"
  double chosen = std::numeric_limits<double>::quiet_NaN();
  const bool lower = lower_is_better(tune.metric);
  for (const auto& e : epochs) {
    if (e.validation.samples == 0) continue;
    const Metrics& v = e.validation;  // the validation split only
    const std::optional<double> value = measure == "loss"                ? std::optional(v.loss)
                                        : measure == "accuracy"          ? v.accuracy
                                        : measure == "balanced_accuracy" ? v.balanced_accuracy
                                        : measure == "rmse"              ? v.rmse
                                                                         : v.r2;
    if (!value || !std::isfinite(*value)) continue;
    const double signed_value = lower ? *value : -*value;  // lower is better from here on
    if (!tune.at_best || std::isnan(chosen) || signed_value < chosen) chosen = signed_value;
  }
  return chosen;
}

Halving::Halving(const TuneSpec& tune, std::int64_t steps) : eta_(tune.eta), steps_(steps) {
  if (tune.values.empty() || tune.eta < 2 || steps < 1)
    throw ConfigError("tune: needs at least one value, eta >= 2 and a budget of a step or more");
  alive_.resize(tune.values.size());
  std::iota(alive_.begin(), alive_.end(), 0);
  // Enough rungs that the last has one point; the budget grows by eta per rung and the last
  // rung trains for the full budget. At most as many rungs as keep the first at >= 1 step:
  // beyond that two rungs would have the same budget (the last then keeps the best of more).
  if (tune.successive_halving)
    for (std::size_t n = alive_.size(); n > 1; n = (n + eta_ - 1) / eta_) ++rungs_;
  while (rungs_ > 1 && std::pow(static_cast<double>(eta_), rungs_ - 1) > static_cast<double>(steps))
    --rungs_;
}

Rung Halving::rung() const {
  std::int64_t budget = steps_;
  for (int k = next_; k < rungs_ - 1; ++k) budget /= eta_;  // floor(steps / eta^(R-1-next))
  return {alive_, budget};
}

void Halving::report(const std::vector<double>& values) {
  if (done() || values.size() != alive_.size())
    throw ConfigError("tune: a rung reported " + std::to_string(values.size()) + " values for " +
                      std::to_string(alive_.size()) + " points");
  history_.push_back(rung());
  values_.push_back(values);
  // Rank: NaN (diverged) last, ties to the smaller value of the key (listed first).
  std::vector<std::size_t> order(alive_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const bool na = std::isnan(values[a]), nb = std::isnan(values[b]);
    if (na != nb) return nb;
    return !na && values[a] < values[b];
  });
  ++next_;
  const std::size_t keep = done() ? 1 : std::max<std::size_t>(1, (alive_.size() + eta_ - 1) / eta_);
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < keep && i < order.size(); ++i) kept.push_back(alive_[order[i]]);
  if (!done()) std::sort(kept.begin(), kept.end());
  alive_ = kept;
}

}  // namespace nnfit
