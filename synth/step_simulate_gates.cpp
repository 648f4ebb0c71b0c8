#include "synth/step_simulate_gates.hpp"

#include <fmt/format.h>

#include "synth/gate_sim.hpp"
#include "synth/result.hpp"
#include "synth/timed_sim.hpp"

namespace logmac::synth {

namespace {

std::vector<MacVector> bench_vectors(const CheckedStimulus& stim) {
  std::vector<MacVector> v(stim.lines.size());
  for (size_t k = 0; k < v.size(); ++k) v[k] = {stim.lines[k].clr, stim.lines[k].a, stim.lines[k].b, stim.expected[k]};
  return v;
}

GateActivity hand_on(const Netlist& nl, Activity a, const MacBenchResult& check, const CheckedStimulus& stim) {
  // The bench compared acc_o with the model after each of these MACs; the caller failed on any difference.
  if (check.mismatches != 0 || check.macs_checked != static_cast<long long>(stim.lines.size()) || a.cycles <= 0)
    throw FlowError(fmt::format("gate-level simulation checked {} of {} MACs", check.macs_checked, stim.lines.size()));
  GateActivity g;
  g.macs_checked = check.macs_checked;
  g.cycles = a.cycles;
  g.toggles.reserve(a.nets.size());
  for (int n = 0; n < nl.num_nets(); ++n)
    g.toggles.emplace_back(nl.net_bits[static_cast<size_t>(n)][0],
                           Toggles{a.nets[static_cast<size_t>(n)].rises, a.nets[static_cast<size_t>(n)].falls});
  g.nets = std::move(a);
  return g;
}

}  // namespace

GateActivity simulate_gates_zero_delay(const Library& lib, const Netlist& nl, const CheckedStimulus& stim,
                                       double clock_ns) {
  MacBenchResult check;
  Activity a;
  try {
    a = run_mac_zero_delay(lib, nl, bench_vectors(stim), stim.latency, clock_ns, check);
  } catch (const GateSimError& e) {
    throw FlowError(fmt::format("zero-delay gate-level simulation: {}", e.what()));
  }
  if (check.mismatches)
    throw FlowError(fmt::format("GATE-LEVEL OUTPUT DIFFERS FROM THE MODEL ({} of {} MACs, zero-delay simulation):\n{}",
                                check.mismatches, check.macs_checked, check.report));
  return hand_on(nl, std::move(a), check, stim);
}

GateActivity simulate_gates_timed(const Netlist& nl, const TimedGateSimInput& in, const CheckedStimulus& stim,
                                  const std::string& dir) {
  TimedSimOptions o;
  o.dir = dir;
  o.netlist = in.netlist;
  o.cells = in.cell_models;
  o.sdf = in.sdf;
  o.period_ns = in.clock_ns;
  MacBenchResult check;
  TimedSimInfo info;
  Activity a;
  try {
    a = run_mac_timed(nl, bench_vectors(stim), stim.latency, o, check, info);
  } catch (const TimedSimError& e) {
    throw FlowError(fmt::format("timed gate-level simulation: {}", e.what()));
  }
  if (check.mismatches)
    throw FlowError(fmt::format(
        "TIMED GATE-LEVEL OUTPUT DIFFERS FROM THE MODEL ({} of {} MACs at a {} ns clock; OpenSTA's critical path "
        "{:.3f} ns; log {}):\n{}",
        check.mismatches, check.macs_checked, in.clock_ns, in.critical_ns, info.log, check.report));
  return hand_on(nl, std::move(a), check, stim);
}

std::string format_activity(const Netlist& nl, const Activity& a) {
  std::string s = fmt::format("# {}: window {} ps, {} cycles; net rises falls t1_ps tx_ps\n", a.simulator, a.window_ps,
                              a.cycles);
  for (int n = 0; n < nl.num_nets() && static_cast<size_t>(n) < a.nets.size(); ++n) {
    const auto& x = a.nets[static_cast<size_t>(n)];
    s += fmt::format("{} {} {} {} {}\n", nl.net_bits[static_cast<size_t>(n)][0], x.rises, x.falls, x.t1_ps, x.tx_ps);
  }
  return s;
}

}  // namespace logmac::synth
