// The nnfit side of the end-to-end benchmark: the same work as bench/torch_mlp.py, through
// nnfit's public API (load_data, BatchLoader, train_step), timed the same way: the epoch's
// batch gathering and its training steps, after a warm-up. Prints one JSON object.
//
// nnfit_mlp --layers 784,256,128,10 --activation relu --batch 64 --optimizer adam
//           [--data fashion_mnist|random:N] [--seconds 3] [--inference]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nnfit/nnfit.hpp>
#include <sstream>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::vector<nnfit::Index> widths = {784, 256, 128, 10};
  std::string activation = "relu";
  nnfit::Index batch = 64;
  std::string optimizer = "adam";
  std::string data = "fashion_mnist";
  double seconds = 3.0;
  bool inference = false;
  int threads = 1;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    const bool has_value = i + 1 < argc;
    auto value = [&]() -> std::string {
      if (!has_value) throw nnfit::ConfigError(key + " needs a value");
      return argv[++i];
    };
    if (key == "--layers") {
      a.widths.clear();
      std::stringstream in(value());
      for (std::string w; std::getline(in, w, ',');) a.widths.push_back(std::stol(w));
    } else if (key == "--activation")
      a.activation = value();
    else if (key == "--batch")
      a.batch = std::stol(value());
    else if (key == "--optimizer")
      a.optimizer = value();
    else if (key == "--data")
      a.data = value();
    else if (key == "--seconds")
      a.seconds = std::stod(value());
    else if (key == "--inference")
      a.inference = true;
    else if (key == "--threads")
      a.threads = std::stoi(value());
    else
      throw nnfit::ConfigError("unknown argument " + key);
  }
  return a;
}

// Random inputs (and targets) of the network's shape: --data random:N.
nnfit::Samples random_samples(const Args& args, bool regression) {
  const auto n = std::stol(args.data.substr(args.data.find(':') + 1));
  nnfit::Samples s;
  nnfit::Rng rng(0);
  s.x.resize(n, args.widths.front());
  for (nnfit::Index i = 0; i < s.x.size(); ++i) s.x.data()[i] = static_cast<float>(rng.normal());
  if (regression) {
    s.task = nnfit::Task::regression;
    s.y.resize(n, 1);
    for (nnfit::Index i = 0; i < n; ++i) s.y(i, 0) = static_cast<float>(rng.normal());
  } else {
    const auto classes = static_cast<std::uint64_t>(args.widths.back());
    for (nnfit::Index i = 0; i < n; ++i)
      s.labels.push_back(static_cast<std::int32_t>(rng.below(classes)));
    for (std::uint64_t c = 0; c < classes; ++c) s.class_names.push_back(std::to_string(c));
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args args = parse(argc, argv);
    const bool regression = args.widths.back() == 1;
    const nnfit::Data data =
        args.data == "fashion_mnist"
            ? nnfit::load_data({{"source", "fashion_mnist"}, {"scale", "standardize"}}, 1)
            : nnfit::prepare_data(random_samples(args, regression), std::nullopt,
                                  nnfit::json::object(), 1);

    nnfit::Model model(args.widths.front());
    for (std::size_t i = 1; i < args.widths.size(); ++i) {
      nnfit::json layer = {{"type", "dense"}, {"units", args.widths[i]}, {"init", "torch_default"}};
      if (i + 1 < args.widths.size()) layer["activation"] = args.activation;
      model.add(layer);
    }
    nnfit::Rng rng(1);
    model.initialize(rng);
    auto loss = nnfit::make_loss(regression ? "mse" : "softmax_cross_entropy");
    auto optimizer = nnfit::make_optimizer(
        args.optimizer == "adam" ? nnfit::json{{"type", "adam"}, {"lr", 1e-3}}
                                 : nnfit::json{{"type", "sgd"}, {"lr", 0.01}, {"momentum", 0.9}},
        model.parameters());

    if (args.inference) {
      // As `nnfit eval` does it: batches of 1024, each split across the threads.
      nnfit::ParallelStep parallel(model, args.threads);
      nnfit::BatchLoader loader(data.train, 1024, false, false, 0);
      nnfit::Batch batch;
      double done = 0;
      const auto start = Clock::now();
      double elapsed = 0;
      while (elapsed < args.seconds) {
        loader.start_epoch(0);
        while (loader.next(batch)) {
          parallel.forward(batch.x);
          done += static_cast<double>(batch.size());
        }
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      }
      std::printf(
          "{\"framework\": \"nnfit\", \"version\": \"%s\", \"threads\": %d, \"inference\": true, "
          "\"samples_per_second\": %.1f}\n",
          nnfit::kVersion, args.threads, done / elapsed);
      return 0;
    }

    nnfit::ParallelStep stepper(model, args.threads);
    nnfit::BatchLoader loader(data.train, args.batch, true, true, 1);
    nnfit::Batch batch;
    std::int64_t epoch = 0;
    auto run = [&](double limit) {
      std::int64_t steps = 0;
      const auto start = Clock::now();
      double elapsed = 0;
      while (elapsed < limit) {
        loader.start_epoch(epoch++);
        while (loader.next(batch)) {
          stepper.run(*loss, *optimizer, batch.x, batch.target(), rng);
          ++steps;
          elapsed = std::chrono::duration<double>(Clock::now() - start).count();
          if (elapsed >= limit) break;
        }
      }
      return std::make_pair(steps, elapsed);
    };
    run(0.5);  // warm-up
    const auto [steps, elapsed] = run(args.seconds);
    std::printf(
        "{\"framework\": \"nnfit\", \"version\": \"%s\", \"threads\": %d, "
        "\"samples_per_second\": %.1f, \"seconds_per_step\": %.9f, \"steps\": %ld}\n",
        nnfit::kVersion, args.threads, static_cast<double>(steps * args.batch) / elapsed,
        elapsed / static_cast<double>(steps), static_cast<long>(steps));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nnfit_mlp: %s\n", e.what());
    return 2;
  }
}
