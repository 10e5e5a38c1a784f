#include "nnfit/config.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <variant>

#include "nnfit/dataset.hpp"
#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace fs = std::filesystem;

std::vector<std::string> metric_names() {
  std::vector<std::string> names;
  for (const char* split : {"train", "val", "test"})
    for (const char* metric : {"loss", "accuracy", "rmse", "r2"})
      names.push_back(std::string(split) + "_" + metric);
  // Measured on the evaluated splits only (the training split's are running figures).
  names.push_back("val_balanced_accuracy");
  names.push_back("test_balanced_accuracy");
  return names;
}
bool metric_is_known(const std::string& metric) {
  const auto names = metric_names();
  return std::find(names.begin(), names.end(), metric) != names.end();
}
bool lower_is_better(const std::string& metric) {
  return metric.ends_with("_loss") || metric.ends_with("_rmse");
}

namespace {

json parse_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw ConfigError(path + ": is a directory, expected a JSON config");
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), path);
}

// Objects merge key by key (child wins); anything else is replaced.
void merge(json& base, const json& child) {
  if (!base.is_object() || !child.is_object()) {
    base = child;
    return;
  }
  for (const auto& [key, value] : child.items()) {
    if (base.contains(key))
      merge(base[key], value);
    else
      base[key] = value;
  }
}

json load_with_extends(const std::string& path, std::vector<std::string>& chain) {
  std::error_code ec;
  const std::string canonical = fs::weakly_canonical(path, ec).string();
  if (ec) throw ConfigError(path + ": cannot open: " + ec.message());
  if (chain.size() >= 32) throw ConfigError(path + ": \"extends\" chains more than 32 files deep");
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end())
    throw ConfigError(path + ": \"extends\" loops back to a file that extends it");
  chain.push_back(canonical);
  json config = parse_file(path);
  if (!config.is_object()) throw ConfigError(path + ": a config must be a JSON object");
  if (!config.contains("extends")) return config;
  const json parent = config["extends"];
  config.erase("extends");
  if (!parent.is_string()) throw ConfigError(path + ": extends: expected a file name");
  const fs::path base = fs::path(path).parent_path() / parent.get<std::string>();
  json merged = load_with_extends(base.string(), chain);
  merge(merged, config);
  return merged;
}

// "a.b[2].c" -> tokens: keys (strings) and indices.
std::vector<std::variant<std::string, std::size_t>> split_path(const std::string& path) {
  std::vector<std::variant<std::string, std::size_t>> tokens;
  std::string key;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '.') {
      if (!key.empty()) tokens.emplace_back(key);
      key.clear();
    } else if (c == '[') {
      if (!key.empty()) tokens.emplace_back(key);
      key.clear();
      const auto close = path.find(']', i);
      if (close == std::string::npos) throw ConfigError("--set " + path + ": '[' without ']'");
      const std::string digits = path.substr(i + 1, close - i - 1);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
        throw ConfigError("--set " + path + ": '[" + digits + "]' is not an array index");
      if (digits.size() > 9)
        throw ConfigError("--set " + path + ": index [" + digits + "] is out of range");
      tokens.emplace_back(static_cast<std::size_t>(std::stoul(digits)));
      i = close;
    } else {
      key += c;
    }
  }
  if (!key.empty()) tokens.emplace_back(key);
  if (tokens.empty()) throw ConfigError("--set: empty key");
  return tokens;
}

}  // namespace

void apply_override(json& config, const std::string& assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos)
    throw ConfigError("--set " + assignment + ": expected key=value, e.g. optimizer.lr=0.01");
  const std::string path = assignment.substr(0, equals);
  const std::string text = assignment.substr(equals + 1);
  json value;
  try {
    value = parse_json_text(text, "--set " + path);
  } catch (const ConfigError& e) {
    // Not JSON at all: a bare word, taken as a string. JSON that is too deep or holds a
    // number beyond a double's range is an error, not a word.
    if (std::string(e.what()).find("syntax error") == std::string::npos) throw;
    value = text;
  }
  json* node = &config;
  std::string where;
  for (const auto& token : split_path(path)) {
    if (std::holds_alternative<std::size_t>(token)) {
      const std::size_t index = std::get<std::size_t>(token);
      if (!node->is_array() || index >= node->size())
        throw ConfigError("--set " + path + ": " + (where.empty() ? "the config" : where) +
                          (node->is_array() ? " has " + std::to_string(node->size()) + " elements"
                                            : " is not an array"));
      node = &(*node)[index];
      where.append("[").append(std::to_string(index)).append("]");
    } else {
      const std::string& key = std::get<std::string>(token);
      if (!node->is_object() && !node->is_null())
        throw ConfigError("--set " + path + ": " + where + " is not an object");
      node = &(*node)[key];
      where += (where.empty() ? "" : ".") + key;
    }
  }
  *node = value;
}

json load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::vector<std::string> chain;
  json config = load_with_extends(path, chain);
  for (const auto& assignment : overrides) apply_override(config, assignment);
  return config;
}

