// The one random number generator of nnfit: xoshiro256** seeded through splitmix64.
//
// There is no global RNG. Every function that draws random numbers takes an Rng& so that a
// seed fixes a run completely. The algorithm is written here (not std::mt19937 plus
// std::normal_distribution, whose output differs between standard libraries) so that a seed
// gives the same numbers on every platform.
#pragma once

#include <cstdint>
#include <utility>

namespace nnfit {

// The named streams of a seed. Each consumer forks its own, so that changing one (a split
// fraction, dropout) leaves the others' draws alone. The numbers are what every committed
// record was made with: never renumber them.
enum class Stream : std::uint64_t {
  data_generator = 1,  // a generator's samples, from the data seed (datasets/dataset.cpp)
  data_split = 2,      // validation and test splits, from the data seed
  batch_order = 3,     // each epoch's batch order, from the run's seed (trainer.cpp)
  dropout = 4,         // dropout masks, forked again per step
  init = 5,            // initial weights, forked again per layer (run_setup.cpp)
};

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

  void reseed(std::uint64_t seed);

  // An independent generator derived from this one's seed and `stream`, without advancing
  // this one: fork(1) always gives the same stream for the same seed, whatever was drawn.
  Rng fork(std::uint64_t stream) const;
  Rng fork(Stream stream) const { return fork(static_cast<std::uint64_t>(stream)); }

  std::uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Standard normal (Box-Muller, both values used).
  double normal();
  double normal(double mean, double stddev) { return mean + stddev * normal(); }
  // Uniform integer in [0, n), unbiased (Lemire's method).
  std::uint64_t below(std::uint64_t n);
  bool bernoulli(double p) { return uniform() < p; }

  // Fisher-Yates shuffle of [first, last).
  template <class It>
  void shuffle(It first, It last) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) {
      const auto j = below(i);
      using std::swap;
      swap(first[static_cast<std::ptrdiff_t>(i - 1)], first[static_cast<std::ptrdiff_t>(j)]);
    }
  }

  std::uint64_t seed() const { return seed_; }

 private:
  std::uint64_t seed_ = 0;
  std::uint64_t s_[4] = {};
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace nnfit
