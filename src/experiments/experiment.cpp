// Experiment files and the arms' run configs (nnfit/experiments/experiment.hpp).
#include "nnfit/experiments/experiment.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

namespace fs = std::filesystem;

bool is_activation_layer(const json& layer) {
  if (!layer.is_object()) return false;
  const auto type = spec_type(layer);
  const auto names = activation_arm_names();
  return std::find(names.begin(), names.end(), type) != names.end();
}

bool is_dense(const json& layer) {
  return layer.is_object() && spec_type(layer) == "dense";
}

// The activation spec as a layer spec: "elu" -> {"type": "elu"}.
json as_layer(const json& activation) {
  return activation.is_string() ? json{{"type", activation}} : activation;
}

std::string activation_label(const json& activation) {
  if (activation.is_string()) return activation.get<std::string>();
  std::string label = spec_type(activation);
  if (label.empty()) label = "?";
  for (const auto& [key, value] : activation.items())
    if (key != "type") label += " " + key + "=" + brief_json(value);
  return label;
}

// The first hidden activation of a layer list, or null.
json hidden_activation(const json& layers) {
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
    if (is_dense(layers[i]) && layers[i].contains("activation")) return layers[i]["activation"];
    if (is_activation_layer(layers[i])) return layers[i];
  }
  return nullptr;
}

// Applies an arm's (or the experiment's) structural keys to model.layers.
void shape_layers(json& config, const json& hidden, const json& activation, const json& init,
                  const json& bias_init, const std::string& where, Diagnostics& diag) {
  if (!config.contains("model") || !config["model"].is_object() ||
      !config["model"].contains("layers") || !config["model"]["layers"].is_array() ||
      config["model"]["layers"].empty()) {
    diag.error(where, "the base config has no model.layers to vary");
    return;
  }
  json& layers = config["model"]["layers"];
  if (!hidden.is_null()) {
    // {"layers": N, "units": M}: N dense layers of M units with the hidden activation, then the
    // base's output layer.
    const json act = activation.is_null() ? hidden_activation(layers) : activation;
    if (act.is_null()) {
      diag.error(where + ".hidden",
                 "the base config has no hidden activation to repeat; set \"activation\"");
      return;
    }
    json rebuilt = json::array();
    json dense = {{"type", "dense"}, {"units", hidden["units"]}, {"activation", act}};
    for (int i = 0; i < hidden["layers"].get<int>(); ++i) rebuilt.push_back(dense);
    rebuilt.push_back(layers.back());
    layers = rebuilt;
  } else if (!activation.is_null()) {
    bool replaced = false;
    for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
      if (is_dense(layers[i]) && layers[i].contains("activation")) {
        layers[i]["activation"] = activation;
        replaced = true;
      } else if (is_activation_layer(layers[i])) {
        layers[i] = as_layer(activation);
        replaced = true;
      }
    }
    if (!replaced)
      diag.error(where + ".activation",
                 "the base config's hidden layers have no activation to replace");
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (!is_dense(layers[i])) continue;
    if (!init.is_null()) layers[i]["init"] = init;
    if (!bias_init.is_null() && i + 1 < layers.size()) layers[i]["bias_init"] = bias_init;
  }
}

void apply_sets(json& config, const json& sets, const std::string& where, Diagnostics& diag) {
  if (sets.is_null()) return;
  if (!sets.is_object()) {
    diag.error(where, "expected an object of \"path\": value, e.g. {\"optimizer.lr\": 0.1}");
    return;
  }
  for (const auto& [path, value] : sets.items()) {
    try {
      apply_override(config, path + "=" + value.dump());
    } catch (const ConfigError& e) {
      diag.error(json_path(where, path), e.what());
    }
  }
}

struct Shape {
  json hidden, activation, init, bias_init;
};

