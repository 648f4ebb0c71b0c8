// Running the external tools (yosys, sta, verilator, the harness) with their output in a log file.
#pragma once
#include <string>
#include <vector>

namespace logmac::synth {

// Runs argv[0] (searched in PATH) in directory `dir` with stdin from /dev/null and stdout+stderr appended
// to `log`. Returns the exit status (128 + signal if killed); -1 if it could not be started.
int run_process(const std::vector<std::string>& argv, const std::string& dir, const std::string& log);

// The first line of `argv` output (e.g. a version), or "" if it cannot run.
std::string command_first_line(const std::vector<std::string>& argv);

// The last `lines` lines of a text file (for error messages).
std::string tail_of(const std::string& path, int lines);

}  // namespace logmac::synth
