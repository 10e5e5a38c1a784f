// summary.json's form of a comparison's Summary (nnfit/experiments/summary.hpp) and of a
// suite's SuiteSummary (nnfit/experiments/suite.hpp): to_json writes it, from_json reads it back.
// Absent values (a relative difference without a baseline level, a tuning point where every run
// diverged, a NaN) are null.
#include <cmath>

#include "nnfit/experiments/suite.hpp"
#include "nnfit/experiments/summary.hpp"

namespace nnfit {

namespace {

json optional_number(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? json(*v) : json();
}

std::optional<double> read_optional(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<double>();
}

// A number that NaN wrote as null reads back as NaN.
double read_number(const json& j, const char* key) {
  const json& v = j.at(key);
  return v.is_null() ? std::nan("") : v.get<double>();
}

json estimate_json(const Estimate& e) {
  return {{"n", e.n}, {"mean", e.mean}, {"sd", e.sd}, {"ci_low", e.ci_low}, {"ci_high", e.ci_high}};
}

Estimate read_estimate(const json& j) {
  return {j.at("n").get<int>(), read_number(j, "mean"), read_number(j, "sd"),
          read_number(j, "ci_low"), read_number(j, "ci_high")};
}

json layers_json(const std::vector<LayerStatistics>& layers) {
  json out = json::array();
  for (const auto& l : layers)
    out.push_back({{"depth", l.depth},
                   {"post_mean", estimate_json(l.post_mean)},
                   {"post_var", estimate_json(l.post_var)},
                   {"pre_var", estimate_json(l.pre_var)},
                   {"dead", estimate_json(l.dead)}});
  return out;
}

std::vector<LayerStatistics> read_layers(const json& j) {
  std::vector<LayerStatistics> out;
  for (const auto& l : j)
    out.push_back({l.at("depth").get<int>(), read_estimate(l.at("post_mean")),
                   read_estimate(l.at("post_var")), read_estimate(l.at("pre_var")),
                   read_estimate(l.at("dead"))});
  return out;
}

json target_json(const TargetSummary& t) {
  return {{"runs", t.runs},
          {"reached", t.reached},
          {"tau", t.tau},
          {"restricted_mean", t.restricted_mean},
          {"restricted_mean_se", t.restricted_mean_se},
          {"restricted_mean_ci", t.restricted_mean_ci},
          {"kaplan_meier", t.kaplan_meier}};
}

TargetSummary read_target(const json& j) {
  TargetSummary t;
  t.runs = j.at("runs").get<int>();
  t.reached = j.at("reached").get<int>();
  t.tau = read_number(j, "tau");
  t.restricted_mean = read_number(j, "restricted_mean");
  t.restricted_mean_se = read_number(j, "restricted_mean_se");
  t.restricted_mean_ci = j.at("restricted_mean_ci").get<std::array<double, 2>>();
  t.kaplan_meier = j.at("kaplan_meier").get<std::vector<std::array<double, 2>>>();
  return t;
}

json arm_json(const ArmSummary& a) {
  json j = {{"name", a.name},
            {"description", a.description},
            {"runs", a.runs},
            {"finished", a.finished},
            {"diverged", a.diverged},
            {"failed", a.failed},
            {"dead_layer_at_init", a.dead_layer_at_init},
            {"measures", json::object()},
            {"rank_scores", json::object()},
            {"layers_at_init", layers_json(a.layers_at_init)},
            {"layers_final", layers_json(a.layers_final)}};
  if (a.target) {
    j["target"] = target_json(*a.target);
    j["reached_target"] = a.target->reached;
  }
  for (const auto& [k, e] : a.measures) j["measures"][k] = estimate_json(e);
  for (const auto& [k, r] : a.rank_scores) {
    json& score = j["rank_scores"][k];
    score = {{"mean", r.mean}, {"n", r.n}, {"diverged", r.diverged}};
    // Written when known, so that summaries from before they were kept read back unchanged.
    if (r.sd != 0) score["sd"] = r.sd;
    if (r.chance != 0) score["chance"] = r.chance;
  }
  if (a.step_cost) j["step_cost"] = *a.step_cost;
  return j;
}

ArmSummary read_arm(const json& j) {
  ArmSummary a;
  a.name = j.at("name").get<std::string>();
  a.description = j.at("description").get<std::string>();
  a.runs = j.at("runs").get<int>();
  a.finished = j.at("finished").get<int>();
  a.diverged = j.at("diverged").get<int>();
  a.failed = j.at("failed").get<int>();
  a.dead_layer_at_init = j.at("dead_layer_at_init").get<int>();
  if (j.contains("target")) a.target = read_target(j.at("target"));
  for (const auto& [k, e] : j.at("measures").items()) a.measures[k] = read_estimate(e);
  for (const auto& [k, r] : j.at("rank_scores").items())
    a.rank_scores[k] = {read_number(r, "mean"), r.at("n").get<std::size_t>(),
                        r.at("diverged").get<int>(), r.contains("sd") ? read_number(r, "sd") : 0,
                        r.contains("chance") ? read_number(r, "chance") : 0};
  a.layers_at_init = read_layers(j.at("layers_at_init"));
  a.layers_final = read_layers(j.at("layers_final"));
  if (j.contains("step_cost")) a.step_cost = j.at("step_cost").get<StepCost>();
  return a;
}

json bound_json(Bound b) {
  return b == Bound::at_least ? json("at least") : b == Bound::at_most ? json("at most") : json();
}

Bound read_bound(const json& j) {
  if (j.is_null()) return Bound::none;
  const std::string text = j.get<std::string>();
  if (text == "at least") return Bound::at_least;
  if (text == "at most") return Bound::at_most;
  throw json::type_error::create(302, "a bound is \"at least\", \"at most\" or null", &j);
}

void add_times_json(json& j, const Comparison::Times& t) {
  j["faster"] = t.faster;
  j["slower"] = t.slower;
  j["undetermined"] = t.undetermined;
  j["reached"] = t.reached;
  j["baseline_reached"] = t.baseline_reached;
  j["difference_bound"] = bound_json(t.difference_bound);
  j["interval"] = t.interval ? json(*t.interval) : json();
  j["interval_bounds"] = {bound_json(t.interval_bounds[0]), bound_json(t.interval_bounds[1])};
  j["interval_coverage"] = t.interval_coverage;
  j["identical"] = t.identical;
  j["restricted_mean_difference"] = t.restricted_mean_difference;
  j["log_rank_p"] = t.log_rank_p;
}

Comparison::Times read_times(const json& j) {
  Comparison::Times t;
  t.faster = j.at("faster").get<int>();
  t.slower = j.at("slower").get<int>();
  t.undetermined = j.at("undetermined").get<int>();
  t.reached = j.at("reached").get<int>();
  t.baseline_reached = j.at("baseline_reached").get<int>();
  t.difference_bound = read_bound(j.at("difference_bound"));
  if (!j.at("interval").is_null()) t.interval = j.at("interval").get<std::array<double, 2>>();
  t.interval_bounds = {read_bound(j.at("interval_bounds").at(0)),
                       read_bound(j.at("interval_bounds").at(1))};
  t.interval_coverage = read_number(j, "interval_coverage");
  t.identical = j.at("identical").get<bool>();
  t.restricted_mean_difference = read_number(j, "restricted_mean_difference");
  t.log_rank_p = read_number(j, "log_rank_p");
  return t;
}

json speedup_json(const Comparison::Speedup& s) {
  json profile = json::array();
  for (const auto& p : s.profile)
    profile.push_back({{"level", p.level},
                       {"median", p.median},
                       {"low", p.low},
                       {"high", p.high},
                       {"seeds", p.seeds}});
  return {{"interval", s.interval ? json(*s.interval) : json()},
          {"per_seed", s.per_seed},
          {"pairs", s.pairs},
          {"arm_coverage", s.arm_coverage},
          {"baseline_coverage", s.baseline_coverage},
          {"detectable", optional_number(s.detectable)},
          {"cost_ratio", optional_number(s.cost_ratio)},
          {"profile", profile}};
}

Comparison::Speedup read_speedup(const json& j) {
  Comparison::Speedup s;
  if (!j.at("interval").is_null()) s.interval = j.at("interval").get<std::array<double, 2>>();
  s.per_seed = j.at("per_seed").get<std::vector<double>>();
  s.pairs = j.at("pairs").get<int>();
  s.arm_coverage = read_number(j, "arm_coverage");
  s.baseline_coverage = read_number(j, "baseline_coverage");
  s.detectable = read_optional(j, "detectable");
  s.cost_ratio = read_optional(j, "cost_ratio");
  for (const auto& p : j.at("profile"))
    s.profile.push_back({read_number(p, "level"), read_number(p, "median"), read_number(p, "low"),
                         read_number(p, "high"), p.at("seeds").get<int>()});
  return s;
}

json comparison_json(const Comparison& c) {
  json j = {{"arm", c.arm},
            {"baseline", c.baseline},
            {"measure", c.measure},
            {"n", c.n},
            {"difference", c.difference},
            {"relative", optional_number(c.relative)},
            {"p", c.p},
            {"p_adjusted", c.p_adjusted},
            {"lower_is_better", c.lower_is_better},
            {"headline", c.headline},
            {"verdict", c.verdict}};
  if (c.continuous) {
    j["sd"] = c.continuous->sd;
    j["t_interval"] = c.continuous->t_interval;
    j["detectable"] = optional_number(c.continuous->detectable);
  }
  if (c.times) add_times_json(j, *c.times);
  if (c.speedup) j["speedup"] = speedup_json(*c.speedup);
  return j;
}

Comparison read_comparison(const json& j) {
  Comparison c;
  c.arm = j.at("arm").get<std::string>();
  c.baseline = j.at("baseline").get<std::string>();
  c.measure = j.at("measure").get<std::string>();
  c.n = j.at("n").get<int>();
  c.difference = read_number(j, "difference");
  c.relative = read_optional(j, "relative");
  c.p = read_number(j, "p");
  c.p_adjusted = read_number(j, "p_adjusted");
  c.lower_is_better = j.at("lower_is_better").get<bool>();
  c.headline = j.at("headline").get<bool>();
  c.verdict = j.at("verdict").get<std::string>();
  if (j.contains("t_interval"))
    c.continuous = Comparison::Continuous{read_number(j, "sd"),
                                          j.at("t_interval").get<std::array<double, 2>>(),
                                          read_optional(j, "detectable")};
  if (j.contains("faster")) c.times = read_times(j);
  if (j.contains("speedup")) c.speedup = read_speedup(j.at("speedup"));
  return c;
}

json point_json(const TuningPoint& p) {
  return {
      {"value", p.value}, {"selection", optional_number(p.selection)}, {"diverged", p.diverged}};
}

TuningPoint read_point(const json& j) {
  return {j.at("value").get<double>(), read_optional(j, "selection"), j.at("diverged").get<int>()};
}

json arm_tuning_json(const ArmTuningSummary& a) {
  json rungs = json::array(), extended = json::array(), removed = json::array();
  for (const auto& r : a.rungs) {
    json points = json::array();
    for (const auto& p : r.points) points.push_back(point_json(p));
    rungs.push_back({{"steps", r.steps}, {"points", points}});
  }
  for (const auto& p : a.extended) extended.push_back(point_json(p));
  for (const auto& x : a.removed_by_divergence)
    removed.push_back({{"value", x.value},
                       {"rung", x.rung},
                       {"finished_mean", x.finished_mean},
                       {"diverged", x.diverged}});
  return {{"arm", a.arm},   {"chosen", a.chosen},   {"on_edge", a.on_edge},
          {"rungs", rungs}, {"extended", extended}, {"removed_by_divergence", removed}};
}

ArmTuningSummary read_arm_tuning(const json& j) {
  ArmTuningSummary a;
  a.arm = j.at("arm").get<std::string>();
  a.chosen = j.at("chosen").get<double>();
  a.on_edge = j.at("on_edge").get<bool>();
  for (const auto& r : j.at("rungs")) {
    TuningRung rung{r.at("steps").get<std::int64_t>(), {}};
    for (const auto& p : r.at("points")) rung.points.push_back(read_point(p));
    a.rungs.push_back(std::move(rung));
  }
  for (const auto& p : j.at("extended")) a.extended.push_back(read_point(p));
  for (const auto& x : j.at("removed_by_divergence"))
    a.removed_by_divergence.push_back({x.at("value").get<double>(), read_number(x, "finished_mean"),
                                       x.at("rung").get<int>(), x.at("diverged").get<int>()});
  return a;
}

json tuning_json(const TuningSummary& t) {
  json arms = json::array();
  for (const auto& a : t.arms) arms.push_back(arm_tuning_json(a));
  return {{"key", t.key},       {"values", t.values}, {"metric", t.metric},
          {"at", t.at},         {"method", t.method}, {"eta", t.eta},
          {"extend", t.extend}, {"seeds", t.seeds},   {"arms", arms}};
}

TuningSummary read_tuning(const json& j) {
  TuningSummary t;
  t.key = j.at("key").get<std::string>();
  t.values = j.at("values").get<std::vector<double>>();
  t.metric = j.at("metric").get<std::string>();
  t.at = j.at("at").get<std::string>();
  t.method = j.at("method").get<std::string>();
  t.eta = j.at("eta").get<int>();
  t.extend = j.at("extend").get<int>();
  t.seeds = j.at("seeds").get<std::vector<std::uint64_t>>();
  for (const auto& a : j.at("arms")) t.arms.push_back(read_arm_tuning(a));
  return t;
}

json arms_json(const std::vector<ArmSummary>& arms) {
  json out = json::array();
  for (const auto& a : arms) out.push_back(arm_json(a));
  return out;
}

json comparisons_json(const std::vector<Comparison>& comparisons) {
  json out = json::array();
  for (const auto& c : comparisons) out.push_back(comparison_json(c));
  return out;
}

std::vector<ArmSummary> read_arms(const json& j) {
  std::vector<ArmSummary> out;
  for (const auto& a : j) out.push_back(read_arm(a));
  return out;
}

std::vector<Comparison> read_comparisons(const json& j) {
  std::vector<Comparison> out;
  for (const auto& c : j) out.push_back(read_comparison(c));
  return out;
}

json rank_comparison_json(const RankComparison& c) {
  const auto& w = c.wilcoxon;
  return {{"arm", c.arm},
          {"rank_difference", c.rank_difference},
          {"z", c.z},
          {"p", c.p},
          {"p_adjusted", c.p_adjusted},
          {"verdict", c.verdict},
          {"wilcoxon",
           {{"n", w.n},
            {"r_plus", w.r_plus},
            {"r_minus", w.r_minus},
            {"p", w.p},
            {"p_adjusted", w.p_adjusted},
            {"exact", w.exact}}}};
}

RankComparison read_rank_comparison(const json& j) {
  const json& w = j.at("wilcoxon");
  return {j.at("arm").get<std::string>(),
          read_number(j, "rank_difference"),
          read_number(j, "z"),
          read_number(j, "p"),
          read_number(j, "p_adjusted"),
          j.at("verdict").get<std::string>(),
          {w.at("n").get<int>(), read_number(w, "r_plus"), read_number(w, "r_minus"),
           read_number(w, "p"), read_number(w, "p_adjusted"), w.at("exact").get<bool>()}};
}

void add_ranking_json(json& j, const SuiteRanking& r) {
  json runs = json::array(), against = json::array(), pairs = json::array();
  for (const auto& row : r.score_runs) {
    json cells = json::array();
    for (const auto& c : row) cells.push_back({{"n", c.n}, {"diverged", c.diverged}});
    runs.push_back(cells);
  }
  for (const auto& c : r.against_baseline) against.push_back(rank_comparison_json(c));
  for (const auto& c : r.pairs)
    pairs.push_back({{"arm", c.arm},
                     {"other", c.other},
                     {"r_plus", c.r_plus},
                     {"r_minus", c.r_minus},
                     {"n", c.n},
                     {"p", c.p},
                     {"p_adjusted", c.p_adjusted}});
  const Friedman& f = r.friedman;
  j["scores"] = r.scores;  // NaN (no score) is written as null
  j["score_runs"] = runs;
  j["non_discriminating"] = r.non_discriminating;
  j["ranks"] = r.ranks;
  j["average_ranks"] = r.average_ranks;
  j["friedman"] = {{"chi2", f.chi2},
                   {"chi2_p", f.chi2_p},
                   {"iman_davenport", f.iman_davenport},
                   {"iman_davenport_p", f.iman_davenport_p},
                   {"df1", f.df1},
                   {"df2", f.df2}};
  j["critical_difference"] = r.critical_difference;
  j["rank_standard_error"] = r.rank_standard_error;
  if (r.power) {
    json& p = j["power"];
    p = {{"detectable_first_step", r.power->detectable_first_step},
         {"detectable_last_step", r.power->detectable_last_step}};
    if (r.power->reported_rank_difference)
      p.update({{"reported_rank_difference", *r.power->reported_rank_difference},
                {"power_first_step", r.power->power_first_step},
                {"power_unadjusted", r.power->power_unadjusted}});
  }
  j["against_baseline"] = against;
  j["pairs"] = pairs;
  j["claimed_order"] = r.claimed_order;
}

SuiteRanking read_ranking(const json& j) {
  SuiteRanking r;
  for (const auto& row : j.at("scores")) {
    std::vector<double> values;
    for (const auto& v : row) values.push_back(v.is_null() ? std::nan("") : v.get<double>());
    r.scores.push_back(values);
  }
  for (const auto& row : j.value("score_runs", json::array())) {
    std::vector<ScoreRuns> cells;
    for (const auto& c : row)
      cells.push_back({c.at("n").get<std::size_t>(), c.at("diverged").get<int>()});
    r.score_runs.push_back(cells);
  }
  r.non_discriminating = j.value("non_discriminating", std::vector<std::string>{});
  r.ranks = j.at("ranks").get<std::vector<std::vector<double>>>();
  r.average_ranks = j.at("average_ranks").get<std::vector<double>>();
  const json& f = j.at("friedman");
  r.friedman = {read_number(f, "chi2"),           read_number(f, "chi2_p"),
                read_number(f, "iman_davenport"), read_number(f, "iman_davenport_p"),
                f.at("df1").get<int>(),           f.at("df2").get<int>()};
  r.critical_difference = read_number(j, "critical_difference");
  r.rank_standard_error = read_number(j, "rank_standard_error");
  if (j.contains("power")) {
    const json& p = j.at("power");
    SuitePower power;
    power.detectable_first_step = read_number(p, "detectable_first_step");
    power.detectable_last_step = read_number(p, "detectable_last_step");
    if (p.contains("reported_rank_difference")) {
      power.reported_rank_difference = read_number(p, "reported_rank_difference");
      power.power_first_step = read_number(p, "power_first_step");
      power.power_unadjusted = read_number(p, "power_unadjusted");
    }
    r.power = power;
  }
  for (const auto& c : j.at("against_baseline"))
    r.against_baseline.push_back(read_rank_comparison(c));
  for (const auto& c : j.at("pairs"))
    r.pairs.push_back({c.at("arm").get<std::string>(), c.at("other").get<std::string>(),
                       read_number(c, "r_plus"), read_number(c, "r_minus"), c.at("n").get<int>(),
                       read_number(c, "p"), read_number(c, "p_adjusted")});
  r.claimed_order = j.value("claimed_order", std::vector<std::string>{});
  return r;
}

}  // namespace

void to_json(json& j, const Provenance& p) {
  j = {{"command", p.command},
       {"machine", p.machine},
       {"nnfit_version", p.nnfit_version},
       {"compiler_flags", p.compiler_flags},
       {"matrix_products", p.matrix_products},
       {"date", p.date}};
}

void from_json(const json& j, Provenance& p) {
  p = {j.at("command").get<std::string>(),         j.at("machine").get<std::string>(),
       j.at("nnfit_version").get<std::string>(),   j.at("compiler_flags").get<std::string>(),
       j.at("matrix_products").get<std::string>(), j.at("date").get<std::string>()};
}

void to_json(json& j, const StepCost& c) {
  j = {{"median_us", c.median_us},
       {"low_us", c.low_us},
       {"high_us", c.high_us},
       {"repeats", c.repeats},
       {"steps", c.steps}};
}

void from_json(const json& j, StepCost& c) {
  c = {read_number(j, "median_us"), read_number(j, "low_us"), read_number(j, "high_us"),
       j.at("repeats").get<int>(), j.at("steps").get<std::int64_t>()};
}

void to_json(json& j, const Summary& s) {
  j = {{"experiment", s.experiment},
       {"claim", s.claim},
       {"source", s.source},
       {"seeds", s.seeds},
       {"baseline", s.baseline},
       {"target",
        s.target ? json{{"metric", s.target->metric}, {"value", s.target->value}} : json()},
       {"speed_measure", s.speed_measure ? json(*s.speed_measure) : json()},
       {"initialization_only", s.initialization_only},
       {"log_every_steps", s.log_every_steps},
       {"eval_every_steps", s.eval_every_steps},
       {"alpha", s.alpha},
       {"primary", s.primary},
       {"arms", arms_json(s.arms)},
       {"comparisons", comparisons_json(s.comparisons)}};
  if (!s.speedup_curve.empty()) j["speedup_curve"] = s.speedup_curve;
  if (!s.step_timing.empty()) j["step_timing"] = s.step_timing;
  if (s.tuning) j["tuning"] = tuning_json(*s.tuning);
  if (s.fixed)
    j["fixed"] = {{"key", s.fixed->key},
                  {"value", s.fixed->value},
                  {"arms", arms_json(s.fixed->arms)},
                  {"comparisons", comparisons_json(s.fixed->comparisons)}};
  if (s.provenance) j.update(json(*s.provenance));
}

void from_json(const json& j, Summary& s) {
  s = Summary{};
  s.experiment = j.at("experiment").get<std::string>();
  s.claim = j.at("claim").get<std::string>();
  s.source = j.at("source").get<std::string>();
  s.seeds = j.at("seeds").get<std::vector<std::uint64_t>>();
  s.baseline = j.at("baseline").get<std::string>();
  if (const json& t = j.at("target"); !t.is_null())
    s.target = StopAt{t.at("metric").get<std::string>(), t.at("value").get<double>(), false};
  if (!j.at("speed_measure").is_null()) s.speed_measure = j.at("speed_measure").get<std::string>();
  s.initialization_only = j.at("initialization_only").get<bool>();
  s.log_every_steps = j.at("log_every_steps").get<int>();
  s.eval_every_steps = j.at("eval_every_steps").get<int>();
  s.alpha = j.at("alpha").get<double>();
  s.speedup_curve = j.value("speedup_curve", std::string());
  s.step_timing = j.value("step_timing", std::string());
  s.primary = j.at("primary").get<std::vector<std::string>>();
  s.arms = read_arms(j.at("arms"));
  s.comparisons = read_comparisons(j.at("comparisons"));
  if (j.contains("tuning")) s.tuning = read_tuning(j.at("tuning"));
  if (j.contains("fixed")) {
    const json& f = j.at("fixed");
    s.fixed = FixedSummary{f.at("key").get<std::string>(), f.at("value").get<double>(),
                           read_arms(f.at("arms")), read_comparisons(f.at("comparisons"))};
  }
  if (j.contains("command")) s.provenance = j.get<Provenance>();
}

void to_json(json& j, const SuiteSummary& s) {
  j = {{"experiment", s.experiment}, {"claim", s.claim},       {"source", s.source},
       {"rank_by", s.rank_by},       {"arms", s.arms},         {"baseline", s.baseline},
       {"datasets", s.datasets},     {"left_out", s.left_out}, {"alpha", s.alpha}};
  if (s.ranking) add_ranking_json(j, *s.ranking);
  if (s.provenance) j.update(json(*s.provenance));
}

void from_json(const json& j, SuiteSummary& s) {
  s = SuiteSummary{};
  s.experiment = j.at("experiment").get<std::string>();
  s.claim = j.at("claim").get<std::string>();
  s.source = j.at("source").get<std::string>();
  s.rank_by = j.at("rank_by").get<std::string>();
  s.baseline = j.at("baseline").get<std::string>();
  s.arms = j.at("arms").get<std::vector<std::string>>();
  s.datasets = j.at("datasets").get<std::vector<std::string>>();
  s.left_out = j.at("left_out").get<std::vector<std::string>>();
  s.alpha = j.at("alpha").get<double>();
  if (j.contains("average_ranks")) s.ranking = read_ranking(j);
  if (j.contains("command")) s.provenance = j.get<Provenance>();
}

}  // namespace nnfit
