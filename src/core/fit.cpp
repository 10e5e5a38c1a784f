#include "nnfit/fit.hpp"

#include <chrono>
#include <filesystem>
#include <optional>

#include "nnfit/error.hpp"
#include "nnfit/metrics.hpp"
#include "nnfit/registry.hpp"
#include "nnfit/run_recorder.hpp"
#include "nnfit/run_setup.hpp"

namespace nnfit {

namespace {

// The run, as reading a config would give it, from typed options.
RunConfig run_of(const Sequential& network, const FitOptions& o, const Samples& samples) {
  RunConfig run;
  run.name = o.run_dir.empty() ? "fit" : std::filesystem::path(o.run_dir).filename().string();
  run.seed = o.seed;
  run.data = {{"source", "in_memory"},
              {"samples", samples.size()},
              {"features", samples.x.cols()},
              {"validation", o.validation},
              {"scale", o.scale}};
  run.layers = network.layers();
  run.loss = o.loss ? o.loss : loss(default_loss(samples.task));
  run.optimizer = o.optimizer;
  run.schedule = o.schedule;
  run.train = o.train;
  run.write_report = false;
  run.output_pattern = run.output_dir = o.run_dir;
  run.resolved = resolve_run_config(run, run.data, o.run_dir);
  return run;
}

Fitted fit_samples(const Sequential& network, Samples samples, const FitOptions& o) {
  if (network.layers().empty()) throw ConfigError("fit: the network has no layers");
  const RunConfig run = run_of(network, o, samples);
  const Data data = prepare_data(std::move(samples), std::nullopt,
                                 {{"validation", o.validation}, {"scale", o.scale}}, o.seed, "fit");
  auto setup = build_run(run, data, "fit");
  Trainer trainer(setup->model, *setup->loss, *setup->optimizer, *setup->schedule, data, run.train,
                  run.seed);
  std::optional<RunRecorder> recorder;
  Trainer::Callbacks callbacks = o.callbacks;
  if (!o.run_dir.empty()) {
    recorder.emplace(o.run_dir, o.resume      ? RunRecorder::Start::resume
                                : o.overwrite ? RunRecorder::Start::force
                                              : RunRecorder::Start::fresh);
    json resolved = setup->resolved;
    resolved["output"]["dir"] = o.run_dir;
    recorder->attach(run, resolved, data, *setup, trainer, o.run_dir + "/config.json");
    callbacks = recorder->observe(callbacks);
  }
  const auto started = std::chrono::steady_clock::now();
  const TrainResult result = trainer.run(callbacks);
  if (recorder && result.status == TrainResult::Status::interrupted) recorder->interrupted();
  if (recorder && result.status != TrainResult::Status::interrupted)
    recorder->finish(
        result, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  ModelInfo info{data.scaler,        data.task,       data.class_names, {{"nnfit.run", run.name}},
                 data.feature_names, data.categorical};
  return {{std::move(setup->model), std::move(info)}, result, trainer.history()};
}

void check_rows(const Matrix& x, Index rows, const char* what) {
  if (x.rows() == 0 || x.cols() == 0) throw ConfigError("fit: x is empty");
  if (rows != x.rows())
    throw ConfigError("fit: x has " + std::to_string(x.rows()) + " rows but there are " +
                      std::to_string(rows) + " " + what);
}

Matrix preprocessed(const SavedModel& model, const Matrix& x) {
  if (x.cols() != model.model.input_size())
    throw ConfigError("the model takes " + std::to_string(model.model.input_size()) +
                      " features per row; x has " + std::to_string(x.cols()));
  Matrix copy = x;
  model.info.scaler.apply(copy);
  return copy;
}

Metrics evaluate_samples(SavedModel& model, Samples samples) {
  samples.x = preprocessed(model, samples.x);
  const bool classification = samples.task == Task::classification;
  auto measure = loss(classification ? "softmax_cross_entropy" : "mse").make();
  Split split{std::make_shared<const Samples>(std::move(samples)), {}};
  for (Index i = 0; i < split.samples->size(); ++i) split.rows.push_back(i);
  return evaluate(model.model, *measure, split, 1024).metrics;
}

}  // namespace

namespace {

// "data": {"validation": f, "scale": name}: the split and preprocessing of arrays.
void read_array_data(SpecReader& top, FitConfig& out, Diagnostics& diag) {
  const json data = top.has("data") ? *top.raw("data") : json::object();
  SpecReader d(data, "data", diag);
  out.options.validation = d.number_in("validation", 0.0, 0.0, 1.0, false, true);
  out.options.scale = d.choice("scale", "none", {"none", "standardize", "minmax"});
  d.finish();
  out.resolved["data"] = {{"validation", out.options.validation}, {"scale", out.options.scale}};
}

void read_network(SpecReader& top, FitConfig& out, Diagnostics& diag) {
  const json model = top.has("model") ? *top.raw("model") : json::object();
  SpecReader m(model, "model", diag);
  for (auto& layer : read_model_layers(m, diag))
    if (layer) out.network.add(std::move(layer));
  m.finish();
}

}  // namespace

FitConfig read_fit_config(const json& config, const std::string& origin) {
  Diagnostics diag(origin);
  FitConfig out;
  SpecReader top(config, "", diag);
  if (!top.is_object()) {
    diag.throw_if_any();
    throw ConfigError(origin + ": expected an object (a run config without a data source)");
  }
  for (const char* key :
       {"name", "seed", "data", "model", "loss", "optimizer", "schedule", "train"})
    top.accept(key);
  out.options.seed = top.unsigned_integer("seed", 1);
  read_array_data(top, out, diag);
  read_network(top, out, diag);
  const json* loss_spec = top.raw("loss");
  if (loss_spec && *loss_spec != "auto")
    out.options.loss = read_recipe(registry().losses, *loss_spec, "loss", diag);
  const json* optimizer = top.raw("optimizer");
  out.options.optimizer = read_recipe(
      registry().optimizers, optimizer ? *optimizer : json{{"type", "adam"}}, "optimizer", diag);
  const json* schedule = top.raw("schedule");
  out.options.schedule = read_recipe(
      registry().schedules, schedule ? *schedule : json{{"type", "constant"}}, "schedule", diag);
  {
    const json train = top.has("train") ? *top.raw("train") : json::object();
    SpecReader t(train, "train", diag);
    out.options.train = train_schema().read(t);
    t.finish();
  }
  top.finish();
  diag.throw_if_any();
  out.resolved["seed"] = out.options.seed;
  out.resolved["optimizer"] = out.options.optimizer.resolved;
  out.resolved["schedule"] = out.options.schedule.resolved;
  out.resolved["loss"] = out.options.loss ? out.options.loss.resolved : json("auto");
  out.resolved["train"] = train_schema().write(out.options.train);
  json layers = json::array();
  for (const auto& layer : out.network.layers()) layers.push_back(layer.resolved);
  out.resolved["model"] = {{"layers", layers}};
  return out;
}

Sequential::Sequential(std::initializer_list<LayerRecipe> layers) : layers_(layers) {}

Sequential& Sequential::add(LayerRecipe layer) {
  if (!layer) throw ConfigError("Sequential::add: an empty layer recipe");
  layers_.push_back(std::move(layer));
  return *this;
}

Sequential Sequential::from_json(const json& layers, const std::string& origin) {
  if (!layers.is_array()) throw ConfigError(origin + ": expected an array of layer specs");
  Diagnostics diagnostics;
  Sequential network;
  for (std::size_t i = 0; i < layers.size(); ++i)
    network.layers_.push_back(read_layer(layers[i], json_path(origin, i), diagnostics));
  diagnostics.throw_if_any();
  return network;
}

Fitted fit(const Sequential& network, const Matrix& x, const std::vector<std::int32_t>& labels,
           const FitOptions& options) {
  check_rows(x, static_cast<Index>(labels.size()), "labels");
  Samples samples;
  samples.x = x;
  samples.labels = labels;
  std::int32_t classes = 0;
  for (const auto label : labels) {
    if (label < 0) throw ConfigError("fit: a label is negative (" + std::to_string(label) + ")");
    classes = std::max(classes, label + 1);
  }
  samples.class_names = options.class_names;
  if (samples.class_names.size() < static_cast<std::size_t>(classes)) {
    if (!samples.class_names.empty())
      throw ConfigError("fit: " + std::to_string(options.class_names.size()) +
                        " class names for labels up to " + std::to_string(classes - 1));
    for (std::int32_t c = 0; c < classes; ++c) samples.class_names.push_back(std::to_string(c));
  }
  return fit_samples(network, std::move(samples), options);
}

Fitted fit(const Sequential& network, const Matrix& x, const Matrix& targets,
           const FitOptions& options) {
  check_rows(x, targets.rows(), "rows of targets");
  Samples samples;
  samples.task = Task::regression;
  samples.x = x;
  samples.y = targets;
  return fit_samples(network, std::move(samples), options);
}

Matrix predict(SavedModel& model, const Matrix& x) {
  return model.model.predict(preprocessed(model, x));
}

std::vector<std::int32_t> predict_classes(SavedModel& model, const Matrix& x) {
  const Matrix outputs = predict(model, x);
  std::vector<std::int32_t> classes(static_cast<std::size_t>(outputs.rows()));
  for (Index i = 0; i < outputs.rows(); ++i)
    classes[static_cast<std::size_t>(i)] = predicted_class(outputs.row(i));
  return classes;
}

Metrics evaluate(SavedModel& model, const Matrix& x, const std::vector<std::int32_t>& labels) {
  check_rows(x, static_cast<Index>(labels.size()), "labels");
  Samples samples;
  samples.x = x;
  samples.labels = labels;
  samples.class_names = model.info.class_names;
  return evaluate_samples(model, std::move(samples));
}

Metrics evaluate(SavedModel& model, const Matrix& x, const Matrix& targets) {
  check_rows(x, targets.rows(), "rows of targets");
  Samples samples;
  samples.task = Task::regression;
  samples.x = x;
  samples.y = targets;
  return evaluate_samples(model, std::move(samples));
}

}  // namespace nnfit
