#include "synth/step_energy.hpp"

#include <fmt/format.h>

#include "synth/result.hpp"

namespace logmac::synth {

namespace {

// The simulator's per-bit counts as one entry per net.
std::vector<Toggles> per_net(const Library& lib, const Netlist& nl, const GateActivity& act) {
  std::vector<Toggles> tog(static_cast<size_t>(nl.num_nets()));
  std::vector<bool> seen(tog.size(), false);
  for (const auto& [name, t] : act.toggles) {
    const int net = nl.net_of(name);
    if (net < 0 || seen[net]) continue;  // constants, unknown names; aliases of a net already counted
    tog[net] = t;
    seen[net] = true;
  }
  const std::vector<double> caps = net_capacitances(lib, nl, 0);
  int missing = 0;
  std::string examples;
  for (int n = 0; n < nl.num_nets(); ++n)
    if (!seen[n] && caps[n] > 0 && ++missing <= 3) examples += " " + nl.net_bits[n][0];
  if (missing)
    throw FlowError(fmt::format("{} loaded nets have no transition count from the simulation (e.g.{})", missing,
                                examples));
  return tog;
}

// Mean transitions per net per cycle, the clock net excluded.
double mean_activity(const Netlist& nl, const std::vector<Toggles>& tog, long long cycles) {
  std::uint64_t t = 0;
  int n = 0;
  const int clk = nl.net_of("clk_i");
  for (int k = 0; k < nl.num_nets(); ++k)
    if (k != clk) {
      t += tog[k].rises + tog[k].falls;
      ++n;
    }
  return n && cycles > 0 ? static_cast<double>(t) / n / static_cast<double>(cycles) : 0;
}

}  // namespace

DesignEnergy estimate_design_energy(const Library& lib, const Netlist& nl, const GateActivity& act, double clock_ns,
                                    double slew_ns) {
  if (act.macs_checked <= 0 || act.cycles <= 0) throw FlowError("no checked MACs to estimate the energy of");
  const std::vector<Toggles> tog = per_net(lib, nl, act);
  EnergyOptions eo;
  eo.slew_ns = slew_ns;
  eo.wire_cap_per_fanout = default_wire_cap_per_fanout(lib, nl);
  eo.time_ns = static_cast<double>(act.cycles) * clock_ns;
  const EnergyResult e = estimate_energy(lib, nl, tog, eo);
  const double per = 1.0 / static_cast<double>(act.macs_checked);
  DesignEnergy d;
  d.energy_pj = e.total() * per;
  d.switching_pj = e.switching * per;
  d.internal_pj = e.internal * per;
  d.leakage_pj = e.leakage * per;
  d.clock_pj = e.by_kind.clock * per;
  d.registers_pj = e.by_kind.registers * per;
  d.logic_pj = e.by_kind.logic * per;
  d.inputs_pj = e.by_kind.inputs * per;
  d.leakage_nw = e.leakage_nw;
  d.seq_cells = e.seq_cells;
  d.power_uw = e.total() / eo.time_ns * 1e3;  // pJ/ns = mW
  d.wire_cap_ff = eo.wire_cap_per_fanout * 1e3;
  d.mean_net_cap_ff = e.mean_net_cap * 1e3;
  d.activity = mean_activity(nl, tog, act.cycles);
  d.blocks = e.by_block;
  for (auto& b : d.blocks) b.energy *= per;
  return d;
}

}  // namespace logmac::synth
