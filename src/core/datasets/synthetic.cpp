// Synthetic problems, the quick ones on which activations differ visibly. Each takes
// "samples" (default 1000) and draws everything from the Rng it is given. Classification
// sets cycle through the classes sample by sample, so any prefix is balanced.
//
//   spirals       k arms ("arms" 2) winding "turns" (2) times: r = t, angle = 2 pi (turns t + a/k),
//                 t uniform in [0.05, 1]; Gaussian "noise" (0.02) on both coordinates
//   moons         sklearn's make_moons: two interleaving half circles, "noise" (0.1)
//   circles       sklearn's make_circles: radii 1 and "factor" (0.8), "noise" (0.05)
//   xor           x uniform in [-1, 1]^2, label = (x0 > 0) xor (x1 > 0), "noise" (0) added after
//   blobs         sklearn's make_blobs: "centers" (3) uniform in [-10, 10]^"features" (2),
//                 Gaussian clusters of std "cluster_std" (1)
//   checkerboard  x uniform in [-1, 1]^2 on a "tiles" x "tiles" (4) board, label = colour
//   sine          regression: x uniform in [-pi, pi] (or evenly spaced with "grid": true),
//                 y = sin(x) + N(0, "noise" (0.1))
//   friedman1     regression (Friedman 1991, sklearn's make_friedman1): x uniform in [0,
//   1]^"features"
//                 (10, at least 5), y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + N(0,
//                 "noise" (0))
#include <cmath>
#include <numbers>

#include "nnfit/detail/memory_budget.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

constexpr double kPi = std::numbers::pi;

// The generated values must fit in memory: 10^8 samples of 10^5 features would be 40 TB.
void check_size(Index n, Index features) {
  check_fits_in_memory(saturating_multiply(static_cast<std::uint64_t>(n),
                                           static_cast<std::uint64_t>(features + 1) * 4),
                       "data: " + std::to_string(n) + " generated samples of " +
                           std::to_string(features) + " features");
}

Samples classification(Index n, Index features, int classes) {
  check_size(n, features);
  Samples s;
  s.x.resize(n, features);
  s.labels.resize(static_cast<std::size_t>(n));
  s.task = Task::classification;
  for (int c = 0; c < classes; ++c) s.class_names.push_back(std::to_string(c));
  return s;
}

struct SpiralsOptions {
  Index samples = 1000;
  int arms = 2;
  double turns = 2.0;
  double noise = 0.02;
};
struct MoonsOptions {
  Index samples = 1000;
  double noise = 0.1;
};
struct CirclesOptions {
  Index samples = 1000;
  double factor = 0.8;
  double noise = 0.05;
};
struct XorOptions {
  Index samples = 1000;
  double noise = 0.0;
};
struct BlobsOptions {
  Index samples = 1000;
  int centers = 3;
  Index features = 2;
  double cluster_std = 1.0;
};
struct CheckerboardOptions {
  Index samples = 1000;
  int tiles = 4;
};
struct SineOptions {
  Index samples = 1000;
  double noise = 0.1;
  bool grid = false;
};
struct Friedman1Options {
  Index samples = 1000;
  Index features = 10;
  double noise = 0.0;
};

SourceLoader spirals(const SpiralsOptions& o) {
  const Index n = o.samples;
  const int arms = o.arms;
  const double turns = o.turns, noise = o.noise;
  return [=](Rng& rng) -> SourceData {
    Samples s = classification(n, 2, arms);
    for (Index i = 0; i < n; ++i) {
      const int arm = static_cast<int>(i % arms);
      const double t = rng.uniform(0.05, 1.0);
      const double angle = 2.0 * kPi * (turns * t + static_cast<double>(arm) / arms);
      s.x(i, 0) = static_cast<float>(t * std::cos(angle) + noise * rng.normal());
      s.x(i, 1) = static_cast<float>(t * std::sin(angle) + noise * rng.normal());
      s.labels[static_cast<std::size_t>(i)] = arm;
    }
    return {std::move(s), std::nullopt};
  };
}

