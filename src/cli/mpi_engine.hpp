// `mpirun -np N nnfit compare ...`: rank 0 runs the comparison (its stages, the statistics,
// the report, every file) and hands its runs out one at a time to ranks 1..N-1 as they free
// up; they train them and send the records back (docs/SCALING.md). Built with NNFIT_MPI.
#pragma once

#include <functional>

#include "nnfit/experiments/runner.hpp"

namespace nnfit::cli::mpi {

// True when an MPI launcher started this process (mpirun sets OMPI_COMM_WORLD_SIZE, PMI and
// PMIx launchers PMI_SIZE or PMIX_RANK); MPI is initialised only then, so that a plain
// `nnfit` never touches it.
bool launched();

// MPI_Init_thread on construction (when launched()), MPI_Finalize on destruction.
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  bool active() const { return active_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Ends every rank at once with `code` (rank 0 failed while runs were out).
  [[noreturn]] void abort(int code) const;

 private:
  bool active_ = false;
  int rank_ = 0, size_ = 1;
};

// Rank 0's engine: each task goes to the next rank that asks for work; records come back and
// go to `finished` (which writes them). Stops handing out runs when interrupted() says so.
RunEngine coordinator(int ranks, std::function<bool()> interrupted);
// Rank 0, at the end: every worker exits its loop.
void release_workers(int ranks);
// Ranks 1..N-1: train what rank 0 sends until it says stop; the exit status.
int serve();

}  // namespace nnfit::cli::mpi