// Reads the structural keys shared by experiments and arms.
Shape read_shape(SpecReader& r) {
  Shape s;
  auto& diag = r.diagnostics();
  if (const json* a = r.raw("activation"); a && !a->is_string() && !a->is_object()) {
    diag.error(r.path_of("activation"),
               "expected an activation name or {\"type\": name, ...}; found " + brief_json(*a));
  } else if (a) {
    const std::string name = spec_type(*a);
    const std::vector<std::string> names = activation_arm_names();
    if (std::find(names.begin(), names.end(), name) == names.end())
      diag.error(r.path_of("activation"), unknown_name_message("activation", name, names));
    else
      s.activation = *a;
  }
  if (const json* i = r.raw("init")) {
    std::vector<std::string> names = registry().initializers.names();
    names.push_back("auto");
    const std::string name = i->is_string() ? i->get<std::string>() : brief_json(*i);
    if (std::find(names.begin(), names.end(), name) == names.end())
      diag.error(r.path_of("init"), unknown_name_message("initializer", name, names));
    else
      s.init = *i;
  }
  if (const json* b = r.raw("bias_init")) s.bias_init = *b;  // checked by the dense layer
  if (const json* h = r.raw("hidden")) {
    SpecReader hr(*h, r.path_of("hidden"), diag);
    if (!hr.has("layers") || !hr.has("units"))
      diag.error(hr.path(), "needs \"layers\" and \"units\", e.g. {\"layers\": 8, \"units\": 128}");
    const auto layers = hr.integer("layers", 1, 1, 10000);
    const auto units = hr.integer("units", 1, 1, 1 << 20);
    hr.finish();
    s.hidden = {{"layers", layers}, {"units", units}};
  }
  return s;
}

Shape merge(const Shape& outer, const Shape& inner) {
  Shape s = outer;
  if (!inner.hidden.is_null()) s.hidden = inner.hidden;
  if (!inner.activation.is_null()) s.activation = inner.activation;
  if (!inner.init.is_null()) s.init = inner.init;
  if (!inner.bias_init.is_null()) s.bias_init = inner.bias_init;
  return s;
}

std::string describe_arm(const json& config) {
  // "elu, init he_normal, 8 x 128" from the arm's layers.
  if (!config["model"].is_object() || !config["model"].contains("layers") ||
      !config["model"]["layers"].is_array())
    return "";  // the arm's config check reports it
  const json& layers = config["model"]["layers"];
  const json act = hidden_activation(layers);
  std::string init;
  int hidden = 0;
  std::set<long long> widths;
  for (std::size_t i = 0; i + 1 < layers.size(); ++i)
    if (is_dense(layers[i])) {
      ++hidden;
      widths.insert(layers[i].value("units", 0LL));
      if (init.empty()) init = layers[i].value("init", std::string("auto"));
    }
  std::string text = act.is_null() ? "linear" : activation_label(act);
  if (init == "auto" && !act.is_null()) {
    try {
      init = "auto (" + make_activation(act)->recommended_init() + ")";
    } catch (const ConfigError&) {
      // A layer rather than an activation (prelu): its own checks report any problem.
    }
  }
  text += ", init " + init;
  if (widths.size() == 1)
    text += ", " + std::to_string(hidden) + " x " + std::to_string(*widths.begin());
  return text;
}

// One rule for every way of giving seeds (an experiment file, --seeds, a smoke section): a
// count from 1 to kMaxSeeds (seeds 1..n), or a list of at most kMaxSeeds distinct integers from
// 0 to 2^64 - 1. A repeated seed would train the same run twice and count it as two
// independent samples.
std::vector<std::uint64_t> read_seeds(const json& seeds, const std::string& where,
                                      Diagnostics& diag) {
  std::vector<std::uint64_t> out;
  if (seeds.is_number_integer() && seeds.get<long long>() >= 1 &&
      seeds.get<long long>() <= kMaxSeeds)
    return first_seeds(seeds.get<int>());
  if (seeds.is_array() && !seeds.empty()) {
    if (seeds.size() > static_cast<std::size_t>(kMaxSeeds)) {
      diag.error(where, "a list of " + std::to_string(seeds.size()) + " seeds; at most " +
                            std::to_string(kMaxSeeds));
      return {};
    }
    std::set<std::uint64_t> seen;
    for (const auto& s : seeds) {
      if (!s.is_number_unsigned() && !(s.is_number_integer() && s.get<long long>() >= 0)) {
        diag.error(where,
                   "seeds must be integers from 0 to 18446744073709551615; found " + brief_json(s));
        return {};
      }
      if (!seen.insert(s.get<std::uint64_t>()).second) {
        diag.error(where, "seed " + brief_json(s) +
                              " is listed twice (a repeated seed is the same run, not another "
                              "sample)");
        return {};
      }
      out.push_back(s.get<std::uint64_t>());
    }
    return out;
  }
  diag.error(where, "expected a number of seeds (1 to " + std::to_string(kMaxSeeds) +
                        ") or a list of seeds; found " + brief_json(seeds));
  return {};
}

