#include "synth/gate_sim.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace logmac::synth {

namespace {

char cp_var(const std::string& v) { return v.empty() ? 'X' : v[0]; }

}  // namespace

GateSim::GateSim(const Library& lib, const Netlist& nl) : nets_(nl.num_nets()) {
  // Value slots: nets, then flip-flop states (allocated below), then the constants 0 and 1.
  int slots = nets_;
  std::vector<int> driver(static_cast<size_t>(nets_), -1);  // gate index driving each net
  struct PendingGate {
    Gate g;
    std::string where;
  };
  std::vector<PendingGate> pending;
  const int kSlot0 = -10, kSlot1 = -11;          // placeholders for the constant slots

  for (const auto& c : nl.cells) {
    const LibCell* lc = lib.cell(c.type);
    if (!lc) throw GateSimError(fmt::format("cell '{}' ({}) is not in liberty {}", c.name, c.type, lib.path));
    auto pin_slot = [&](const std::string& pin) {
      for (const auto& [p, net] : c.pins)
        if (p == pin) return net >= 0 ? net : net == kConst1 ? kSlot1 : kSlot0;
      return kSlot0;  // unconnected input: 0
    };
    // State variables of the cell's flip-flops.
    std::vector<std::pair<std::string, int>> state_slot;
    for (const auto& s : lc->seq) {
      if (s.latch)
        throw GateSimError(fmt::format("cell '{}' ({}) is a latch: the zero-delay simulator supports flip-flops only",
                                       c.name, c.type));
      Flop f;
      f.state = slots++;
      state_slot.emplace_back(s.iq, f.state);
      f.state_n = -1;
      if (!s.iqn.empty()) {
        f.state_n = slots++;
        state_slot.emplace_back(s.iqn, f.state_n);
      }
      f.cp1 = cp_var(s.clear_preset_var1);
      f.cp2 = cp_var(s.clear_preset_var2);
      auto compile = [&](const std::string& text, const char* attr, std::vector<int>& in) {
        if (text.empty()) return -1;
        LibExpr e;
        try {
          e = LibExpr::parse(text, fmt::format("liberty cell {} {}", c.type, attr));
        } catch (const LibExprError& err) {
          throw GateSimError(err.what());
        }
        for (const auto& v : e.vars()) {
          const LibPin* p = lc->pin(v);
          if (!p || !(p->dir == PinDir::Input || p->dir == PinDir::Inout))
            throw GateSimError(fmt::format("liberty cell {}: {} uses '{}', not an input pin", c.type, attr, v));
          in.push_back(pin_slot(v));
        }
        exprs_.push_back(std::move(e));
        return static_cast<int>(exprs_.size()) - 1;
      };
      f.next = compile(s.next_state, "next_state", f.next_in);
      f.clock = compile(s.clocked_on, "clocked_on", f.clock_in);
      f.clear = compile(s.clear, "clear", f.clear_in);
      f.preset = compile(s.preset, "preset", f.preset_in);
      if (f.next < 0 || f.clock < 0)
        throw GateSimError(fmt::format("liberty cell {}: ff group without next_state/clocked_on", c.type));
      flops_.push_back(std::move(f));
    }
    for (const auto& [pin, net] : c.pins) {
      const LibPin* p = lc->pin(pin);
      if (!p) throw GateSimError(fmt::format("cell '{}' ({}) has no pin '{}'", c.name, c.type, pin));
      if (!(p->dir == PinDir::Output || p->dir == PinDir::Inout) || net < 0) continue;
      if (p->function.empty())
        throw GateSimError(fmt::format("cell '{}' ({}): output {} has no function in the liberty", c.name, c.type, pin));
      LibExpr e;
      try {
        e = LibExpr::parse(p->function, fmt::format("liberty cell {} pin {}", c.type, pin));
      } catch (const LibExprError& err) {
        throw GateSimError(err.what());
      }
      Gate g;
      g.out = net;
      for (const auto& v : e.vars()) {
        int slot = -1;
        for (const auto& [n, s] : state_slot)
          if (n == v) slot = s;
        if (slot < 0) {
          const LibPin* ip = lc->pin(v);
          if (!ip || !(ip->dir == PinDir::Input || ip->dir == PinDir::Inout))
            throw GateSimError(fmt::format("liberty cell {}: function of {} uses '{}'", c.type, pin, v));
          slot = pin_slot(v);
        }
        g.in.push_back(slot);
      }
      if (e.vars().size() <= 6) {
        g.table = e.truth_table();
      } else {
        exprs_.push_back(std::move(e));
        g.expr = static_cast<int>(exprs_.size()) - 1;
      }
      if (driver[static_cast<size_t>(net)] >= 0)
        throw GateSimError(fmt::format("net {} has two drivers (cell '{}' is one)", nl.net_bits[net][0], c.name));
      driver[static_cast<size_t>(net)] = static_cast<int>(pending.size());
      pending.push_back({std::move(g), c.name});
    }
  }
  const int c0 = slots, c1 = slots + 1;
  slots += 2;
  auto patch = [&](std::vector<int>& in) {
    for (auto& s : in) s = s == kSlot0 ? c0 : s == kSlot1 ? c1 : s;
  };
  for (auto& f : flops_)
    for (auto* v : {&f.next_in, &f.clock_in, &f.clear_in, &f.preset_in}) patch(*v);
  for (auto& pg : pending) patch(pg.g.in);

  // Topological order of the gates (Kahn): a gate is ready when every input it reads is not driven by a
  // gate still waiting.
  std::vector<int> waiting(pending.size(), 0);
  std::vector<std::vector<int>> users(pending.size());
  for (size_t k = 0; k < pending.size(); ++k)
    for (int s : pending[k].g.in)
      if (s < nets_ && driver[static_cast<size_t>(s)] >= 0) {
        users[static_cast<size_t>(driver[static_cast<size_t>(s)])].push_back(static_cast<int>(k));
        ++waiting[k];
      }
  std::vector<int> ready;
  for (size_t k = 0; k < pending.size(); ++k)
    if (!waiting[k]) ready.push_back(static_cast<int>(k));
  while (!ready.empty()) {
    const int k = ready.back();
    ready.pop_back();
    gates_.push_back(pending[static_cast<size_t>(k)].g);
    for (int u : users[static_cast<size_t>(k)])
      if (--waiting[static_cast<size_t>(u)] == 0) ready.push_back(u);
  }
  if (gates_.size() != pending.size()) {
    for (size_t k = 0; k < pending.size(); ++k)
      if (waiting[k])
        throw GateSimError(fmt::format("combinational loop through cell '{}'", pending[k].where));
  }

  val_.assign(static_cast<size_t>(slots), 0);
  val_[static_cast<size_t>(c1)] = 1;
  for (auto& f : flops_)
    if (f.state_n >= 0) val_[static_cast<size_t>(f.state_n)] = 1;
  act_.assign(static_cast<size_t>(nets_), {});
  since_.assign(static_cast<size_t>(nets_), 0);
  settle();
  while (apply_async()) settle();
  for (auto& f : flops_) f.clk_prev = eval_expr(f.clock, f.clock_in);
}

