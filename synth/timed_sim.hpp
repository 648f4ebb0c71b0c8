// Timed gate-level simulation: the mapped netlist in Icarus Verilog, its cells modelled with module paths
// (cell_models.hpp) and annotated with the SDF that OpenSTA writes for the flow's clock, running the bench of
// mac_bench.hpp. Icarus' VCD goes through a pipe into VcdToggles (never to disk): every transition of every net
// of the design's modules is counted, glitches included.
//
// Inertial delay (checked by the test synth_icarus_inertial): Icarus applies a module path delay to the output
// of a cell model as an inertial delay whose pulse-rejection limit is the path delay, i.e. an output pulse
// narrower than the cell's delay is swallowed, a wider one propagates; transitions within one time step (zero
// width) are never seen. So the count is of glitches that a gate with that delay would pass, not of every
// momentary input combination. Icarus ignores SDF INTERCONNECT (the flow's are 0: no parasitics) and timing
// checks; the bench's output check (every MAC against the model, sampled at the clock edge) is what catches a
// clock that is too short.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "synth/activity.hpp"
#include "synth/mac_bench.hpp"
#include "synth/netlist.hpp"

namespace logmac::synth {

struct TimedSimError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TimedSimOptions {
  std::string dir;      // work directory: tb.v, stimulus files, the compiled bench and logs go here
  std::string netlist;  // the mapped netlist (Verilog)
  std::string cells;    // cell models with module paths
  std::string sdf;      // the delays; "" runs Icarus without annotation (zero delay)
  double period_ns = 10;
  double time_limit_s = 3600;  // for iverilog and vvp each
};

struct TimedSimInfo {
  std::uint64_t event_times = 0;  // distinct times with a transition in the window (zero delay: 2 per cycle)
  std::string log;                // vvp's log file
};

// Throws TimedSimError: iverilog/vvp failed, the SDF did not annotate cleanly (any SDF warning or error, or
// with an SDF no transition away from the clock edges although the logic switched), the VCD was malformed or a
// net of the netlist is missing from it. Mismatches against the model are reported in
// `check` (the caller decides), not thrown.
Activity run_mac_timed(const Netlist& nl, const std::vector<MacVector>& stim, int latency, const TimedSimOptions& opt,
                       MacBenchResult& check, TimedSimInfo& info);

}  // namespace logmac::synth
