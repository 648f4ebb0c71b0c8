#include "synth/options.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include "synth/liberty.hpp"
#include "util/file.hpp"
#include "util/paths.hpp"

namespace logmac::synth {

const std::vector<FlowOptionDef>& flow_option_defs() {
  static const std::vector<FlowOptionDef> defs = {
      {"--liberty", "PATH", "standard-cell library (default: OSU 0.18 um, qflow-tech-osu018)"},
      {"--clock", "NS", "clock period in ns: abc delay target, timing check, leakage time (default 10)"},
      {"--workload", "W", "nn (default: NN-like operands quantized into the format), uniform, zeros, or a "
                          "vector FILE ('CLR A B [ACC]' lines)"},
      {"--dots", "N", "generated workloads: N dot products of 256 terms (default 40: 10,240 MACs)"},
      {"--seed", "S", "workload seed (default 1)"},
      {"--slew", "NS", "input slew at which internal-power tables are read (default 0.1)"},
      {"--cache", "DIR", "result cache (default: synth-cache in the build tree, else in $XDG_CACHE_HOME/logmac)"},
      {"--no-cache", nullptr, "always run the tools"},
      {"--sim", "MODE", "gate-level simulation: zero (zero delay, in process: no glitches) or timed (also the netlist "
                        "with OpenSTA's SDF in Icarus: every transition, glitches included; default timed)"},
      {"--keep", nullptr, "keep the timed simulation's compiled bench and stimulus files"}};
  return defs;
}

std::string default_synth_cache_dir() { return util::default_cache_dir("synth-cache").string(); }

FlowOptions flow_options_from(const OptionValues& v) {
  FlowOptions o;
  o.liberty = v.text("--liberty", kDefaultLiberty);
  o.clock_ns = v.number("--clock", 10.0, 0.001, 1e6);
  o.workload = v.text("--workload", "nn");
  o.dots = static_cast<int>(v.integer("--dots", 40, 1, 100000));
  o.seed = static_cast<std::uint64_t>(v.integer("--seed", 1, 0, 1LL << 62));
  o.slew_ns = v.number("--slew", 0.1, 0.0, 100.0);
  o.keep = v.has("--keep");
  o.sim = v.text("--sim", kDefaultSim);
  if (o.sim != "zero" && o.sim != "timed") throw std::invalid_argument(fmt::format("--sim '{}': zero or timed", o.sim));
  if (!v.has("--no-cache")) o.cache_dir = v.text("--cache", default_synth_cache_dir());
  // Bad input is reported before any tool runs.
  try {
    (void)read_liberty(o.liberty);
  } catch (const LibertyError& e) {
    throw std::invalid_argument(e.what());
  }
  if (workload_is_file(o.workload) && !std::filesystem::is_regular_file(o.workload))
    throw std::invalid_argument(
        fmt::format("--workload '{}' is neither nn, uniform, zeros nor a readable file", o.workload));
  if (!o.cache_dir.empty())
    if (const std::string why = util::unusable_dir_reason(o.cache_dir); !why.empty())
      throw std::invalid_argument(fmt::format("--cache {}: {}", o.cache_dir, why));
  return o;
}

}  // namespace logmac::synth