bool GateSim::eval_expr(int e, const std::vector<int>& in) const {
  if (e < 0) return false;
  std::uint64_t v[64];
  const size_t n = std::min<size_t>(in.size(), 64);
  for (size_t k = 0; k < n; ++k) v[k] = val_[static_cast<size_t>(in[k])] ? ~std::uint64_t{0} : 0;
  return exprs_[static_cast<size_t>(e)].eval(v) & 1;
}

void GateSim::settle() {
  for (const auto& g : gates_) {
    bool out;
    if (g.expr < 0) {
      unsigned idx = 0;
      for (size_t k = 0; k < g.in.size(); ++k) idx |= static_cast<unsigned>(val_[static_cast<size_t>(g.in[k])]) << k;
      out = (g.table >> idx) & 1;
    } else {
      out = eval_expr(g.expr, g.in);
    }
    val_[static_cast<size_t>(g.out)] = out;
  }
}

void GateSim::set_state(Flop& f, bool v) {
  val_[static_cast<size_t>(f.state)] = v;
  if (f.state_n >= 0) val_[static_cast<size_t>(f.state_n)] = !v;
}

bool GateSim::apply_async() {
  bool changed = false;
  for (auto& f : flops_) {
    const bool cl = eval_expr(f.clear, f.clear_in), pr = eval_expr(f.preset, f.preset_in);
    if (!cl && !pr) continue;
    const bool old = val_[static_cast<size_t>(f.state)];
    bool nv = cl ? false : true;
    if (cl && pr) nv = f.cp1 == 'H' ? true : f.cp1 == 'N' ? old : f.cp1 == 'T' ? !old : false;
    if (nv != old) changed = true;
    set_state(f, nv);
  }
  return changed;
}

