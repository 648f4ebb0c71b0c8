// `logmac cosim` in a build configured without Verilator or SystemC: a clear error instead of a link failure.
#include "cosim/cosim.hpp"

namespace logmac::cosim {

Engine resolve_engine(const MacConfig&, const CosimOptions& o) { return o.engine; }

int run_cosim(const MacConfig&, const CosimOptions&) {
  throw CosimError("co-simulation is not available: verilator or SystemC (pkg-config systemc) was not found when "
                   "this build was configured; install them (scripts/install-deps.sh) and re-run cmake");
}

std::string cache_dir() { return ""; }

}  // namespace logmac::cosim
