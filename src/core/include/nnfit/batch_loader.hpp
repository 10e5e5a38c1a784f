// Mini-batches of a split, in an order drawn per epoch from the loader's seed.
#pragma once

#include <cstdint>
#include <vector>

#include "nnfit/dataset.hpp"
#include "nnfit/loss.hpp"

namespace nnfit {

// A mini-batch, gathered into buffers that are reused from batch to batch.
struct Batch {
  Matrix x;
  std::vector<std::int32_t> labels;
  Matrix y;
  Task task = Task::classification;
  Index size() const { return x.rows(); }
  Target target() const { return task == Task::classification ? Target(labels) : Target(y); }
};

// Yields the rows of a split in mini-batches. Each epoch's order is a permutation drawn from
// the loader's seed and the epoch number alone, so epoch e's batches are the same whether or
// not the run was resumed in between.
class BatchLoader {
 public:
  BatchLoader(const Split& split, Index batch_size, bool shuffle, bool drop_last,
              std::uint64_t seed);
  void start_epoch(std::int64_t epoch);
  // Fills `batch` with the next batch of this epoch; false when the epoch is over.
  bool next(Batch& batch);
  Index batches_per_epoch() const;
  Index batch_size() const { return batch_size_; }
  const Split& split() const { return split_; }

 private:
  Split split_;
  Index batch_size_;
  bool shuffle_;
  bool drop_last_;
  std::uint64_t seed_;
  std::vector<Index> order_;
  Index position_ = 0;
};

}  // namespace nnfit
