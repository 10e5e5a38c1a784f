// Zero heap allocations per training step after the first, counted at malloc itself: this
// test executable interposes glibc's malloc (Eigen allocates with malloc, not operator new,
// and operator new calls malloc too). Under AddressSanitizer, which owns malloc, the count
// is not available and the test says so.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>

#include "nnfit/parallel_step.hpp"
#include "nnfit/trainer.hpp"
#include "tests/support.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define NNFIT_COUNT_MALLOC 0
#else
#define NNFIT_COUNT_MALLOC 1
namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};
}  // namespace
extern "C" void* __libc_malloc(std::size_t size);  // glibc's own allocator
extern "C" void* malloc(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  return __libc_malloc(size);
}
#endif

using namespace nnfit;

namespace {
// Allocations made by `steps` calls of `step` after one warm-up call.
template <class Step>
long allocations_after_first(Step&& step, int steps) {
  step();
#if NNFIT_COUNT_MALLOC
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < steps; ++i) step();
  g_counting = false;
  return g_allocations.load();
#else
  for (int i = 0; i < steps; ++i) step();
  return -1;
#endif
}
}  // namespace

TEST_CASE("a training step allocates nothing after the first (1 and 2 threads, every optimiser)") {
  if (!NNFIT_COUNT_MALLOC) {
    MESSAGE("skipped: allocations are not counted under AddressSanitizer");
    return;
  }
  const Data data = load_data(json{{"source", "blobs"}, {"samples", 512}, {"features", 20}}, 1);
  for (const char* optimizer : {"sgd", "adam", "adamw", "rmsprop"}) {
    for (const int threads : {1, 2}) {
      CAPTURE(optimizer);
      CAPTURE(threads);
      auto model = Model::from_json(json::parse(R"({"inputs": 20, "layers": [
          {"type": "dense", "units": 32, "activation": "elu"}, {"type": "dropout", "rate": 0.1},
          {"type": "dense", "units": 16}, {"type": "prelu"}, {"type": "softplus"},
          {"type": "dense", "units": 3}]})"));
      Rng rng(2);
      model.initialize(rng);
      auto loss = make_loss("softmax_cross_entropy");
      auto opt = make_optimizer(json{{"type", optimizer}}, model.parameters());
      ParallelStep stepper(model, threads);
      BatchLoader loader(data.train, 32, true, true, 3);
      Batch batch;
      std::int64_t epoch = 0;
      auto step = [&] {
        if (!loader.next(batch)) {
          loader.start_epoch(++epoch);
          loader.next(batch);
        }
        stepper.run(*loss, *opt, batch.x, batch.target(), rng, {.clip_norm = 1.0});
      };
      // 40 steps span more than two epochs of 16 batches: reshuffling allocates nothing either.
      CHECK(allocations_after_first(step, 40) == 0);
    }
  }
}

TEST_CASE("the counting hook counts: building a matrix allocates") {
  if (!NNFIT_COUNT_MALLOC) return;
  const long counted = allocations_after_first(
      [] {
        Matrix m(10, 10);
        float* data = m.data();
        asm volatile("" : : "g"(data) : "memory");  // keep the compiler from eliding it
      },
      3);
  CHECK(counted == 3);
}
