// nnfit: the umbrella header. Everything an embedder needs:
//   the typed API: Sequential, dense/dropout/prelu, activation("selu"), adam({.lr = ...}),
//   fit / evaluate / predict on Eigen matrices (fit.hpp), RunRecorder for run directories,
//   Model (build from JSON or code, forward/backward, parameters by name, save/load),
//   make_loss / make_optimizer / make_schedule by name or JSON, train_step, Trainer,
//   load_data and the readers, configs, evaluate, model files and checkpoints,
//   register_activation for user-defined activations, check_gradients, Rng.
// This is the core layer (nnfit::core). Experiments (`nnfit compare` as a library) are under
// nnfit/experiments/ (nnfit::experiments: study.hpp runs one), reports under nnfit/report/
// (nnfit::report: compare_report.hpp, suite_report.hpp, run_report.hpp).
#pragma once

#include "nnfit/activation.hpp"
#include "nnfit/activations.hpp"
#include "nnfit/batch_loader.hpp"
#include "nnfit/config.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/error.hpp"
#include "nnfit/fit.hpp"
#include "nnfit/gemm.hpp"
#include "nnfit/gradcheck.hpp"
#include "nnfit/init.hpp"
#include "nnfit/layer.hpp"
#include "nnfit/layers.hpp"
#include "nnfit/loss.hpp"
#include "nnfit/metrics.hpp"
#include "nnfit/model.hpp"
#include "nnfit/model_diagnostics.hpp"
#include "nnfit/model_file.hpp"
#include "nnfit/optimizer.hpp"
#include "nnfit/optimizers.hpp"
#include "nnfit/parallel_step.hpp"
#include "nnfit/registry.hpp"
#include "nnfit/rng.hpp"
#include "nnfit/run_recorder.hpp"
#include "nnfit/run_setup.hpp"
#include "nnfit/safetensors.hpp"
#include "nnfit/schedule.hpp"
#include "nnfit/spec.hpp"
#include "nnfit/train_step.hpp"
#include "nnfit/trainer.hpp"
#include "nnfit/types.hpp"
#include "nnfit/version.hpp"
