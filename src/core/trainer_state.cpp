// A trainer's checkpoint state (Trainer::state and restore, nnfit/trainer.hpp) and the JSON of
// an epoch's record: everything an exact resume needs, read back with every type and range
// checked.
#include <cmath>
#include <map>

#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/trainer.hpp"

namespace nnfit {

namespace {

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
