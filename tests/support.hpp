// Helpers shared by the tests: small data sets made in memory and a training loop.
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nnfit/nnfit.hpp>
#include <string>
#include <vector>

namespace nnfit::test {

// A fresh folder under the system's temporary directory, removed with everything in it when
// the object goes.
struct ScratchDir {
  std::filesystem::path dir;
  ScratchDir() {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          ("nnfit-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir);
  }
  ~ScratchDir() { std::filesystem::remove_all(dir); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// An IDX image file of n images of r x c bytes, pixel (i, j) = (i * 7 + j) % 256.
inline std::string idx_images(std::uint32_t n, std::uint32_t r, std::uint32_t c) {
  std::string bytes = std::string("\0\0\x08\x03", 4) + be32(n) + be32(r) + be32(c);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t j = 0; j < r * c; ++j) bytes += static_cast<char>((i * 7 + j) % 256);
  return bytes;
}
inline std::string idx_labels(const std::vector<int>& labels) {
  std::string bytes =
      std::string("\0\0\x08\x01", 4) + be32(static_cast<std::uint32_t>(labels.size()));
  for (int l : labels) bytes += static_cast<char>(l);
  return bytes;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

struct Classification {
  Matrix x;
  std::vector<std::int32_t> y;
};

// The four XOR points, labels 0/1.
inline Classification xor_data() {
  Classification d;
  d.x.resize(4, 2);
  d.x << 0, 0, 0, 1, 1, 0, 1, 1;
  d.y = {0, 1, 1, 0};
  return d;
}

// Two interleaved spirals (Lang and Witbrock 1988 style), n points per arm, light noise.
inline Classification two_spirals(Index n, Rng& rng) {
  Classification d;
  d.x.resize(2 * n, 2);
  for (Index i = 0; i < n; ++i) {
    const double t = 0.25 + 3.0 * static_cast<double>(i) / static_cast<double>(n);  // turns
    const double angle = t * 4.0 / 3.0 * 3.141592653589793;  // two turns per arm
    const double radius = t;  // inputs of order 1 to 3, as after standardisation
    for (int arm = 0; arm < 2; ++arm) {
      const double sign = arm == 0 ? 1.0 : -1.0;
      const Index row = 2 * i + arm;
      d.x(row, 0) = static_cast<float>(sign * radius * std::cos(angle) + 0.02 * rng.normal());
      d.x(row, 1) = static_cast<float>(sign * radius * std::sin(angle) + 0.02 * rng.normal());
      d.y.push_back(arm);
    }
  }
  return d;
}

inline double accuracy(const Matrix& logits, const std::vector<std::int32_t>& labels) {
  Index correct = 0;
  for (Index i = 0; i < logits.rows(); ++i) {
    Index best;
    logits.row(i).maxCoeff(&best);
    correct += best == labels[static_cast<std::size_t>(i)];
  }
  return static_cast<double>(correct) / static_cast<double>(logits.rows());
}

// Full-batch training for `steps` steps under a schedule; returns the final training accuracy.
inline double train_classifier(Model& model, const Classification& data, const json& optimizer,
                               int steps, Rng& rng, const json& schedule = "constant") {
  auto loss = make_loss("softmax_cross_entropy");
  auto opt = make_optimizer(optimizer, model.parameters());
  auto lr = make_schedule(schedule);
  for (int s = 0; s < steps; ++s) {
    opt->set_lr(opt->base_lr() * lr->factor(s, 1, steps));
    train_step(model, *loss, *opt, data.x, data.y, rng);
  }
  return accuracy(model.predict(data.x), data.y);
}

}  // namespace nnfit::test
