#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include "cli/cli.hpp"
#include "cli/synth_args.hpp"
#include "sim/config.hpp"
#include "synth/flow.hpp"

namespace logmac::cli {

int cmd_synth(int argc, char** argv) {
  auto defs = with_flow_options({{"--mac", "SPEC", "the MAC spec"}});
  defs.push_back({"--rtl", "FILE", "synthesize this Verilog (following the RTL contract for SPEC) instead of the "
                                   "generated one"});
  Args args("synth", defs, argc, argv);
  if (args.help()) {
    fmt::print(
        "logmac synth --mac SPEC [--liberty PATH] [--clock NS]: area, cells, critical path, fmax, energy per MAC and\n"
        "leakage of one MAC. yosys maps the generated RTL onto the liberty; Verilator simulates the mapped netlist on\n"
        "the workload (its accumulator must equal the model's after every MAC) and counts every net's transitions;\n"
        "energy = sum toggles * C_net * V^2 / 2 + internal_power per transition + leakage * time; OpenSTA gives the\n"
        "critical path and leakage. Exit status: 0, 1 tool failure or gate-level mismatch, 2 bad input, 3 the clock\n"
        "is shorter than the critical path (everything is still reported).\n{}",
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
  fmt::print("energy     {:.4f} pJ/MAC at {:.1f} MHz ({} MACs, workload {}, activity {:.3f} transitions/net/cycle)\n",
             r.energy_pj, mhz, r.macs, r.workload, r.activity);
  fmt::print("           switching {:.4f} + internal {:.4f} + leakage {:.6f} pJ; by driver: clock {:.4f}, registers "
             "{:.4f}, logic {:.4f}, inputs {:.4f}\n",
             r.switching_pj, r.internal_pj, r.leakage_pj, r.clock_pj, r.registers_pj, r.logic_pj, r.inputs_pj);
  fmt::print("leakage    {:.2f} nW (liberty sum); OpenSTA {:.2f} nW\n", r.leakage_nw, r.sta_leakage_nw);
  fmt::print("cross-chk  power {:.2f} uW (ours) vs {:.2f} uW (OpenSTA, one global activity {:.3f})\n", r.power_uw,
             r.sta_power_uw, r.activity);
  fmt::print("accuracy   nrmse {:.3e}, worst {:.3e} (workload {})\n", r.nrmse, r.worst, r.accuracy_workload);
  fmt::print("gate-level acc_o equals the model for all {} MACs\n", r.macs);
  fmt::print("files      {}{}\n", r.dir, r.cached ? " (cached result)" : "");
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
