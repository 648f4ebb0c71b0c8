#include "util/file_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace logmac::util {

FileLock::FileLock(const std::filesystem::path& path, const std::function<void()>& on_wait) {
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw FileLockError(fmt::format("cannot create the lock file '{}': {}", path.string(), std::strerror(errno)));
  if (flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  if (errno != EWOULDBLOCK) {
    const int e = errno;
    close(fd_);
    throw FileLockError(fmt::format("cannot lock '{}': {}", path.string(), std::strerror(e)));
  }
  if (on_wait) on_wait();
  while (flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int e = errno;
    close(fd_);
    throw FileLockError(fmt::format("cannot lock '{}': {}", path.string(), std::strerror(e)));
  }
}

FileLock::~FileLock() { close(fd_); }

}  // namespace logmac::util
