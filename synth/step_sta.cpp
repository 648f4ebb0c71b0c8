#include "synth/step_sta.hpp"

#include <fmt/format.h>

#include <sstream>

#include "synth/result.hpp"
#include "synth/tools.hpp"
#include "util/file.hpp"

namespace logmac::synth {

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
  t.critical_ns = clock_ns - t.slack_ns;
  t.fmax_mhz = t.critical_ns > 0 ? 1000.0 / t.critical_ns : 0;
  return t;
}

Timing run_sta(const StaInput& in, const std::string& dir) {
  const std::map<std::string, std::string> vars = {{"TOP", in.top},
                                                    {"LIB", in.liberty},
                                                    {"NETLIST", in.netlist},
                                                    {"PERIOD", fmt::format("{:.9g}", in.clock_ns)},
                                                    {"ACTIVITY", fmt::format("{:.6f}", in.activity)}};
  write_output(dir + "/sta.tcl", substitute(kStaTcl, vars));
  run_tool_checked({"sta", "-no_splash", "-exit", "sta.tcl"}, dir, "sta.log", "OpenSTA");
  const std::string log = read_output(dir + "/sta.log");
  if (log.find("Error:") != std::string::npos)
    throw FlowError(fmt::format("OpenSTA reported an error, log {}/sta.log:\n{}", dir,
                                util::tail_lines(dir + "/sta.log", 12)));
  try {
    return parse_sta_report(log, in.clock_ns);
  } catch (const FlowError& e) {
    throw FlowError(fmt::format("{}: log {}/sta.log", e.what(), dir));
  }
}

}  // namespace logmac::synth
