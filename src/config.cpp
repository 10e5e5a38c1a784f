#include "nnfit/config.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <variant>

#include "nnfit/dataset.hpp"
#include "nnfit/error.hpp"
#include "nnfit/json_text.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace fs = std::filesystem;

std::vector<std::string> metric_names() {
  std::vector<std::string> names;
  for (const char* split : {"train", "val", "test"})
    for (const char* metric : {"loss", "accuracy", "rmse", "r2"})
      names.push_back(std::string(split) + "_" + metric);
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

void read_train(SpecReader& r, TrainConfig& t) {
  t.epochs = static_cast<int>(r.integer("epochs", t.epochs, 1, 1'000'000));
  t.batch_size = r.integer("batch_size", t.batch_size, 1, 1 << 24);
  t.shuffle = r.boolean("shuffle", t.shuffle);
  t.drop_last = r.boolean("drop_last", t.drop_last);
  t.clip_norm = r.number_in("clip_norm", t.clip_norm, 0.0, 1e30);
  t.eval_batch_size = r.integer("eval_batch_size", t.eval_batch_size, 1, 1 << 24);
  t.threads = static_cast<int>(r.integer("threads", t.threads, 1, 256));
  t.checkpoint_every_epochs = static_cast<int>(
      r.integer("checkpoint_every_epochs", t.checkpoint_every_epochs, 0, 1'000'000));
  t.keep_checkpoints =
      static_cast<int>(r.integer("keep_checkpoints", t.keep_checkpoints, 0, 1'000'000));
  auto& diag = r.diagnostics();
  if (const json* stop = r.raw("stop_at")) {
    SpecReader s(*stop, r.path_of("stop_at"), diag);
    if (!s.has("metric") || !s.has("value"))
      diag.error(
          s.path(),
          "needs \"metric\" and \"value\", e.g. {\"metric\": \"val_accuracy\", \"value\": 0.89}");
    StopAt at;
    at.metric = s.choice("metric", "val_accuracy", metric_names());
    at.value = s.number("value", 0.0);
    at.stop = s.boolean("stop", true);
    s.finish();
    t.stop_at = at;
  }
  if (const json* patience = r.raw("patience")) {
    SpecReader s(*patience, r.path_of("patience"), diag);
    Patience p;
    p.metric = s.choice("metric", p.metric, metric_names());
    p.epochs = static_cast<int>(s.integer("epochs", p.epochs, 1, 1'000'000));
    p.min_delta = s.number_in("min_delta", 0.0, 0.0, 1e30);
    p.restore_best = s.boolean("restore_best", true);
    s.finish();
    t.patience = p;
  }
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

namespace {

// The resolved parts of a config, gathered while it is read.
struct Resolved {
  json data, layers = json::array(), loss, optimizer, schedule;
};

// "model": {"layers": [...], "init_from": "..."}; returns the layers with "auto" resolved.
json read_model(SpecReader& top, RunConfig& run, Diagnostics& diag) {
  json resolved = json::array();
  const json* model = top.raw("model");
  if (!model) {
    diag.error("model", "missing: {\"layers\": [...]}");
    return resolved;
  }
  SpecReader m(*model, "model", diag);
  const json* layers = m.raw("layers");
  if (!layers || !layers->is_array() || layers->empty()) {
    diag.error("model.layers", "expected a non-empty array of layer objects");
  } else {
    run.layers = *layers;
    std::vector<std::unique_ptr<Layer>> built;
    for (std::size_t i = 0; i < layers->size(); ++i)
      built.push_back(make_layer((*layers)[i], json_path("model.layers", i), diag));
    for (std::size_t i = 0; i < built.size(); ++i)
      if (built[i])
        resolved.push_back(
            built[i]->resolved_config(i + 1 < built.size() ? built[i + 1].get() : nullptr));
  }
  run.init_from = m.string("init_from", "");
  m.finish();
  return resolved;
}

// loss, optimizer, schedule: checked (and resolved) through their registries. "loss": "auto"
// resolves from the data's task.
void read_components(SpecReader& top, RunConfig& run, Resolved& r, Diagnostics& diag) {
  if (const json* loss = top.raw("loss")) run.loss = *loss;
  const json loss = run.loss != "auto" ? run.loss
                    : task_of_data_spec(r.data) == Task::classification
                        ? json("softmax_cross_entropy")
                        : json("mse");
  if (auto made = build_into(registry().losses, loss, "loss", diag)) r.loss = made->config();
  run.optimizer = top.has("optimizer") ? *top.raw("optimizer") : json{{"type", "adam"}};
  float nothing = 0.0f;
  if (auto made = build_into(registry().optimizers, run.optimizer, "optimizer", diag,
                             ParameterView{&nothing, &nothing, 0}))
    r.optimizer = made->config();
  run.schedule = top.has("schedule") ? *top.raw("schedule") : json{{"type", "constant"}};
  if (auto made = build_into(registry().schedules, run.schedule, "schedule", diag))
    r.schedule = made->config();
}

// "output": {"dir": "runs/{name}", "report": true}, with {name} and {seed} substituted.
void read_output(SpecReader& top, RunConfig& run, Diagnostics& diag) {
  const json spec = top.has("output") ? *top.raw("output") : json::object();
  SpecReader o(spec, "output", diag);
  run.output_dir = o.string("dir", "runs/{name}");
  run.write_report = o.boolean("report", true);
  o.finish();
  for (const auto& [placeholder, value] : std::vector<std::pair<std::string, std::string>>{
           {"{name}", run.name}, {"{seed}", std::to_string(run.seed)}}) {
    for (auto at = run.output_dir.find(placeholder); at != std::string::npos;
         at = run.output_dir.find(placeholder))
      run.output_dir.replace(at, placeholder.size(), value);
  }
}

json resolved_train(const TrainConfig& t) {
  json train = {{"epochs", t.epochs},
                {"batch_size", t.batch_size},
                {"shuffle", t.shuffle},
                {"drop_last", t.drop_last},
                {"clip_norm", t.clip_norm},
                {"eval_batch_size", t.eval_batch_size},
                {"threads", t.threads},
                {"checkpoint_every_epochs", t.checkpoint_every_epochs},
                {"keep_checkpoints", t.keep_checkpoints}};
  if (t.stop_at)
    train["stop_at"] = {
        {"metric", t.stop_at->metric}, {"value", t.stop_at->value}, {"stop", t.stop_at->stop}};
  if (t.patience)
    train["patience"] = {{"metric", t.patience->metric},
                         {"epochs", t.patience->epochs},
                         {"min_delta", t.patience->min_delta},
                         {"restore_best", t.patience->restore_best}};
  return train;
}

// The resolved config: every default written out ("output.dir" as written, unsubstituted).
json resolved_config(const RunConfig& run, const Resolved& r, const json& config) {
  json model = {{"layers", r.layers}};
  if (!run.init_from.empty()) model["init_from"] = run.init_from;
  const json output = config.contains("output") ? config["output"] : json::object();
  return {{"name", run.name},
          {"seed", run.seed},
          {"data", r.data},
          {"model", model},
          {"loss", r.loss},
          {"optimizer", r.optimizer},
          {"schedule", r.schedule},
          {"train", resolved_train(run.train)},
          {"diagnostics", run.diagnostics.enabled
                              ? json{{"probe_samples", run.diagnostics.probe_samples},
                                     {"split", run.diagnostics.split}}
                              : json(false)},
          {"output",
           {{"dir", output.is_object() ? output.value("dir", "runs/{name}") : "runs/{name}"},
            {"report", run.write_report}}}};
}

}  // namespace

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
  Resolved resolved;
  if (const json* data = top.raw("data")) {
    run.data = *data;
    resolved.data = check_data_spec(*data, diag, "data");
  } else {
    diag.error("data", "missing, e.g. {\"source\": \"fashion_mnist\"}");
  }
  resolved.layers = read_model(top, run, diag);
  read_components(top, run, resolved, diag);
  {
    const json train = top.has("train") ? *top.raw("train") : json::object();  // outlives `t`
    SpecReader t(train, "train", diag);
    read_train(t, run.train);
    t.finish();
  }
  if (const json* d = top.raw("diagnostics")) read_diagnostics_options(*d, diag, run.diagnostics);
  read_output(top, run, diag);
  top.finish();
  if (diag.empty()) run.resolved = resolved_config(run, resolved, config);
  return run;
}

RunConfig read_run_config(const json& config, const std::string& origin) {
  Diagnostics diag(origin);
  RunConfig run = read_run_config(config, origin, diag);
  diag.throw_if_any();
  return run;
}

}  // namespace nnfit
