// Verilog simulation models of a liberty's cells, written from the library's own descriptions: an output
// pin's `function`, the `ff` / `latch` groups (next_state, clocked_on, clear, preset, clear_preset_var*).
// With `specify`, every model declares a module path from each input pin to each output pin that depends
// on it (for a flip-flop output: from its clock, clear and preset pins), with zero delay until an SDF file
// annotates it: Icarus' $sdf_annotate matches an IOPATH only to a declared path, and the models that yosys
// writes (`read_liberty; write_verilog`) have none.
#pragma once
#include <string>

#include "synth/liberty.hpp"

namespace logmac::synth {

struct CellModelOptions {
  bool specify = true;
  // Initial state of flip-flops and latches: 0 (the zero-delay simulator's power-up state, so both simulators
  // start alike) or x (a standard 4-state model).
  bool power_up_zero = true;
};

// One module per cell, after a `timescale 1ns/1ps`. Throws LibertyError for a function it cannot translate.
std::string write_cell_models(const Library& lib, const CellModelOptions& opt = {});

// `name` as a Verilog identifier (escaped if it is not a plain one).
std::string verilog_identifier(const std::string& name);

}  // namespace logmac::synth
