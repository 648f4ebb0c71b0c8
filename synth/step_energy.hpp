// Flow step "estimate energy": a gate-level simulation's transition counts on the mapped netlist, priced with
// the liberty (synth/energy.hpp), per MAC.
#pragma once
#include "synth/liberty.hpp"
#include "synth/netlist.hpp"
#include "synth/step_simulate_gates.hpp"

namespace logmac::synth {

struct DesignEnergy {
  double energy_pj = 0, switching_pj = 0, internal_pj = 0, leakage_pj = 0;  // per MAC
  double clock_pj = 0, registers_pj = 0, logic_pj = 0, inputs_pj = 0;       // per MAC, by driver kind
  double leakage_nw = 0, power_uw = 0;
  double wire_cap_ff = 0;      // per fanout pin
  double mean_net_cap_ff = 0;
  double activity = 0;         // mean transitions per net per cycle, clock excluded
  int seq_cells = 0;
  std::vector<BlockEnergy> blocks;  // per block (energy.hpp), energy per MAC
};

// Maps the counts onto the netlist's nets (aliases of one net count once; every loaded net must have a count)
// and prices them at `clock_ns` for leakage and `slew_ns` for the internal-power tables.
// Throws FlowError (a loaded net without a count), std::invalid_argument (a cell the liberty lacks).
DesignEnergy estimate_design_energy(const Library& lib, const Netlist& nl, const GateActivity& act, double clock_ns,
                                    double slew_ns);

}  // namespace logmac::synth
