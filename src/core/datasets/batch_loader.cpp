// Mini-batches (nnfit/batch_loader.hpp): each epoch's order is a permutation drawn from the
// loader's seed forked by the epoch number, so a resumed run sees the same batches.
#include "nnfit/batch_loader.hpp"

#include <algorithm>

#include "nnfit/error.hpp"

namespace nnfit {

BatchLoader::BatchLoader(const Split& split, Index batch_size, bool shuffle, bool drop_last,
                         std::uint64_t seed)
    : split_(split),
      batch_size_(batch_size),
      shuffle_(shuffle),
      drop_last_(drop_last),
      seed_(seed) {
  if (batch_size <= 0) throw ConfigError("batch size must be positive");
  start_epoch(0);
}

void BatchLoader::start_epoch(std::int64_t epoch) {
  order_ = split_.rows;
  if (shuffle_)
    Rng(seed_).fork(static_cast<std::uint64_t>(epoch)).shuffle(order_.begin(), order_.end());
  position_ = 0;
}

Index BatchLoader::batches_per_epoch() const {
  const Index n = split_.size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

bool BatchLoader::next(Batch& batch) {
  const Index n = split_.size();
  const Index size = std::min(batch_size_, n - position_);
  if (size <= 0 || (drop_last_ && size < batch_size_)) return false;
  const Samples& s = *split_.samples;
  batch.task = s.task;
  batch.x.resize(size, s.x.cols());
  if (s.task == Task::classification) {
    batch.labels.resize(static_cast<std::size_t>(size));
  } else {
    batch.y.resize(size, s.y.cols());
  }
  for (Index i = 0; i < size; ++i) {
    const Index row = order_[static_cast<std::size_t>(position_ + i)];
    batch.x.row(i) = s.x.row(row);
    if (s.task == Task::classification)
      batch.labels[static_cast<std::size_t>(i)] = s.labels[static_cast<std::size_t>(row)];
    else
      batch.y.row(i) = s.y.row(row);
  }
  position_ += size;
  return true;
}

}  // namespace nnfit
