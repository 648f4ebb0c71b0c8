// Flow step "synthesize": yosys maps the RTL onto the liberty's cells (synth/scripts/synth.ys): flatten,
// dfflibmap, abc with the clock as delay target, stat; it also writes the cells' simulation models.
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
  bool breakdown = true;  // per-module area (a second mapping without flattening) when the RTL has submodules
};

// `stat -liberty` of a flat netlist.
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
  std::vector<std::pair<std::string, double>> block_area;  // module -> um^2 (breakdown)
};

// Runs yosys in `dir` (logs there). Throws FlowError (tool failure, empty netlist), NetlistError.
Synthesis synthesize(const SynthesisInput& in, const Library& lib, const std::string& dir);

// Parsers of yosys' reports (exposed for tests). The breakdown: each module's own area times its instance count.
YosysStat parse_yosys_stat(const std::string& text);
std::vector<std::pair<std::string, double>> parse_yosys_breakdown(const std::string& text, const std::string& top);

}  // namespace logmac::synth