// "primary": a list of distinct measure names.
std::vector<std::string> read_primary(const json& list, Diagnostics& diag) {
  std::vector<std::string> out;
  if (!list.is_array() || list.empty()) {
    diag.error("primary", "expected a non-empty list of measures, e.g. [\"steps_to_target\"]");
    return out;
  }
  for (const auto& m : list) {
    const auto& names = measure_names();
    if (!m.is_string() ||
        std::find(names.begin(), names.end(), m.get<std::string>()) == names.end())
      diag.error("primary", m.is_string()
                                ? unknown_name_message("measure", m.get<std::string>(), names)
                                : "expected measure names, found " + brief_json(m));
    else if (std::find(out.begin(), out.end(), m.get<std::string>()) != out.end())
      diag.error("primary", "'" + m.get<std::string>() + "' is listed twice");
    else
      out.push_back(m.get<std::string>());
  }
  return out;
}

// At most kMaxRuns evaluation runs (planning holds each run's config).
void check_run_count(const Experiment& e, Diagnostics& diag) {
  const std::size_t runs =
      e.arms.size() * e.seeds.size() * std::max<std::size_t>(1, e.datasets.size());
  if (runs <= kMaxRuns) return;
  diag.error(
      "seeds",
      std::to_string(e.arms.size()) + " arms x " + std::to_string(e.seeds.size()) + " seeds" +
          (e.datasets.empty() ? "" : " x " + std::to_string(e.datasets.size()) + " data sets") +
          " = " + std::to_string(runs) + " runs; at most " + std::to_string(kMaxRuns));
}

// Checks every arm's run config, recording problems under the arm's name.
void check_arms(const Experiment& e, Diagnostics& diag) {
  for (const auto& arm : e.arms) {
    Diagnostics arm_diag;
    read_run_config(e.run_config(arm, e.seeds.empty() ? 1 : e.seeds[0]), "", arm_diag);
    for (const auto& error : arm_diag.errors())
      diag.error("arms '" + arm.name + "'", "its run config: " + error);
  }
}

// Checks the tuned key at every value tuning would try, and at "fixed", on the first arm:
// a value its run config refuses is blamed on the tune section, which holds it.
void check_tune_values(const Experiment& e, Diagnostics& diag) {
  if (!e.tune || e.arms.empty()) return;
  std::vector<std::pair<std::string, double>> values;
  for (const double v : e.tune->values) values.push_back({"tune.values", v});
  if (e.tune->fixed) values.push_back({"tune.fixed", *e.tune->fixed});
  for (const auto& [where, value] : values) {
    json config = e.run_config(e.arms[0], e.seeds.empty() ? 1 : e.seeds[0]);
    Diagnostics value_diag;
    try {
      apply_override(config, e.tune->key + "=" + json(value).dump());
      read_run_config(config, "", value_diag);
    } catch (const ConfigError& err) {
      value_diag.error("", err.what());
    }
    for (const auto& error : value_diag.errors())
      diag.error(where, e.tune->key + " = " + format_number(value) + " is refused: " + error);
    if (!value_diag.empty()) return;
  }
}

}  // namespace

const std::vector<std::string>& measure_names() {
  static const std::vector<std::string> names = {"speedup",
                                                 "seconds_speedup",
                                                 "steps_to_target",
                                                 "val_loss_auc",
                                                 "loss_auc",
                                                 "val_loss_at_25pct",
                                                 "val_loss_at_50pct",
                                                 "final_train_loss",
                                                 "final_train_accuracy",
                                                 "final_val_loss",
                                                 "final_val_accuracy",
                                                 "final_test_loss",
                                                 "final_test_accuracy",
                                                 "final_val_rmse",
                                                 "final_test_rmse",
                                                 "best_train_loss",
                                                 "best_val_loss",
                                                 "best_val_accuracy",
                                                 "test_accuracy_at_best_val",
                                                 "dead_final",
                                                 "final_val_balanced_accuracy",
                                                 "final_test_balanced_accuracy",
                                                 "test_balanced_accuracy_at_best_val"};
  return names;
}

std::string folder_name_problem(const std::string& name) {
  const auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  };
  const std::string shown = "'" + brief_text(name, 40) + "'";
  if (name.empty() || name.size() > 100)
    return shown + ": a name has 1 to 100 characters (it names a folder)";
  if (!std::all_of(name.begin(), name.end(), allowed) || name[0] == '.' || name[0] == '-')
    return shown +
           ": use letters, digits, '_', '-' or '.', not first '.' or '-' (it names a folder)";
  return "";
}

