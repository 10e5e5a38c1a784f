// fit, predict, evaluate and model files from Python (nnfit/fit.hpp underneath).
//
// A fit runs with the GIL released (other Python threads go on) and polls Python's signal
// handlers between steps, so that Ctrl-C in a notebook stops it at a step boundary: with a
// run directory the checkpoint is written, and fit(..., run_dir=..., resume=True) continues.
#include <pybind11/stl.h>

#include <filesystem>
#include <optional>

#include "bindings.hpp"
#include "nnfit/error.hpp"
#include "nnfit/fit.hpp"

namespace nnfit::python {

namespace {

// As the inline data source: a label past this is a mistake, not 10^9 classes to allocate.
constexpr std::int64_t kMaxClasses = 1 << 16;

// The targets: an integer array is class labels (0 .. classes - 1), a float array regression
// targets (1-D: one output).
struct Targets {
  std::vector<std::int32_t> labels;
  Matrix values;
  bool classification = true;
};

Targets targets_of(const py::array& y, Index rows) {
  Targets t;
  const char kind = y.dtype().kind();
  if (kind == 'i' || kind == 'u' || kind == 'b') {
    const auto labels = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>(y);
    if (labels.ndim() != 1) throw ConfigError("y: class labels must be a 1-D array");
    for (py::ssize_t i = 0; i < labels.size(); ++i) {
      const std::int64_t label = labels.data()[i];
      if (label < 0 || label >= kMaxClasses)
        throw ConfigError("y[" + std::to_string(i) + "]: class label " + std::to_string(label) +
                          " is not in [0, " + std::to_string(kMaxClasses) + ")");
      t.labels.push_back(static_cast<std::int32_t>(label));
    }
  } else if (kind == 'f') {
    const FloatArray values(y);
    if (values.ndim() == 1)
      t.values = Eigen::Map<const Matrix>(values.data(), values.shape(0), 1);
    else
      t.values = matrix_of(values, "y");
    t.classification = false;
  } else {
    throw ConfigError("y: expected integer class labels or float regression targets, got dtype '" +
                      std::string(py::str(y.dtype())) + "' (encode string labels first)");
  }
  const Index n = t.classification ? static_cast<Index>(t.labels.size()) : t.values.rows();
  if (n != rows)
    throw ConfigError("x has " + std::to_string(rows) + " rows but y has " + std::to_string(n));
  return t;
}

json history_json(const std::vector<EpochRecord>& history) {
  json out = json::array();
  for (const auto& e : history) out.push_back(e.to_json());
  return out;
}

const char* status_name(TrainResult::Status s) {
  switch (s) {
    case TrainResult::Status::finished:
      return "finished";
    case TrainResult::Status::reached_target:
      return "reached_target";
    case TrainResult::Status::early_stopped:
      return "early_stopped";
    case TrainResult::Status::interrupted:
      return "interrupted";
  }
  return "?";
}

// The fit: config (JSON text in the run-config schema) and the run directory options.
py::tuple fit(const std::string& config_text, const FloatArray& x_in, const py::array& y,
              const std::string& run_dir, bool resume, bool overwrite,
              const std::vector<std::string>& class_names) {
  FitConfig config = read_fit_config(json::parse(config_text), "config");
  const Matrix x = matrix_of(x_in, "x");
  const Targets targets = targets_of(y, x.rows());
  config.options.run_dir = run_dir;
  config.options.resume = resume;
  config.options.overwrite = overwrite;
  config.options.class_names = class_names;
  SignalPoll poll;
  config.options.callbacks.interrupted = [&poll] { return poll(); };
  std::optional<Fitted> fitted;
  {
    py::gil_scoped_release release;
    if (targets.classification)
      fitted.emplace(nnfit::fit(config.network, x, targets.labels, config.options));
    else
      fitted.emplace(nnfit::fit(config.network, x, targets.values, config.options));
  }
  poll.raise_if_interrupted();
  auto model = std::make_shared<SavedModel>(std::move(fitted->model));
  return py::make_tuple(model, history_json(fitted->history).dump(),
                        status_name(fitted->result.status), fitted->result.best_epoch);
}

std::string model_info_json(SavedModel& m) {
  json j = {{"task", m.info.task == Task::classification ? "classification" : "regression"},
            {"inputs", m.model.input_size()},
            {"classes", m.info.class_names},
            {"feature_names", m.info.feature_names},
            {"parameters", m.model.num_parameters()}};
  return j.dump();
}

std::string metrics_json(const Metrics& m) {
  json j = {{"samples", m.samples}, {"loss", m.loss}};
  if (m.accuracy) j["accuracy"] = *m.accuracy;
  if (m.rmse) j["rmse"] = *m.rmse;
  if (m.r2) j["r2"] = *m.r2;
  return j.dump();
}

std::shared_ptr<SavedModel> load(const std::string& path) {
  std::string file = path;
  if (std::filesystem::is_directory(path))
    file = (std::filesystem::path(path) / "model.safetensors").string();
  return std::make_shared<SavedModel>(load_model(file));
}

}  // namespace

void bind_fit(py::module_& m) {
  py::class_<SavedModel, std::shared_ptr<SavedModel>>(m, "Model").def("_info", &model_info_json);
  m.def("_check_fit_config", [](const std::string& text) {
    return read_fit_config(json::parse(text), "config").resolved.dump();
  });
  m.def("_fit", &fit);
  m.def("_predict", [](SavedModel& model, const FloatArray& x) {
    const Matrix input = matrix_of(x, "x");
    Matrix out;
    {
      py::gil_scoped_release release;
      out = nnfit::predict(model, input);
    }
    return array_of(std::move(out));
  });
  m.def("_evaluate", [](SavedModel& model, const FloatArray& x, const py::array& y) {
    const Matrix input = matrix_of(x, "x");
    const Targets t = targets_of(y, input.rows());
    py::gil_scoped_release release;
    return metrics_json(t.classification ? nnfit::evaluate(model, input, t.labels)
                                         : nnfit::evaluate(model, input, t.values));
  });
  m.def("_save_model", [](const SavedModel& model, const std::string& path) {
    save_model(path, model.model, model.info);
  });
  m.def("_load_model", &load);
}

}  // namespace nnfit::python
