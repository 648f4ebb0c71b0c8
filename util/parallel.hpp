// One parallel loop for every sweep: a shared work queue of indices served by a few threads, with a progress
// callback in order of completion.
#pragma once
#include <cstddef>
#include <functional>

namespace logmac::util {

// Threads for "all cores": the hardware concurrency, at least 1.
int hardware_jobs();

// Calls body(i) once for every i in [0, n), indices started in increasing order, on min(jobs, n) threads
// (jobs <= 0: hardware_jobs(); one thread: the caller's, no thread is started). After each body(i) returns,
// on_done(i, finished) runs under a lock, so progress lines need no locking of their own. If a body throws,
// no further index starts and the first exception is rethrown once the running bodies have returned: callers
// that want every item to run catch inside the body.
void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& body,
                  const std::function<void(std::size_t index, std::size_t finished)>& on_done = {});

}  // namespace logmac::util
