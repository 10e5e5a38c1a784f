// What `nnfit` prints while it trains: a progress bar redrawn in place on a terminal, one
// plain line per epoch otherwise, one JSON object per epoch with --json, nothing with --quiet.
#pragma once

#include <chrono>
#include <string>

#include "commands.hpp"
#include "nnfit/trainer.hpp"

namespace nnfit::cli {

class Progress {
 public:
  Progress(Output mode, int epochs);
  void step(const StepProgress& p);
  void epoch(const EpochRecord& record, bool classification);
  // Clears a half-drawn bar before other output.
  void clear();

 private:
  Output mode_;
  int epochs_;
  bool terminal_;
  bool bar_drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

// "1:05", "12.3 s"
std::string format_duration(double seconds);

}  // namespace nnfit::cli
