#include <fmt/format.h>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "cosim/cosim.hpp"
#include "sim/workload.hpp"

namespace logmac::cli {

int cmd_cosim(int argc, char** argv) {
  Args args("cosim",
            {{"--mac", "SPEC", "the MAC spec"},
             {"--rtl", "FILE", "Verilog to check instead of the generated RTL (same module name and ports)"},
             {"--exhaustive", nullptr, "every operand pair (and for lns every pair through the accumulator)"},
             {"--random", "N", "N vectors of seeded random dot-product streams, with en_i bubbles and resets"},
             {"--seed", "S", "random seed (default 1)"},
             {"--engine", "E", "systemc | lean (verilator --cc driver); default lean for exhaustive runs > 2^20"},
             {"--trace", nullptr, "on a mismatch, write a VCD around the first failing cycle"},
             {"--trace-file", "FILE", "VCD path for --trace (default MODULE.vcd)"},
             {"--max-report", "K", "failing cycles printed before stopping (default 5)"},
             {"--cache", "DIR", "built designs (default: $LOGMAC_COSIM_CACHE, else cosim-cache in the build tree or "
                                "in $XDG_CACHE_HOME/logmac)"},
             {"--list-canonical", nullptr, "print the canonical set, one spec per line (what the cosim tests cover)"}},
            argc, argv);
  if (args.help()) {
    fmt::print("logmac cosim --mac SPEC [--rtl FILE] (--exhaustive | --random N) [--seed S] [--trace]\n"
               "Verilates the RTL of SPEC and compares acc_o with the C++ model every cycle (SystemC testbench).\n"
               "Exit 0: the harness's result record counts every vector sent, none mismatching; 1: mismatch (first\n"
               "cycles printed) or no such evidence (the simulator crashed or hit its time limit); 2: bad input or a\n"
               "trace that cannot be written.\n{}",
               args.usage());
    return 0;
  }
  if (args.has("--list-canonical")) {
    // Read by tests/cosim at test time, so that the test list follows logmac::canonical_set().
    for (const auto& s : canonical_set()) fmt::print("{}\n", s);
    return 0;
  }
  if (!args.has("--mac")) throw UsageError("cosim: --mac SPEC is required");
  if (args.has("--exhaustive") == args.has("--random"))
    throw UsageError("cosim: give exactly one of --exhaustive or --random N");
  if (!args.positional().empty())
    throw UsageError(fmt::format("cosim: unexpected argument '{}'", args.positional().front()));
  const MacConfig c = parse_spec(args.get("--mac"));
  cosim::CosimOptions o;
  o.rtl = args.get("--rtl");
  o.exhaustive = args.has("--exhaustive");
  o.random = args.get_int("--random", 0, 1, 1LL << 40);
  o.seed = static_cast<std::uint64_t>(args.get_int("--seed", 1, 0, 1LL << 62));
  o.max_report = static_cast<int>(args.get_int("--max-report", 5, 1, 1000000));
  o.cache_dir = args.get("--cache");
  const std::string engine = args.get("--engine", "auto");
  if (engine == "systemc") o.engine = cosim::Engine::SystemC;
  else if (engine == "lean") o.engine = cosim::Engine::Lean;
  else if (engine != "auto") throw UsageError(fmt::format("cosim: --engine '{}' (allowed: systemc, lean)", engine));
  if (args.has("--trace")) o.trace = args.get("--trace-file", c.module_name() + ".vcd");
  else if (args.has("--trace-file")) throw UsageError("cosim: --trace-file needs --trace");
  try {
    return cosim::run_cosim(c, o);
  } catch (const cosim::CosimError& e) {
    throw UsageError(fmt::format("cosim: {}", e.what()));
  }
}

}  // namespace logmac::cli
