// SAIF 2.0 (Switching Activity Interchange Format, "backward" direction) of a simulated workload: for every net
// name of every module instance, the time at 0, at 1 and at x over the window (T0 T1 TX) and the number of
// transitions (TC), so that a power tool can annotate the same stimulus on the netlist. Nets keep their names in
// each instance (a net crossing a port appears under both names, with the same activity). The root instance
// is named after the top module: point the tool at it (e.g. `read_saif -strip_path <top>`).
#pragma once
#include <string>

#include "synth/activity.hpp"
#include "synth/netlist.hpp"

namespace logmac::synth {

struct SaifHeader {
  std::string program = "logmac synth";
  std::string version;   // logmac version / flow version
  std::string date;      // "" = omitted
};

// Throws std::invalid_argument if the activity does not belong to the netlist.
std::string write_saif(const Netlist& nl, const Activity& act, const SaifHeader& h);

// `name` as a SAIF identifier: characters other than letters, digits and '_' escaped with a backslash.
std::string saif_identifier(const std::string& name);

}  // namespace logmac::synth
