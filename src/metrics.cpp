#include "nnfit/metrics.hpp"

#include <cmath>

namespace nnfit {

Evaluation evaluate(Model& model, const Loss& loss, const Split& split, Index batch_size,
                    bool with_confusion) {
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
  BatchLoader loader(split, batch_size, false, false, 0);
  Batch batch;
  while (loader.next(batch)) {
    const Matrix& out = model.forward(batch.x);
    loss_sum += loss.evaluate(out, batch.target(), nullptr) * static_cast<double>(batch.size());
    if (classification) {
      for (Index i = 0; i < batch.size(); ++i) {
        Index predicted = 0;
        out.row(i).maxCoeff(&predicted);
        const auto truth = batch.labels[static_cast<std::size_t>(i)];
        correct += predicted == truth;
        if (with_confusion && truth >= 0 && truth < outputs) ++result.confusion(truth, predicted);
      }
    } else if (out.cols() == outputs) {
      for (Index i = 0; i < batch.size(); ++i) {
        const Eigen::ArrayXd y = batch.y.row(i).transpose().cast<double>().array();
        const Eigen::ArrayXd p = out.row(i).transpose().cast<double>().array();
        ss_res += (p - y).square();
        ss_tot += (y - mean).square();
      }
    }
  }
  const double n = static_cast<double>(split.size());
  m.samples = split.size();
  m.loss = loss_sum / n;
  if (classification) {
    m.accuracy = static_cast<double>(correct) / n;
  } else {
    m.rmse = std::sqrt(ss_res.sum() / (n * static_cast<double>(outputs)));
    double r2 = 0.0;
    for (Index j = 0; j < outputs; ++j) r2 += ss_tot[j] > 0 ? 1.0 - ss_res[j] / ss_tot[j] : 0.0;
    m.r2 = r2 / static_cast<double>(outputs);
  }
  return result;
}

}  // namespace nnfit
