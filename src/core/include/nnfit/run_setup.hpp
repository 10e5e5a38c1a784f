// What a run trains, built from a checked RunConfig and its loaded data: the model (sized
// from the data and initialised from the run's seed), the loss, the optimiser and the
// schedule. Shared by `nnfit` and `nnfit compare`, and usable by embedders.
#pragma once

#include <memory>
#include <string>

#include "nnfit/config.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/loss.hpp"
#include "nnfit/model.hpp"
#include "nnfit/optimizer.hpp"
#include "nnfit/schedule.hpp"

namespace nnfit {

struct RunSetup {
  explicit RunSetup(Index inputs) : model(inputs) {}
  Model model;
  std::unique_ptr<Loss> loss;
  std::unique_ptr<Optimizer> optimizer;  // over model's parameters: the setup must not move
  std::unique_ptr<Schedule> schedule;
  json resolved;  // run.resolved with "loss": "auto" resolved
};

// Throws ConfigError (prefixed by `origin`) when the model does not fit the data.
std::unique_ptr<RunSetup> build_run(const RunConfig& run, const Data& data,
                                    const std::string& origin);

}  // namespace nnfit
