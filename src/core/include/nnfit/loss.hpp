// Losses: a scalar from the model's output and the batch's targets, with its gradient.
//
// Every loss takes raw model outputs (logits for the classification losses: the softmax or
// sigmoid is fused into the loss for stability) and reduces by the mean, as PyTorch does.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "nnfit/recipe.hpp"
#include "nnfit/spec.hpp"
#include "nnfit/types.hpp"

namespace nnfit {

// The targets of a batch: one class label per row, or a float matrix shaped like the output
// (regression values, one-hot rows or class probabilities, binary 0/1 targets). A view: the
// data must outlive it.
class Target {
 public:
  Target(std::span<const std::int32_t> labels) : labels_(labels) {}     // NOLINT: implicit view
  Target(const std::vector<std::int32_t>& labels) : labels_(labels) {}  // NOLINT
  Target(const Matrix& values) : values_(&values) {}                    // NOLINT
  bool has_labels() const { return values_ == nullptr; }
  std::span<const std::int32_t> labels() const { return labels_; }
  const Matrix& values() const { return *values_; }
  Index rows() const { return values_ ? values_->rows() : static_cast<Index>(labels_.size()); }

 private:
  std::span<const std::int32_t> labels_;
  const Matrix* values_ = nullptr;
};

class Loss {
 public:
  virtual ~Loss() = default;
  virtual std::string name() const = 0;
  virtual json config() const { return json{{"type", name()}}; }
  // Mean loss over the batch (summed in double). output: [batch, k]. When `gradient` is not
  // null it receives dL/doutput, [batch, k]. Throws ConfigError when the target does not fit
  // (wrong shape, a label outside [0, k)).
  virtual double evaluate(const Matrix& output, const Target& target, Matrix* gradient) const = 0;
};

std::unique_ptr<Loss> make_loss(const json& spec, const std::string& path = "loss");

using LossRecipe = Recipe<std::unique_ptr<Loss>()>;

struct HuberOptions {
  double delta = 1.0;  // > 0: squared below it, linear above
};

// Any registered loss by name ("mse", "softmax_cross_entropy"), and huber with its options.
LossRecipe loss(const std::string& name);
LossRecipe huber(const HuberOptions& options = {});

}  // namespace nnfit
