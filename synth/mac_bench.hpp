// The gate-level test bench both simulators run (gate_sim.hpp: zero delay, timed_sim.hpp: Icarus with SDF):
// one MAC per clock cycle through the RTL contract's ports, the accumulator checked against the model.
//
// Timing (period P): two reset cycles with rst_ni low; rst_ni rises in the middle of the low phase before
// edge 0. At rising edge k (k = 0 .. n+latency-1) the bench first reads acc_o (the value settled in the cycle
// before) and compares it with the model's accumulator after MAC k-latency-1, then raises the clock and
// applies MAC k's operands (en_i = 1); after the last MAC en_i drops and the operands hold. Operands applied
// after edge k are sampled at edge k+1 and reach acc_o after edge k+latency. A final read at edge n+latency
// checks the last MAC. The activity window is [edge 0, edge n+latency): n+latency cycles, each with one
// rising and one falling clock edge; transitions during reset are not counted.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace logmac::synth {

struct MacVector {
  bool clr = false;
  std::uint64_t a = 0, b = 0;
  std::uint64_t acc = 0;  // the model's accumulator after this MAC
};

struct MacBenchResult {
  long long macs_checked = 0;  // accumulator reads compared with the model
  long long mismatches = 0;
  std::string report;  // the first mismatches, one line each
};

inline constexpr int kResetCycles = 2;

}  // namespace logmac::synth