void GateSim::set(int net, bool v) { staged_.emplace_back(net, v); }

void GateSim::step(std::uint64_t t_ps) {
  if (t_ps < now_) throw GateSimError("simulation time runs backwards");
  now_ = t_ps;
  before_.assign(val_.begin(), val_.begin() + nets_);
  for (auto& f : flops_) f.pending = eval_expr(f.next, f.next_in);  // next_state before this time point
  for (const auto& [net, v] : staged_) val_[static_cast<size_t>(net)] = v;
  staged_.clear();
  settle();
  bool clocked = false;
  for (auto& f : flops_)
    if (!f.clk_prev && eval_expr(f.clock, f.clock_in)) {
      set_state(f, f.pending);
      clocked = true;
    }
  if (clocked) settle();
  for (int k = 0; apply_async(); ++k) {
    if (k > 8) throw GateSimError("asynchronous clear/preset do not settle");
    settle();
  }
  for (auto& f : flops_) f.clk_prev = eval_expr(f.clock, f.clock_in);
  if (!counting_) return;
  for (int n = 0; n < nets_; ++n) {
    const auto o = before_[static_cast<size_t>(n)], v = val_[static_cast<size_t>(n)];
    if (o == v) continue;
    NetActivity& a = act_[static_cast<size_t>(n)];
    if (v) ++a.rises;
    else {
      ++a.falls;
      a.t1_ps += now_ - since_[static_cast<size_t>(n)];
    }
    since_[static_cast<size_t>(n)] = now_;
  }
}

void GateSim::start_window(std::uint64_t t_ps) {
  if (!staged_.empty()) throw GateSimError("start_window with inputs not yet applied");
  counting_ = true;
  t0_ = now_ = std::max(now_, t_ps);
  act_.assign(static_cast<size_t>(nets_), {});
  since_.assign(static_cast<size_t>(nets_), t0_);
}

Activity GateSim::finish_window(std::uint64_t t_ps) {
  Activity a;
  a.window_ps = t_ps - t0_;
  for (int n = 0; n < nets_; ++n)
    if (val_[static_cast<size_t>(n)]) act_[static_cast<size_t>(n)].t1_ps += t_ps - since_[static_cast<size_t>(n)];
  a.nets = act_;
  a.simulator = "zero-delay (logmac)";
  counting_ = false;
  return a;
}

