// Flow step "synthesize": yosys maps the RTL onto the liberty's cells (synth/scripts/synth.ys) module by module
// (the hierarchy of blocks stays): dfflibmap, abc with the clock as delay target, stat. The cells' simulation
// models, with module paths for SDF, are written from the liberty (cell_models.hpp).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "synth/liberty.hpp"
#include "synth/netlist.hpp"

namespace logmac::synth {

struct SynthesisInput {
  std::string top;        // module name
  std::string rtl;        // Verilog file
  std::string liberty;    // absolute path
  double clock_ns = 10;   // abc delay target
};

// `stat -liberty` of the whole design (the totals of a hierarchical report).
struct YosysStat {
  double area = 0;  // um^2
  int cells = 0;
  std::vector<std::pair<std::string, double>> cell_types;  // type -> count
};

struct Synthesis {
  std::string netlist;      // mapped netlist (dir/netlist.v)
  std::string cell_models;  // the cells as Verilog the simulators read (dir/cells.v)
  Netlist mapped;           // the netlist, read back
  YosysStat stat;
  double seq_area = 0;      // um^2 of the flip-flops (liberty areas of the sequential cells)
  // Instance path ("top" for the top module's own cells) -> um^2 of its cells, in netlist order.
  std::vector<std::pair<std::string, double>> block_area;
};

// Runs yosys in `dir` (logs there). Throws FlowError (tool failure, empty netlist), NetlistError.
Synthesis synthesize(const SynthesisInput& in, const Library& lib, const std::string& dir);

// Parser of yosys' report (exposed for tests): the last section, the whole design's.
YosysStat parse_yosys_stat(const std::string& text);

}  // namespace logmac::synth
