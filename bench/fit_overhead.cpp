// The C++ side of bench/python_overhead.py: nnfit::fit() on arrays read from a raw file (the
// Python side's exact arrays), timed around the call as Python times nnfit.fit(). Prints one
// JSON object: {"seconds": [...], "steps": N}.
//
// fit_overhead ARRAYS CONFIG.json REPEATS
//   ARRAYS: int64 rows, cols, kind (0: int32 labels, 1: float32 targets, one column), then the
//   float32 rows x cols features, then the targets. CONFIG: a fit config (nnfit::read_fit_config).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nnfit/nnfit.hpp>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: fit_overhead ARRAYS CONFIG.json REPEATS\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::int64_t header[3] = {0, 0, 0};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  nnfit::Matrix x(header[0], header[1]);
  in.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(x.size() * 4));
  std::vector<std::int32_t> labels;
  nnfit::Matrix targets;
  if (header[2] == 0) {
    labels.resize(static_cast<std::size_t>(header[0]));
    in.read(reinterpret_cast<char*>(labels.data()),
            static_cast<std::streamsize>(labels.size() * 4));
  } else {
    targets.resize(header[0], 1);
    in.read(reinterpret_cast<char*>(targets.data()), static_cast<std::streamsize>(header[0] * 4));
  }
  if (!in) {
    std::fprintf(stderr, "fit_overhead: %s is shorter than its header says\n", argv[1]);
    return 3;
  }
  std::ifstream config_file(argv[2]);
  const nnfit::FitConfig config = nnfit::read_fit_config(nnfit::json::parse(config_file), argv[2]);
  std::string seconds;
  std::int64_t steps = 0;
  for (int r = 0; r < std::stoi(argv[3]); ++r) {
    const auto start = std::chrono::steady_clock::now();
    const nnfit::Fitted fitted = header[2] == 0
                                     ? nnfit::fit(config.network, x, labels, config.options)
                                     : nnfit::fit(config.network, x, targets, config.options);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    seconds += (seconds.empty() ? "" : ", ") + std::to_string(s);
    steps = fitted.history.back().step;
  }
  std::printf("{\"seconds\": [%s], \"steps\": %lld}\n", seconds.c_str(),
              static_cast<long long>(steps));
  return 0;
}
