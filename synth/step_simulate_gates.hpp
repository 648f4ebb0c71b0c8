// Flow step "simulate gates": the mapped netlist runs the checked stimulus; acc_o is compared with the model
// after every MAC and every net's transitions are counted. The result, GateActivity, is what any gate-level
// simulator hands on: this unit has the zero-delay Verilator one; a timed (SDF) simulation reading its VCD with
// synth/vcd_toggles.hpp returns the same and slots in beside it.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "synth/energy.hpp"
#include "synth/stimulus.hpp"

namespace logmac::synth {

struct GateSimInput {
  std::string top;          // module name
  std::string netlist;      // mapped netlist (Synthesis::netlist)
  std::string cell_models;  // the cells as Verilog (Synthesis::cell_models)
  bool keep_build = false;  // keep the simulator's build directory
};

struct GateActivity {
  long long macs_checked = 0;  // MACs whose acc_o equalled the model's accumulator: the positive evidence
  long long cycles = 0;        // clock cycles counted after reset (the time leakage is charged for)
  // Rises and falls of every bit of every top-level net after reset, by bit name ("a_i[3]", "_12_").
  std::vector<std::pair<std::string, Toggles>> toggles;
};

// Verilator (zero delay, synth/harness/harness.cpp), built and run in `dir`. Throws FlowError: "GATE-LEVEL
// OUTPUT DIFFERS FROM THE MODEL" on a mismatch; a tool failure; output that does not cover every MAC.
GateActivity simulate_gates_verilator(const GateSimInput& in, const CheckedStimulus& stim, const std::string& dir);

// The harness's report files (exposed for tests): toggles "NET RISES FALLS" lines, result "key value" lines.
std::vector<std::pair<std::string, Toggles>> parse_toggle_counts(const std::string& text);

}  // namespace logmac::synth
