#include "synth/saif.hpp"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <stdexcept>

namespace logmac::synth {

std::string saif_identifier(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) out += '\\';
    out += c;
  }
  return out;
}

namespace {

struct Scope {
  std::vector<std::pair<std::string, int>> nets;  // local name -> net id
  std::map<std::string, Scope> children;          // by instance name, in name order
};

void emit(std::string& o, const std::string& inst, const Scope& s, const Activity& act, int depth) {
  const std::string ind(static_cast<size_t>(2 * depth), ' ');
  o += fmt::format("{}(INSTANCE {}\n", ind, saif_identifier(inst));
  if (!s.nets.empty()) {
    o += fmt::format("{}  (NET\n", ind);
    for (const auto& [name, net] : s.nets) {
      const NetActivity& a = act.nets[static_cast<size_t>(net)];
      const std::uint64_t t1 = a.t1_ps, tx = a.tx_ps, t0 = act.window_ps - t1 - tx;
      o += fmt::format("{}    ({} (T0 {}) (T1 {}) (TX {}) (TC {}))\n", ind, saif_identifier(name), t0, t1, tx,
                       a.transitions());
    }
    o += fmt::format("{}  )\n", ind);
  }
  for (const auto& [name, child] : s.children) emit(o, name, child, act, depth + 1);
  o += fmt::format("{})\n", ind);
}

}  // namespace

std::string write_saif(const Netlist& nl, const Activity& act, const SaifHeader& h) {
  if (static_cast<int>(act.nets.size()) != nl.num_nets())
    throw std::invalid_argument(
        fmt::format("SAIF: activity of {} nets for a netlist of {} nets", act.nets.size(), nl.num_nets()));
  for (const auto& a : act.nets)
    if (a.t1_ps + a.tx_ps > act.window_ps)
      throw std::invalid_argument("SAIF: a net spends more time at 1 and x than the window lasts");
  // Each bit name under the instance that declares it: the longest instance path that prefixes it.
  Scope root;
  for (int n = 0; n < nl.num_nets(); ++n)
    for (const auto& bit : nl.net_bits[static_cast<size_t>(n)]) {
      std::string inst;
      for (const auto& i : nl.instances)
        if (i.size() > inst.size() && bit.size() > i.size() && bit.compare(0, i.size(), i) == 0 && bit[i.size()] == '.')
          inst = i;
      Scope* s = &root;
      std::string rest = inst;
      while (!rest.empty()) {
        const auto dot = rest.find('.');
        s = &s->children[rest.substr(0, dot)];
        rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
      }
      s->nets.emplace_back(inst.empty() ? bit : bit.substr(inst.size() + 1), n);
    }
  std::string o = "(SAIFILE\n";
  o += "(SAIFVERSION \"2.0\")\n";
  o += "(DIRECTION \"backward\")\n";
  o += fmt::format("(DESIGN \"{}\")\n", nl.top);
  if (!h.date.empty()) o += fmt::format("(DATE \"{}\")\n", h.date);
  o += "(VENDOR \"logmac\")\n";
  o += fmt::format("(PROGRAM_NAME \"{}\")\n", h.program);
  o += fmt::format("(VERSION \"{}\")\n", h.version);
  o += "(DIVIDER / )\n";
  o += "(TIMESCALE 1 ps)\n";
  o += fmt::format("(DURATION {})\n", act.window_ps);
  emit(o, nl.top, root, act, 0);
  o += ")\n";
  return o;
}

}  // namespace logmac::synth
