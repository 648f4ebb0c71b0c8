// The synthesis flow's options (synth/options.hpp) on the command line of `synth`, `compare` and `pwl --area`.
#pragma once
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "synth/options.hpp"

namespace logmac::cli {

// `defs` followed by the flow's options.
std::vector<OptDef> with_flow_options(std::vector<OptDef> defs);

// The flow options given to subcommand `sub`; bad input is a UsageError ("SUB: ...").
synth::FlowOptions synth_flow_from(const Args& args, const char* sub);

// Bad input before any tool runs: DIR must be (or be creatable as) a directory we can write into.
void require_writable_dir(const std::string& dir, const char* sub, const char* option);

}  // namespace logmac::cli
