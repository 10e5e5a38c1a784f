#include "nnfit/run_setup.hpp"

#include "nnfit/detail/memory_budget.hpp"
#include "nnfit/error.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

// A loss that cannot mean anything for the task is refused before training, not discovered
// as a loss of 0.0000 (softmax over one output) or an error at the first step.
// What each loss fits is its registry traits' to say.
void check_loss_fits(const Loss& loss, const Data& data, const std::string& origin) {
  const std::string name = loss.name();
  const LossRegistry::Entry* entry = registry().losses.find(name);
  if (!entry) return;  // a loss made in code, not registered: nothing declared to check
  const EntryTraits& fits = entry->traits;
  std::string problem;
  if (fits.task == Task::classification && data.task != Task::classification)
    problem = "is for class labels, but the data is a regression task; use " +
              losses_for(Task::regression);
  else if (data.num_outputs < fits.min_outputs)
    problem = data.num_outputs == 1
                  ? "over a single output is always 0; a model needs one output per class"
                  : "needs at least " + std::to_string(fits.min_outputs) + " outputs, found " +
                        std::to_string(data.num_outputs);
  else if (fits.task == Task::regression && data.task == Task::classification)
    problem = "needs real-valued targets, but the data has class labels; use " +
              losses_for(Task::classification) + " (or set data.task to \"regression\")";
  if (!problem.empty()) throw ConfigError(origin + ": loss: \"" + name + "\" " + problem);
}

// The whole model's parameters and gradients against the machine's memory, before the first
// layer is laid out (Model::add checks layer by layer, which would first fill memory with the
// layers that fit).
void refuse_beyond_memory(const std::vector<std::unique_ptr<Layer>>& layers, Index inputs) {
  Index width = inputs;
  std::uint64_t total = 0;
  for (const auto& layer : layers) {
    width = layer->setup(width);
    for (const auto& shape : layer->parameter_shapes())
      total = saturating_add(total, saturating_multiply(static_cast<std::uint64_t>(shape.rows),
                                                        static_cast<std::uint64_t>(shape.cols)));
  }
  check_fits_in_memory(saturating_multiply(total, 8),
                       "model: " + std::to_string(total) + " parameters, which");
}

}  // namespace

std::unique_ptr<RunSetup> build_run(const RunConfig& run, const Data& data,
                                    const std::string& origin) {
  auto setup = std::make_unique<RunSetup>(data.num_features);
  Model& model = setup->model;
  {
    std::vector<std::unique_ptr<Layer>> layers;
    for (const auto& recipe : run.layers) layers.push_back(recipe.make());
    refuse_beyond_memory(layers, data.num_features);
    for (auto& layer : layers) model.add(std::move(layer));
  }
  if (model.output_size() != data.num_outputs)
    throw ConfigError(origin + ": model.layers: the last layer has " +
                      std::to_string(model.output_size()) + " outputs, but the data has " +
                      std::to_string(data.num_outputs) +
                      (data.task == Task::classification ? " classes" : " regression targets") +
                      "; set the last dense layer's units to " + std::to_string(data.num_outputs));
  Rng init_rng = Rng(run.seed).fork(Stream::init);
  model.initialize(init_rng);
  if (!run.init_from.empty()) model.load_weights(run.init_from);

  setup->loss = run.loss.make();
  check_loss_fits(*setup->loss, data, origin);
  setup->optimizer = run.optimizer.make(model.parameters());
  setup->schedule = run.schedule.make();
  setup->resolved = run.resolved;
  setup->resolved["loss"] = setup->loss->config();
  return setup;
}

}  // namespace nnfit
