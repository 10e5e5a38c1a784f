#include "nnfit/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/train_step.hpp"

namespace nnfit {

namespace {

using Clock = std::chrono::steady_clock;

// Stream numbers of the run's seed (see the header): batch order and dropout.
constexpr std::uint64_t kBatchOrderStream = 3;
constexpr std::uint64_t kDropoutStream = 4;

void put(json& j, const std::string& prefix, const Metrics& m) {
  if (m.samples == 0) return;
  j[prefix + "_loss"] = m.loss;
  if (m.accuracy) j[prefix + "_accuracy"] = *m.accuracy;
  if (m.balanced_accuracy) j[prefix + "_balanced_accuracy"] = *m.balanced_accuracy;
  if (m.rmse) j[prefix + "_rmse"] = *m.rmse;
  if (m.r2) j[prefix + "_r2"] = *m.r2;
}

Metrics take(const json& j, const std::string& prefix) {
  Metrics m;
  if (!j.contains(prefix + "_loss")) return m;
  m.samples = j.value(prefix + "_samples", Index{1});
  m.loss = j.at(prefix + "_loss").get<double>();
  if (j.contains(prefix + "_accuracy")) m.accuracy = j.at(prefix + "_accuracy").get<double>();
  if (j.contains(prefix + "_balanced_accuracy"))
    m.balanced_accuracy = j.at(prefix + "_balanced_accuracy").get<double>();
  if (j.contains(prefix + "_rmse")) m.rmse = j.at(prefix + "_rmse").get<double>();
  if (j.contains(prefix + "_r2")) m.r2 = j.at(prefix + "_r2").get<double>();
  return m;
}

// The first rows of each class of `split`, in proportion to the class's share (the split is
// already a random stratified sample, so this subset is fixed and stratified too); all of it
// when `size` is 0 or not smaller.
Split stratified_subset(const Split& split, Index size) {
  if (size <= 0 || size >= split.size() || split.samples->task != Task::classification)
    return size > 0 && size < split.size()
               ? Split{split.samples, {split.rows.begin(), split.rows.begin() + size}}
               : split;
  std::map<std::int32_t, std::vector<Index>> by_class;
  for (const Index r : split.rows)
    by_class[split.samples->labels[static_cast<std::size_t>(r)]].push_back(r);
  Split subset{split.samples, {}};
  for (const auto& [label, rows] : by_class) {
    const auto take = static_cast<std::size_t>(
        std::llround(static_cast<double>(size) * static_cast<double>(rows.size()) /
                     static_cast<double>(split.size())));
    subset.rows.insert(subset.rows.end(), rows.begin(),
                       rows.begin() + static_cast<std::ptrdiff_t>(std::min(take, rows.size())));
  }
  std::sort(subset.rows.begin(), subset.rows.end());
  return subset;
}

std::string monitor_of(const TrainConfig& config, const Data& data) {
  if (config.patience) return config.patience->metric;
  return data.validation.empty() ? "train_loss" : "val_loss";
}

}  // namespace

json EpochRecord::to_json() const {
  json j = {{"epoch", epoch},
            {"step", step},
            {"lr", lr},
            {"grad_norm", grad_norm},
            {"epoch_time", epoch_time},
            {"samples_per_second", samples_per_second}};
  put(j, "train", train);
  put(j, "val", validation);
  put(j, "test", test);
  return j;
}

EpochRecord EpochRecord::from_json(const json& j) {
  EpochRecord r;
  r.epoch = j.at("epoch").get<int>();
  r.step = j.at("step").get<std::int64_t>();
  r.lr = j.at("lr").get<double>();
  r.grad_norm = j.at("grad_norm").get<double>();
  r.epoch_time = j.at("epoch_time").get<double>();
  r.samples_per_second = j.at("samples_per_second").get<double>();
  r.train = take(j, "train");
  r.validation = take(j, "val");
  r.test = take(j, "test");
  return r;
}

std::optional<double> EpochRecord::metric(const std::string& name) const {
  const auto underscore = name.find('_');
  if (underscore == std::string::npos) return std::nullopt;
  const std::string split = name.substr(0, underscore), measure = name.substr(underscore + 1);
  const Metrics* m = split == "train"  ? &train
                     : split == "val"  ? &validation
                     : split == "test" ? &test
                                       : nullptr;
  if (!m || m->samples == 0) return std::nullopt;
  if (measure == "loss") return m->loss;
  if (measure == "accuracy") return m->accuracy;
  if (measure == "balanced_accuracy") return m->balanced_accuracy;
  if (measure == "rmse") return m->rmse;
  if (measure == "r2") return m->r2;
  return std::nullopt;
}

Trainer::Trainer(Model& model, const Loss& loss, Optimizer& optimizer, const Schedule& schedule,
                 const Data& data, TrainConfig config, std::uint64_t seed)
    : model_(model),
      loss_(loss),
      optimizer_(optimizer),
      schedule_(schedule),
      data_(data),
      config_(std::move(config)),
      seed_(seed),
      loader_(data.train, config_.batch_size, config_.shuffle, config_.drop_last,
              Rng(seed).fork(kBatchOrderStream).seed()),
      stepper_(model, config_.threads),
      best_parameters_(model.values(), model.values() + model.num_parameters()) {
  if (data.train.empty()) throw ConfigError("train: the training split is empty");
  if (loader_.batches_per_epoch() == 0)
    throw ConfigError("train.batch_size: " + std::to_string(config_.batch_size) +
                      " with drop_last leaves no batch of the " +
                      std::to_string(data.train.size()) + " training samples");
  result_.monitor = monitor_of(config_, data);
  step_split_ = stratified_subset(data.validation, config_.eval_subset);
  // Every metric the run watches must be one it measures: say so now, not after an epoch.
  auto check = [&](const std::string& metric, const std::string& key) {
    const bool classification = data.task == Task::classification;
    std::string missing;
    if (metric.rfind("val_", 0) == 0 && data.validation.empty())
      missing = "there is no validation split (data.validation is 0)";
    if (metric.rfind("test_", 0) == 0 && data.test.empty()) missing = "there is no test split";
    if (metric.ends_with("_accuracy") && !classification)
      missing = "accuracy is for classification";
    if ((metric.ends_with("_rmse") || metric.ends_with("_r2")) && classification)
      missing = "rmse and r2 are for regression";
    if (metric == "train_r2") missing = "R^2 is measured on the validation and test splits only";
    if (!missing.empty())
      throw ConfigError(key + ": the metric '" + metric +
                        "' is not measured in this run: " + missing);
  };
  if (config_.patience) check(config_.patience->metric, "train.patience.metric");
  if (config_.stop_at) check(config_.stop_at->metric, "train.stop_at.metric");
}

void Trainer::diverged(const std::string& what) const {
  // Name the layer: the first whose output went non-finite in the last forward pass, else the
  // first parameter whose gradient did.
  std::string where;
  for (Index i = 0; i < model_.num_layers() && where.empty(); ++i)
    if (!model_.layer_output(i).allFinite())
      where = "; the first non-finite values are in the output of layers." + std::to_string(i) +
              " (" + model_.layer(i).type() + ")";
  for (const auto& info : model_.parameter_info()) {
    if (!where.empty()) break;
    if (!Eigen::Map<const Eigen::ArrayXf>(model_.gradients() + info.offset, info.size).allFinite())
      where = "; the first non-finite gradient is that of " + info.name;
  }
  if (where.empty()) {
    // Everything finite but too large to sum (the norm overflowed): name the largest gradient.
    double largest = -1;
    for (const auto& info : model_.parameter_info()) {
      const double m = Eigen::Map<const Eigen::ArrayXf>(model_.gradients() + info.offset, info.size)
                           .abs()
                           .maxCoeff();
      if (m > largest) {
        largest = m;
        char text[64];
        std::snprintf(text, sizeof text, "%.3g", m);
        where = "; the largest gradient entry is in " + info.name + " (" + text + ")";
      }
    }
  }
  throw DivergedError(
      "diverged at epoch " + std::to_string(epoch_ + 1) + ", batch " +
      std::to_string(step_in_epoch_ + 1) + " of " + std::to_string(loader_.batches_per_epoch()) +
      ": " + what + where +
      (epoch_ == 0 ? std::string("; no epoch finished, so there is no checkpoint")
                   : "; the last checkpoint is from the end of epoch " + std::to_string(epoch_)));
}

TrainResult Trainer::run(const Callbacks& callbacks) {
  if (done_) return result_;
  const Index steps_per_epoch = loader_.batches_per_epoch();
  std::int64_t total_steps = static_cast<std::int64_t>(steps_per_epoch) * config_.epochs;
  if (config_.max_steps > 0) total_steps = std::min(total_steps, config_.max_steps);
  const Rng dropout_base = Rng(seed_).fork(kDropoutStream);
  const bool classification = data_.task == Task::classification;

  while (epoch_ < config_.epochs && optimizer_.steps() < total_steps) {
    loader_.start_epoch(epoch_);
    for (Index skip = 0; skip < step_in_epoch_; ++skip) loader_.next(batch_);  // resumed mid-epoch
    auto started = Clock::now();
    auto progress = [&](Index step_in_epoch) {
      StepProgress p;
      p.epoch = epoch_ + 1;
      p.step_in_epoch = step_in_epoch;
      p.steps_per_epoch = steps_per_epoch;
      p.global_step = optimizer_.steps();
      p.loss = seen_ > 0 ? loss_sum_ / static_cast<double>(seen_) : 0.0;
      p.epoch_elapsed = train_seconds_;
      p.samples_per_second = static_cast<double>(seen_) / std::max(train_seconds_, 1e-9);
      return p;
    };
    while (loader_.next(batch_)) {
      if (callbacks.before_step) callbacks.before_step(progress(step_in_epoch_ + 1));
      const StepResult r = take_step(steps_per_epoch, total_steps, dropout_base);
      accumulate(r, classification);
      ++step_in_epoch_;
      train_seconds_ += std::chrono::duration<double>(Clock::now() - started).count();
      if (config_.eval_every_steps > 0 && optimizer_.steps() % config_.eval_every_steps == 0)
        evaluate_at_step();
      started = Clock::now();
      if (callbacks.on_step) {
        StepProgress p = progress(step_in_epoch_);
        p.step_loss = r.loss;
        callbacks.on_step(p);
      }
      if (callbacks.interrupted && callbacks.interrupted()) {
        result_.status = TrainResult::Status::interrupted;
        return result_;
      }
      if (optimizer_.steps() >= total_steps) break;  // max_steps: this epoch ends here
    }
    end_epoch(callbacks, train_seconds_);
    if (done_) return result_;
  }
  done_ = true;
  result_.status = TrainResult::Status::finished;
  return result_;
}

StepResult Trainer::take_step(Index steps_per_epoch, std::int64_t total_steps,
                              const Rng& dropout_base) {
  const std::int64_t step = optimizer_.steps();
  optimizer_.set_lr(optimizer_.base_lr() * schedule_.factor(step, steps_per_epoch, total_steps));
  Rng dropout = dropout_base.fork(static_cast<std::uint64_t>(step));
  StepResult r;
  try {
    r = stepper_.run(loss_, optimizer_, batch_.x, batch_.target(), dropout,
                     {.clip_norm = config_.clip_norm});
  } catch (const DivergedError& e) {
    diverged(e.what());
  }
  const ParameterView parameters = model_.parameters();
  if (!Eigen::Map<const Eigen::ArrayXf>(parameters.values, parameters.size).allFinite()) {
    for (const auto& info : model_.parameter_info())
      if (!Eigen::Map<const Eigen::ArrayXf>(parameters.values + info.offset, info.size).allFinite())
        diverged("optimiser step " + std::to_string(optimizer_.steps()) + ": parameter " +
                 info.name + " is no longer finite after the update");
  }
  return r;
}

void Trainer::evaluate_at_step() {
  if (step_split_.empty()) return;
  const auto started = Clock::now();
  StepEvaluation e;
  e.step = optimizer_.steps();
  e.validation =
      evaluate(model_, loss_, step_split_, config_.eval_batch_size, false, &stepper_).metrics;
  if (!std::isfinite(e.validation.loss))
    diverged("optimiser step " + std::to_string(e.step) + ": val_loss is " +
             std::to_string(e.validation.loss));
  step_evaluations_.push_back(e);
  EpochRecord as_record;
  as_record.validation = e.validation;
  check_target(as_record, epoch_ + 1, e.step);
  step_evaluation_seconds_ += std::chrono::duration<double>(Clock::now() - started).count();
}

// The stop_at target, first reached at (epoch, step); stopping is decided at epoch ends.
void Trainer::check_target(const EpochRecord& metrics, int epoch, std::int64_t step) {
  if (!config_.stop_at || result_.target_reached) return;
  const auto value = metrics.metric(config_.stop_at->metric);
  if (value && (lower_is_better(config_.stop_at->metric) ? *value <= config_.stop_at->value
                                                         : *value >= config_.stop_at->value))
    result_.target_reached = std::make_pair(epoch, step);
}

// Running training metrics from the step's (training-mode) outputs.
void Trainer::accumulate(const StepResult& r, bool classification) {
  const Index n = batch_.size();
  loss_sum_ += r.loss * static_cast<double>(n);
  grad_norm_sum_ += r.gradient_norm;
  seen_ += n;
  stepper_.for_each_output([&](Index first, const Matrix& out) {
    if (classification) {
      for (Index i = 0; i < out.rows(); ++i)
        correct_ +=
            predicted_class(out.row(i)) == batch_.labels[static_cast<std::size_t>(first + i)];
    } else if (out.cols() == batch_.y.cols()) {
      squared_error_sum_ +=
          (out - batch_.y.middleRows(first, out.rows())).cast<double>().squaredNorm();
      outputs_seen_ += out.size();
    }
  });
}

void Trainer::end_epoch(const Callbacks& callbacks, double train_seconds) {
  const auto started = Clock::now();
  EpochRecord record;
  record.epoch = epoch_ + 1;
  record.step = optimizer_.steps();
  record.lr = optimizer_.lr();
  record.grad_norm = grad_norm_sum_ / static_cast<double>(std::max<Index>(step_in_epoch_, 1));
  record.train.samples = seen_;
  record.train.loss = loss_sum_ / static_cast<double>(seen_);
  if (data_.task == Task::classification) {
    record.train.accuracy = static_cast<double>(correct_) / static_cast<double>(seen_);
  } else if (outputs_seen_ > 0) {
    record.train.rmse = std::sqrt(squared_error_sum_ / static_cast<double>(outputs_seen_));
  }
  if (!data_.validation.empty())
    record.validation =
        evaluate(model_, loss_, data_.validation, config_.eval_batch_size, false, &stepper_)
            .metrics;
  if (!data_.test.empty())
    record.test =
        evaluate(model_, loss_, data_.test, config_.eval_batch_size, false, &stepper_).metrics;
  const double eval_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  record.epoch_time = train_seconds + eval_seconds;
  record.samples_per_second = static_cast<double>(seen_) / std::max(train_seconds, 1e-9);

  // Only the validation loss can end a run: the test split never steers training or tuning,
  // so a non-finite test loss is recorded as it is (the parameters' own check is per step).
  if (record.validation.samples && !std::isfinite(record.validation.loss))
    diverged("val_loss is " + std::to_string(record.validation.loss));

  // The monitored metric: best epoch and patience.
  const auto monitored = record.metric(result_.monitor);
  if (!monitored) throw ConfigError("train: the metric '" + result_.monitor + "' was not measured");
  const double min_delta = config_.patience ? config_.patience->min_delta : 0.0;
  const bool better =
      !best_value_ || (lower_is_better(result_.monitor) ? *monitored < *best_value_ - min_delta
                                                        : *monitored > *best_value_ + min_delta);
  if (better) {
    best_value_ = *monitored;
    result_.best_epoch = record.epoch;
    epochs_without_improvement_ = 0;
    best_parameters_.assign(model_.values(), model_.values() + model_.num_parameters());
    record.improved = true;
  } else {
    ++epochs_without_improvement_;
  }
  history_.push_back(record);

  // Reset the epoch's accumulators before anything can observe the state.
  ++epoch_;
  step_in_epoch_ = 0;
  loss_sum_ = squared_error_sum_ = grad_norm_sum_ = train_seconds_ = 0.0;
  correct_ = seen_ = outputs_seen_ = 0;

  check_target(record, record.epoch, record.step);
  if (config_.stop_at && config_.stop_at->stop && result_.target_reached) {
    result_.status = TrainResult::Status::reached_target;
    done_ = true;
  }
  if (!done_ && config_.patience && epochs_without_improvement_ >= config_.patience->epochs) {
    result_.status = TrainResult::Status::early_stopped;
    done_ = true;
    if (config_.patience->restore_best)
      std::copy(best_parameters_.begin(), best_parameters_.end(), model_.values());
  }
  if (callbacks.on_epoch_end) callbacks.on_epoch_end(history_.back());
}

json Trainer::state() const {
  json history = json::array();
  for (const auto& r : history_) {
    json j = r.to_json();
    j["train_samples"] = r.train.samples;
    j["val_samples"] = r.validation.samples;
    j["test_samples"] = r.test.samples;
    history.push_back(j);
  }
  json s = {{"epoch", epoch_},
            {"step_in_epoch", step_in_epoch_},
            {"loss_sum", loss_sum_},
            {"squared_error_sum", squared_error_sum_},
            {"grad_norm_sum", grad_norm_sum_},
            {"correct", correct_},
            {"seen", seen_},
            {"outputs_seen", outputs_seen_},
            {"train_seconds", train_seconds_},
            {"history", history},
            {"epochs_without_improvement", epochs_without_improvement_},
            {"best_epoch", result_.best_epoch},
            {"done", done_},
            {"status", static_cast<int>(result_.status)}};
  if (best_value_) s["best_value"] = *best_value_;
  json steps = json::array();
  for (const auto& e : step_evaluations_) {
    json j = {e.step, e.validation.samples, e.validation.loss};
    j.push_back(e.validation.accuracy ? json(*e.validation.accuracy) : json());
    j.push_back(e.validation.rmse ? json(*e.validation.rmse) : json());
    j.push_back(e.validation.r2 ? json(*e.validation.r2) : json());
    steps.push_back(j);
  }
  s["step_evaluations"] = steps;
  s["step_evaluation_seconds"] = step_evaluation_seconds_;
  if (result_.target_reached)
    s["target_reached"] = {result_.target_reached->first, result_.target_reached->second};
  return s;
}

namespace {

// state()'s fields, read with their types and ranges checked (nlohmann's get<int> would
// silently truncate 2^40, and a negative epoch would "train epochs -4...2").
struct StateReader {
  const json& state;
  const std::string& origin;

