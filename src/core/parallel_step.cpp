#include "nnfit/parallel_step.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "nnfit/detail/denormals.hpp"
#include "nnfit/error.hpp"
#include "optimizers/flat.hpp"

namespace nnfit {

// A fixed set of threads that run one job at a time: run(job) calls job(t) for t = 0..n-1,
// job(0) on the caller's thread, and returns when all are done (rethrowing the first error).
// A training step dispatches three jobs a few hundred microseconds apart, and waking a thread
// blocked on a condition variable takes tens of microseconds here, so waiting threads spin
// for a millisecond before they block (and so give the core back on a shared machine).
class WorkerPool {
 public:
  explicit WorkerPool(int threads) : errors_(static_cast<std::size_t>(threads)) {
    for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }
  // Calls job(t) on every thread; `job` is called through a plain function pointer (a
  // std::function might allocate on every step).
  template <class Job>
  void run(Job& job) {
    context_ = &job;
    invoke_ = [](void* context, int t) { (*static_cast<Job*>(context))(t); };
    pending_.store(static_cast<int>(workers_.size()));
    {
      std::lock_guard lock(mutex_);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    call(0);
    if (!spin([&] { return pending_.load() == 0; })) {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return pending_.load() == 0; });
    }
    context_ = nullptr;
    for (auto& error : errors_)
      if (error) std::rethrow_exception(std::exchange(error, nullptr));
  }

 private:
  // Spins until ready() or a millisecond has passed, measured by the clock: a count of
  // pause instructions was 1 ms on one CPU and 0.37 ms on another (pause takes 50 ns on
  // Intel's Skylake, 18 ns on AMD's Zen 5), and a worker that blocks between two jobs of one
  // step costs tens of microseconds to wake.
  template <class Ready>
  static bool spin(Ready&& ready) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
    for (;;) {
      for (int i = 0; i < 64; ++i) {
        if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
      if (std::chrono::steady_clock::now() >= deadline) return ready();
    }
  }
  void call(int t) {
    const FlushDenormals flush;  // each thread's own floating-point mode
    try {
      invoke_(context_, t);
    } catch (...) {
      errors_[static_cast<std::size_t>(t)] = std::current_exception();
    }
  }
  void work(int t) {
    std::uint64_t seen = 0;
    for (;;) {
      if (!spin([&] { return generation_.load() != seen; })) {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen; });
      }
      seen = generation_.load();
      if (stopping_) return;
      call(t);
      if (pending_.fetch_sub(1) == 1) {
        std::lock_guard lock(mutex_);
        done_.notify_one();
      }
    }
  }

  std::vector<std::thread> workers_;
  std::vector<std::exception_ptr> errors_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  void* context_ = nullptr;
  void (*invoke_)(void*, int) = nullptr;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  bool stopping_ = false;
};

namespace {
// [begin, end) of part t of n items split into `parts`, inner boundaries rounded down to a
// multiple of `align` (16 floats for parameter ranges, so that no two threads write into one
// cache line; 1 for the rows of a batch).
std::pair<Index, Index> range_of(Index n, int parts, int t, Index align) {
  auto edge = [&](int k) {
    if (k == parts) return n;
    return std::min(n, (n * k / parts) / align * align);
  };
  return {edge(t), edge(t + 1)};
}
}  // namespace

ParallelStep::ParallelStep(Model& model, int threads) : model_(model), threads_(threads) {
  if (threads < 1)
    throw ConfigError("threads must be at least 1, found " + std::to_string(threads));
  for (int t = 1; t < threads; ++t) replicas_.push_back(model.replica());
  if (threads > 1) pool_ = std::make_unique<WorkerPool>(threads);
  x_parts_.resize(static_cast<std::size_t>(threads));
  y_parts_.resize(static_cast<std::size_t>(threads));
  first_row_.assign(static_cast<std::size_t>(threads), 0);
  losses_.assign(static_cast<std::size_t>(threads), 0.0);
  squares_.assign(static_cast<std::size_t>(threads), 0.0);
}

