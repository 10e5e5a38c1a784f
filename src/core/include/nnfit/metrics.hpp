// Evaluating a model on a split: mean loss, accuracy (classification), RMSE and R^2
// (regression), and a confusion matrix on request. Sums are in double.
#pragma once

#include <optional>
#include <vector>

#include "nnfit/batch_loader.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/loss.hpp"
#include "nnfit/model.hpp"
#include "nnfit/parallel_step.hpp"

namespace nnfit {

struct Metrics {
  Index samples = 0;
  double loss = 0.0;
  std::optional<double> accuracy;  // classification
  // Classification on an evaluated split (validation, test): the mean recall over the classes
  // present in the split (scikit-learn's balanced_accuracy_score; Brodersen et al. 2010), which
  // a model predicting the majority class cannot push above 1 / classes.
  std::optional<double> balanced_accuracy;
  std::optional<double> rmse;  // regression: over all outputs
  std::optional<double> r2;    // regression: mean over outputs of 1 - SS_res / SS_tot
};

// The predicted class of one row of outputs: the index of the largest (the first of equals).
inline std::int32_t predicted_class(const Eigen::Ref<const RowVector>& outputs) {
  Index best = 0;
  outputs.maxCoeff(&best);
  return static_cast<std::int32_t>(best);
}

struct Evaluation {
  Metrics metrics;
  // confusion(true class, predicted class), classification only, when asked for.
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> confusion;
};

// Runs the model in evaluation mode over `split` in batches of `batch_size`, each batch
// split across the threads of `parallel` when given (it must be over `model`).
Evaluation evaluate(Model& model, const Loss& loss, const Split& split, Index batch_size,
                    bool with_confusion = false, ParallelStep* parallel = nullptr);

// Per-class scores from a confusion matrix, as scikit-learn's classification_report: precision
// tp / (tp + fp), recall tp / (tp + fn), F1 their harmonic mean (0 when both are 0, as
// sklearn's zero_division=0), support the class's true count.
struct ClassScores {
  double precision = 0.0, recall = 0.0, f1 = 0.0;
  std::int64_t support = 0;
};
std::vector<ClassScores> class_scores(
    const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& confusion);
// The unweighted mean of the classes' F1 (sklearn's f1_score(average="macro")).
double macro_f1(const std::vector<ClassScores>& scores);

}  // namespace nnfit
