// Flow step "run STA": OpenSTA (synth/scripts/sta.tcl) on the mapped netlist: worst slack and critical path at the
// clock (inputs arrive and outputs are taken at the clock edge, the asynchronous reset is a false path),
// fmax, leakage, and its power at one global activity as a cross-check of ours.
#pragma once
#include <string>

namespace logmac::synth {

struct StaInput {
  std::string top, netlist, liberty;  // module, mapped netlist, absolute liberty path
  double clock_ns = 10;
  double activity = 0;  // mean transitions per net per cycle, for the power cross-check
};

struct Timing {
  double slack_ns = 0, critical_ns = 0, fmax_mhz = 0;
  std::string critical_from, critical_to;
  double sta_leakage_nw = 0, sta_power_uw = 0;
};

// Runs OpenSTA in `dir` (log dir/sta.log). Throws FlowError (tool failure, an error in the log, no slack).
Timing run_sta(const StaInput& in, const std::string& dir);

// Reads the report (exposed for tests). Throws FlowError if it has no 'worst slack' line.
Timing parse_sta_report(const std::string& log, double clock_ns);

}  // namespace logmac::synth