std::vector<std::uint64_t> first_seeds(int n) {
  std::vector<std::uint64_t> seeds;
  for (int i = 1; i <= n; ++i) seeds.push_back(static_cast<std::uint64_t>(i));
  return seeds;
}

const Arm* Experiment::arm(const std::string& name) const {
  for (const auto& a : arms)
    if (a.name == name) return &a;
  return nullptr;
}

json Experiment::run_config(const Arm& arm, std::uint64_t seed, int threads) const {
  json config = arm.config;
  config["name"] = arm.name;
  config["seed"] = seed;
  // A "train" that is not an object is left for read_run_config to report.
  if (!config.contains("train")) config["train"] = json::object();
  if (!config["train"].is_object()) return config;
  config["train"]["threads"] = threads;
  if (target)
    config["train"]["stop_at"] = {
        {"metric", target->metric}, {"value", target->value}, {"stop", false}};
  config["diagnostics"] = diagnostics.enabled ? json{{"probe_samples", diagnostics.probe_samples},
                                                     {"split", diagnostics.split}}
                                              : json(false);
  config.erase("output");
  return config;
}

namespace {

// "base": the config every arm starts from, a path relative to the experiment file or inline.
json read_base(SpecReader& top, const std::string& path, Diagnostics& diag) {
  json base;
  if (const json* b = top.raw("base")) {
    if (b->is_string()) {
      const fs::path base_path = fs::path(path).parent_path() / b->get<std::string>();
      try {
        base = load_config(base_path.string());
      } catch (const ConfigError& err) {
        diag.error("base", err.what());
      }
    } else if (b->is_object()) {
      base = *b;
    } else {
      diag.error("base", "expected a config file (relative to this file) or a config object");
    }
  } else {
    diag.error("base", "missing: the config every arm starts from");
  }
  if (base.is_object()) base.erase("extends");
  return base;
}

// "smoke": {"set": {...}, "seeds": N}, a smaller version of the same experiment.
struct Smoke {
  json set, seeds;
  json tune;      // replaces "tune" at smoke size (false: no tuning)
  json datasets;  // replaces "datasets" at smoke size
};
Smoke read_smoke(SpecReader& top, const ExperimentOptions& options, Diagnostics& diag) {
  Smoke smoke;
  if (const json* spec = top.raw("smoke")) {
    SpecReader s(*spec, "smoke", diag);
    if (const json* set = s.raw("set")) smoke.set = *set;
    if (const json* seeds = s.raw("seeds")) smoke.seeds = *seeds;
    if (const json* tune = s.raw("tune")) smoke.tune = *tune;
    if (const json* datasets = s.raw("datasets")) smoke.datasets = *datasets;
    s.finish();
  } else if (options.smoke) {
    diag.error("smoke", "--smoke was given but the experiment has no \"smoke\" section");
  }
  return smoke;
}

std::vector<std::uint64_t> read_experiment_seeds(SpecReader& top, const Smoke& smoke,
                                                 const ExperimentOptions& options,
                                                 Diagnostics& diag) {
  const json* listed = top.raw("seeds");
  const json seeds = options.smoke && !smoke.seeds.is_null() ? smoke.seeds
                     : listed                                ? *listed
                                                             : json(5);
  return !options.seeds.empty() ? read_seeds(json(options.seeds), "--seeds", diag)
                                : read_seeds(seeds, "seeds", diag);
}

std::optional<StopAt> read_target(SpecReader& top, Diagnostics& diag) {
  const json* t = top.raw("target");
  if (!t) return std::nullopt;
  SpecReader s(*t, "target", diag);
  if (!s.has("metric") || !s.has("value"))
    diag.error("target",
               "needs \"metric\" and \"value\", e.g. {\"metric\": \"train_loss\", \"value\": 0.4}");
  StopAt at;
  at.metric = s.choice("metric", "train_loss", metric_names());
  at.value = s.number("value", 0.0);
  at.stop = false;
  s.finish();
  return at;
}

// What every arm's config is built from.
struct ArmInputs {
  json base, base_set;
  Smoke smoke;
  Shape shared;
};

// The run config of an arm: the base, the experiment's "set", the smoke set, the arm's shape
// and "set", then --set.
json arm_config(const ArmInputs& in, const Shape& shape, const json* arm_set,
                const std::string& where, const ExperimentOptions& options, Diagnostics& diag) {
  json config = in.base;
  apply_sets(config, in.base_set, "set", diag);
  if (options.smoke) apply_sets(config, in.smoke.set, "smoke.set", diag);
  shape_layers(config, shape.hidden, shape.activation, shape.init, shape.bias_init, where, diag);
  if (arm_set) apply_sets(config, *arm_set, where + ".set", diag);
  for (const auto& o : options.overrides) {
    try {
      apply_override(config, o);
    } catch (const ConfigError& err) {
      diag.error("--set", err.what());
    }
  }
  return config;
}

std::optional<Arm> read_arm(const json& spec, std::size_t i, const ArmInputs& in,
                            std::set<std::string>& names, const ExperimentOptions& options,
                            Diagnostics& diag) {
  const std::string where = json_path("arms", i);
  SpecReader a(spec, where, diag);
  if (!a.is_object()) return std::nullopt;
  Arm arm;
  if (!a.has("name")) diag.error(where + ".name", "missing: every arm needs a name");
  arm.name = a.string("name", "arm" + std::to_string(i + 1));
  if (const std::string problem = folder_name_problem(arm.name); !problem.empty())
    diag.error(where + ".name", problem);
  if (!names.insert(arm.name).second)
    diag.error(where + ".name", "'" + arm.name + "' is the name of an earlier arm");
  arm.description = a.string("description", "");
  const Shape shape = merge(in.shared, read_shape(a));
  const json* arm_set = a.raw("set");
  a.finish();
  if (!in.base.is_object()) return std::nullopt;
  arm.config = arm_config(in, shape, arm_set, where, options, diag);
  if (arm.description.empty() && arm.config.contains("model")) {
    try {
      arm.description = describe_arm(arm.config);
    } catch (const json::exception&) {
      // A malformed layer list: the arm's config check reports it.
    }
  }
  return arm;
}

std::vector<Arm> read_arms(SpecReader& top, const ArmInputs& in, const ExperimentOptions& options,
                           Diagnostics& diag) {
  std::vector<Arm> out;
  const json* arms = top.raw("arms");
  if (!arms || !arms->is_array() || arms->empty()) {
    diag.error("arms",
               "expected a non-empty array of arms, e.g. [{\"name\": \"relu\", "
               "\"activation\": \"relu\"}, {\"name\": \"elu\", \"activation\": \"elu\"}]");
    return out;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < arms->size(); ++i)
    if (auto arm = read_arm((*arms)[i], i, in, names, options, diag)) out.push_back(*arm);
  return out;
}

// "reported_rank_difference": the claim's effect in average ranks, when the file gives it.
std::optional<double> read_reported_effect(SpecReader& top, Diagnostics& diag) {
  const json* effect = top.raw("reported_rank_difference");
  if (!effect) return std::nullopt;
  if (effect->is_number() && std::isfinite(effect->get<double>())) return effect->get<double>();
  diag.error("reported_rank_difference", "expected a number (average ranks, first - second)");
  return std::nullopt;
}

}  // namespace

