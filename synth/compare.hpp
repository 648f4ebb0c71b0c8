// `logmac compare`: several designs through the flow in parallel, each next to the linear fixed-point MAC of
// the same operand width (the reports: synth/report.hpp).
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "sim/config.hpp"
#include "synth/flow.hpp"

namespace logmac::synth {

// The designs to run: `specs` (empty: the built-in sweep, sim/workload.hpp) without duplicates, then the
// baseline fxp:w=<w> of every width not already there. Throws SpecError for a bad spec.
struct CompareSet {
  std::vector<MacConfig> designs;
  std::size_t given = 0;  // designs[given..] are the added baselines
};
CompareSet compare_set(const std::vector<std::string>& specs);

struct DesignOutcome {
  DesignResult result;  // when error is empty
  std::string error;    // the design failed (the others still run)
  double seconds = 0;
};

// Runs every design on `jobs` threads (util/parallel.hpp); on_done runs after each design, serialized.
std::vector<DesignOutcome> run_designs(const std::vector<MacConfig>& designs, const FlowOptions& opt, int jobs,
                                       const std::function<void(std::size_t index, std::size_t finished,
                                                                const DesignOutcome&)>& on_done);

}  // namespace logmac::synth
