#include "synth/energy.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace logmac::synth {

namespace {

const LibCell& cell_of(const Library& lib, const Netlist::Cell& c) {
  const LibCell* lc = lib.cell(c.type);
  if (!lc) throw std::invalid_argument(fmt::format("cell '{}' ({}) is not in liberty {}", c.name, c.type, lib.path));
  return *lc;
}

const LibPin& pin_of(const LibCell& lc, const Netlist::Cell& c, const std::string& pin) {
  const LibPin* p = lc.pin(pin);
  if (!p) throw std::invalid_argument(fmt::format("cell '{}' ({}) has no pin '{}'", c.name, c.type, pin));
  return *p;
}

bool is_input(PinDir d) { return d == PinDir::Input || d == PinDir::Inout; }
bool is_output(PinDir d) { return d == PinDir::Output || d == PinDir::Inout; }

// Mean over the groups that have a table for this transition.
double mean_energy(const std::vector<InternalPower>& groups, bool rise, double load, double slew, bool related) {
  double sum = 0;
  int n = 0;
  for (const auto& g : groups) {
    if (related && g.related_pin.empty()) continue;
    const Lut& t = rise ? g.rise : g.fall;
    if (t.empty()) continue;
    sum += t.lookup(load, slew);
    ++n;
  }
  return n ? sum / n : 0;
}

}  // namespace

std::vector<double> net_capacitances(const Library& lib, const Netlist& nl, double wire_cap_per_fanout) {
  std::vector<double> cap(static_cast<size_t>(nl.num_nets()), 0.0);
  for (const auto& c : nl.cells) {
    const LibCell& lc = cell_of(lib, c);
    for (const auto& [pin, net] : c.pins) {
      const LibPin& p = pin_of(lc, c, pin);
      if (net >= 0 && is_input(p.dir)) cap[net] += p.cap + wire_cap_per_fanout;
    }
  }
  return cap;
}

double default_wire_cap_per_fanout(const Library& lib, const Netlist& nl) {
  double area = 0;
  for (const auto& c : nl.cells) area += cell_of(lib, c).area;
  if (nl.cells.empty()) return 0;
  const double len_um = 2 * std::sqrt(area / static_cast<double>(nl.cells.size()));
  return 0.15e-3 * len_um;  // 0.15 fF/um in pF/um
}

