// The MPI engine of `nnfit compare` (src/cli/mpi_engine.hpp).
//
// Messages, all on MPI_COMM_WORLD:
//   worker -> 0   kReady   (empty)       at start: give me a run
//   0 -> worker   kTask    RunTask JSON  train this
//   worker -> 0   kResult  RunRecord JSON   the run's record; also "give me the next"
//   0 -> worker   kStop    (empty)       no more runs: exit
// Rank 0 writes every record, so the shared file system sees one writer per file. A stage
// (a tuning rung) is a barrier: its last record must be back before the next stage's runs
// exist, so the ranks that finish early wait, idle, for the next kTask or kStop.
#include "mpi_engine.hpp"

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "commands.hpp"
#include "nnfit/detail/json_text.hpp"
#include "stop_signal.hpp"

namespace nnfit::cli::mpi {

namespace {

enum Tag : int { kReady = 1, kTask = 2, kResult = 3, kStop = 4 };

void send_text(const std::string& text, int to, int tag) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

// Receives the message `status` announced (after MPI_Probe).
std::string receive_text(const MPI_Status& status) {
  int size = 0;
  MPI_Get_count(&status, MPI_CHAR, &size);
  std::string text(static_cast<std::size_t>(size), '\0');
  MPI_Recv(text.data(), size, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  return text;
}

// Waits for the next message from `source` (or any) and returns its envelope. Open MPI's
// blocking probe spins a core at 100% while it waits; rank 0 waits for the whole study and
// the workers wait at every stage barrier, so poll and sleep instead: a millisecond of latency
// per run costs nothing next to a run, and the cores stay with the training ranks.
MPI_Status wait_for_message(int source) {
  MPI_Status status;
  for (int flag = 0;;) {
    MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    if (flag) return status;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

// Rank 0's view of the workers, kept from one stage to the next.
struct Workers {
  std::deque<int> idle;  // asked for work, got none yet
};

}  // namespace

bool launched() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}

Session::Session(int* argc, char*** argv) {
  if (!launched()) return;
  int provided = 0;
  // Only the main thread calls MPI; training threads never do.
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  active_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

Session::~Session() {
  if (active_) MPI_Finalize();
}

void Session::abort(int code) const {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);  // not reached
}

RunEngine coordinator(int ranks, std::function<bool()> interrupted) {
  auto workers = std::make_shared<Workers>();
  return [=](const std::vector<RunTask>& tasks,
             const std::function<void(std::size_t, RunRecord)>& finished) {
    std::size_t next = 0;
    std::map<int, std::size_t> running;  // rank -> task
    const auto give = [&](int rank) {
      if (next < tasks.size() && !(interrupted && interrupted())) {
        send_text(tasks[next].to_json().dump(), rank, kTask);
        running[rank] = next++;
      } else {
        workers->idle.push_back(rank);
      }
    };
    for (std::size_t n = workers->idle.size(); n > 0; --n) {
      const int rank = workers->idle.front();
      workers->idle.pop_front();
      give(rank);
    }
    // Wait while runs are out, or while runs remain and some rank has not asked yet.
    try {
      while (!running.empty() || (next < tasks.size() && !(interrupted && interrupted()) &&
                                  static_cast<int>(workers->idle.size()) < ranks - 1)) {
        const MPI_Status status = wait_for_message(MPI_ANY_SOURCE);
        const std::string text = receive_text(status);
        const int rank = status.MPI_SOURCE;
        if (status.MPI_TAG == kResult) {
          const std::size_t k = running.at(rank);
          running.erase(rank);
          const std::string origin =
              "the record of run " + std::to_string(k) + " from rank " + std::to_string(rank);
          finished(k, RunRecord::from_json(parse_json_text(text, origin, JsonBlame::data)));
        }
        give(rank);
      }
    } catch (const std::exception& e) {
      // Runs are still out on other ranks: they cannot be told to stop cleanly. Every record
      // written so far is kept; the same command reuses them.
      std::fprintf(stderr, "nnfit: %s\nnnfit: stopping every rank\n", e.what());
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  };
}

void release_workers(int ranks) {
  for (int rank = 1; rank < ranks; ++rank) send_text("", rank, kStop);
}

int serve() {
  StopSignal stop;
  try {
    send_text("", 0, kReady);
    for (;;) {
      const MPI_Status status = wait_for_message(0);
      const std::string text = receive_text(status);
      if (status.MPI_TAG == kStop) return kSuccess;
      const RunTask task =
          RunTask::from_json(parse_json_text(text, "a run from rank 0", JsonBlame::data));
      // A failed run is a record (run_task does not throw for it); only a broken message or
      // memory exhaustion gets here.
      const RunRecord record = run_task(task, [] { return StopSignal::requested(); });
      send_text(record.to_json().dump(), 0, kResult);
    }
  } catch (const std::exception& e) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    std::fprintf(stderr, "nnfit (rank %d): %s\nnnfit: stopping every rank\n", rank, e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return 1;
}

}  // namespace nnfit::cli::mpi
