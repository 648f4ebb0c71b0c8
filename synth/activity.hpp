// Switching activity of a gate-level netlist over a simulated window: per net, rising and falling transitions
// and the time spent at 1 and at x (the rest of the window at 0). Both simulators produce it (gate_sim.hpp:
// zero delay, timed_sim.hpp: SDF-annotated Icarus); the energy estimate and the SAIF writer read it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace logmac::synth {

struct NetActivity {
  std::uint64_t rises = 0, falls = 0;
  std::uint64_t t1_ps = 0, tx_ps = 0;  // time at 1 / at x (or z) within the window
  std::uint64_t transitions() const { return rises + falls; }
};

struct Activity {
  std::vector<NetActivity> nets;  // by net id (Netlist::num_nets())
  std::uint64_t window_ps = 0;    // length of the counting window
  long long macs = 0;             // MACs whose accumulator was checked against the model
  long long cycles = 0;           // clock cycles in the window
  std::string simulator;          // "zero-delay (logmac)" / "timed (Icarus, SDF)"
};

}  // namespace logmac::synth
