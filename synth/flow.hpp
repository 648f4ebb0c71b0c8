// One design through the flow: RTL (generator) -> yosys (flatten, dfflibmap, abc -liberty, stat) ->
// Verilator gate-level simulation of the mapped netlist on a workload, checked against the model, with every
// net's transitions counted -> energy (energy.hpp) -> OpenSTA (critical path, fmax, leakage, power
// cross-check). Results are cached on disk, keyed by everything they depend on (including the estimators'
// sources, and a pwl:FILE table by its content).
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/config.hpp"

namespace logmac::synth {

// A tool failed or the gate-level outputs differ from the model: the message names the design and the log.
struct FlowError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr const char* kDefaultLiberty = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib";

struct FlowOptions {
  std::string liberty = kDefaultLiberty;
  double clock_ns = 10.0;
  std::string workload = "nn";  // nn | uniform | zeros | FILE (vector file, `CLR A B [ACC]` lines)
  int dots = 40, terms = 256;   // generated workloads: dots x terms MACs, clr on the first term
  std::uint64_t seed = 1;
  int accuracy_dots = 2000;     // accuracy: always an nn workload of this many dot products (terms, seed as above)
  double slew_ns = 0.1;         // see energy.hpp
  std::string cache_dir;        // "" = no cache
  std::string work_dir;         // per-design build directories (default: cache_dir, else a temp dir)
  std::string rtl_file;         // synthesize this Verilog instead of generating it (RTL contract for the spec)
  bool breakdown = true;        // per-block area of --rtl files with submodules (generated RTL is flat)
  bool keep = false;            // keep the Verilator build directory
};

struct DesignResult {
  std::string spec, module, liberty;
  int w = 0, wa = 0, wb = 0, wacc = 0, latency = 0;
  double clock_ns = 0;
  // synthesis
  double area = 0;  // um^2, yosys stat -liberty
  int cells = 0, seq_cells = 0;
  double seq_area = 0;  // um^2 of the flip-flops
  std::vector<std::pair<std::string, double>> cell_types;   // type -> count
  std::vector<std::pair<std::string, double>> block_area;   // module -> um^2 (hierarchical mapping)
  // timing (OpenSTA)
  double slack_ns = 0, critical_ns = 0, fmax_mhz = 0;
  std::string critical_from, critical_to;
  double sta_leakage_nw = 0, sta_power_uw = 0;  // sta_power: global mean activity (cross-check)
  // energy (ours)
  std::string workload;
  long long macs = 0, cycles = 0;
  double activity = 0;  // mean transitions per net per cycle (clock excluded)
  double energy_pj = 0, switching_pj = 0, internal_pj = 0, leakage_pj = 0;  // per MAC
  double clock_pj = 0, registers_pj = 0, logic_pj = 0, inputs_pj = 0;       // per MAC, by driver kind
  double leakage_nw = 0, power_uw = 0, wire_cap_ff = 0, mean_net_cap_ff = 0;
  // accuracy of the datapath (measure_accuracy), always on an nn workload: accuracy_workload names it
  double nrmse = 0, worst = 0;
  std::string accuracy_workload;
  // bookkeeping
  double elapsed_s = 0;
  bool cached = false;
  std::string dir;  // where the netlist, logs and reports are

  std::string to_text() const;  // the cache format: one `key value` line per field
  // Throws FlowError for a malformed or incomplete record (a missing field is never read as 0).
  static DesignResult from_text(const std::string& text);
};

// Versions of yosys, sta and verilator (one line each); throws FlowError if one is missing.
std::string tool_versions();

// Runs (or loads from the cache) one design. `log` receives progress lines (may be empty).
// Throws LibertyError (bad liberty), std::invalid_argument (bad workload FILE), FlowError (everything else:
// tools, unusable work/cache directory, unreadable tool output).
DesignResult run_design(const MacConfig& cfg, const FlowOptions& opt,
                        const std::function<void(const std::string&)>& log = {});

// The stimulus of a workload: `CLR A B` per MAC. Throws std::invalid_argument for a bad FILE.
struct StimLine {
  bool clr;
  std::uint64_t a, b;
};
std::vector<StimLine> make_stimulus(const MacConfig& cfg, const FlowOptions& opt);

}  // namespace logmac::synth
