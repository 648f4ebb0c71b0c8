// Verilog generator: one self-contained, synthesizable Verilog-2005 module per MacConfig, bit-exact with
// the C++ model. Ports and timing follow the RTL contract (README.md, "RTL generation and co-simulation"):
//   clk_i, rst_ni (async, active low), en_i, clr_i, a_i[wa-1:0], b_i[wb-1:0], acc_o[wacc-1:0];
//   product combinational, then `pipe` register stages, then acc_q; latency = pipe + 1.
// The top module is named cfg.module_name(); its blocks are modules named after it (<top>_product, <top>_pipe,
// <top>_acc, <top>_delta), all in the one file, so designs of several configurations link together without
// name clashes.
#pragma once
#include <string>

#include "sim/config.hpp"

namespace logmac::gen {

// Bump when the generated text changes (it is recorded in every file header and sidecar).
inline constexpr const char* kGeneratorVersion = "logmac-gen 2.0";

struct RtlDesign {
  std::string module;   // cfg.module_name()
  std::string verilog;  // <module>.v
  std::string json;     // <module>.json: cfg.to_json() plus ports, reset value, generator, command
};

// `command` is recorded verbatim in the header and the sidecar (the caller makes it deterministic).
RtlDesign generate_rtl(const MacConfig& c, const std::string& command);

}  // namespace logmac::gen