Experiment read_experiment_json(json spec, const std::string& path,
                                const ExperimentOptions& options) {
  Diagnostics diag(path);
  Experiment e;
  e.origin = path;
  SpecReader top(spec, "", diag);
  if (!top.is_object()) diag.throw_if_any();
  e.name = top.string("name", fs::path(path).stem().string());
  e.claim = top.string("claim", "");
  e.source = top.string("source", "");
  top.string("description", "");
  ArmInputs in;
  in.base = read_base(top, path, diag);
  in.shared = read_shape(top);
  in.smoke = read_smoke(top, options, diag);
  e.seeds = read_experiment_seeds(top, in.smoke, options, diag);
  e.target = read_target(top, diag);
  e.initialization_only = top.boolean("initialization_only", false);
  e.log_every_steps = static_cast<int>(top.integer("log_every_steps", 0, 0, 1'000'000));
  e.diagnostics.enabled = true;  // on unless the experiment says otherwise
  if (const json* d = top.raw("diagnostics")) read_diagnostics_options(*d, diag, e.diagnostics);
  if (e.initialization_only) e.diagnostics.enabled = true;
  if (const json* sets = top.raw("set")) in.base_set = *sets;
  // Validation targets timed in steps: train.eval_every_steps for every arm.
  if (const auto every = top.integer("eval_every_steps", 0, 0, 1'000'000'000); every > 0) {
    if (!in.base_set.is_object()) in.base_set = json::object();
    in.base_set["train.eval_every_steps"] = every;
  }
  if (const json* t = top.raw("tune")) e.tune = read_tune_spec(*t, "tune", diag);
  if (options.smoke && in.smoke.tune == false)
    e.tune.reset();
  else if (options.smoke && in.smoke.tune.is_object())
    e.tune = read_tune_spec(in.smoke.tune, "smoke.tune", diag);
  if (e.tune)
    for (const auto seed : e.seeds)
      if (seed >= kFirstTuningSeed)
        diag.error("seeds", "evaluation seed " + std::to_string(seed) +
                                " is in the tuning seeds' range (from " +
                                std::to_string(kFirstTuningSeed) + ")");
  const json* listed = top.raw("datasets");
  if (options.smoke && !in.smoke.datasets.is_null())
    e.datasets = read_datasets(in.smoke.datasets, "smoke.datasets", diag);
  else if (listed)
    e.datasets = read_datasets(*listed, "datasets", diag);
  e.rank_by = top.choice("rank_by", e.rank_by,
                         {"test_accuracy_at_best_val", "test_balanced_accuracy_at_best_val",
                          "final_test_accuracy", "best_val_accuracy", "final_val_accuracy"});
  if (const json* primary = top.raw("primary")) e.primary = read_primary(*primary, diag);
  if (const json* order = top.raw("claimed_order")) {
    if (order->is_array() &&
        std::all_of(order->begin(), order->end(), [](const json& v) { return v.is_string(); }))
      e.claimed_order = order->get<std::vector<std::string>>();
    else
      diag.error("claimed_order", "expected arm names, best first");
  }
  e.reported_rank_difference = read_reported_effect(top, diag);
  e.arms = read_arms(top, in, options, diag);
  for (const auto& name : e.claimed_order)
    if (!e.arm(name)) diag.error("claimed_order", "no arm named '" + name + "'");
  // The file's baseline is read (and so known to finish()) even when --baseline replaces it.
  e.baseline = top.string("baseline", e.arms.empty() ? "" : e.arms[0].name);
  if (!options.baseline.empty()) e.baseline = options.baseline;
  top.finish();
  if (!e.arms.empty() && !e.arm(e.baseline)) {
    std::vector<std::string> names;
    for (const auto& a : e.arms) names.push_back(a.name);
    diag.error("baseline", unknown_name_message("arm", e.baseline, names));
  }
  check_run_count(e, diag);
  if (diag.empty()) check_arms(e, diag);
  if (diag.empty()) check_tune_values(e, diag);
  diag.throw_if_any();
  e.spec = spec;
  if (options.smoke) e.spec["smoke_run"] = true;
  return e;
}

Experiment read_experiment(const std::string& path, const ExperimentOptions& options) {
  // load_config: JSON errors with file:line:column, and "extends" followed.
  return read_experiment_json(load_config(path), path, options);
}

Experiment experiment_from_config(const std::string& config_path,
                                  const std::vector<std::string>& activations,
                                  const ExperimentOptions& options) {
  json base = load_config(config_path);
  base.erase("extends");
  json arms = json::array();
  for (const auto& a : activations)
    arms.push_back({{"name", a}, {"activation", a}, {"init", "auto"}});
  const RunConfig checked = read_run_config(base, config_path);
  json spec = {{"name", checked.name + "_compare"}, {"base", base}, {"seeds", 5}, {"arms", arms}};
  if (!activations.empty())
    spec["baseline"] =
        std::find(activations.begin(), activations.end(), "relu") != activations.end()
            ? "relu"
            : activations[0];
  if (!options.tune.is_null()) spec["tune"] = options.tune;
  if (checked.train.stop_at)
    spec["target"] = {{"metric", checked.train.stop_at->metric},
                      {"value", checked.train.stop_at->value}};
  Diagnostics diag(config_path);
  const std::vector<std::string> names = activation_arm_names();
  for (const auto& a : activations)
    if (std::find(names.begin(), names.end(), a) == names.end())
      diag.error("--activations", unknown_name_message("activation", a, names));
  if (activations.empty()) diag.error("--activations", "give at least one activation");
  diag.throw_if_any();
  // Read as an experiment file would be, so that the checks and messages are the same.
  return read_experiment_json(spec, config_path, options);
}

}  // namespace nnfit
