// Feature scaling (nnfit/scaler.hpp): statistics in double over the training rows.
#include "nnfit/scaler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nnfit/error.hpp"

namespace nnfit {

Scaler Scaler::fit(const std::string& type, const Matrix& x, const std::vector<Index>& rows,
                   double pixel_max) {
  Scaler s;
  s.type = type;
  const Index d = x.cols();
  if (type == "none") return s;
  if (type == "unit") {
    s.offset = RowVector::Zero(d);
    s.factor = RowVector::Constant(d, static_cast<float>(1.0 / pixel_max));
    return s;
  }
  s.offset.resize(d);
  s.factor.resize(d);
  if (type == "standardize_global") {
    // One mean and population sd over every feature of the training rows (torchvision's
    // Normalize for images), in double.
    double sum = 0, squares = 0;
    for (const Index r : rows) {
      const Eigen::ArrayXd v = x.row(r).transpose().cast<double>().array();
      sum += v.sum();
      squares += v.square().sum();
    }
    const double n = static_cast<double>(rows.size()) * static_cast<double>(d);
    const double mean = sum / n;
    const double stddev = std::sqrt(std::max(0.0, squares / n - mean * mean));
    s.offset.setConstant(static_cast<float>(mean));
    s.factor.setConstant(
        static_cast<float>(stddev > 1e-6 * std::max(1.0, std::abs(mean)) ? 1.0 / stddev : 1.0));
  } else if (type == "standardize") {
    // Mean and population standard deviation (as sklearn's StandardScaler), in double.
    Eigen::ArrayXd sum = Eigen::ArrayXd::Zero(d), squares = Eigen::ArrayXd::Zero(d);
    for (const Index r : rows) {
      const Eigen::ArrayXd v = x.row(r).transpose().cast<double>().array();
      sum += v;
      squares += v * v;
    }
    const double n = static_cast<double>(rows.size());
    for (Index j = 0; j < d; ++j) {
      const double mean = sum[j] / n;
      const double variance = std::max(0.0, squares[j] / n - mean * mean);
      const double stddev = std::sqrt(variance);
      s.offset[j] = static_cast<float>(mean);
      s.factor[j] =
          static_cast<float>(stddev > 1e-6 * std::max(1.0, std::abs(mean)) ? 1.0 / stddev : 1.0);
    }
  } else if (type == "minmax") {
    RowVector low = RowVector::Constant(d, std::numeric_limits<float>::infinity());
    RowVector high = -low;
    for (const Index r : rows) {
      low = low.cwiseMin(x.row(r));
      high = high.cwiseMax(x.row(r));
    }
    for (Index j = 0; j < d; ++j) {
      s.offset[j] = low[j];
      const double range = static_cast<double>(high[j]) - low[j];
      s.factor[j] = static_cast<float>(range > 0 ? 1.0 / range : 1.0);
    }
  } else {
    throw ConfigError("unknown scaling '" + type +
                      "'; valid: none, unit, standardize, standardize_global, minmax");
  }
  return s;
}

void Scaler::apply(Matrix& x) const {
  if (identity()) return;
  x = ((x.rowwise() - offset).array().rowwise() * factor.array()).matrix();
  if (clip > 0) x = x.cwiseMax(static_cast<float>(-clip)).cwiseMin(static_cast<float>(clip));
}

}  // namespace nnfit
