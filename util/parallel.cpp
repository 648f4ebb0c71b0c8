#include "util/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace logmac::util {

int hardware_jobs() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& body,
                  const std::function<void(std::size_t, std::size_t)>& on_done) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::size_t finished = 0;
  std::exception_ptr first_error;
  auto worker = [&] {
    for (std::size_t i; !failed && (i = next++) < n;) {
      try {
        body(i);
        std::lock_guard lock(mu);
        ++finished;
        if (on_done) on_done(i, finished);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  const std::size_t threads = std::min<std::size_t>(n, static_cast<std::size_t>(jobs > 0 ? jobs : hardware_jobs()));
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace logmac::util
