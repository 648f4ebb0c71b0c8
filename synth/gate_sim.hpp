// In-process zero-delay simulation of a mapped netlist: each cell output is its liberty function (a truth table),
// flip-flops follow their ff groups (clocked_on edge, asynchronous clear/preset levels). No compilation step:
// this replaces the Verilator build that made up most of an uncached synthesis run.
//
// Semantics (what "zero delay" means here): at each time point the inputs that changed are applied together,
// flip-flops whose clock rose capture the values their next_state had before the time point, then the logic
// settles; a net's transition is counted when its settled value differs from the one before. Every net
// therefore switches at most once per time point, i.e. no glitches (timed_sim.hpp counts those).
// Flip-flops power up at 0. Latches and combinational loops are rejected (the flow's netlists have neither).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "synth/activity.hpp"
#include "synth/liberty.hpp"
#include "synth/liberty_expr.hpp"
#include "synth/mac_bench.hpp"
#include "synth/netlist.hpp"

namespace logmac::synth {

struct GateSimError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class GateSim {
 public:
  // Throws GateSimError (an unknown cell or pin, a latch, a combinational loop, a net with two drivers).
  GateSim(const Library& lib, const Netlist& nl);

  // Sets a net driven by an input port (applied at the next step).
  void set(int net, bool v);
  // One time point at `t_ps` (non-decreasing): apply the inputs, clock the flip-flops, settle, count.
  void step(std::uint64_t t_ps);
  bool value(int net) const { return val_[static_cast<size_t>(net)] != 0; }

  // Transitions at steps >= t_ps are counted, and time at 1 from t_ps on.
  void start_window(std::uint64_t t_ps);
  // Closes the window at t_ps and returns the activity of every net.
  Activity finish_window(std::uint64_t t_ps);

 private:
  struct Gate {  // one output pin of a cell: out = table[index of the input values]
    int out;
    std::vector<int> in;  // value slots
    std::uint64_t table = 0;
    int expr = -1;        // > 6 inputs: index into exprs_ (evaluated, not tabulated)
  };
  struct Flop {
    int state, state_n;                      // value slots of IQ and IQN (-1 if absent)
    int clock, clear, preset, next;          // expression indices (-1 if absent)
    std::vector<int> clock_in, clear_in, preset_in, next_in;  // their variables' slots
    char cp1 = 'X', cp2 = 'X';               // clear_preset_var1/2
    bool clk_prev = false, pending = false;  // clock value after the last step; next_state before this one
  };
  bool eval_expr(int e, const std::vector<int>& in) const;
  void settle();
  bool apply_async();
  void set_state(Flop& f, bool v);

  int nets_ = 0;
  std::vector<std::uint8_t> val_;  // nets, then state slots, then constants 0 and 1
  std::vector<Gate> gates_;        // in topological order
  std::vector<Flop> flops_;
  std::vector<LibExpr> exprs_;
  std::vector<std::pair<int, bool>> staged_;  // inputs to apply at the next step
  std::vector<std::uint8_t> before_;
  std::vector<NetActivity> act_;
  std::vector<std::uint64_t> since_;  // per net: start of its current value's interval in the window
  bool counting_ = false;
  std::uint64_t t0_ = 0, now_ = 0;
};

// Runs the bench of mac_bench.hpp on the netlist (ports clk_i rst_ni en_i clr_i a_i b_i acc_o).
// Throws GateSimError for a netlist without these ports.
Activity run_mac_zero_delay(const Library& lib, const Netlist& nl, const std::vector<MacVector>& stim, int latency,
                            double period_ns, MacBenchResult& check);

}  // namespace logmac::synth
