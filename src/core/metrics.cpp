#include "nnfit/metrics.hpp"

#include <cmath>
#include <span>

namespace nnfit {

namespace {

// The mean recall over the classes that have rows (scikit-learn's balanced_accuracy_score).
std::optional<double> balanced_accuracy(const std::vector<std::int64_t>& rows,
                                        const std::vector<std::int64_t>& right) {
  double recall_sum = 0;
  int present = 0;
  for (std::size_t c = 0; c < rows.size(); ++c)
    if (rows[c] > 0) {
      recall_sum += static_cast<double>(right[c]) / static_cast<double>(rows[c]);
      ++present;
    }
  return present > 0 ? std::optional(recall_sum / present) : std::nullopt;
}

}  // namespace

Evaluation evaluate(Model& model, const Loss& loss, const Split& split, Index batch_size,
                    bool with_confusion, ParallelStep* parallel) {
  Evaluation result;
  Metrics& m = result.metrics;
  if (split.empty()) return result;
  const Samples& samples = *split.samples;
  const bool classification = samples.task == Task::classification;
  const Index outputs = classification ? model.output_size() : samples.y.cols();
  if (with_confusion && classification) result.confusion.setZero(outputs, outputs);

  // Regression R^2 needs each output's mean over the split first.
  Eigen::ArrayXd mean = Eigen::ArrayXd::Zero(outputs);
  if (!classification) {
    for (const Index r : split.rows) mean += samples.y.row(r).transpose().cast<double>().array();
    mean /= static_cast<double>(split.size());
  }
  Eigen::ArrayXd ss_res = Eigen::ArrayXd::Zero(outputs), ss_tot = Eigen::ArrayXd::Zero(outputs);
  double loss_sum = 0.0;
  std::int64_t correct = 0;
  // Per class: rows of it, and rows of it predicted right (balanced accuracy).
  std::vector<std::int64_t> class_rows(classification ? static_cast<std::size_t>(outputs) : 0),
      class_right(class_rows.size());
  BatchLoader loader(split, batch_size, false, false, 0);
  Batch batch;
  // One part of a batch: `out` holds the outputs of rows [first, first + out.rows()).
  auto score = [&](Index first, const Matrix& out) {
    const Index rows = out.rows();
    if (classification) {
      const std::span<const std::int32_t> labels(batch.labels.data() + first,
                                                 static_cast<std::size_t>(rows));
      loss_sum += loss.evaluate(out, Target(labels), nullptr) * static_cast<double>(rows);
      for (Index i = 0; i < rows; ++i) {
        const std::int32_t predicted = predicted_class(out.row(i));
        const auto truth = labels[static_cast<std::size_t>(i)];
        correct += predicted == truth;
        if (truth >= 0 && truth < outputs) {
          ++class_rows[static_cast<std::size_t>(truth)];
          class_right[static_cast<std::size_t>(truth)] += predicted == truth;
        }
        if (with_confusion && truth >= 0 && truth < outputs) ++result.confusion(truth, predicted);
      }
    } else {
      const Matrix y = batch.y.middleRows(first, rows);
      loss_sum += loss.evaluate(out, Target(y), nullptr) * static_cast<double>(rows);
      if (out.cols() != outputs) return;
      for (Index i = 0; i < rows; ++i) {
        const Eigen::ArrayXd t = y.row(i).transpose().cast<double>().array();
        const Eigen::ArrayXd p = out.row(i).transpose().cast<double>().array();
        ss_res += (p - t).square();
        ss_tot += (t - mean).square();
      }
    }
  };
  while (loader.next(batch)) {
    if (parallel) {
      parallel->forward(batch.x);
      parallel->for_each_output(score);
    } else {
      score(0, model.forward(batch.x));
    }
  }
  const double n = static_cast<double>(split.size());
  m.samples = split.size();
  m.loss = loss_sum / n;
  if (classification) {
    m.accuracy = static_cast<double>(correct) / n;
    m.balanced_accuracy = balanced_accuracy(class_rows, class_right);
  } else {
    m.rmse = std::sqrt(ss_res.sum() / (n * static_cast<double>(outputs)));
    double r2 = 0.0;
    for (Index j = 0; j < outputs; ++j) r2 += ss_tot[j] > 0 ? 1.0 - ss_res[j] / ss_tot[j] : 0.0;
    m.r2 = r2 / static_cast<double>(outputs);
  }
  return result;
}

std::vector<ClassScores> class_scores(
    const Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>& confusion) {
  std::vector<ClassScores> scores(static_cast<std::size_t>(confusion.rows()));
  for (Index c = 0; c < confusion.rows(); ++c) {
    const auto tp = static_cast<double>(confusion(c, c));
    const auto predicted = static_cast<double>(confusion.col(c).sum());
    ClassScores& s = scores[static_cast<std::size_t>(c)];
    s.support = confusion.row(c).sum();
    s.precision = predicted > 0 ? tp / predicted : 0.0;
    s.recall = s.support > 0 ? tp / static_cast<double>(s.support) : 0.0;
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
  }
  return scores;
}

double macro_f1(const std::vector<ClassScores>& scores) {
  double sum = 0.0;
  for (const auto& s : scores) sum += s.f1;
  return scores.empty() ? 0.0 : sum / static_cast<double>(scores.size());
}

}  // namespace nnfit
