// What the flow measures for one design (DesignResult), and its failure (FlowError). The record format that
// stores a result on disk is the cache's (synth/cache.hpp).
#pragma once
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace logmac::synth {

// A tool failed or the gate-level outputs differ from the model: the message names the design and the log.
struct FlowError : std::runtime_error {
  using std::runtime_error::runtime_error;
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
  std::vector<std::pair<std::string, double>> block_area;   // block (instance path, "top") -> um^2
  // timing (OpenSTA)
  double slack_ns = 0, critical_ns = 0, fmax_mhz = 0;
  std::string critical_from, critical_to;
  std::string critical_path;  // block by block (step_sta.hpp Timing::critical_path)
  double sta_leakage_nw = 0, sta_power_uw = 0;  // sta_power: global mean activity (cross-check)
  // energy (ours): the zero-delay simulation (every net switches at most once per clock edge)
  std::string workload;
  std::string sim;  // "zero": zero delay only; "timed": also the timed (SDF) simulation, glitches included
  long long macs = 0, cycles = 0;
  double activity = 0;  // mean transitions per net per cycle (clock excluded)
  double energy_pj = 0, switching_pj = 0, internal_pj = 0, leakage_pj = 0;  // per MAC
  double clock_pj = 0, registers_pj = 0, logic_pj = 0, inputs_pj = 0;       // per MAC, by driver kind
  // the timed simulation (sim == "timed"; 0 otherwise), same quantities
  double timed_activity = 0;
  double timed_energy_pj = 0, timed_switching_pj = 0, timed_internal_pj = 0;
  double timed_clock_pj = 0, timed_registers_pj = 0, timed_logic_pj = 0, timed_inputs_pj = 0;
  struct BlockEnergy {
    std::string name;  // instance path ("top", "clock net", "inputs" for port-driven nets)
    double zero_pj = 0, timed_pj = 0;  // per MAC
  };
  std::vector<BlockEnergy> block_energy;
  double leakage_nw = 0, power_uw = 0, wire_cap_ff = 0, mean_net_cap_ff = 0;
  // accuracy of the datapath (measure_accuracy), always on an nn workload: accuracy_workload names it
  double nrmse = 0, worst = 0;
  std::string accuracy_workload;
  // bookkeeping
  double elapsed_s = 0;
  bool cached = false;
  std::string dir;  // where the netlist, logs and reports are

  bool timed() const { return sim == "timed"; }
  // (timed - zero) / timed: the share of the energy that glitches add (0 without a timed run).
  static double glitch_share(double zero, double timed) { return timed > 0 ? (timed - zero) / timed : 0; }

  std::string to_text() const;  // the cache record (synth/cache.hpp)
  // Throws FlowError for a malformed, incomplete or altered record (a missing field is never read as 0).
  static DesignResult from_text(const std::string& text);
};

}  // namespace logmac::synth
