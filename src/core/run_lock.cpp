#include "nnfit/detail/run_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "nnfit/error.hpp"

namespace nnfit {

namespace fs = std::filesystem;

namespace {

// "model.safetensors.tmp.4242": what write_file_atomically leaves when killed mid-write. Only
// names of the kinds nnfit writes, and only when process 4242 no longer exists: a directory
// given by mistake (`-o ~`) loses nothing of anyone else's.
bool is_stale_temporary(const std::string& name) {
  const auto at = name.rfind(".tmp.");
  if (at == std::string::npos || at + 5 == name.size() || name.size() - at > 5 + 10) return false;
  if (name.find_first_not_of("0123456789", at + 5) != std::string::npos) return false;
  const std::string target = name.substr(0, at);
  bool ours = false;
  for (const char* extension : {".json", ".jsonl", ".csv", ".safetensors", ".html", ".md", ".svg"})
    ours = ours || target.ends_with(extension);
  const long pid = std::stol(name.substr(at + 5));
  const bool dead =
      pid > 0 && pid <= INT32_MAX && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
  return ours && dead;
}

int remove_temporaries(const fs::path& dir) {
  int removed = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it.depth() > 2) it.disable_recursion_pending();
    if (it->is_regular_file(ec) && is_stale_temporary(it->path().filename().string()) &&
        fs::remove(it->path(), ec))
      ++removed;
  }
  return removed;
}

std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string pid = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : "";
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos
             ? "another process"
             : "another nnfit process (pid " + pid + ")";
}

}  // namespace

RunDirectoryLock::RunDirectoryLock(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw DataError(dir + ": cannot create the directory: " + ec.message());
  const std::string path = (fs::path(dir) / ".lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw DataError(path + ": cannot open: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string holder = error == EWOULDBLOCK ? holder_of(fd_) : "";
    ::close(fd_);
    fd_ = -1;
    if (error != EWOULDBLOCK) throw DataError(path + ": cannot lock: " + std::strerror(error));
    throw ConfigError(dir + " is in use by " + holder +
                      "; wait for it to finish, or give this run another directory (--output)");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; only the message would be less specific.
  }
  removed_ = remove_temporaries(dir);
}

RunDirectoryLock::~RunDirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace nnfit
