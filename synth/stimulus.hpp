// The workload a design is simulated on: `CLR A B` per MAC, and the model's accumulator after each, which the
// gate-level output must equal.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/config.hpp"
#include "synth/options.hpp"

namespace logmac::synth {

struct StimLine {
  bool clr;
  std::uint64_t a, b;
};

// The workload of `opt` (nn, uniform, zeros or a vector FILE) in the operand formats of `cfg`.
// Throws std::invalid_argument for a bad FILE.
std::vector<StimLine> make_stimulus(const MacConfig& cfg, const FlowOptions& opt);

struct CheckedStimulus {
  std::vector<StimLine> lines;
  std::vector<std::uint64_t> expected;  // the model's accumulator after each line, from reset
  int latency = 1;
  // What a gate-level harness reads: "N LATENCY", then "CLR A B ACC" (hex) per line. Part of the cache key: a
  // change of the model changes it.
  std::string file_text() const;
};

// The lines with the model's accumulator after each (sim/vectors.hpp GoldenRunner).
CheckedStimulus check_against_model(const MacConfig& cfg, std::vector<StimLine> lines);

}  // namespace logmac::synth
