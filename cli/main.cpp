#include <fmt/format.h>

#include <cstring>
#include <exception>
#include <filesystem>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "sim/vectors.hpp"

namespace logmac::cli {

// One line per subcommand.
const std::vector<Command>& commands() {
  static const std::vector<Command> cmds = {
      {"spec", "print the canonical form and derived widths of a MAC spec (JSON)", cmd_spec},
      {"eval", "golden model: read 'CLR A B [ACC]' lines (hex) on stdin, print 'ACC VALUE' per line", cmd_eval},
      {"vectors", "write test vectors 'CLR A B ACC' (exhaustive or seeded random)", cmd_vectors},
      {"bench", "model throughput in M MAC/s, single thread, 256-term dot products", cmd_bench},
      {"accuracy", "dot-product accuracy of MAC specs on a neural-network-like workload", cmd_accuracy},
      {"rtl", "generate synthesizable Verilog (+ JSON sidecar) for MAC specs", cmd_rtl},
      {"cosim", "co-simulate RTL (Verilator + SystemC) against the C++ model", cmd_cosim},
      {"pwl", "bitwidth-specific PWL delta tables (power-of-two slopes) by simulated annealing", cmd_pwl},
      {"synth", "synthesis (yosys), timing (OpenSTA) and gate-level energy per MAC of one MAC spec", cmd_synth},
      {"compare", "LNS versus linear: area, fmax, energy and accuracy of several MACs, report + plot", cmd_compare},
  };
  return cmds;
}

}  // namespace logmac::cli

namespace {
void print_help() {
  fmt::print(
      "logmac: bit-true models, RTL and costs of logarithmic multiply-accumulate units\n"
      "usage: logmac SUBCOMMAND [options]   (logmac SUBCOMMAND --help for its options)\n\nsubcommands:\n");
  for (const auto& c : logmac::cli::commands()) fmt::print("  {:<10} {}\n", c.name, c.summary);
  fmt::print("\nMAC specs are VARIANT:key=value,...; variants and keys: logmac spec --list\n");
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    print_help();
    return argc < 2 ? 2 : 0;
  }
  for (const auto& c : logmac::cli::commands()) {
    if (std::strcmp(argv[1], c.name)) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const logmac::cli::UsageError& e) {
      fmt::print(stderr, "logmac: {}\n", e.what());
    } catch (const logmac::SpecError& e) {
      fmt::print(stderr, "logmac: {}\n", e.what());
    } catch (const logmac::VectorError& e) {
      fmt::print(stderr, "logmac: {}\n", e.what());
    } catch (const std::filesystem::filesystem_error& e) {  // a path the user gave cannot be used
      fmt::print(stderr, "logmac: {}: {}\n", c.name, e.what());
    } catch (const std::exception& e) {  // a failure that is not the input's fault: one line, not a crash
      fmt::print(stderr, "logmac: {}: {}\n", c.name, e.what());
      return 1;
    }
    return 2;
  }
  std::string names;
  for (const auto& c : logmac::cli::commands()) names += (names.empty() ? "" : ", ") + std::string(c.name);
  fmt::print(stderr, "logmac: unknown subcommand '{}' (allowed: {})\n", argv[1], names);
  return 2;
}
