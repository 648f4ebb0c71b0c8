#include "synth/cell_models.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "synth/liberty_expr.hpp"

namespace logmac::synth {

std::string verilog_identifier(const std::string& name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) && name[0] != '$';
  for (char c : name) plain &= std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  return plain ? name : "\\" + name + " ";
}

namespace {

struct SeqState {
  const LibSequential* seq;
  LibExpr next, clock, clear, preset;
};

// clear_preset_var (the state while clear and preset are both active) as a Verilog value.
std::string state_value(const std::string& var, const std::string& iq) {
  if (var == "L") return "1'b0";
  if (var == "H") return "1'b1";
  if (var == "N") return iq;
  if (var == "T") return "~" + iq;
  return "1'bx";
}

// Sensitivity entry for an event expression that is active when high: "posedge X" / "negedge X" for a (possibly
// inverted) single pin, else the name of a wire the model declares for it.
std::string vexpr(const LibExpr& e) {
  return e.verilog([&](int i) { return verilog_identifier(e.vars()[static_cast<size_t>(i)]); });
}

std::string edge_of(const LibExpr& e, const std::string& wire_name, std::string& decls) {
  bool inv = false;
  const int v = e.single_var(inv);
  if (v >= 0)
    return fmt::format("{} {}", inv ? "negedge" : "posedge", verilog_identifier(e.vars()[static_cast<size_t>(v)]));
  decls += fmt::format("  wire {} = {};\n", wire_name, vexpr(e));
  return "posedge " + wire_name;
}

// An output function as Verilog gate primitives (and, nand, or, nor, xor, xnor, not, buf) into `out`: Icarus
// simulates primitives about a quarter faster than the same function as a continuous assignment.
class GateWriter {
 public:
  GateWriter(const LibExpr& e, std::string& body, std::string& decls, int& wires)
      : e_(e), body_(body), decls_(decls), wires_(wires) {
    std::vector<int> st;  // postfix -> tree
    for (const auto& it : e.postfix()) {
      Node n{it.op, it.var, {}};
      if (it.op == LibExpr::Op::Not) {
        n.kids = {st.back()};
        st.pop_back();
      } else if (it.op == LibExpr::Op::And || it.op == LibExpr::Op::Or || it.op == LibExpr::Op::Xor) {
        n.kids = {st[st.size() - 2], st.back()};
        st.resize(st.size() - 2);
      }
      nodes_.push_back(n);
      st.push_back(static_cast<int>(nodes_.size()) - 1);
    }
    root_ = st.empty() ? -1 : st.back();
  }
  void drive(const std::string& out) {
    if (root_ < 0) {
      body_ += fmt::format("  buf ({}, 1'b0);\n", out);
      return;
    }
    emit(root_, out);
  }

 private:
  struct Node {
    LibExpr::Op op;
    int var;
    std::vector<int> kids;
  };
  // The operands of an n-ary And/Or/Xor, with nested nodes of the same operator merged.
  void operands(int n, LibExpr::Op op, std::vector<int>& out) const {
    if (nodes_[static_cast<size_t>(n)].op == op)
      for (int k : nodes_[static_cast<size_t>(n)].kids) operands(k, op, out);
    else
      out.push_back(n);
  }
  // The net carrying node n: a pin, a constant, or a new wire driven by a primitive.
  std::string net(int n) {
    const Node& x = nodes_[static_cast<size_t>(n)];
    if (x.op == LibExpr::Op::Var) return verilog_identifier(e_.vars()[static_cast<size_t>(x.var)]);
    if (x.op == LibExpr::Op::Zero) return "1'b0";
    if (x.op == LibExpr::Op::One) return "1'b1";
    const std::string w = fmt::format("n{}_", wires_++);
    decls_ += fmt::format("  wire {};\n", w);
    emit(n, w);
    return w;
  }
  void emit(int n, const std::string& out) {
    const Node& x = nodes_[static_cast<size_t>(n)];
    const char* gate = nullptr;
    int arg = n;
    switch (x.op) {
      case LibExpr::Op::Var:
      case LibExpr::Op::Zero:
      case LibExpr::Op::One: body_ += fmt::format("  buf ({}, {});\n", out, net(n)); return;
      case LibExpr::Op::And: gate = "and"; break;
      case LibExpr::Op::Or: gate = "or"; break;
      case LibExpr::Op::Xor: gate = "xor"; break;
      case LibExpr::Op::Not: {
        arg = x.kids[0];
        const auto op = nodes_[static_cast<size_t>(arg)].op;
        gate = op == LibExpr::Op::And ? "nand" : op == LibExpr::Op::Or ? "nor" : op == LibExpr::Op::Xor ? "xnor" : "not";
        if (std::string(gate) == "not") {
          const std::string in = net(arg);
          body_ += fmt::format("  not ({}, {});\n", out, in);
          return;
        }
        break;
      }
    }
    std::vector<int> ops;
    operands(arg, nodes_[static_cast<size_t>(arg)].op, ops);
    std::string ins;
    for (int k : ops) ins += ", " + net(k);
    body_ += fmt::format("  {} ({}{});\n", gate, out, ins);
  }

