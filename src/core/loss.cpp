// Built-in losses. Every loss reduces by the mean, like PyTorch's default reduction='mean',
// and sums in double so that long batches lose nothing to float rounding.
//
//   softmax_cross_entropy  -log softmax(z)[label], fused as logsumexp(z) - z[label];
//                          with a float target t (one-hot or probabilities): -sum t log softmax(z).
//                          Mean over rows. d/dz = (softmax(z) * sum(t) - t) / batch.
//   mse                    mean over all elements of (z - t)^2 (no 1/2). d/dz = 2 (z - t) / n.
//   binary_cross_entropy   from logits: max(z, 0) - z t + log1p(exp(-|z|)), mean over all
//                          elements (BCEWithLogitsLoss). d/dz = (sigmoid(z) - t) / n.
//   huber                  0.5 d^2 if |d| < delta else delta (|d| - delta/2), d = z - t,
//                          mean over all elements (HuberLoss, delta = 1). d/dz = clamp(d,
//                          +-delta)/n.
#include <cmath>

#include "nnfit/error.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

// The checks take the loss itself and ask for its name only when they fail: building the name
// string on every call would allocate on every training step.
void check_rows(const Loss& loss, const Matrix& output, const Target& target) {
  if (target.rows() != output.rows())
    throw ConfigError(loss.name() + ": the batch has " + std::to_string(output.rows()) +
                      " outputs but " + std::to_string(target.rows()) + " targets");
}

void check_same_shape(const Loss& loss, const Matrix& output, const Target& target) {
  check_rows(loss, output, target);
  if (target.has_labels())
    throw ConfigError(loss.name() +
                      " needs float targets shaped like the output, not class labels");
  if (target.values().cols() != output.cols())
    throw ConfigError(loss.name() + ": the output has " + std::to_string(output.cols()) +
                      " columns but the target has " + std::to_string(target.values().cols()));
}

class SoftmaxCrossEntropy final : public Loss {
 public:
  std::string name() const override { return "softmax_cross_entropy"; }
  double evaluate(const Matrix& z, const Target& target, Matrix* gradient) const override {
    check_rows(*this, z, target);
    const Index k = z.cols();
    if (!target.has_labels() && target.values().cols() != k)
      throw ConfigError(name() + ": the output has " + std::to_string(k) +
                        " classes but the target rows have " +
                        std::to_string(target.values().cols()) + " columns");
    if (gradient) gradient->resize(z.rows(), k);
    const double inv_batch = 1.0 / static_cast<double>(z.rows());
    double total = 0.0;
    for (Index i = 0; i < z.rows(); ++i) {
      const float max = z.row(i).maxCoeff();
      double sum = 0.0;
      for (Index j = 0; j < k; ++j) sum += std::exp(static_cast<double>(z(i, j) - max));
      const double log_sum = std::log(sum) + max;
      double target_sum = 1.0;
      if (target.has_labels()) {
        const auto label = target.labels()[static_cast<std::size_t>(i)];
        if (label < 0 || label >= k)
          throw ConfigError(name() + ": label " + std::to_string(label) + " in row " +
                            std::to_string(i) + " is outside [0, " + std::to_string(k) + ")");
        total += log_sum - z(i, label);
      } else {
        target_sum = 0.0;
        for (Index j = 0; j < k; ++j) {
          const double t = target.values()(i, j);
          target_sum += t;
          total -= t * (z(i, j) - log_sum);
        }
      }
      if (!gradient) continue;
      for (Index j = 0; j < k; ++j) {
        double g = std::exp(z(i, j) - log_sum) * target_sum;
        if (!target.has_labels()) g -= target.values()(i, j);
        (*gradient)(i, j) = static_cast<float>(g * inv_batch);
      }
      if (target.has_labels())
        (*gradient)(i, target.labels()[static_cast<std::size_t>(i)]) -=
            static_cast<float>(inv_batch);
    }
    return total * inv_batch;
  }
};

class MeanSquaredError final : public Loss {
 public:
  std::string name() const override { return "mse"; }
  double evaluate(const Matrix& z, const Target& target, Matrix* gradient) const override {
    check_same_shape(*this, z, target);
    const Matrix& t = target.values();
    const double inv_n = 1.0 / static_cast<double>(z.size());
    double total = 0.0;
    for (Index i = 0; i < z.size(); ++i) {
      const double d = static_cast<double>(z.data()[i]) - t.data()[i];
      total += d * d;
    }
    if (gradient) {
      gradient->resize(z.rows(), z.cols());
      gradient->array() = (z.array() - t.array()) * static_cast<float>(2.0 * inv_n);
    }
    return total * inv_n;
  }
};

