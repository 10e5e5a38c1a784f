// One process at a time in a run directory.
//
// Two `nnfit` processes started on one directory would interleave config.json, checkpoints
// and summaries from different runs. A RunDirectoryLock holds an exclusive flock(2) on
// <dir>/.lock for its lifetime (the kernel drops it when the process dies, so a killed run
// never leaves a stale lock) and writes the holder's pid into the file, so that the refusal
// can name it. While the lock is held no other nnfit writes in the directory, so temporary
// files ("model.safetensors.tmp.<pid>", of the kinds nnfit writes, whose process is gone) are
// what a killed run left: they are removed.
#pragma once

#include <string>

namespace nnfit {

class RunDirectoryLock {
 public:
  // Creates `dir` if needed and takes the lock. Throws ConfigError naming the holder's pid
  // when another process has it, DataError when the directory cannot be created.
  explicit RunDirectoryLock(const std::string& dir);
  ~RunDirectoryLock();
  RunDirectoryLock(const RunDirectoryLock&) = delete;
  RunDirectoryLock& operator=(const RunDirectoryLock&) = delete;

  // How many stale temporary files taking the lock removed.
  int removed_temporaries() const { return removed_; }

 private:
  int fd_ = -1;
  int removed_ = 0;
};

}  // namespace nnfit
