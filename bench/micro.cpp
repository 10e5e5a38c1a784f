// Micro-benchmarks (Google Benchmark): activations, Dense, one training step, and the GEMM
// ceiling -- the step's matrix products alone, with the same Eigen build -- so that the
// step's efficiency is measured against what the matrix products by themselves can do.
//
// build/bench/nnfit_micro --benchmark_filter=... ; counters: "elements/s", "FLOP/s".
#include <benchmark/benchmark.h>

#include <nnfit/nnfit.hpp>

namespace {

nnfit::Matrix random(nnfit::Index rows, nnfit::Index cols, std::uint64_t seed) {
  nnfit::Rng rng(seed);
  nnfit::Matrix m(rows, cols);
  for (nnfit::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.normal());
  return m;
}

// Forward and backward of one activation on a [rows, cols] batch.
void activation(benchmark::State& state, const char* name) {
  const auto rows = state.range(0), cols = state.range(1);
  auto act = nnfit::make_activation(name);
  const nnfit::Matrix x = random(rows, cols, 1), gy = random(rows, cols, 2);
  nnfit::Matrix y, gx;
  for (auto _ : state) {
    act->forward(x, y);
    act->backward(x, y, gy, gx);
    benchmark::DoNotOptimize(gx.data());
  }
  state.counters["elements/s"] = benchmark::Counter(static_cast<double>(rows * cols),
                                                    benchmark::Counter::kIsIterationInvariantRate);
}

// The MLP 784-256-128-10 with `activation`; one train_step per iteration.
void train_step(benchmark::State& state, const char* optimizer, const char* act) {
  const auto batch = state.range(0);
  nnfit::Model model(784);
  model.add({{"type", "dense"}, {"units", 256}, {"activation", act}})
      .add({{"type", "dense"}, {"units", 128}, {"activation", act}})
      .add({{"type", "dense"}, {"units", 10}});
  nnfit::Rng rng(1);
  model.initialize(rng);
  auto loss = nnfit::make_loss("softmax_cross_entropy");
  auto opt = nnfit::make_optimizer(std::string(optimizer) == "adam"
                                       ? nnfit::json{{"type", "adam"}}
                                       : nnfit::json{{"type", "sgd"}, {"momentum", 0.9}},
                                   model.parameters());
  const nnfit::Matrix x = random(batch, 784, 3);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 10);
  for (auto _ : state) nnfit::train_step(model, *loss, *opt, x, labels, rng);
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}

// The matrix products of one training step of 784-256-128-10, nothing else: per layer the
// forward x W^T, the weight gradient gz^T x and (except the first) the input gradient gz W,
// on nnfit's GEMM backend (nnfit::multiply) or, for comparison, on Eigen's own products.
template <bool kEigen>
void gemm_ceiling(benchmark::State& state) {
  const auto batch = state.range(0);
  const std::vector<nnfit::Index> widths = {784, 256, 128, 10};
  std::vector<nnfit::Matrix> x, w, gw, gz, gx, y;
  double flops = 0;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    x.push_back(random(batch, widths[l], l));
    w.push_back(random(widths[l + 1], widths[l], 10 + l));
    gw.push_back(nnfit::Matrix::Zero(widths[l + 1], widths[l]));
    gz.push_back(random(batch, widths[l + 1], 20 + l));
    gx.emplace_back(batch, widths[l]);
    y.emplace_back(batch, widths[l + 1]);
    flops += 2.0 * static_cast<double>(batch * widths[l] * widths[l + 1]) * (l == 0 ? 2 : 3);
  }
  for (auto _ : state) {
    for (std::size_t l = 0; l < w.size(); ++l) {
      if constexpr (kEigen) {
        y[l].noalias() = x[l] * w[l].transpose();
        gw[l].noalias() += gz[l].transpose() * x[l];
        if (l > 0) gx[l].noalias() = gz[l] * w[l];
      } else {
        nnfit::multiply(x[l], false, w[l], true, y[l]);
        nnfit::multiply_add(gz[l], true, x[l], false, gw[l]);
        if (l > 0) nnfit::multiply(gz[l], false, w[l], false, gx[l]);
      }
    }
    benchmark::ClobberMemory();
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK_CAPTURE(activation, relu, "relu")->Args({64, 256})->Args({256, 1024});
BENCHMARK_CAPTURE(activation, leaky_relu, "leaky_relu")->Args({64, 256})->Args({256, 1024});
BENCHMARK_CAPTURE(activation, elu, "elu")->Args({64, 256})->Args({256, 1024});
BENCHMARK_CAPTURE(activation, selu, "selu")->Args({64, 256})->Args({256, 1024});
BENCHMARK_CAPTURE(activation, softsign, "softsign")->Args({64, 256})->Args({256, 1024});
BENCHMARK_CAPTURE(activation, softplus, "softplus")->Args({64, 256})->Args({256, 1024});
BENCHMARK_CAPTURE(activation, tanh, "tanh")->Args({64, 256})->Args({256, 1024});
BENCHMARK_CAPTURE(activation, gelu, "gelu")->Args({64, 256})->Args({256, 1024});
BENCHMARK_CAPTURE(train_step, adam_relu, "adam", "relu")->Arg(64)->Arg(256);
BENCHMARK_CAPTURE(train_step, adam_elu, "adam", "elu")->Arg(64);
BENCHMARK_CAPTURE(train_step, adam_selu, "adam", "selu")->Arg(64);
BENCHMARK_CAPTURE(train_step, adam_softplus, "adam", "softplus")->Arg(64);
BENCHMARK_CAPTURE(train_step, sgd_relu, "sgd", "relu")->Arg(64)->Arg(256);
BENCHMARK(gemm_ceiling<false>)->Name("gemm_ceiling")->Arg(64)->Arg(256);
BENCHMARK(gemm_ceiling<true>)->Name("gemm_ceiling_eigen")->Arg(64)->Arg(256);

BENCHMARK_MAIN();