SourceLoader moons(const MoonsOptions& o) {
  const Index n = o.samples;
  const double noise = o.noise;
  return [=](Rng& rng) -> SourceData {
    Samples s = classification(n, 2, 2);
    const Index outer = (n + 1) / 2, inner = n / 2;
    for (Index i = 0; i < n; ++i) {
      const int moon = static_cast<int>(i % 2);
      const Index k = i / 2;
      const double theta = kPi * static_cast<double>(k) /
                           static_cast<double>(std::max<Index>((moon ? inner : outer) - 1, 1));
      const double x = moon ? 1.0 - std::cos(theta) : std::cos(theta);
      const double y = moon ? 0.5 - std::sin(theta) : std::sin(theta);
      s.x(i, 0) = static_cast<float>(x + noise * rng.normal());
      s.x(i, 1) = static_cast<float>(y + noise * rng.normal());
      s.labels[static_cast<std::size_t>(i)] = moon;
    }
    return {std::move(s), std::nullopt};
  };
}

SourceLoader circles(const CirclesOptions& o) {
  const Index n = o.samples;
  const double factor = o.factor, noise = o.noise;
  return [=](Rng& rng) -> SourceData {
    Samples s = classification(n, 2, 2);
    for (Index i = 0; i < n; ++i) {
      const int inner = static_cast<int>(i % 2);
      const double theta = 2.0 * kPi * rng.uniform();
      const double r = inner ? factor : 1.0;
      s.x(i, 0) = static_cast<float>(r * std::cos(theta) + noise * rng.normal());
      s.x(i, 1) = static_cast<float>(r * std::sin(theta) + noise * rng.normal());
      s.labels[static_cast<std::size_t>(i)] = inner;
    }
    return {std::move(s), std::nullopt};
  };
}

SourceLoader xor_problem(const XorOptions& o) {
  const Index n = o.samples;
  const double noise = o.noise;
  return [=](Rng& rng) -> SourceData {
    Samples s = classification(n, 2, 2);
    for (Index i = 0; i < n; ++i) {
      const int label = static_cast<int>(i % 2);
      // Draw a quadrant of the wanted colour, then a point in it.
      const bool x_positive = rng.bernoulli(0.5);
      const bool y_positive = label ? !x_positive : x_positive;
      const double x = rng.uniform() * (x_positive ? 1 : -1);
      const double y = rng.uniform() * (y_positive ? 1 : -1);
      s.x(i, 0) = static_cast<float>(x + noise * rng.normal());
      s.x(i, 1) = static_cast<float>(y + noise * rng.normal());
      s.labels[static_cast<std::size_t>(i)] = label;
    }
    return {std::move(s), std::nullopt};
  };
}

SourceLoader blobs(const BlobsOptions& o) {
  const Index n = o.samples;
  const int centers = o.centers;
  const Index features = o.features;
  const double stddev = o.cluster_std;
  return [=](Rng& rng) -> SourceData {
    Samples s = classification(n, features, centers);
    Matrix center(centers, features);
    for (Index i = 0; i < center.size(); ++i)
      center.data()[i] = static_cast<float>(rng.uniform(-10, 10));
    for (Index i = 0; i < n; ++i) {
      const int c = static_cast<int>(i % centers);
      for (Index j = 0; j < features; ++j)
        s.x(i, j) = static_cast<float>(center(c, j) + stddev * rng.normal());
      s.labels[static_cast<std::size_t>(i)] = c;
    }
    return {std::move(s), std::nullopt};
  };
}

SourceLoader checkerboard(const CheckerboardOptions& o) {
  const Index n = o.samples;
  const int tiles = o.tiles;
  return [=](Rng& rng) -> SourceData {
    Samples s = classification(n, 2, 2);
    for (Index i = 0; i < n; ++i) {
      const int label = static_cast<int>(i % 2);
      // Rejection: draw until the point falls on a square of the wanted colour (half do).
      double x, y;
      int colour;
      do {
        x = rng.uniform(-1, 1);
        y = rng.uniform(-1, 1);
        const int cx = std::min(tiles - 1, static_cast<int>((x + 1) / 2 * tiles));
        const int cy = std::min(tiles - 1, static_cast<int>((y + 1) / 2 * tiles));
        colour = (cx + cy) % 2;
      } while (colour != label);
      s.x(i, 0) = static_cast<float>(x);
      s.x(i, 1) = static_cast<float>(y);
      s.labels[static_cast<std::size_t>(i)] = label;
    }
    return {std::move(s), std::nullopt};
  };
}

Samples regression(Index n, Index features) {
  check_size(n, features);
  Samples s;
  s.task = Task::regression;
  s.x.resize(n, features);
  s.y.resize(n, 1);
  return s;
}

