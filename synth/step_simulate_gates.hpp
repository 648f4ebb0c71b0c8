// Flow step "simulate gates": the mapped netlist runs the checked stimulus (the bench of mac_bench.hpp: one MAC
// per cycle, acc_o compared with the model after every MAC) and every net's transitions are counted. Two
// simulators hand on the same GateActivity:
//   zero delay: in process (gate_sim.hpp), every net switches at most once per clock edge: no glitches;
//   timed: Icarus on the netlist annotated with OpenSTA's SDF (timed_sim.hpp): every transition, glitches
//          included (Icarus' path delays are inertial: a pulse narrower than a cell's delay does not pass).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "synth/activity.hpp"
#include "synth/energy.hpp"
#include "synth/liberty.hpp"
#include "synth/netlist.hpp"
#include "synth/stimulus.hpp"

namespace logmac::synth {

struct GateActivity {
  long long macs_checked = 0;  // MACs whose acc_o equalled the model's accumulator: the positive evidence
  long long cycles = 0;        // clock cycles of the activity window (the time leakage is charged for)
  // Rises and falls of every net in the window, by bit name (one name per net: "a_i[3]", "u_acc._12_").
  std::vector<std::pair<std::string, Toggles>> toggles;
  Activity nets;  // the same per net id of the netlist, with time at 1 / x (SAIF); empty if not known
};

// In-process zero-delay simulation. Throws FlowError: "GATE-LEVEL OUTPUT DIFFERS FROM THE MODEL" on a mismatch;
// a netlist the simulator cannot run (a cell without a function, a latch, a loop).
GateActivity simulate_gates_zero_delay(const Library& lib, const Netlist& nl, const CheckedStimulus& stim,
                                       double clock_ns);

struct TimedGateSimInput {
  std::string netlist, cell_models, sdf;  // files: mapped netlist, cell models with module paths, OpenSTA's SDF
  double clock_ns = 10;
  double critical_ns = 0;  // for the message of a failing run
};

// Timed simulation in Icarus, run in `dir` (tb.v, logs). Throws FlowError: "TIMED GATE-LEVEL OUTPUT DIFFERS FROM
// THE MODEL" on a mismatch (a clock shorter than the critical path, wrong delays); an SDF that does not annotate
// cleanly or whose delays are not applied; a tool failure.
GateActivity simulate_gates_timed(const Netlist& nl, const TimedGateSimInput& in, const CheckedStimulus& stim,
                                  const std::string& dir);

// "NAME RISES FALLS T1_PS TX_PS" per net (the first name of each), the estimator's input as a file.
std::string format_activity(const Netlist& nl, const Activity& a);

}  // namespace logmac::synth
