#include "stop_signal.hpp"

#include <cstdlib>

#include "commands.hpp"

namespace nnfit::cli {

namespace {

volatile std::sig_atomic_t g_stop_requested = 0;

extern "C" void on_stop_signal(int) {
  if (g_stop_requested) std::_Exit(kInterrupted);
  g_stop_requested = 1;
}

}  // namespace

StopSignal::StopSignal() {
  g_stop_requested = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int_);
  sigaction(SIGTERM, &action, &old_term_);
}

StopSignal::~StopSignal() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool StopSignal::requested() {
  return g_stop_requested != 0;
}

}  // namespace nnfit::cli
