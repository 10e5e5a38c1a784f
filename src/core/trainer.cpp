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
              Rng(seed).fork(Stream::batch_order).seed()),
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
  const Rng dropout_base = Rng(seed_).fork(Stream::dropout);
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

}  // namespace nnfit
