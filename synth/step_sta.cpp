#include "synth/step_sta.hpp"

#include <fmt/format.h>

#include <sstream>

#include "synth/result.hpp"
#include "synth/tools.hpp"
#include "util/file.hpp"

namespace logmac::synth {

namespace {

struct PathPin {
  std::string pin, block, net;  // "u_acc/_774_/Q", "u_acc" (dotted: "u_acc.u_delta"; "top"), the net after it
  double delay = 0;
};

// The block of a pin "a/b/cell/PIN": "a.b"; "top" for a cell of the top module.
std::string block_of(const std::string& pin) {
  const auto p = pin.rfind('/');
  const auto c = p == std::string::npos ? std::string::npos : pin.rfind('/', p - 1);
  if (c == std::string::npos) return "top";
  std::string b = pin.substr(0, c);
  for (auto& ch : b)
    if (ch == '/') ch = '.';
  return b;
}

// The pins of the first path of `report_checks -fields {net}`, from the launching clock pin to the endpoint.
std::vector<PathPin> path_pins(const std::string& log) {
  std::vector<PathPin> pins;
  std::istringstream in(log);
  bool in_path = false;
  for (std::string line; std::getline(in, line);) {
    if (!in_path) {
      in_path = line.rfind("-----", 0) == 0 && log.find("Startpoint:") != std::string::npos;
      continue;
    }
    if (line.find("data arrival time") != std::string::npos) break;
    std::istringstream ls(line);
    std::vector<std::string> w;
    for (std::string x; ls >> x;) w.push_back(x);
    if (w.size() == 3 && w[2] == "(net)") {  // fanout, net name
      if (!pins.empty()) pins.back().net = w[1];
    } else if (w.size() >= 5 && (w[2] == "^" || w[2] == "v")) {  // delay, time, edge, pin, (cell)
      PathPin p;
      p.delay = std::stod(w[0]);
      p.pin = w[3];
      p.block = block_of(p.pin);
      pins.push_back(p);
    }
  }
  return pins;
}

}  // namespace

Timing parse_sta_report(const std::string& log, double clock_ns) {
  Timing t;
  std::istringstream in(log);
  bool have_slack = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string a, b;
    ls >> a >> b;
    if (a == "worst" && b == "slack") {
      ls >> t.slack_ns;
      have_slack = !ls.fail();
    } else if (a == "Startpoint:" && t.critical_from.empty()) {
      t.critical_from = line.substr(line.find(':') + 2);
    } else if (a == "Endpoint:" && t.critical_to.empty()) {
      t.critical_to = line.substr(line.find(':') + 2);
    } else if (a == "Total" && !b.empty()) {
      double internal = 0, switching = 0, leak = 0, total = 0;
      std::istringstream ts(line.substr(5));
      if (ts >> internal >> switching >> leak >> total) {
        t.sta_leakage_nw = leak * 1e9;
        t.sta_power_uw = total * 1e6;
      }
    }
  }
  if (!have_slack) throw FlowError("no 'worst slack' in the OpenSTA report");
  // The path by block and signal.
  const std::vector<PathPin> pins = path_pins(log);
  if (pins.size() >= 2) {
    // The first pin that drives a net: the launching flip-flop's output (after its clock pin), or an input port.
    const PathPin* first = &pins[0];
    for (const auto& p : pins)
      if (!p.net.empty()) {
        first = &p;
        break;
      }
    const PathPin& last = pins.back();
    if (!first->net.empty()) t.critical_from = fmt::format("{} ({})", first->net, first->pin);
    t.critical_to = last.pin;
    std::string path;
    for (size_t k = 0; k < pins.size();) {
      size_t e = k;
      double d = 0;
      while (e < pins.size() && pins[e].block == pins[k].block) d += pins[e++].delay;
      std::string leaves;
      for (size_t j = e; j-- > k;)
        if (!pins[j].net.empty()) {
          leaves = pins[j].net;
          break;
        }
      path += fmt::format("{}{} {:.2f} ns{}", path.empty() ? "" : " | ", pins[k].block, d,
                          e < pins.size() && !leaves.empty() ? " -> " + leaves : "");
      k = e;
    }
    t.critical_path = path + " -> " + last.pin;
  }
  t.critical_ns = clock_ns - t.slack_ns;
  t.fmax_mhz = t.critical_ns > 0 ? 1000.0 / t.critical_ns : 0;
  return t;
}

Timing run_sta(const StaInput& in, const std::string& dir) {
  const std::map<std::string, std::string> vars = {{"TOP", in.top},
                                                    {"LIB", in.liberty},
                                                    {"NETLIST", in.netlist},
                                                    {"PERIOD", fmt::format("{:.9g}", in.clock_ns)},
                                                    {"ACTIVITY", fmt::format("{:.6f}", in.activity)},
                                                    {"WRITE_SDF", in.sdf.empty() ? std::string()
                                                                                 : "write_sdf -divider . -digits 4 " +
                                                                                       in.sdf}};
  write_output(dir + "/sta.tcl", substitute(kStaTcl, vars));
  run_tool_checked({"sta", "-no_splash", "-exit", "sta.tcl"}, dir, "sta.log", "OpenSTA");
  const std::string log = read_output(dir + "/sta.log");
  if (log.find("Error:") != std::string::npos)
    throw FlowError(fmt::format("OpenSTA reported an error, log {}/sta.log:\n{}", dir,
                                util::tail_lines(dir + "/sta.log", 12)));
  if (!in.sdf.empty() && read_output(in.sdf).find("IOPATH") == std::string::npos)
    throw FlowError(fmt::format("OpenSTA wrote no cell delays into {} (log {}/sta.log)", in.sdf, dir));
  try {
    return parse_sta_report(log, in.clock_ns);
  } catch (const FlowError& e) {
    throw FlowError(fmt::format("{}: log {}/sta.log", e.what(), dir));
  }
}

}  // namespace logmac::synth
