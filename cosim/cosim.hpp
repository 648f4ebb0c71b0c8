// Co-simulation of RTL against the C++ model: builds one Verilated design per (spec, RTL, harness) into a
// cache (cache_dir) and runs it with the shared stimulus/scoreboard harness (cosim/harness).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include "sim/config.hpp"

namespace logmac::cosim {

// Bad input (missing RTL file, wrong module or ports, verilator or compiler failing): one line, exit 2.
struct CosimError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Engine { Auto, SystemC, Lean };

struct CosimOptions {
  std::string rtl;            // user RTL file; empty: generate with `logmac rtl`
  bool exhaustive = false;
  long long random = 0;
  std::uint64_t seed = 1;
  Engine engine = Engine::Auto;
  std::string trace;          // VCD path around the first mismatch; empty: no trace
  int max_report = 5;
  std::string cache_dir;      // built designs; empty: the default (cache_dir())
};

// Exhaustive runs with more vectors than this use the lean --cc driver unless an engine is chosen.
constexpr long long kLeanThreshold = 1LL << 20;

Engine resolve_engine(const MacConfig& c, const CosimOptions& o);

// Builds (or finds in the cache) the simulator of `c` and runs it. Returns 0 (pass) or 1 (mismatch);
// throws CosimError for bad input.
int run_cosim(const MacConfig& c, const CosimOptions& o);

// The cache of built designs: o.cache_dir, else $LOGMAC_COSIM_CACHE, else cosim-cache in the default cache root
// (util/paths.hpp: the build directory for a logmac in its build tree, else $XDG_CACHE_HOME/logmac).
std::string cache_dir(const CosimOptions& o);

}  // namespace logmac::cosim
