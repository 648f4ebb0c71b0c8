#include "synth/step_simulate_gates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

#include "synth/result.hpp"
#include "synth/tools.hpp"
#include "toolchain/verilator.hpp"
#include "util/file.hpp"
#include "util/paths.hpp"

namespace logmac::synth {

std::vector<std::pair<std::string, Toggles>> parse_toggle_counts(const std::string& text) {
  std::vector<std::pair<std::string, Toggles>> out;
  std::istringstream in(text);
  std::string name;
  Toggles t;
  while (in >> name >> t.rises >> t.falls) out.emplace_back(name, t);
  return out;
}

namespace {

// Verilates the netlist and compiles it with the harness against the prebuilt Verilator runtime (compiling the
// runtime per design would double the time of a small one): dir/obj/harness.
void build_harness(const GateSimInput& in, const std::string& dir) {
  namespace fs = std::filesystem;
  // -fno-gate: Verilator 5.006's gate-level optimization miscompiles some yosys netlists (fxp:w=6: acc_o wrong
  // from the first MAC, while iverilog on the same netlist and cells agrees with the model).
  run_tool_checked({toolchain::kVerilator, "--cc", "-fno-gate", "--x-assign", "fast", "--x-initial", "fast",
                    "--trace", "--trace-underscore", "--top-module", in.top, "-Wno-fatal", "-Wno-lint", "-Wno-style",
                    "-Wno-MULTIDRIVEN", "--Mdir", "obj", in.netlist, in.cell_models},
                   dir, "verilator.log", "verilator on the gate-level netlist");
  std::string runtime;
  try {
    runtime = util::runtime_library(toolchain::kRuntimeCc).string();
  } catch (const std::runtime_error& missing) {
    throw FlowError(missing.what());
  }
  // One unity file: the model's parts and the harness.
  std::vector<std::string> parts;
  for (const auto& ent : fs::directory_iterator(dir + "/obj")) {
    const std::string name = ent.path().filename().string();
    if (name.starts_with("V" + in.top) && ent.path().extension() == ".cpp") parts.push_back(name);
  }
  std::sort(parts.begin(), parts.end());
  std::string unity;
  for (const auto& p : parts) unity += fmt::format("#include \"{}\"\n", p);
  write_output(dir + "/obj/gate_all.cpp", unity + "#include \"harness.cpp\"\n");
  std::vector<std::string> cc = {toolchain::kCxx, "-std=c++20", "-O1", "-w", "-isystem", toolchain::kVerilatorInclude,
                                 "-isystem", std::string(toolchain::kVerilatorInclude) + "/vltstd", "-I", dir + "/obj",
                                 "-I", dir};
  for (const char* d : toolchain::kCcDefs) cc.push_back(std::string("-D") + d);
  cc.insert(cc.end(), {"-c", "obj/gate_all.cpp", "-o", "obj/gate_all.o"});
  run_tool_checked(cc, dir, "compile.log", "compiling the gate-level model");
  run_tool_checked({toolchain::kCxx, "-o", "obj/harness", "obj/gate_all.o", runtime, "-pthread"}, dir, "compile.log",
                   "linking the gate-level model");
}

}  // namespace

GateActivity simulate_gates_verilator(const GateSimInput& in, const CheckedStimulus& stim, const std::string& dir) {
  write_output(dir + "/harness.cpp", substitute(kHarnessCpp, {{"TOP", in.top}}));
  write_output(dir + "/vcd_toggles.hpp", kVcdTogglesHpp);
  write_output(dir + "/stim.txt", stim.file_text());
  build_harness(in, dir);
  const util::ProcessResult run = run_tool({dir + "/obj/harness", "stim.txt", "toggles.txt", "sim.txt"}, dir, "sim.log");
  if (!in.keep_build) std::filesystem::remove_all(dir + "/obj");
  if (run.exit_status == 1)
    throw FlowError(fmt::format("GATE-LEVEL OUTPUT DIFFERS FROM THE MODEL ({}/sim.log):\n{}", dir,
                                util::tail_lines(dir + "/sim.log", 8)));
  if (!run.ok()) throw FlowError(tool_failure("gate-level simulation", run, dir, "sim.log", 8));

  std::map<std::string, long long> report;
  std::istringstream res(read_output(dir + "/sim.txt"));
  for (std::string k; res >> k;) res >> report[k];
  GateActivity a;
  a.cycles = report["cycles"];
  // The harness compared acc_o with the model after each of these MACs, all equal (exit 1 otherwise).
  if (report.count("mismatches") && report["mismatches"] == 0) a.macs_checked = report["macs"];
  if (a.macs_checked != static_cast<long long>(stim.lines.size()) || a.cycles <= 0)
    throw FlowError(fmt::format("gate-level simulation result {}/sim.txt is incomplete", dir));
  a.toggles = parse_toggle_counts(read_output(dir + "/toggles.txt"));
  if (a.toggles.empty()) throw FlowError(fmt::format("gate-level simulation wrote no toggle counts ({}/toggles.txt)", dir));
  return a;
}

}  // namespace logmac::synth
