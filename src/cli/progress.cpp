#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

int terminal_columns() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const int n = std::atoi(columns);
    if (n > 0) return n;
  }
  return 80;
}

Progress::Progress(Output mode, int epochs)
    : mode_(mode), epochs_(epochs), terminal_(::isatty(STDOUT_FILENO) == 1) {}

// "epoch 3/10 [=====>     ] 412/844 loss 0.4123 ETA 0:12": the bar takes what the terminal
// has left, so the line never wraps (a wrapped line leaves a copy behind at every redraw).
void Progress::step(const StepProgress& p) {
  if (mode_ != Output::normal || !terminal_) return;
  const auto now = std::chrono::steady_clock::now();
  if (p.step_in_epoch != p.steps_per_epoch && now - last_draw_ < std::chrono::milliseconds(100))
    return;
  last_draw_ = now;
  const double fraction =
      static_cast<double>(p.step_in_epoch) / static_cast<double>(p.steps_per_epoch);
  const double eta = p.epoch_elapsed / std::max(fraction, 1e-9) - p.epoch_elapsed;
  char head[64], tail[96];
  std::snprintf(head, sizeof head, "epoch %d/%d ", p.epoch, epochs_);
  std::snprintf(tail, sizeof tail, " %ld/%ld loss %.4f ETA %s", static_cast<long>(p.step_in_epoch),
                static_cast<long>(p.steps_per_epoch), p.loss, format_duration(eta).c_str());
  const int columns = terminal_columns() - 1;  // the last column would wrap on some terminals
  const int room = columns - static_cast<int>(std::strlen(head) + std::strlen(tail)) - 2;
  std::string line = head;
  if (room >= 5) {
    const int filled = static_cast<int>(fraction * room);
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < room) bar += '>';
    bar.resize(static_cast<std::size_t>(room), ' ');
    line += "[" + bar + "]";
  }
  line += tail;
  if (static_cast<int>(line.size()) > columns)
    line.resize(static_cast<std::size_t>(std::max(columns, 0)));
  std::printf("\r\033[K%s", line.c_str());
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

// "epoch 3/10  loss 0.4123 acc 0.8512  val_loss 0.4321 val_acc 0.8433  2.1 s *": training and
// validation only (test metrics come once, in the summary, where they cannot steer choices);
// "*" marks a new best of the monitored metric. Learning rate and speed are in metrics.csv.
void Progress::epoch(const EpochRecord& r, bool classification) {
  if (mode_ == Output::quiet) return;
  if (mode_ == Output::json) {
    std::printf("%s\n", r.to_json().dump().c_str());
    std::fflush(stdout);
    return;
  }
  clear();
  std::string line = "epoch " + std::to_string(r.epoch) + "/" + std::to_string(epochs_);
  char part[64];
  auto add = [&](const char* prefix, const Metrics& m) {
    if (m.samples == 0) return;
    std::snprintf(part, sizeof part, "  %sloss %.4f", prefix, m.loss);
    line += part;
    if (classification && m.accuracy) {
      std::snprintf(part, sizeof part, " %sacc %.4f", prefix, *m.accuracy);
      line += part;
    }
    if (!classification && m.r2) {
      std::snprintf(part, sizeof part, " %sr2 %.4f", prefix, *m.r2);
      line += part;
    }
  };
  add("", r.train);
  add("val_", r.validation);
  line += "  " + format_duration(r.epoch_time);
  if (r.improved) line += " *";
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace nnfit::cli