ParallelStep::~ParallelStep() = default;

void ParallelStep::forward(const Matrix& x) {
  if (threads_ == 1 || x.rows() < 2 * threads_) {
    parts_ = 1;
    first_row_[0] = 0;
    model_.forward(x);
    return;
  }
  parts_ = threads_;
  const Index rows = x.rows();
  auto job = [&](int t) {
    const auto [begin, end] = range_of(rows, threads_, t, 1);
    const auto part = static_cast<std::size_t>(t);
    first_row_[part] = begin;
    Matrix& xs = x_parts_[part];
    xs = x.middleRows(begin, end - begin);
    (t == 0 ? model_ : replicas_[part - 1]).forward(xs);
  };
  pool_->run(job);
}

StepResult ParallelStep::run(const Loss& loss, Optimizer& optimizer, const Matrix& x,
                             const Target& y, Rng& rng, const StepOptions& options) {
  if (threads_ == 1 || x.rows() < threads_) {
    parts_ = 1;
    first_row_[0] = 0;
    return train_step(model_, loss, optimizer, x, y, rng, options);
  }
  parts_ = threads_;
  const FlushDenormals flush;  // for the parts of the step on this thread outside jobs
  const Index rows = x.rows();
  const auto batch = static_cast<double>(rows);
  auto forward_backward = [&](int t) {
    const auto [begin, end] = range_of(rows, threads_, t, 1);
    const auto part = static_cast<std::size_t>(t);
    first_row_[part] = begin;
    Model& m = t == 0 ? model_ : replicas_[part - 1];
    Matrix& xs = x_parts_[part];
    xs = x.middleRows(begin, end - begin);
    Rng local = rng.fork(static_cast<std::uint64_t>(t));
    m.zero_grad();
    m.forward(xs, {.training = true, .rng = &local});
    const float share = static_cast<float>(static_cast<double>(end - begin) / batch);
    if (y.has_labels()) {
      losses_[part] = m.backward(loss,
                                 Target(y.labels().subspan(static_cast<std::size_t>(begin),
                                                           static_cast<std::size_t>(end - begin))),
                                 share) *
                      share;
    } else {
      y_parts_[part] = y.values().middleRows(begin, end - begin);
      losses_[part] = m.backward(loss, Target(y_parts_[part]), share) * share;
    }
  };
  pool_->run(forward_backward);
  StepResult result;
  for (const double l : losses_) result.loss += l;  // in thread order: deterministic

  // Sum the replicas' gradients into the model's, each thread one range, in thread order, and
  // the squared norm of the sum while it is in cache (float blocks added in double, as
  // gradient_norm() does; the partial sums are added in thread order).
  const Index n = model_.num_parameters();
  auto reduce = [&](int t) {
    const auto [begin, end] = range_of(n, threads_, t, 16);
    double squares = 0.0;
    for_each_block(begin, end, [&](Index start, Index size) {
      auto total = block_of(model_.gradients(), start, size);
      for (auto& r : replicas_) total += block_of(r.gradients(), start, size);
      squares += static_cast<double>(total.matrix().squaredNorm());
    });
    squares_[static_cast<std::size_t>(t)] = squares;
  };
  pool_->run(reduce);

  const ParameterView view = model_.parameters();
  double squares = 0.0;
  for (const double s : squares_) squares += s;
  result.gradient_norm = std::sqrt(squares);
  if (options.clip_norm > 0.0) clip_gradients(view, result.gradient_norm, options.clip_norm);
  if (!std::isfinite(result.loss) || !std::isfinite(result.gradient_norm))
    throw DivergedError(nonfinite_message(optimizer.steps() + 1, result));

  const std::int64_t number = optimizer.steps() + 1;
  auto update = [&](int t) {
    const auto [begin, end] = range_of(n, threads_, t, 16);
    optimizer.update(begin, end, number);
  };
  pool_->run(update);
  optimizer.finish_step();
  return result;
}

}  // namespace nnfit