namespace {

void read_stop_at(SpecReader& r, TrainConfig& t) {
  const json* stop = r.raw("stop_at");
  if (!stop) return;
  auto& diag = r.diagnostics();
  SpecReader s(*stop, r.path_of("stop_at"), diag);
  if (!s.has("metric") || !s.has("value"))
    diag.error(
        s.path(),
        "needs \"metric\" and \"value\", e.g. {\"metric\": \"val_accuracy\", \"value\": 0.89}");
  StopAt at;
  at.metric = s.choice("metric", "val_accuracy", metric_names());
  at.value = s.number("value", 0.0);
  at.stop = s.boolean("stop", at.stop);
  s.finish();
  t.stop_at = at;
}

void read_patience(SpecReader& r, TrainConfig& t) {
  const json* patience = r.raw("patience");
  if (!patience) return;
  SpecReader s(*patience, r.path_of("patience"), r.diagnostics());
  Patience p;
  p.metric = s.choice("metric", p.metric, metric_names());
  p.epochs = static_cast<int>(s.integer("epochs", p.epochs, 1, 1'000'000));
  p.min_delta = s.number_in("min_delta", p.min_delta, 0.0, 1e30);
  p.restore_best = s.boolean("restore_best", p.restore_best);
  s.finish();
  t.patience = p;
}

void write_stop_at(const TrainConfig& t, json& j) {
  if (t.stop_at)
    j["stop_at"] = {
        {"metric", t.stop_at->metric}, {"value", t.stop_at->value}, {"stop", t.stop_at->stop}};
}

void write_patience(const TrainConfig& t, json& j) {
  if (t.patience)
    j["patience"] = {{"metric", t.patience->metric},
                     {"epochs", t.patience->epochs},
                     {"min_delta", t.patience->min_delta},
                     {"restore_best", t.patience->restore_best}};
}

}  // namespace

void read_diagnostics_options(const json& spec, Diagnostics& diag, DiagnosticsOptions& options) {
  if (spec.is_boolean()) {
    options.enabled = spec.get<bool>();
  } else if (spec.is_object()) {
    SpecReader r(spec, "diagnostics", diag);
    options.enabled = r.boolean("enabled", true);
    options.probe_samples = r.integer("probe_samples", 1000, 1, 1 << 24);
    options.split = r.choice("split", "train", {"train", "validation", "test"});
    r.finish();
  } else {
    diag.error("diagnostics",
               "expected true, false or {\"probe_samples\": N, \"split\": "
               "\"train\"}; found " +
                   brief_json(spec));
  }
}

std::vector<LayerRecipe> read_model_layers(SpecReader& model, Diagnostics& diag) {
  std::vector<LayerRecipe> out;
  const json* layers = model.raw("layers");
  if (!layers || !layers->is_array() || layers->empty()) {
    diag.error("model.layers", "expected a non-empty array of layer objects");
    return out;
  }
  for (std::size_t i = 0; i < layers->size(); ++i)
    out.push_back(read_layer((*layers)[i], json_path("model.layers", i), diag));
  return out;
}

namespace {

// "model": {"layers": [...], "init_from": "..."}.
void read_model(SpecReader& top, RunConfig& run, Diagnostics& diag) {
  const json* model = top.raw("model");
  if (!model) {
    diag.error("model", "missing: {\"layers\": [...]}");
    return;
  }
  SpecReader m(*model, "model", diag);
  run.layers = read_model_layers(m, diag);
  run.init_from = m.string("init_from", "");
  m.finish();
}

// loss, optimizer, schedule: read through their registries. "loss": "auto" resolves from the
// data's task.
void read_components(SpecReader& top, RunConfig& run, const json& data, Diagnostics& diag) {
  const json* loss = top.raw("loss");
  const bool is_auto = !loss || *loss == "auto";
  const json loss_spec = is_auto ? json(default_loss(task_of_data_spec(data))) : *loss;
  run.loss = read_recipe(registry().losses, loss_spec, "loss", diag);
  const json* optimizer = top.raw("optimizer");
  run.optimizer = read_recipe(registry().optimizers,
                              optimizer ? *optimizer : json{{"type", "adam"}}, "optimizer", diag);
  const json* schedule = top.raw("schedule");
  run.schedule = read_recipe(registry().schedules,
                             schedule ? *schedule : json{{"type", "constant"}}, "schedule", diag);
}

// "output": {"dir": "runs/{name}", "report": true}, with {name} and {seed} substituted.
void read_output(SpecReader& top, RunConfig& run, Diagnostics& diag) {
  const json spec = top.has("output") ? *top.raw("output") : json::object();
  SpecReader o(spec, "output", diag);
  run.output_pattern = o.string("dir", run.output_pattern);
  run.output_dir = run.output_pattern;
  run.write_report = o.boolean("report", true);
  o.finish();
  for (const auto& [placeholder, value] : std::vector<std::pair<std::string, std::string>>{
           {"{name}", run.name}, {"{seed}", std::to_string(run.seed)}}) {
    for (auto at = run.output_dir.find(placeholder); at != std::string::npos;
         at = run.output_dir.find(placeholder))
      run.output_dir.replace(at, placeholder.size(), value);
  }
}

// The resolved config: every default written out ("output.dir" as written, unsubstituted).

}  // namespace

