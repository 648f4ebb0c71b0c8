// Flow step "run STA": OpenSTA (synth/scripts/sta.tcl) on the mapped netlist: worst slack and critical path at the
// clock (inputs arrive and outputs are taken at the clock edge, the asynchronous reset is a false path), the path
// named by block and signal, fmax, leakage, its power at one global activity as a cross-check of ours, and (when
// asked) the SDF of the cell delays for the timed gate-level simulation.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace logmac::synth {

struct StaInput {
  std::string top, netlist, liberty;  // module, mapped netlist, absolute liberty path
  double clock_ns = 10;
  double activity = 0;  // mean transitions per net per cycle, for the power cross-check
  std::string sdf;      // write the SDF here ("" = none)
};

struct Timing {
  double slack_ns = 0, critical_ns = 0, fmax_mhz = 0;
  // Start and end of the critical path: the signal and the cell pin, e.g. "acc_o[4] (u_acc/_774_/Q)".
  std::string critical_from, critical_to;
  // The path block by block: "u_acc 3.61 ns -> u_acc/lns_d[7] | u_acc.u_delta 2.30 ns -> u_acc/lns_dm[1] | ...":
  // each block it runs through (consecutive cells of one instance; "top" for the top module), the delay spent
  // there and the signal it leaves by.
  std::string critical_path;
  double sta_leakage_nw = 0, sta_power_uw = 0;
};

// Runs OpenSTA in `dir` (log dir/sta.log). Throws FlowError (tool failure, an error in the log, no slack).
Timing run_sta(const StaInput& in, const std::string& dir);

// Reads the report (exposed for tests). Throws FlowError if it has no 'worst slack' line.
Timing parse_sta_report(const std::string& log, double clock_ns);

}  // namespace logmac::synth