namespace {

// The nets of a port's bits, LSB first.
std::vector<int> port_nets(const Netlist& nl, const char* name, bool input) {
  for (const auto& p : nl.ports) {
    if (p.name != name) continue;
    if (p.input != input)
      throw GateSimError(fmt::format("netlist {}: port {} is an {}", nl.top, name, p.input ? "input" : "output"));
    std::vector<int> out;
    for (int b = 0; b < p.width(); ++b) {
      const int idx = p.msb >= p.lsb ? p.lsb + b : p.lsb - b;
      out.push_back(nl.net_of(p.scalar ? p.name : fmt::format("{}[{}]", p.name, idx)));
    }
    return out;
  }
  throw GateSimError(fmt::format("netlist {} has no port {} (RTL contract: clk_i rst_ni en_i clr_i a_i b_i acc_o)",
                                 nl.top, name));
}

}  // namespace

Activity run_mac_zero_delay(const Library& lib, const Netlist& nl, const std::vector<MacVector>& stim, int latency,
                            double period_ns, MacBenchResult& check) {
  const auto clk = port_nets(nl, "clk_i", true), rst = port_nets(nl, "rst_ni", true),
             en = port_nets(nl, "en_i", true), clr = port_nets(nl, "clr_i", true), a = port_nets(nl, "a_i", true),
             b = port_nets(nl, "b_i", true), acc = port_nets(nl, "acc_o", false);
  GateSim sim(lib, nl);
  auto drive = [&](const std::vector<int>& nets, std::uint64_t v) {
    for (size_t k = 0; k < nets.size(); ++k)
      if (nets[k] >= 0) sim.set(nets[k], (v >> k) & 1);  // a port bit yosys tied off has no net
  };
  auto read = [&](const std::vector<int>& nets) {
    std::uint64_t v = 0;
    for (size_t k = 0; k < nets.size(); ++k) {
      const int net = nets[k];
      const bool bit = net >= 0 ? sim.value(net) : net == kConst1;
      v |= static_cast<std::uint64_t>(bit) << k;
    }
    return v;
  };
  const std::uint64_t period = static_cast<std::uint64_t>(period_ns * 1000.0 + 0.5), half = period / 2;
  if (period < 2) throw GateSimError("clock period below 2 ps");
  const std::uint64_t acc_mask = acc.size() >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << acc.size()) - 1;
  std::uint64_t t = 0;
  drive(clk, 0);
  drive(rst, 0);
  drive(en, 0);
  drive(clr, 0);
  drive(a, 0);
  drive(b, 0);
  sim.step(t);
  for (int r = 0; r < kResetCycles; ++r) {
    drive(clk, 1);
    sim.step(t + half);
    drive(clk, 0);
    sim.step(t += period);
  }
  drive(rst, 1);
  sim.step(t + period / 4);
  const std::uint64_t t0 = t + half;
  sim.start_window(t0);
  const long long n = static_cast<long long>(stim.size());
  check = {};
  auto compare = [&](long long k) {
    const long long j = k - latency - 1;
    if (j < 0) return;
    const std::uint64_t got = read(acc), want = stim[static_cast<size_t>(j)].acc & acc_mask;
    ++check.macs_checked;
    if (got != want && check.mismatches++ < 5)
      check.report += fmt::format("MAC {} (stimulus line {}): acc_o = {:x}, model = {:x}\n", j, j + 2, got, want);
  };
  for (long long k = 0; k < n + latency; ++k) {
    compare(k);
    const std::uint64_t te = t0 + static_cast<std::uint64_t>(k) * period;
    drive(clk, 1);
    if (k < n) {
      const MacVector& v = stim[static_cast<size_t>(k)];
      drive(en, 1);
      drive(clr, v.clr);
      drive(a, v.a);
      drive(b, v.b);
    } else {
      drive(en, 0);
      drive(clr, 0);
    }
    sim.step(te);
    drive(clk, 0);
    sim.step(te + half);
  }
  compare(n + latency);
  const std::uint64_t t_end = t0 + static_cast<std::uint64_t>(n + latency) * period;
  Activity act = sim.finish_window(t_end);
  act.cycles = n + latency;
  act.macs = check.macs_checked;
  return act;
}

}  // namespace logmac::synth