json resolve_run_config(const RunConfig& run, const json& data, const std::string& output_dir) {
  json model = {{"layers", resolved_layers(run.layers)}};
  if (!run.init_from.empty()) model["init_from"] = run.init_from;
  return {{"name", run.name},
          {"seed", run.seed},
          {"data", data},
          {"model", model},
          {"loss", run.loss.resolved},
          {"optimizer", run.optimizer.resolved},
          {"schedule", run.schedule.resolved},
          {"train", train_schema().write(run.train)},
          {"diagnostics", run.diagnostics.enabled
                              ? json{{"probe_samples", run.diagnostics.probe_samples},
                                     {"split", run.diagnostics.split}}
                              : json(false)},
          {"output", {{"dir", output_dir}, {"report", run.write_report}}}};
}

const Schema<TrainConfig>& train_schema() {
  using T = TrainConfig;
  static const auto schema =
      Schema<T>()
          .integer("epochs", &T::epochs, "passes over the training split", 1, 1'000'000)
          .integer("batch_size", &T::batch_size, "samples per optimiser step", 1, 1 << 24)
          .boolean("shuffle", &T::shuffle,
                   "reshuffle every epoch; false keeps the data order (to compare step by step "
                   "with another framework)")
          .boolean("drop_last", &T::drop_last, "skip the last, smaller batch of each epoch")
          .number("clip_norm", &T::clip_norm,
                  "clip the global gradient norm (PyTorch's clip_grad_norm_); 0: off", {0.0, 1e30})
          .integer("eval_batch_size", &T::eval_batch_size, "batch size of the evaluation passes", 1,
                   1 << 24)
          .integer("threads", &T::threads,
                   "training threads (-j N overrides); a given count gives the same result on "
                   "every run, 1 and 2 differ by float rounding",
                   1, 256)
          .integer("checkpoint_every_epochs", &T::checkpoint_every_epochs,
                   "also snapshot the checkpoint every N epochs into checkpoints/ (0: none)", 0,
                   1'000'000)
          .integer("keep_checkpoints", &T::keep_checkpoints,
                   "how many snapshots to keep, the newest (0: all)", 0, 1'000'000)
          .integer("eval_every_steps", &T::eval_every_steps,
                   "also evaluate the validation split every N optimiser steps (0: only at "
                   "epoch ends), so that a validation target is timed in steps; the run stops "
                   "for stop_at at the end of the epoch",
                   0, 1'000'000'000)
          .integer("eval_subset", &T::eval_subset,
                   "those step evaluations use a fixed stratified subset of N validation rows "
                   "(0: all of them)",
                   0, 1 << 30)
          .integer("max_steps", &T::max_steps,
                   "end the run after N optimiser steps, mid-epoch if need be (that epoch is "
                   "evaluated there), the schedule spanning the shorter budget; tuning rungs "
                   "use it (0: the epochs decide)",
                   0, std::int64_t{1} << 50)
          .custom({"stop_at", "{metric, value, stop}", nullptr,
                   "the target whose first epoch and step are recorded; stop (true): end the "
                   "run there"},
                  read_stop_at, write_stop_at)
          .custom({"patience", "{metric, epochs, min_delta, restore_best}", nullptr,
                   "stop after `epochs` (5) epochs without an improvement of `metric` "
                   "(val_loss) by more than min_delta (0); restore_best (true)"},
                  read_patience, write_patience);
  return schema;
}

RunConfig read_run_config(const json& config, const std::string& origin, Diagnostics& diag) {
  RunConfig run;
  SpecReader top(config, "", diag);
  if (!top.is_object()) return run;
  // Every top-level key is known from the start, so that a misspelt one is told all of them.
  for (const char* key : {"name", "seed", "data", "model", "loss", "optimizer", "schedule", "train",
                          "diagnostics", "output"})
    top.accept(key);
  run.name = top.string("name", origin.empty() ? "run" : fs::path(origin).stem().string());
  run.seed = top.unsigned_integer("seed", 1);
  json data_resolved;
  if (const json* data = top.raw("data")) {
    run.data = *data;
    data_resolved = check_data_spec(*data, diag, "data");
  } else {
    diag.error("data", "missing, e.g. {\"source\": \"fashion_mnist\"}");
  }
  read_model(top, run, diag);
  read_components(top, run, data_resolved, diag);
  {
    const json train = top.has("train") ? *top.raw("train") : json::object();  // outlives `t`
    SpecReader t(train, "train", diag);
    run.train = train_schema().read(t);
    t.finish();
  }
  if (const json* d = top.raw("diagnostics")) read_diagnostics_options(*d, diag, run.diagnostics);
  read_output(top, run, diag);
  top.finish();
  if (diag.empty()) run.resolved = resolve_run_config(run, data_resolved, run.output_pattern);
  return run;
}

RunConfig read_run_config(const json& config, const std::string& origin) {
  Diagnostics diag(origin);
  RunConfig run = read_run_config(config, origin, diag);
  diag.throw_if_any();
  return run;
}

}  // namespace nnfit
