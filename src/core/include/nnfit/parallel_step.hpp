// Training steps on several threads: data parallelism inside one batch.
//
// The batch's rows are split into contiguous parts, one per thread; thread t runs forward and
// backward on its part with its own replica of the model (shared parameter values, own
// gradients and workspaces) and scales its loss gradient by its share of the rows. The
// gradients are then summed in thread order, each thread summing one range of parameters,
// and the optimiser updates disjoint parameter ranges in parallel. The result is the same for
// a given thread count on every run; with one thread it is exactly train_step().
#pragma once

#include <memory>
#include <vector>

#include "nnfit/model.hpp"
#include "nnfit/train_step.hpp"

namespace nnfit {

class WorkerPool;

class ParallelStep {
 public:
  ParallelStep(Model& model, int threads);
  ~ParallelStep();
  ParallelStep(const ParallelStep&) = delete;
  ParallelStep& operator=(const ParallelStep&) = delete;

  int threads() const { return threads_; }
  // One step, as train_step(); `rng` drives dropout (thread t of several draws from fork(t)).
  StepResult run(const Loss& loss, Optimizer& optimizer, const Matrix& x, const Target& y, Rng& rng,
                 const StepOptions& options = {});
  // Evaluation-mode forward of `x` split across the threads (no gradients, no dropout); read
  // the outputs with for_each_output(). A row's output does not depend on the other rows,
  // but Eigen may block a product differently for a different row count, so outputs can
  // differ in the last bits between thread counts.
  void forward(const Matrix& x);
  // The last step's (or forward's) outputs part by part: f(first row of the part, its output
  // rows).
  template <class F>
  void for_each_output(F&& f) const {
    for (int t = 0; t < parts_; ++t)
      f(first_row_[static_cast<std::size_t>(t)],
        (t == 0 ? model_ : replicas_[static_cast<std::size_t>(t - 1)])
            .layer_output(model_.num_layers() - 1));
  }

 private:
  Model& model_;
  int threads_;
  int parts_ = 1;  // parts of the last step (1 when the batch had fewer rows than threads)
  std::vector<Model> replicas_;
  std::unique_ptr<WorkerPool> pool_;
  std::vector<Matrix> x_parts_, y_parts_;
  std::vector<Index> first_row_;
  std::vector<double> losses_;
  std::vector<double> squares_;  // each thread's share of the squared gradient norm
};

}  // namespace nnfit
