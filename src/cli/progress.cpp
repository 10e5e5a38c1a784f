#include "src/cli/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace nnfit::cli {

std::string format_duration(double seconds) {
  char text[32];
  if (seconds < 1) {
    std::snprintf(text, sizeof text, "%.2f s", seconds);
  } else if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.1f s", seconds);
  } else {
    const auto total = static_cast<long>(std::lround(seconds));
    if (total >= 3600)
      std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60,
                    total % 60);
    else
      std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  }
  return text;
}

Progress::Progress(Output mode, int epochs)
    : mode_(mode), epochs_(epochs), terminal_(::isatty(STDOUT_FILENO) == 1) {}

void Progress::step(const StepProgress& p) {
  if (mode_ != Output::normal || !terminal_) return;
  const auto now = std::chrono::steady_clock::now();
  if (p.step_in_epoch != p.steps_per_epoch && now - last_draw_ < std::chrono::milliseconds(100))
    return;
  last_draw_ = now;
  const int width = 24;
  const double fraction =
      static_cast<double>(p.step_in_epoch) / static_cast<double>(p.steps_per_epoch);
  const int filled = static_cast<int>(fraction * width);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < width) bar += '>';
  bar.resize(width, ' ');
  const double eta = p.epoch_elapsed / std::max(fraction, 1e-9) - p.epoch_elapsed;
  std::printf("\r\033[Kepoch %d/%d [%s] %ld/%ld  loss %.4f  %.0f samples/s  ETA %s", p.epoch,
              epochs_, bar.c_str(), static_cast<long>(p.step_in_epoch),
              static_cast<long>(p.steps_per_epoch), p.loss, p.samples_per_second,
              format_duration(eta).c_str());
  std::fflush(stdout);
  bar_drawn_ = true;
}

void Progress::clear() {
  if (bar_drawn_) {
    std::printf("\r\033[K");
    std::fflush(stdout);
    bar_drawn_ = false;
  }
}

void Progress::epoch(const EpochRecord& r, bool classification) {
  if (mode_ == Output::quiet) return;
  if (mode_ == Output::json) {
    std::printf("%s\n", r.to_json().dump().c_str());
    std::fflush(stdout);
    return;
  }
  clear();
  std::string line = "epoch " + std::to_string(r.epoch) + "/" + std::to_string(epochs_);
  char part[96];
  auto add = [&](const char* name, const Metrics& m) {
    if (m.samples == 0) return;
    std::snprintf(part, sizeof part, "  %s_loss %.4f", name, m.loss);
    line += part;
    if (classification && m.accuracy) {
      std::snprintf(part, sizeof part, " %s_acc %.4f", name, *m.accuracy);
      line += part;
    }
    if (m.rmse) {
      std::snprintf(part, sizeof part, " %s_rmse %.4g", name, *m.rmse);
      line += part;
    }
    if (m.r2) {
      std::snprintf(part, sizeof part, " %s_r2 %.4f", name, *m.r2);
      line += part;
    }
  };
  add("train", r.train);
  add("val", r.validation);
  add("test", r.test);
  std::snprintf(part, sizeof part, "  lr %.3g  %.0f samples/s  %s", r.lr, r.samples_per_second,
                format_duration(r.epoch_time).c_str());
  line += part;
  if (r.improved) line += "  *";
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace nnfit::cli
