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

// The co-simulation ran but gave no evidence of a pass (the simulator crashed, hit its time limit or wrote no
// complete result record): a verification failure, exit 1, never a pass.
struct CosimFailure : std::runtime_error {
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

// Builds (or finds in the cache) the simulator of `c` and runs it. Returns 0 (pass: the harness's result record
// names every vector sent, none mismatching) or 1 (mismatch); throws CosimError for bad input or a trace that
// cannot be written, CosimFailure when the run gives no evidence either way. A cached simulator that fails
// its checksum, or gives no evidence, is rebuilt once.
int run_cosim(const MacConfig& c, const CosimOptions& o);

// The harness's result record (harness/protocol.hpp), read back.
struct RunRecord {
  std::string spec;
  long long vectors = -1, cycles = -1, mismatches = -1, first_mismatch = -1;
};
// Parses a record; "" and `rec` set if it is complete and well-formed, else why not (one line).
std::string parse_run_record(const std::string& text, RunRecord& rec);
// Why a finished run is no evidence of its outcome ("" if it is): the record must be complete, name `spec`,
// and agree with the exit status: 0 with no mismatch and exactly `vectors` vectors, the mismatch status with at
// least one mismatch.
std::string run_evidence_problem(const std::string& record_text, int status, const std::string& spec,
                                 long long vectors);

// Time limit of one simulator run of `vectors` vectors: generous (300 s plus 1 ms per vector, several hundred
// times the measured rates), so that only a hang reaches it ($LOGMAC_TIME_LIMIT lowers it, util/process.hpp).
double simulator_time_limit(long long vectors);

// The cache of built designs: o.cache_dir, else $LOGMAC_COSIM_CACHE, else cosim-cache in the default cache root
// (util/paths.hpp: the build directory for a logmac in its build tree, else $XDG_CACHE_HOME/logmac).
std::string cache_dir(const CosimOptions& o);

}  // namespace logmac::cosim