  const json& at(const char* key) const {
    if (!state.is_object() || !state.contains(key))
      throw DataError(origin + ": the trainer state has no \"" + key + "\"");
    return state.at(key);
  }
  std::int64_t integer(const char* key, std::int64_t low, std::int64_t high) const {
    const json& v = at(key);
    if (!v.is_number_integer() || v.get<std::int64_t>() < low || v.get<std::int64_t>() > high ||
        (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(high)))
      throw DataError(origin + ": trainer state \"" + key + "\" is " + brief_json(v) +
                      ", expected an integer in [" + std::to_string(low) + ", " +
                      std::to_string(high) + "]");
    return v.get<std::int64_t>();
  }
  double number(const char* key) const {
    const json& v = at(key);
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw DataError(origin + ": trainer state \"" + key + "\" is " + brief_json(v) +
                      ", expected a finite number");
    return v.get<double>();
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(origin + ": the trainer state is inconsistent: " + what);
  }
};

// Optimiser steps taken at the state's point: finished epochs' steps plus this epoch's.
std::int64_t steps_at(const std::vector<EpochRecord>& history, Index step_in_epoch) {
  return (history.empty() ? 0 : history.back().step) + step_in_epoch;
}

// "step_evaluations": [[step, samples, loss, accuracy|null, rmse|null, r2|null], ...] in
// increasing step order, none beyond `steps`. Absent in checkpoints of older versions.
std::vector<StepEvaluation> read_step_evaluations(const StateReader& r, std::int64_t steps) {
  std::vector<StepEvaluation> out;
  if (!r.state.contains("step_evaluations")) return out;
  const json& list = r.at("step_evaluations");
  if (!list.is_array()) r.fail("\"step_evaluations\" is not an array");
  auto optional = [](const json& v) {
    return v.is_number() ? std::optional(v.get<double>()) : std::nullopt;
  };
  for (const auto& j : list) {
    if (!j.is_array() || j.size() != 6 || !j[0].is_number_integer() || !j[1].is_number_integer() ||
        !j[2].is_number() || !std::isfinite(j[2].get<double>()))
      r.fail("a step evaluation is " + brief_json(j));
    StepEvaluation e;
    e.step = j[0].get<std::int64_t>();
    if (e.step < 1 || e.step > steps || (!out.empty() && e.step <= out.back().step))
      r.fail("step evaluation at step " + std::to_string(e.step) + " is out of order");
    e.validation.samples = j[1].get<Index>();
    e.validation.loss = j[2].get<double>();
    e.validation.accuracy = optional(j[3]);
    e.validation.rmse = optional(j[4]);
    e.validation.r2 = optional(j[5]);
    out.push_back(e);
  }
  return out;
}

}  // namespace

void Trainer::restore(const json& s, const std::string& origin) {
  const StateReader r{s, origin};
  const std::int64_t max_count = std::int64_t{1} << 53;
  epoch_ = static_cast<int>(r.integer("epoch", 0, config_.epochs));
  step_in_epoch_ = r.integer("step_in_epoch", 0, loader_.batches_per_epoch());
  loss_sum_ = r.number("loss_sum");
  squared_error_sum_ = r.number("squared_error_sum");
  grad_norm_sum_ = r.number("grad_norm_sum");
  seen_ = r.integer("seen", 0, max_count);
  correct_ = r.integer("correct", 0, seen_);
  outputs_seen_ = r.integer("outputs_seen", 0, max_count);
  train_seconds_ = r.number("train_seconds");
  history_.clear();
  const json& history = r.at("history");
  if (!history.is_array() || history.size() != static_cast<std::size_t>(epoch_))
    r.fail("\"history\" must list one record for each of the " + std::to_string(epoch_) +
           " finished epochs");
  for (const auto& j : history) {
    try {
      EpochRecord record = EpochRecord::from_json(j);
      record.train.samples = j.value("train_samples", Index{0});
      record.validation.samples = j.value("val_samples", Index{0});
      record.test.samples = j.value("test_samples", Index{0});
      history_.push_back(record);
    } catch (const json::exception& e) {
      r.fail("history record " + std::to_string(history_.size() + 1) + ": " + e.what());
    }
    const EpochRecord& last = history_.back();
    const std::int64_t previous_step = history_.size() > 1 ? history_[history_.size() - 2].step : 0;
    if (last.epoch != static_cast<int>(history_.size()) || last.step < previous_step)
      r.fail("history record " + std::to_string(history_.size()) + " is epoch " +
             std::to_string(last.epoch) + " at step " + std::to_string(last.step));
  }
  epochs_without_improvement_ =
      static_cast<int>(r.integer("epochs_without_improvement", 0, epoch_));
  result_.best_epoch = static_cast<int>(r.integer("best_epoch", 0, epoch_));
  if (!r.at("done").is_boolean()) r.fail("\"done\" is not a boolean");
  done_ = r.at("done").get<bool>();
  result_.status = static_cast<TrainResult::Status>(
      r.integer("status", 0, static_cast<int>(TrainResult::Status::interrupted)));
  if (done_ && history_.empty()) r.fail("\"done\" with no finished epoch");
  if (!history_.empty() && result_.best_epoch == 0) r.fail("no best epoch after an epoch ended");
  best_value_.reset();
  if (s.contains("best_value")) best_value_ = r.number("best_value");
  if (!history_.empty() && !best_value_) r.fail("no \"best_value\" after an epoch ended");
  step_evaluations_ = read_step_evaluations(r, steps_at(history_, step_in_epoch_));
  step_evaluation_seconds_ =
      s.contains("step_evaluation_seconds") ? r.number("step_evaluation_seconds") : 0.0;
  result_.target_reached.reset();
  if (s.contains("target_reached")) {
    const json& t = s.at("target_reached");
    if (!t.is_array() || t.size() != 2 || !t[0].is_number_integer() || !t[1].is_number_integer() ||
        t[0].get<std::int64_t>() < 1 || t[0].get<std::int64_t>() > epoch_ ||
        t[1].get<std::int64_t>() < 0)
      r.fail("\"target_reached\" is " + brief_json(t) + ", expected [epoch, step]");
    result_.target_reached = std::make_pair(t[0].get<int>(), t[1].get<std::int64_t>());
  }
}

}  // namespace nnfit
