// Activity-based energy of a mapped netlist, from per-net transition counts and the liberty:
//   E = sum_nets (rises + falls) * 1/2 * C_net * V^2                               (switching)
//     + sum_cells sum_output_pins rises * E_rise(C_net, slew) + falls * E_fall(...)  (internal, output pins)
//     + sum_cells sum_input_pins  rises * E_rise(slew) + falls * E_fall(slew)        (internal, input pins:
//                                                          the passive tables, e.g. a flip-flop's clock pin)
//     + sum_cells leakage * time
// C_net = sum of the fanout's input-pin capacitances + wire_cap_per_fanout * fanout. Output-pin tables
// (one per related input pin) are averaged over the related pins, as a cycle-based simulation does not know
// which input caused the transition; all tables are read at one slew (EnergyOptions::slew_ns).
// Units: pF, V, ns, pJ, nW.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "synth/liberty.hpp"
#include "synth/netlist.hpp"

namespace logmac::synth {

struct Toggles {
  std::uint64_t rises = 0, falls = 0;
};

struct EnergyOptions {
  double slew_ns = 0.1;              // input transition at which all internal_power tables are read
  double wire_cap_per_fanout = 0;    // pF per fanout pin
  double time_ns = 0;                // simulated time, for leakage
  double voltage = 0;                // 0: the library's nominal voltage
};

// Where the energy goes: by the kind of driver / cell.
struct EnergyBreakdown {
  double clock = 0;      // clock net switching + clock-pin internal energy of the flip-flops
  double registers = 0;  // flip-flop internal energy (other pins) + switching of their output nets
  double logic = 0;      // combinational cells: internal energy + switching of their output nets
  double inputs = 0;     // switching of nets driven by the input ports (operands, controls)
  double leakage = 0;
};

// Where the energy goes: by block (the instance path of the cells' module, "top" for the top module's own cells;
// "clock net" and "inputs" for the switching of nets driven by input ports). A block's energy is its cells'
// internal energy and leakage and the switching of the nets its cells drive.
struct BlockEnergy {
  std::string name;
  double energy = 0;  // pJ
  double area = 0;    // um^2 of its cells
  int cells = 0;
};

struct EnergyResult {
  double switching = 0, internal = 0, leakage = 0;  // pJ
  double total() const { return switching + internal + leakage; }
  EnergyBreakdown by_kind;
  std::vector<BlockEnergy> by_block;  // in order of first appearance in the netlist
  double leakage_nw = 0;  // static power of the whole netlist
  double area = 0;        // sum of cell areas (um^2), independent of yosys' stat
  int cells = 0, seq_cells = 0, nets = 0;
  double mean_net_cap = 0;  // pF
  std::uint64_t transitions = 0;
};

// C_net of every net (pF), by the rule above.
std::vector<double> net_capacitances(const Library& lib, const Netlist& nl, double wire_cap_per_fanout);

// Mean wire capacitance per fanout pin: 0.15 fF/um (osu018 LEF metal1/2 area + edge capacitance for minimum
// width, about 0.13..0.17 fF/um) times a wire of length 2 * sqrt(mean cell area) per fanout pin.
double default_wire_cap_per_fanout(const Library& lib, const Netlist& nl);

// toggles: one entry per net id (Netlist::num_nets()). Throws std::invalid_argument for a cell type or pin
// the library does not have.
EnergyResult estimate_energy(const Library& lib, const Netlist& nl, const std::vector<Toggles>& toggles,
                             const EnergyOptions& opt);

}  // namespace logmac::synth
