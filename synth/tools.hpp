// The external tools of the flow (yosys, OpenSTA, Icarus, gnuplot) and the scripts they run: a failing tool
// is a FlowError naming the step, how it ended and the last lines of its log.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "util/process.hpp"

namespace logmac {
// The flow's scripts, embedded at build time (synth/CMakeLists.txt), so the binary needs no source tree:
// synth/scripts/*.
extern const char* const kSynthYs;
extern const char* const kStaTcl;
extern const char* const kPlotGp;
extern const char* const kSynthSourceHash;  // hash of the estimator sources (synth/source_hash.cmake)
}  // namespace logmac

namespace logmac::synth {

// Every embedded text the flow's results depend on (part of the cache key).
std::vector<const char*> flow_scripts();

// A hung tool is a failure, not a hung sweep.
inline constexpr double kToolTimeLimitS = 3600;

// Runs argv in `dir` with stdout and stderr in dir/log. Returns how it ended; FlowError if it cannot start.
util::ProcessResult run_tool(const std::vector<std::string>& argv, const std::string& dir, const std::string& log);
// The same, and anything but exit status 0 is a FlowError: "<what> failed (<outcome>), log <dir>/<log>:" + tail.
void run_tool_checked(const std::vector<std::string>& argv, const std::string& dir, const std::string& log,
                      const std::string& what);
// "<what> failed (<outcome>), log <dir>/<log>:\n<last lines>": the message of a failed step.
std::string tool_failure(const std::string& what, const util::ProcessResult& r, const std::string& dir,
                         const std::string& log, int lines = 12);

// Versions of yosys, sta and iverilog (one line each, cached); FlowError if one is missing.
std::string tool_versions();

// `text` with every {{KEY}} replaced by vars[KEY].
std::string substitute(std::string text, const std::map<std::string, std::string>& vars);

// A file a tool wrote ("" if missing), and a file the flow writes (atomically; FlowError on failure).
std::string read_output(const std::string& path);
void write_output(const std::string& path, const std::string& text);

}  // namespace logmac::synth
