#include <fmt/format.h>

#include <csignal>
#include <cstring>
#include <exception>
#include <filesystem>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "util/text_io.hpp"
#include "sim/vectors.hpp"
#include "util/process.hpp"

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

// An error that follows an interrupt is its consequence (a tool killed, a step cut short): end by the signal.
void end_if_interrupted() {
  if (const int sig = logmac::util::interrupted()) logmac::util::die_by_signal(sig);
}

void error_line(std::string_view what) {
  end_if_interrupted();
  fmt::print(stderr, "logmac: {}\n", logmac::one_line(what));
}

// Runs a subcommand and maps what escapes it to the contract's exit status: 2 for bad input and failed
// writes (one line), 1 for any other failure (one line, never an abort).
int run_command(const logmac::cli::Command& c, int argc, char** argv) {
  try {
    return c.run(argc, argv);
  } catch (const logmac::util::Interrupted& i) {  // the unwinding removed our temporaries: end by the signal
    logmac::util::die_by_signal(i.signal);
  } catch (const logmac::cli::UsageError& e) {
    error_line(e.what());
  } catch (const logmac::SpecError& e) {
    error_line(e.what());
  } catch (const logmac::VectorError& e) {
    error_line(e.what());
  } catch (const logmac::InputError& e) {
    error_line(fmt::format("{}: {}", c.name, e.what()));
  } catch (const logmac::WriteError& e) {
    error_line(fmt::format("{}: {}", c.name, e.what()));
  } catch (const logmac::cli::OutputClosed&) {
    return 0;  // the reader of stdout is gone (`| head`): stop quietly
  } catch (const std::filesystem::filesystem_error& e) {  // a path the user gave cannot be used
    error_line(fmt::format("{}: {}", c.name, e.what()));
  } catch (const std::exception& e) {  // a failure that is not the input's fault: one line, not a crash
    error_line(fmt::format("{}: {}", c.name, e.what()));
    return 1;
  }
  return 2;
}

// Everything written to stdout reaches it, or the exit status says otherwise (2, one line). A reader
// that went away (EPIPE, `| head -1`) is not an error: what was asked for was delivered.
int finish_stdout(int status) {
  try {
    logmac::stdout_flush();
  } catch (const logmac::WriteError& e) {
    if (status == 2) return status;  // the command already failed on bad input and said why
    // Lost output outranks a mismatch (1) or a timing violation (3): the report of it may be what was lost.
    error_line(e.what());
    return 2;
  }
  return status;
}

extern "C" void ignore_signal(int) {}
}  // namespace

int main(int argc, char** argv) {
  // A closed pipe makes writes fail with EPIPE (handled above) instead of killing the process. A handler,
  // not SIG_IGN: child processes (tools of cosim/synth) get the default disposition back on exec.
  struct sigaction sa {};
  sa.sa_handler = ignore_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGPIPE, &sa, nullptr);
  // SIGINT/SIGTERM/SIGHUP kill the child tools at once and unwind (temporary files removed), then end logmac.
  logmac::util::install_interrupt_unwinding();

  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    print_help();
    return finish_stdout(argc < 2 ? 2 : 0);
  }
  for (const auto& c : logmac::cli::commands())
    if (!std::strcmp(argv[1], c.name)) {
      const int status = run_command(c, argc - 1, argv + 1);
      end_if_interrupted();
      return finish_stdout(status);
    }
  std::string names;
  for (const auto& c : logmac::cli::commands()) names += (names.empty() ? "" : ", ") + std::string(c.name);
  error_line(fmt::format("unknown subcommand '{}' (allowed: {})", logmac::printable(argv[1]), names));
  return 2;
}