class BinaryCrossEntropy final : public Loss {
 public:
  std::string name() const override { return "binary_cross_entropy"; }
  double evaluate(const Matrix& z, const Target& target, Matrix* gradient) const override {
    check_rows(*this, z, target);
    if (target.has_labels() && z.cols() != 1)
      throw ConfigError(name() + " with class labels needs one output column, found " +
                        std::to_string(z.cols()));
    if (!target.has_labels()) check_same_shape(*this, z, target);
    const double inv_n = 1.0 / static_cast<double>(z.size());
    if (gradient) gradient->resize(z.rows(), z.cols());
    double total = 0.0;
    for (Index i = 0; i < z.size(); ++i) {
      double t;
      if (target.has_labels()) {
        const auto label = target.labels()[static_cast<std::size_t>(i)];
        if (label != 0 && label != 1)
          throw ConfigError(name() + ": label " + std::to_string(label) + " in row " +
                            std::to_string(i) + " is not 0 or 1");
        t = label;
      } else {
        t = target.values().data()[i];
      }
      const double x = z.data()[i];
      total += std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::abs(x)));
      if (gradient)
        gradient->data()[i] = static_cast<float>((1.0 / (1.0 + std::exp(-x)) - t) * inv_n);
    }
    return total * inv_n;
  }
};

class Huber final : public Loss {
 public:
  explicit Huber(double delta) : delta_(delta) {}
  std::string name() const override { return "huber"; }
  json config() const override;
  double evaluate(const Matrix& z, const Target& target, Matrix* gradient) const override {
    check_same_shape(*this, z, target);
    const Matrix& t = target.values();
    const double inv_n = 1.0 / static_cast<double>(z.size());
    if (gradient) gradient->resize(z.rows(), z.cols());
    double total = 0.0;
    for (Index i = 0; i < z.size(); ++i) {
      const double d = static_cast<double>(z.data()[i]) - t.data()[i];
      const double a = std::abs(d);
      total += a < delta_ ? 0.5 * d * d : delta_ * (a - 0.5 * delta_);
      if (gradient)
        gradient->data()[i] = static_cast<float>(std::clamp(d, -delta_, delta_) * inv_n);
    }
    return total * inv_n;
  }

 private:
  double delta_;
};

const Schema<HuberOptions>& huber_schema() {
  static const auto schema = Schema<HuberOptions>().number(
      "delta", &HuberOptions::delta, "where the loss turns from squared to linear",
      Bounds::positive(1e30));
  return schema;
}

json Huber::config() const {
  json spec = huber_schema().write({delta_});
  spec["type"] = name();
  return spec;
}

std::unique_ptr<Loss> build_huber(const HuberOptions& options) {
  return std::make_unique<Huber>(options.delta);
}

}  // namespace

// Traits: what each loss fits (checked against the data before training, run_setup.cpp) and
// which one "loss": "auto" picks per task. Softmax over one output is constant (always 0);
// binary cross-entropy takes 0/1 labels over one output or 0/1 targets, so either task.
void add_builtin_losses(Registries& r) {
  r.losses.add(
      "softmax_cross_entropy", "fused log-softmax + negative log-likelihood, from logits",
      []() -> std::unique_ptr<Loss> { return std::make_unique<SoftmaxCrossEntropy>(); },
      EntryTraits::loss_for(Task::classification, true, 2));
  r.losses.add(
      "mse", "mean squared error over all elements",
      []() -> std::unique_ptr<Loss> { return std::make_unique<MeanSquaredError>(); },
      EntryTraits::loss_for(Task::regression, true));
  r.losses.add("binary_cross_entropy", "sigmoid + binary cross-entropy, from logits",
               []() -> std::unique_ptr<Loss> { return std::make_unique<BinaryCrossEntropy>(); });
  r.losses.add("huber", "squared below delta, linear above", huber_schema(), build_huber,
               EntryTraits::loss_for(Task::regression, false));
}

std::unique_ptr<Loss> make_loss(const json& spec, const std::string& path) {
  return build(registry().losses, spec, path);
}

LossRecipe loss(const std::string& name) {
  return recipe_named(registry().losses, name, "loss");
}

LossRecipe huber(const HuberOptions& options) {
  return LossRegistry::recipe("huber", huber_schema(), options, build_huber);
}

}  // namespace nnfit
