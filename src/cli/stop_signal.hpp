// SIGINT and SIGTERM as a request to stop at the next step boundary: a StopSignal installs the
// handlers for its lifetime; requested() is polled by the training loops. A second signal ends
// the process at once with status 130 (files on disk stay intact: every write is atomic).
#pragma once

#include <csignal>

namespace nnfit::cli {

class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  static bool requested();

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace nnfit::cli