SourceLoader sine(const SineOptions& o) {
  const Index n = o.samples;
  const double noise = o.noise;
  const bool grid = o.grid;
  return [=](Rng& rng) -> SourceData {
    Samples s = regression(n, 1);
    for (Index i = 0; i < n; ++i) {
      const double x = grid ? -kPi + 2 * kPi * static_cast<double>(i) /
                                         static_cast<double>(std::max<Index>(n - 1, 1))
                            : rng.uniform(-kPi, kPi);
      s.x(i, 0) = static_cast<float>(x);
      s.y(i, 0) = static_cast<float>(std::sin(x) + noise * rng.normal());
    }
    return {std::move(s), std::nullopt};
  };
}

SourceLoader friedman1(const Friedman1Options& o) {
  const Index n = o.samples;
  const Index features = o.features;
  const double noise = o.noise;
  return [=](Rng& rng) -> SourceData {
    Samples s = regression(n, features);
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < features; ++j) s.x(i, j) = static_cast<float>(rng.uniform());
      const double x0 = s.x(i, 0), x1 = s.x(i, 1), x2 = s.x(i, 2), x3 = s.x(i, 3), x4 = s.x(i, 4);
      s.y(i, 0) = static_cast<float>(10 * std::sin(kPi * x0 * x1) + 20 * (x2 - 0.5) * (x2 - 0.5) +
                                     10 * x3 + 5 * x4 + noise * rng.normal());
    }
    return {std::move(s), std::nullopt};
  };
}

// Every generator's fields start with the sample count.
template <class Options>
Schema<Options> generator(double noise_high = 100.0) {
  return Schema<Options>()
      .integer("samples", &Options::samples, "how many samples to generate", 2, 100'000'000)
      .number("noise", &Options::noise, "the standard deviation of the Gaussian noise added",
              {0.0, noise_high});
}

// The registry's builder for a generator: the loader, run with the data seed's stream.
template <class Options>
auto loader(SourceLoader (*make)(const Options&)) {
  return [make](const Options& o, Rng& rng) { return make(o)(rng); };
}

}  // namespace

void add_synthetic_sources(Registries& r) {
  auto& s = r.sources;
  const EntryTraits regression =
      EntryTraits::source_task([](const json&) { return Task::regression; });
  s.add("spirals", "k interleaved spiral arms (classification)",
        generator<SpiralsOptions>()
            .integer("arms", &SpiralsOptions::arms, "spiral arms, one class each", 2, 100)
            .number("turns", &SpiralsOptions::turns, "turns of each arm", {0.0, 100.0, true}),
        loader(spirals));
  s.add("moons", "two interleaving half circles (classification)", generator<MoonsOptions>(),
        loader(moons));
  s.add("circles", "a circle inside another (classification)",
        generator<CirclesOptions>().number("factor", &CirclesOptions::factor,
                                           "the inner circle's radius", {0.0, 1.0, true, true}),
        loader(circles));
  s.add("xor", "the four quadrants, opposite ones alike (classification)", generator<XorOptions>(),
        loader(xor_problem));
  s.add("blobs", "Gaussian clusters (classification)",
        Schema<BlobsOptions>()
            .integer("samples", &BlobsOptions::samples, "how many samples to generate", 2,
                     100'000'000)
            .integer("centers", &BlobsOptions::centers, "clusters, one class each", 2, 1000)
            .integer("features", &BlobsOptions::features, "dimensions", 1, 100000)
            .number("cluster_std", &BlobsOptions::cluster_std, "each cluster's standard deviation",
                    {0.0, 1e6}),
        loader(blobs));
  s.add("checkerboard", "a tiles x tiles board of two colours (classification)",
        Schema<CheckerboardOptions>()
            .integer("samples", &CheckerboardOptions::samples, "how many samples to generate", 2,
                     100'000'000)
            .integer("tiles", &CheckerboardOptions::tiles, "tiles per side", 2, 1000),
        loader(checkerboard));
  s.add("sine", "y = sin(x) + noise on [-pi, pi] (regression)",
        generator<SineOptions>().boolean("grid", &SineOptions::grid,
                                         "false: x uniform at random; true: evenly spaced"),
        loader(sine), regression);
  s.add("friedman1", "Friedman #1 benchmark function (regression)",
        generator<Friedman1Options>(1e6).integer("features", &Friedman1Options::features,
                                                 "inputs; y depends on the first five", 5, 100000),
        loader(friedman1), regression);
}

}  // namespace nnfit