EnergyResult estimate_energy(const Library& lib, const Netlist& nl, const std::vector<Toggles>& toggles,
                             const EnergyOptions& opt) {
  if (static_cast<int>(toggles.size()) != nl.num_nets())
    throw std::invalid_argument(
        fmt::format("energy: {} toggle entries for a netlist of {} nets", toggles.size(), nl.num_nets()));
  const double v = opt.voltage > 0 ? opt.voltage : lib.voltage;
  const std::vector<double> cap = net_capacitances(lib, nl, opt.wire_cap_per_fanout);

  // Who drives each net, and which nets reach a clock pin.
  enum Kind { kNone, kPort, kClock, kSeq, kComb };
  std::vector<Kind> driver(cap.size(), kNone);
  std::vector<bool> feeds_clock(cap.size(), false);
  for (const auto& c : nl.cells) {
    const LibCell& lc = cell_of(lib, c);
    for (const auto& [pin, net] : c.pins) {
      if (net < 0) continue;
      const LibPin& p = pin_of(lc, c, pin);
      if (is_output(p.dir)) driver[net] = lc.sequential() ? kSeq : kComb;
      if (is_input(p.dir) && p.clock) feeds_clock[net] = true;
    }
  }
  for (const auto& port : nl.ports) {
    if (!port.input) continue;
    for (int b = 0; b < port.width(); ++b) {
      const int idx = port.msb >= port.lsb ? port.lsb + b : port.lsb - b;
      const int net = nl.net_of(port.scalar ? port.name : fmt::format("{}[{}]", port.name, idx));
      if (net >= 0) driver[net] = feeds_clock[net] ? kClock : kPort;
    }
  }

  EnergyResult r;
  // Blocks: index per cell; port-driven nets go to "clock net" / "inputs".
  std::vector<int> cell_block(nl.cells.size(), 0);
  auto block_index = [&](const std::string& name) {
    for (size_t b = 0; b < r.by_block.size(); ++b)
      if (r.by_block[b].name == name) return static_cast<int>(b);
    r.by_block.push_back({name});
    return static_cast<int>(r.by_block.size()) - 1;
  };
  std::vector<int> net_block(cap.size(), -1);
  for (size_t k = 0; k < nl.cells.size(); ++k) {
    const auto& c = nl.cells[k];
    cell_block[k] = block_index(c.block.empty() ? "top" : c.block);
    const LibCell& lc = cell_of(lib, c);
    for (const auto& [pin, net] : c.pins)
      if (net >= 0 && is_output(pin_of(lc, c, pin).dir)) net_block[static_cast<size_t>(net)] = cell_block[k];
  }
  const int clock_block = block_index("clock net"), input_block = block_index("inputs");
  for (size_t n = 0; n < cap.size(); ++n)
    if (net_block[n] < 0) net_block[n] = driver[n] == kClock ? clock_block : input_block;
  auto add_kind = [&](Kind k, double e) {
    switch (k) {
      case kClock: r.by_kind.clock += e; break;
      case kSeq: r.by_kind.registers += e; break;
      case kComb: r.by_kind.logic += e; break;
      case kPort:
      case kNone: r.by_kind.inputs += e; break;
    }
  };

  double cap_sum = 0;
  for (size_t n = 0; n < cap.size(); ++n) {
    const auto t = toggles[n].rises + toggles[n].falls;
    const double e = static_cast<double>(t) * 0.5 * cap[n] * v * v;
    r.switching += e;
    r.transitions += t;
    cap_sum += cap[n];
    add_kind(driver[n], e);
    r.by_block[static_cast<size_t>(net_block[n])].energy += e;
  }

  for (size_t k = 0; k < nl.cells.size(); ++k) {
    const auto& c = nl.cells[k];
    const LibCell& lc = cell_of(lib, c);
    BlockEnergy& blk = r.by_block[static_cast<size_t>(cell_block[k])];
    ++r.cells;
    ++blk.cells;
    blk.area += lc.area;
    blk.energy += lc.leakage * opt.time_ns * 1e-6;
    r.seq_cells += lc.sequential();
    r.area += lc.area;
    r.leakage_nw += lc.leakage;
    for (const auto& [pin, net] : c.pins) {
      if (net < 0) continue;
      const LibPin& p = pin_of(lc, c, pin);
      if (p.power.empty()) continue;
      const Toggles& t = toggles[net];
      double e = 0;
      if (is_output(p.dir)) {
        e = static_cast<double>(t.rises) * mean_energy(p.power, true, cap[net], opt.slew_ns, true) +
            static_cast<double>(t.falls) * mean_energy(p.power, false, cap[net], opt.slew_ns, true);
      } else {
        e = static_cast<double>(t.rises) * mean_energy(p.power, true, 0, opt.slew_ns, false) +
            static_cast<double>(t.falls) * mean_energy(p.power, false, 0, opt.slew_ns, false);
      }
      r.internal += e;
      blk.energy += e;
      add_kind(p.clock ? kClock : lc.sequential() ? kSeq : kComb, e);
    }
  }
  r.leakage = r.leakage_nw * opt.time_ns * 1e-6;  // nW * ns = 1e-18 J = 1e-6 pJ
  r.by_kind.leakage = r.leakage;
  r.nets = nl.num_nets();
  r.mean_net_cap = cap.empty() ? 0 : cap_sum / static_cast<double>(cap.size());
  return r;
}

}  // namespace logmac::synth
