#include "synth/step_synthesize.hpp"

#include <fmt/format.h>

#include <map>
#include <sstream>

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
    if (a == "Number" && b == "of" && c == "cells:") {
      ls >> r.cells;
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

std::vector<std::pair<std::string, double>> parse_yosys_breakdown(const std::string& text, const std::string& top) {
  std::map<std::string, double> own;
  std::map<std::string, double> count;
  std::istringstream in(text);
  std::string module;
  bool hier = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("=== design hierarchy ===", 0) == 0) {
      hier = true;
      continue;
    }
    if (line.rfind("=== ", 0) == 0) {
      module = line.substr(4, line.size() - 8);
      hier = false;
      continue;
    }
    if (line.find("Chip area for module") != std::string::npos) {
      const auto q1 = line.find('\'');
      const auto q2 = line.find('\'', q1 + 1);
      std::string name = line.substr(q1 + 1, q2 - q1 - 1);
      if (!name.empty() && name[0] == '\\') name = name.substr(1);
      const double a = std::stod(line.substr(line.rfind(':') + 1));
      if (!hier) own[name] = a;
      continue;
    }
    if (hier) {
      std::istringstream ls(line);
      std::string n;
      double k = 0;
      if ((ls >> n >> k) && own.count(n)) count[n] = k;
    }
  }
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [m, a] : own) {
    const double k = m == top ? 1 : (count.count(m) ? count[m] : 1);
    out.emplace_back(m == top ? m + " (top-level logic)" : m, a * k);
  }
  return out;
}

namespace {
// Generated RTL is one flat module; a per-block view only means something for RTL with submodules.
int count_modules(const std::string& rtl) {
  int modules = 0;
  for (size_t p = 0; (p = rtl.find("module ", p)) != std::string::npos; p += 7) modules += p == 0 || rtl[p - 1] == '\n';
  return modules;
}
}  // namespace

Synthesis synthesize(const SynthesisInput& in, const Library& lib, const std::string& dir) {
  const std::map<std::string, std::string> vars = {
      {"TOP", in.top}, {"LIB", in.liberty}, {"RTL", in.rtl}, {"DELAY_PS", fmt::format("{:.0f}", in.clock_ns * 1000)}};
  write_output(dir + "/synth.ys", substitute(kSynthYs, vars));
  run_tool_checked({"yosys", "-q", "-s", "synth.ys"}, dir, "yosys.log", "yosys synthesis");
  Synthesis s;
  s.netlist = dir + "/netlist.v";
  s.cell_models = dir + "/cells.v";
  s.stat = parse_yosys_stat(read_output(dir + "/stat.txt"));
  if (s.stat.cells <= 0 || s.stat.area <= 0)
    throw FlowError(fmt::format("yosys produced an empty netlist (stat in {}/stat.txt)", dir));
  if (in.breakdown && count_modules(read_output(in.rtl)) > 1) {
    write_output(dir + "/breakdown.ys", substitute(kBreakdownYs, vars));
    run_tool_checked({"yosys", "-q", "-s", "breakdown.ys"}, dir, "breakdown.log", "yosys hierarchical mapping");
    s.block_area = parse_yosys_breakdown(read_output(dir + "/breakdown.txt"), in.top);
  }
  s.mapped = read_netlist(s.netlist, in.top);
  for (const auto& c : s.mapped.cells)
    if (const LibCell* lc = lib.cell(c.type); lc && lc->sequential()) s.seq_area += lc->area;
  return s;
}

}  // namespace logmac::synth
