#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "cli/synth_args.hpp"
#include "synth/compare.hpp"
#include "synth/report.hpp"
#include "util/parallel.hpp"
#include "util/text_io.hpp"

namespace logmac::cli {

int cmd_compare(int argc, char** argv) {
  auto defs = with_flow_options({{"--mac", "SPEC", "a MAC spec (default: the built-in sweep of `make demo`)", true}});
  defs.push_back({"--jobs", "J", "designs run in parallel (default: all cores)"});
  defs.push_back({"-o", "DIR", "report directory: compare.md, .csv, .json, .png"});
  Args args("compare", defs, argc, argv);
  if (args.help()) {
    fmt::print(
        "logmac compare [--mac SPEC ...] -o DIR: synthesis, timing, energy per MAC and accuracy of several MACs\n"
        "(see logmac synth --help), each against the linear fixed-point MAC of the same operand width (fxp:w=<w>,\n"
        "added if not listed). Prints a Markdown table and writes DIR/compare.{{md,csv,json,png}}. Results are\n"
        "cached by spec (a pwl table by its content), RTL, liberty (path and content), tool versions, clock,\n"
        "workload and the sources of the estimators. Accuracy is always measured on the nn workload.\n"
        "Exit status: 0, 1 if a design or the plot failed (the rest is still reported), 2 bad input or a report\n"
        "that cannot be written.\n{}",
        args.usage());
    return 0;
  }
  if (!args.positional().empty())
    throw UsageError(fmt::format("compare: unexpected argument '{}'", args.positional().front()));
  if (!args.has("-o")) throw UsageError("compare: -o DIR is required");
  const synth::CompareSet set = synth::compare_set(args.all("--mac"));
  const std::vector<MacConfig>& cfgs = set.designs;
  const synth::FlowOptions opt = synth_flow_from(args, "compare");
  const int jobs = static_cast<int>(args.get_int("--jobs", util::hardware_jobs(), 1, 256));
  const std::string versions = [] {
    try {
      return synth::tool_versions();
    } catch (const synth::FlowError& e) {
      throw UsageError(fmt::format("compare: {}", e.what()));
    }
  }();
  // Checked now, not after minutes of synthesis.
  require_writable_dir(args.get("-o"), "compare", "-o");

  fmt::print(stderr, "compare: {} designs ({} added as linear baselines), {} in parallel, clock {} ns\n", cfgs.size(),
             cfgs.size() - set.given, jobs, opt.clock_ns);
  const auto t0 = std::chrono::steady_clock::now();
  Progress progress(cfgs.size(), "compare");
  const auto outcomes = synth::run_designs(cfgs, opt, jobs, [&](size_t i, size_t k, const synth::DesignOutcome& o) {
    const auto& r = o.result;
    const std::string timed =
        r.timed() ? fmt::format(" ({:.3f} timed, {:.1f}% glitches)", r.timed_energy_pj,
                                100 * synth::DesignResult::glitch_share(r.energy_pj, r.timed_energy_pj))
                  : "";
    if (o.error.empty())
      progress.done(fmt::format("[{:>2}/{}] {:<52} {:>6.1f} s{}  {:.0f} um2, {:.3f} pJ/MAC{}, {:.0f} MHz{}", k,
                                cfgs.size(), r.spec, o.seconds, r.cached ? " (cached)" : "", r.area, r.energy_pj, timed,
                                r.fmax_mhz, r.slack_ns < 0 ? "  TIMING NOT MET" : ""));
    else
      progress.done(fmt::format("[{:>2}/{}] {:<52} {:>6.1f} s  FAILED", k, cfgs.size(), cfgs[i].canonical(), o.seconds));
  });
  progress.finish();

  std::vector<synth::DesignResult> ok;
  int failed = 0;
  for (const auto& o : outcomes) {
    if (o.error.empty()) {
      ok.push_back(o.result);
    } else {
      ++failed;
      fmt::print(stderr, "logmac: compare: {}\n", o.error);
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("{}\n{}", synth::markdown_table(ok),
             "\nWhere the energy goes (share of pJ/MAC by driver), the flip-flops' share of the area, activity and "
             "the glitch share per class:\n\n");
  fmt::print("{}\n", synth::breakdown_table(ok));
  const std::string lib_name = opt.liberty.substr(opt.liberty.find_last_of('/') + 1);
  fmt::print("clock {} ns ({:.0f} MHz), liberty {}, workload {} ({} MACs), accuracy on {}, ratios against fxp of "
             "the same width; energy per MAC from the zero-delay simulation (pJ/MAC 0){}; {:.0f} s\n",
             opt.clock_ns, 1000.0 / opt.clock_ns, lib_name, opt.workload, ok.empty() ? 0 : ok[0].macs,
             ok.empty() ? std::string("-") : ok[0].accuracy_workload,
             opt.sim == "timed" ? " and the timed one with the SDF delays, glitches included (pJ/MAC t)"
                                : " only (--sim zero: glitches not counted)",
             wall);
  if (!stdout_flush()) throw OutputClosed{};  // the tables first, then the warnings (not inside a table row)
  for (const auto& r : ok)
    if (r.slack_ns < 0)
      fmt::print(stderr, "compare: TIMING NOT MET: {} needs {:.3f} ns > clock {} ns (slack {:.3f} ns)\n", r.spec,
                 r.critical_ns, opt.clock_ns, r.slack_ns);
  bool plot_failed = false;
  if (!ok.empty()) {
    std::string note;
    try {
      note = synth::write_reports(
          args.get("-o"), ok, versions,
          fmt::format("logmac MACs on {} at {} ns clock: cost against accuracy", lib_name, opt.clock_ns));
    } catch (const synth::FlowError& e) {  // -o was writable at the start; it may not be any more: exit 2
      throw WriteError(fmt::format("cannot write the reports in {}: {}", args.get("-o"), e.what()));
    } catch (const std::filesystem::filesystem_error& e) {
      throw WriteError(fmt::format("cannot write the reports in {}: {}", args.get("-o"), e.what()));
    }
    if (!note.empty()) {  // gnuplot failed: a tool failure (exit 1), the tables are written
      fmt::print(stderr, "logmac: compare: {}\n", note);
      plot_failed = true;
    }
    fmt::print("reports: {}/compare.{{md,csv,json,png}} (per block and critical paths: compare.md, "
               "compare_blocks.csv)\n",
               args.get("-o"));
  }
  return failed || plot_failed ? 1 : 0;
}

}  // namespace logmac::cli