  const LibExpr& e_;
  std::string& body_;
  std::string& decls_;
  int& wires_;
  std::vector<Node> nodes_;
  int root_ = -1;
};

std::string cell_model(const LibCell& cell, const CellModelOptions& opt) {
  const std::string what = fmt::format("liberty cell {}", cell.name);
  std::vector<const LibPin*> ports, inputs, outputs;
  for (const auto& p : cell.pins) {
    if (p.dir == PinDir::Internal) continue;
    ports.push_back(&p);
    if (p.dir == PinDir::Input || p.dir == PinDir::Inout) inputs.push_back(&p);
    if (p.dir == PinDir::Output || p.dir == PinDir::Inout) outputs.push_back(&p);
  }
  auto is_input = [&](const std::string& n) {
    return std::any_of(inputs.begin(), inputs.end(), [&](const LibPin* p) { return p->name == n; });
  };

  std::string m = fmt::format("module {} (", verilog_identifier(cell.name));
  for (size_t k = 0; k < ports.size(); ++k) m += (k ? ", " : "") + verilog_identifier(ports[k]->name);
  m += ");\n";
  for (const LibPin* p : ports)
    m += fmt::format("  {} {};\n",
                     p->dir == PinDir::Input ? "input" : p->dir == PinDir::Output ? "output" : "inout",
                     verilog_identifier(p->name));

  // State variables of the ff / latch groups, and the pins each one depends on (for the module paths).
  std::vector<SeqState> states;
  std::set<std::string> state_names;
  auto parse = [&](const std::string& text, const char* attr) {
    return text.empty() ? LibExpr() : LibExpr::parse(text, fmt::format("{} {}", what, attr));
  };
  try {
    for (const auto& s : cell.seq) {
      if (s.iq.empty()) throw LibertyError(fmt::format("{}: ff/latch group without a state variable", what));
      SeqState st{&s, parse(s.next_state, s.latch ? "data_in" : "next_state"),
                  parse(s.clocked_on, s.latch ? "enable" : "clocked_on"), parse(s.clear, "clear"),
                  parse(s.preset, "preset")};
      if (st.next.empty() || st.clock.empty())
        throw LibertyError(fmt::format("{}: {} group without {}", what, s.latch ? "latch" : "ff",
                                       s.latch ? "data_in/enable" : "next_state/clocked_on"));
      state_names.insert(s.iq);
      if (!s.iqn.empty()) state_names.insert(s.iqn);
      states.push_back(std::move(st));
    }
  } catch (const LibExprError& e) {
    throw LibertyError(e.what());
  }
  auto check_vars = [&](const LibExpr& e, const char* attr) {
    for (const auto& v : e.vars())
      if (!is_input(v) && !state_names.count(v))
        throw LibertyError(fmt::format("{}: {} uses '{}', which is neither an input pin nor a state variable", what,
                                       attr, v));
  };

  std::string decls, body;
  int wires = 0;
  const char* init = opt.power_up_zero ? " = 1'b0" : "";
  const char* init_n = opt.power_up_zero ? " = 1'b1" : "";
  int k = 0;
  for (const auto& st : states) {
    const LibSequential& s = *st.seq;
    for (const LibExpr* e : {&st.next, &st.clock, &st.clear, &st.preset}) check_vars(*e, "ff/latch");
    const std::string iq = verilog_identifier(s.iq);
    const std::string iqn = s.iqn.empty() ? "" : verilog_identifier(s.iqn);
    decls += fmt::format("  reg {}{};\n", iq, init);
    if (!iqn.empty()) decls += fmt::format("  reg {}{};\n", iqn, init_n);
    auto set = [&](const std::string& v, const std::string& vn) {
      std::string a = fmt::format("{} <= {};", iq, v);
      if (!iqn.empty()) a += fmt::format(" {} <= {};", iqn, vn);
      return iqn.empty() ? a : "begin " + a + " end";
    };
    const std::string next = vexpr(st.next);
    std::string chain;
    if (!st.clear.empty() && !st.preset.empty())
      chain += fmt::format("if (({}) && ({})) {}\n    else ", vexpr(st.clear), vexpr(st.preset),
                           set(state_value(s.clear_preset_var1, iq), state_value(s.clear_preset_var2, iqn.empty() ? iq : iqn)));
    if (!st.clear.empty()) chain += fmt::format("if ({}) {}\n    else ", vexpr(st.clear), set("1'b0", "1'b1"));
    if (!st.preset.empty()) chain += fmt::format("if ({}) {}\n    else ", vexpr(st.preset), set("1'b1", "1'b0"));
    if (s.latch) {
      body += fmt::format("  always @* begin\n    {}if ({}) {}\n  end\n", chain, vexpr(st.clock),
                          set(next, "~(" + next + ")"));
    } else {
      std::string sens = edge_of(st.clock, fmt::format("ck{}_", k), decls);
      if (!st.clear.empty()) sens += " or " + edge_of(st.clear, fmt::format("cl{}_", k), decls);
      if (!st.preset.empty()) sens += " or " + edge_of(st.preset, fmt::format("pr{}_", k), decls);
      body += fmt::format("  always @({})\n    {}{}\n", sens, chain, set(next, "~(" + next + ")"));
    }
    ++k;
  }

  // Outputs, and the module paths: input pin -> output pin for every pin the output depends on.
  std::vector<std::pair<std::string, std::string>> paths;
  for (const LibPin* o : outputs) {
    const std::string on = verilog_identifier(o->name);
    if (o->function.empty()) {
      body += fmt::format("  assign {} = 1'bx;  // no function in the liberty\n", on);
      continue;
    }
    LibExpr f;
    try {
      f = LibExpr::parse(o->function, fmt::format("{} pin {}", what, o->name));
    } catch (const LibExprError& e) {
      throw LibertyError(e.what());
    }
    check_vars(f, "function");
    GateWriter(f, body, decls, wires).drive(on);
    std::set<std::string> from;
    for (const auto& v : f.vars()) {
      if (is_input(v)) {
        from.insert(v);
        continue;
      }
      // A flip-flop's output changes after its clock, clear or preset; a transparent latch's also after its data.
      for (const auto& st : states)
        if (st.seq->iq == v || st.seq->iqn == v)
          for (const LibExpr* e : {&st.clock, &st.clear, &st.preset, st.seq->latch ? &st.next : nullptr})
            if (e)
              for (const auto& pv : e->vars()) from.insert(pv);
    }
    for (const auto& i : from) paths.emplace_back(verilog_identifier(i), on);
  }
  m += decls + body;
  if (opt.specify && !paths.empty()) {
    m += "  specify\n";
    for (const auto& [i, o] : paths) m += fmt::format("    ({} => {}) = (0, 0);\n", i, o);
    m += "  endspecify\n";
  }
  m += "endmodule\n";
  return m;
}

}  // namespace

std::string write_cell_models(const Library& lib, const CellModelOptions& opt) {
  std::string out = fmt::format(
      "// Simulation models of the cells of {} written by logmac from the liberty (functions, ff/latch groups){}.\n"
      "`timescale 1ns/1ps\n",
      lib.path, opt.specify ? ", with module paths for SDF annotation" : "");
  for (const auto& c : lib.cells) out += "\n" + cell_model(c, opt);
  return out;
}

}  // namespace logmac::synth
