// nnfit without JSON: a network from typed layers, trained on Eigen matrices, saved with its
// preprocessing, reloaded and used. Exit status 0 when it learned and reloaded intact.
#include <cmath>
#include <cstdio>
#include <nnfit/nnfit.hpp>

int main() {
  // Any matrix and labels will do: here a disc (class 0) inside a ring (class 1).
  nnfit::Rng rng(1);
  nnfit::Matrix x(600, 2);
  std::vector<std::int32_t> labels(600);
  for (nnfit::Index i = 0; i < x.rows(); ++i) {
    const double radius = i % 2 ? rng.uniform(1.0, 1.5) : rng.uniform(0.0, 0.7);
    const double angle = rng.uniform(0.0, 6.283185307179586);
    x.row(i) << static_cast<float>(radius * std::cos(angle)),
        static_cast<float>(radius * std::sin(angle));
    labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i % 2);
  }

  nnfit::Sequential net{nnfit::dense(64, nnfit::elu()), nnfit::dense(64, "elu"), nnfit::dense(2)};
  nnfit::Fitted fitted = nnfit::fit(net, x, labels,
                                    {.optimizer = nnfit::adam({.lr = 1e-2}),
                                     .schedule = nnfit::cosine_lr(),
                                     .train = {.epochs = 40, .batch_size = 32},
                                     .validation = 0.2,
                                     .scale = "standardize"});
  const nnfit::Metrics metrics = nnfit::evaluate(fitted.model, x, labels);
  std::printf("typed: accuracy %.3f after %zu epochs\n", metrics.accuracy.value_or(0),
              fitted.history.size());

  nnfit::save_model("typed_model.safetensors", fitted.model.model, fitted.model.info);
  nnfit::SavedModel loaded = nnfit::load_model("typed_model.safetensors");
  const bool same = nnfit::predict(loaded, x) == nnfit::predict(fitted.model, x);
  std::printf("typed: reloaded model predicts the same: %s\n", same ? "yes" : "no");
  return metrics.accuracy.value_or(0) >= 0.95 && same ? 0 : 1;
}
