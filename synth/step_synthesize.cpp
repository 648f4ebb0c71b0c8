#include "synth/step_synthesize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "synth/cell_models.hpp"
#include "synth/result.hpp"
#include "synth/tools.hpp"

namespace logmac::synth {

YosysStat parse_yosys_stat(const std::string& text) {
  YosysStat r;
  std::istringstream in(text);
  bool in_cells = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string a, b, c;
    ls >> a >> b >> c;
    if (a == "Number" && b == "of" && c == "cells:") {  // a new section: a module, or the design's totals
      ls >> r.cells;
      r.cell_types.clear();
      in_cells = true;
      continue;
    }
    if (a == "Chip" && b == "area") {
      const auto colon = line.rfind(':');
      r.area = std::stod(line.substr(colon + 1));
      in_cells = false;
      continue;
    }
    if (in_cells && !a.empty() && !b.empty() && c.empty()) {
      try {
        r.cell_types.emplace_back(a, std::stod(b));
      } catch (...) {
        in_cells = false;
      }
    } else if (a.empty()) {
      in_cells = false;
    }
  }
  return r;
}

Synthesis synthesize(const SynthesisInput& in, const Library& lib, const std::string& dir) {
  const std::map<std::string, std::string> vars = {
      {"TOP", in.top}, {"LIB", in.liberty}, {"RTL", in.rtl}, {"DELAY_PS", fmt::format("{:.0f}", in.clock_ns * 1000)}};
  write_output(dir + "/synth.ys", substitute(kSynthYs, vars));
  run_tool_checked({"yosys", "-q", "-s", "synth.ys"}, dir, "yosys.log", "yosys synthesis");
  Synthesis s;
  s.netlist = dir + "/netlist.v";
  s.cell_models = dir + "/cells.v";
  try {
    write_output(s.cell_models, write_cell_models(lib));
  } catch (const LibertyError& e) {
    throw FlowError(fmt::format("cannot write the cell models: {}", e.what()));
  }
  s.stat = parse_yosys_stat(read_output(dir + "/stat.txt"));
  if (s.stat.cells <= 0 || s.stat.area <= 0)
    throw FlowError(fmt::format("yosys produced an empty netlist (stat in {}/stat.txt)", dir));
  s.mapped = read_netlist(s.netlist, in.top);
  for (const auto& c : s.mapped.cells) {
    const LibCell* lc = lib.cell(c.type);
    if (!lc) throw FlowError(fmt::format("cell {} ({}) of the netlist is not in the liberty", c.name, c.type));
    if (lc->sequential()) s.seq_area += lc->area;
    const std::string block = c.block.empty() ? "top" : c.block;
    auto it = std::find_if(s.block_area.begin(), s.block_area.end(), [&](const auto& b) { return b.first == block; });
    if (it == s.block_area.end()) s.block_area.emplace_back(block, lc->area);
    else it->second += lc->area;
  }
  return s;
}

}  // namespace logmac::synth
