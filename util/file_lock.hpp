// An exclusive advisory lock (flock) on a file, held until the object goes away or the process ends: one
// process builds a cache entry while another that needs the same entry waits, then reuses it.
#pragma once
#include <filesystem>
#include <functional>
#include <stdexcept>

namespace logmac::util {

struct FileLockError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FileLock {
 public:
  // Creates the file if needed and blocks until the lock is held; `on_wait` runs first if another holds it.
  // Throws FileLockError if the file cannot be created or locked.
  explicit FileLock(const std::filesystem::path& path, const std::function<void()>& on_wait = {});
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace logmac::util
