#include "nnfit/run_recorder.hpp"

#include <filesystem>

#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/run_lock.hpp"
#include "nnfit/error.hpp"
#include "nnfit/model_file.hpp"
#include "run_files.hpp"

namespace nnfit {

namespace fs = std::filesystem;
using run_files::DiagnosticsFile;

const char* status_name(TrainResult::Status s) {
  switch (s) {
    case TrainResult::Status::finished:
      return "finished";
    case TrainResult::Status::reached_target:
      return "reached the stop_at target";
    case TrainResult::Status::early_stopped:
      return "stopped early (patience)";
    case TrainResult::Status::interrupted:
      return "interrupted";
  }
  return "?";
}

struct RunRecorder::State {
  std::string dir;
  fs::path path, checkpoint;
  bool resuming = false;
  RunDirectoryLock lock;
  // Set by attach().
  const RunConfig* run = nullptr;
  const Data* data = nullptr;
  RunSetup* setup = nullptr;
  Trainer* trainer = nullptr;
  json resolved;
  ModelInfo info;
  std::unique_ptr<DiagnosticsFile> diagnostics;

  State(const std::string& d, Start start)
      : dir(d), path(d), checkpoint(path / "checkpoint.safetensors"), lock(d) {
    resuming = start == Start::resume;
    if (resuming && !fs::exists(checkpoint))
      throw ConfigError(dir + ": no checkpoint.safetensors to resume from");
    if (start == Start::fresh && fs::exists(checkpoint) && !fs::exists(path / "summary.json"))
      throw ConfigError(dir + " holds an unfinished run: --resume " + dir +
                        " to continue it, or --force to start over");
  }

  void save_checkpoint_now() const {
    save_checkpoint(checkpoint.string(), setup->model, info, *setup->optimizer, trainer->state(),
                    resolved);
  }

  // The model, best and checkpoint files, written at the end of every epoch.
  void epoch_end(const EpochRecord& record) const {
    const Model& model = setup->model;
    save_model((path / "model.safetensors").string(), model, info);
    if (record.improved) {
      // The best weights: the current ones, unless patience just restored older ones.
      Model best = Model::from_json(model.spec());
      std::copy(trainer->best_parameters().begin(), trainer->best_parameters().end(),
                best.values());
      save_model((path / "best.safetensors").string(), best, info);
    }
    save_checkpoint_now();
    const TrainConfig& train = run->train;
    if (train.checkpoint_every_epochs > 0 && record.epoch % train.checkpoint_every_epochs == 0)
      run_files::keep_snapshot(checkpoint, path / "checkpoints", record.epoch,
                               train.keep_checkpoints);
  }

  // Loads the checkpoint after checking that it belongs to this very run.
  void resume(const std::string& origin) {
    Checkpoint saved = load_checkpoint(checkpoint.string(), setup->model);
    json before = saved.config, now = resolved;
    before["output"].erase("dir");
    now["output"].erase("dir");
    const auto changed = run_files::differences(before, now);
    if (!changed.empty()) {
      std::string list;
      for (const auto& c : changed) list += (list.empty() ? "" : ", ") + c;
      throw ConfigError(origin + ": differs from the checkpoint's config in " + list +
                        "; a resumed run must be the same run");
    }
    setup->optimizer->load_state(saved.optimizer);
    trainer->restore(saved.trainer_state, checkpoint.string());
  }
};

namespace {
// Checked before the lock is taken (which would create the directory).
const std::string& existing_for_resume(const std::string& dir, RunRecorder::Start start) {
  if (start == RunRecorder::Start::resume && !fs::is_directory(dir))
    throw ConfigError(dir + ": no such run directory to resume");
  return dir;
}
}  // namespace

RunRecorder::RunRecorder(const std::string& dir, Start start)
    : state_(std::make_unique<State>(existing_for_resume(dir, start), start)) {}

RunRecorder::~RunRecorder() = default;

const std::string& RunRecorder::dir() const {
  return state_->dir;
}

bool RunRecorder::resuming() const {
  return state_->resuming;
}

void RunRecorder::attach(const RunConfig& run, const json& resolved, const Data& data,
                         RunSetup& setup, Trainer& trainer, const std::string& origin) {
  State& s = *state_;
  s.run = &run;
  s.data = &data;
  s.setup = &setup;
  s.trainer = &trainer;
  s.resolved = resolved;
  s.info = {data.scaler,        data.task,       data.class_names, {{"nnfit.run", run.name}},
            data.feature_names, data.categorical};
  if (s.resuming)
    s.resume(origin);
  else
    run_files::clear_previous_run(s.path);
  write_file_atomically((s.path / "config.json").string(), resolved.dump(2) + "\n");
  s.diagnostics =
      std::make_unique<DiagnosticsFile>(run, data, setup.model, s.path / "diagnostics.jsonl");
  s.diagnostics->start(s.resuming, static_cast<int>(trainer.history().size()));
}

Trainer::Callbacks RunRecorder::observe(Trainer::Callbacks inner) {
  if (!state_->run) throw ConfigError("RunRecorder::observe: attach() a run first");
  State* s = state_.get();
  Trainer::Callbacks out = inner;
  if (ModelDiagnostics* d = s->diagnostics->get()) {
    out.before_step = [d, inner](const StepProgress& p) {
      d->before_step(p.step_in_epoch == p.steps_per_epoch);
      if (inner.before_step) inner.before_step(p);
    };
    out.on_step = [d, inner](const StepProgress& p) {
      d->after_step(p.step_in_epoch == p.steps_per_epoch);
      if (inner.on_step) inner.on_step(p);
    };
  }
  out.on_epoch_end = [s, inner](const EpochRecord& record) {
    if (inner.on_epoch_end) inner.on_epoch_end(record);
    run_files::write_metrics(s->path, s->trainer->history());
    run_files::write_step_evaluations(s->path, s->trainer->step_evaluations());
    s->diagnostics->epoch(record.epoch);
    s->epoch_end(record);
  };
  return out;
}

void RunRecorder::interrupted() {
  state_->save_checkpoint_now();
}

json RunRecorder::finish(const TrainResult& result, double wall_seconds) {
  State& s = *state_;
  // Patience may have restored the best weights: the final model file is what the run ends with.
  save_model((s.path / "model.safetensors").string(), s.setup->model, s.info);
  const json summary = run_files::make_summary(*s.run, result, s.trainer->history(), wall_seconds,
                                               s.setup->model, *s.data);
  write_file_atomically((s.path / "summary.json").string(), summary.dump(2) + "\n");
  return summary;
}

}  // namespace nnfit
