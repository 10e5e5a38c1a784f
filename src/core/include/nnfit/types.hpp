// Basic numeric types shared by every part of nnfit.
//
// Public convention (the same as PyTorch): a batch is a float32 matrix with one sample per
// row, [batch, features]. Matrices are row-major so that a sample is contiguous in memory and
// a batch gathered from a dataset is a plain copy of rows.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace nnfit {

using Index = Eigen::Index;
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;
using Vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;
using RowVectorMap = Eigen::Map<RowVector>;

}  // namespace nnfit
