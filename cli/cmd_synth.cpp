#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "cli/cli.hpp"
#include "cli/synth_args.hpp"
#include "util/text_io.hpp"
#include "sim/config.hpp"
#include "synth/flow.hpp"

namespace logmac::cli {

int cmd_synth(int argc, char** argv) {
  auto defs = with_flow_options({{"--mac", "SPEC", "the MAC spec"}});
  defs.push_back({"--rtl", "FILE", "synthesize this Verilog (following the RTL contract for SPEC) instead of the "
                                   "generated one"});
  defs.push_back({"--saif", "FILE", "write the measured per-net activity (T0 T1 TX TC over the workload window) of "
                                    "the --sim simulation as SAIF 2.0"});
  Args args("synth", defs, argc, argv);
  if (args.help()) {
    fmt::print(
        "logmac synth --mac SPEC [--liberty PATH] [--clock NS] [--sim zero|timed] [--saif FILE]: area, cells, critical\n"
        "path, fmax, energy per MAC and leakage of one MAC, in total and per block. yosys maps the generated RTL onto\n"
        "the liberty block by block; the mapped netlist runs the workload (its accumulator must equal the model's after\n"
        "every MAC) in a zero-delay simulation and, with --sim timed, also in Icarus with the cell delays OpenSTA writes\n"
        "as SDF (glitches counted); every net's transitions are counted; energy = sum toggles * C_net * V^2 / 2 +\n"
        "internal_power per transition + leakage * time; OpenSTA gives the critical path (named by block and signal)\n"
        "and leakage. Exit status: 0, 1 tool failure or gate-level mismatch, 2 bad input, 3 the clock is shorter than\n"
        "the critical path (everything is still reported).\n{}",
        args.usage());
    return 0;
  }
  if (!args.positional().empty())
    throw UsageError(fmt::format("synth: unexpected argument '{}'", args.positional().front()));
  if (!args.has("--mac")) throw UsageError("synth: --mac SPEC is required");
  const MacConfig cfg = parse_spec(args.get("--mac"));
  synth::FlowOptions opt = synth_flow_from(args, "synth");
  opt.rtl_file = args.get("--rtl");
  if (!opt.rtl_file.empty() && !std::filesystem::is_regular_file(opt.rtl_file))
    throw UsageError(fmt::format("synth: --rtl {}: no such file", opt.rtl_file));
  const std::string saif = args.get("--saif");
  if (args.has("--saif")) {
    const auto parent = std::filesystem::absolute(saif).parent_path();
    if (saif.empty() || std::filesystem::is_directory(saif) || !std::filesystem::is_directory(parent) ||
        access(parent.c_str(), W_OK) != 0)
      throw UsageError(fmt::format("synth: --saif '{}': not a file name in a writable directory", saif));
  }

  synth::DesignResult r;
  try {
    r = synth::run_design(cfg, opt, [](const std::string& s) { fmt::print(stderr, "synth: {}...\n", s); });
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("synth: {}", e.what()));
  } catch (const synth::FlowError& e) {
    fmt::print(stderr, "logmac: synth: {}\n", e.what());
    return 1;
  }
  const double mhz = 1000.0 / r.clock_ns;
  fmt::print("design     {}  (module {})\n", r.spec, r.module);
  fmt::print("liberty    {}\n", r.liberty);
  fmt::print("area       {:.0f} um2, {} cells ({} flip-flops: {:.0f}% of the area)\n", r.area, r.cells, r.seq_cells,
             r.area > 0 ? 100 * r.seq_area / r.area : 0);
  fmt::print("timing     clock {:.3f} ns: critical path {:.3f} ns ({} -> {}), slack {:+.3f} ns, fmax {:.1f} MHz\n",
             r.clock_ns, r.critical_ns, r.critical_from, r.critical_to, r.slack_ns, r.fmax_mhz);
  if (!r.critical_path.empty()) fmt::print("path       {}\n", r.critical_path);
  fmt::print("energy     {:.4f} pJ/MAC zero-delay at {:.1f} MHz ({} MACs, workload {}, activity {:.3f} "
             "transitions/net/cycle)\n",
             r.energy_pj, mhz, r.macs, r.workload, r.activity);
  fmt::print("           switching {:.4f} + internal {:.4f} + leakage {:.6f} pJ; by driver: clock {:.4f}, registers "
             "{:.4f}, logic {:.4f}, inputs {:.4f}\n",
             r.switching_pj, r.internal_pj, r.leakage_pj, r.clock_pj, r.registers_pj, r.logic_pj, r.inputs_pj);
  if (r.timed()) {
    auto g = [](double z, double t) { return 100 * synth::DesignResult::glitch_share(z, t); };
    fmt::print("timed      {:.4f} pJ/MAC with the SDF delays (activity {:.3f}): glitches add {:.1f}% of it; by driver: "
               "clock {:.4f}, registers {:.4f}, logic {:.4f} ({:.1f}% glitches), inputs {:.4f}\n",
               r.timed_energy_pj, r.timed_activity, g(r.energy_pj, r.timed_energy_pj), r.timed_clock_pj,
               r.timed_registers_pj, r.timed_logic_pj, g(r.logic_pj, r.timed_logic_pj), r.timed_inputs_pj);
  }
  for (const auto& b : r.block_energy) {
    double area = 0;
    for (const auto& [n, a] : r.block_area)
      if (n == b.name) area = a;
    fmt::print("block      {:<16} {:>8.0f} um2  {:>8.4f} pJ/MAC zero-delay{}\n", b.name, area, b.zero_pj,
               r.timed() ? fmt::format("  {:>8.4f} timed ({:.1f}% glitches)", b.timed_pj,
                                       100 * synth::DesignResult::glitch_share(b.zero_pj, b.timed_pj))
                         : std::string());
  }
  fmt::print("leakage    {:.2f} nW (liberty sum); OpenSTA {:.2f} nW\n", r.leakage_nw, r.sta_leakage_nw);
  fmt::print("cross-chk  power {:.2f} uW (ours) vs {:.2f} uW (OpenSTA, one global activity {:.3f})\n", r.power_uw,
             r.sta_power_uw, r.activity);
  fmt::print("accuracy   nrmse {:.3e}, worst {:.3e} (workload {})\n", r.nrmse, r.worst, r.accuracy_workload);
  fmt::print("gate-level acc_o equals the model for all {} MACs ({})\n", r.macs,
             r.timed() ? "zero-delay and timed simulation" : "zero-delay simulation");
  fmt::print("files      {}{}\n", r.dir, r.cached ? " (cached result)" : "");
  if (!saif.empty()) {
    const std::string from = fmt::format("{}/activity_{}.saif", r.dir, r.sim);
    std::ifstream in(from, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::string why;
    if (!in || text.str().empty()) {
      fmt::print(stderr, "logmac: synth: the result has no SAIF ({} is missing)\n", from);
      return 1;
    }
    if (!write_file_atomic(saif, text.str(), why)) {
      fmt::print(stderr, "logmac: synth: --saif: {}\n", why);
      return 1;
    }
    fmt::print("saif       {} ({} simulation)\n", saif, r.sim);
  }
  if (r.slack_ns < 0) {
    fmt::print(stderr,
               "logmac: synth: TIMING NOT MET: the clock {:.3f} ns is shorter than the critical path {:.3f} ns "
               "(slack {:.3f} ns); energy is reported at the requested clock\n",
               r.clock_ns, r.critical_ns, r.slack_ns);
    return 3;
  }
  return 0;
}

}  // namespace logmac::cli
