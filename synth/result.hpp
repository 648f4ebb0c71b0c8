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

  std::string to_text() const;  // the cache record (synth/cache.hpp)
  // Throws FlowError for a malformed, incomplete or altered record (a missing field is never read as 0).
  static DesignResult from_text(const std::string& text);
};

}  // namespace logmac::synth
