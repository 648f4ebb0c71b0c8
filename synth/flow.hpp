// One design through the flow, in steps (one unit each):
//   RTL (generator, or --rtl) -> synthesize (step_synthesize: yosys, block by block) -> simulate gates, zero delay
//   (step_simulate_gates: the mapped netlist on the workload, checked against the model after every MAC,
//   transitions counted) -> estimate energy (step_energy) -> run STA (step_sta: OpenSTA; with sim=timed it also
//   writes the SDF) -> [sim=timed: simulate gates timed (Icarus + SDF, the same check and counts, glitches
//   included) -> estimate energy] -> accuracy (sim/workload) -> cache (cache.hpp: keyed by everything the result
//   depends on, including the estimators' sources and a pwl:FILE table's content). Next to the result each
//   simulation leaves activity_<zero|timed>.txt (per net: rises falls t1 tx) and activity_<zero|timed>.saif.
#pragma once
#include <functional>
#include <string>

#include "sim/config.hpp"
#include "synth/options.hpp"
#include "synth/result.hpp"
#include "synth/stimulus.hpp"
#include "synth/tools.hpp"

namespace logmac::synth {

// Runs (or loads from the cache) one design. `log` receives progress lines (may be empty).
// Throws LibertyError (bad liberty), std::invalid_argument (bad workload FILE), FlowError (everything else:
// tools, unusable work/cache directory, unreadable tool output; the message starts with the spec).
DesignResult run_design(const MacConfig& cfg, const FlowOptions& opt,
                        const std::function<void(const std::string&)>& log = {});

}  // namespace logmac::synth
