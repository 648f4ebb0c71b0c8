// Running child processes: the tools (yosys, OpenSTA, Verilator, the compiler) and the simulators logmac builds.
// Every child runs in its own process group, so that a time limit stops it together with everything it started
// (make, the compiler, ...). The groups alive at any moment are kept in a registry; kill_child_groups() signals
// them all and is async-signal-safe, so an interrupt handler can stop them before logmac exits.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace logmac::util {

// The program could not be started (not found, not executable, bad working directory, unwritable output).
struct ProcessError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where one output stream of the child goes.
enum class Sink {
  Inherit,  // ours (the terminal)
  Null,     // /dev/null
  File,     // appended to a file
  Capture,  // into ProcessResult::out / err
  Stdout,   // stderr only: wherever stdout goes
};

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is searched in PATH
  std::string dir;                // working directory; "" = ours
  std::vector<std::pair<std::string, std::string>> env;  // set in the child, the rest of ours inherited
  Sink out = Sink::Inherit;
  std::string out_file;           // Sink::File
  Sink err = Sink::Inherit;
  std::string err_file;           // Sink::File
  double time_limit_s = 0;        // > 0: then SIGTERM to the group, SIGKILL 2 s later, timed_out set
                                  // ($LOGMAC_TIME_LIMIT, seconds, lowers every limit: effective_time_limit)
};

struct ProcessResult {
  int exit_status = -1;  // when it exited
  int signal = 0;        // when a signal ended it
  bool timed_out = false;
  double time_limit_s = 0;  // as given
  double seconds = 0;       // wall time
  std::string out, err;  // Sink::Capture
  bool ok() const { return exit_status == 0 && signal == 0 && !timed_out; }
  int status() const { return signal ? 128 + signal : exit_status; }  // as a shell reports it
  // "exit status 3", "killed by signal 11 (Segmentation fault)", "stopped at the time limit of 60 s".
  std::string describe() const;
};

// The limit a child given `limit_s` (0: none) runs under: the smaller of it and $LOGMAC_TIME_LIMIT when that is
// set (a positive number of seconds; anything else is a ProcessError).
double effective_time_limit(double limit_s);

// Runs the program to completion (stdin is /dev/null). Throws ProcessError if it cannot be started.
ProcessResult run_process(const ProcessOptions& opt);

// Argv, working directory and log file: stdout and stderr both appended to `log`.
ProcessOptions logged(std::vector<std::string> argv, std::string dir, const std::string& log,
                      double time_limit_s = 0);

// `word` as the shell reads it back: unchanged when plain, else in single quotes (for command lines recorded
// in generated files and logs).
std::string shell_word(const std::string& word);

// The first line a command prints on stdout (a version); "" if it cannot run or fails.
std::string first_output_line(const std::vector<std::string>& argv);

// Sends `sig` to every live child process group; returns how many. Async-signal-safe.
int kill_child_groups(int sig);

// For SIGINT, SIGTERM and SIGHUP, where the program left the default action: a handler that kills the live child
// groups and then ends logmac by the same signal. run_process() installs it on first use; a program that wants
// its own handling installs its handlers first and calls kill_child_groups() from them.
void install_child_cleanup_handlers();

// ---- interruption with cleanup (logmac's main) ----
// What run_process throws once the program was interrupted under install_interrupt_unwinding(). Not a
// std::exception, so that no handler of tool failures takes it for one; main() catches it, after the unwinding
// removed the temporary files and directories, and ends by the signal (die_by_signal).
struct Interrupted {
  int signal;
};

// For SIGINT, SIGTERM and SIGHUP: while a child runs, a handler that kills every live child group at once
// (SIGKILL) and marks the program interrupted; run_process then throws Interrupted instead of waiting or
// starting anything. If the program has not ended kInterruptGraceS seconds later, or a second signal arrives,
// it ends by the signal right away. With no child running the signal ends the program at once, as by default
// (what it leaves is removed by remove_stale_temporaries on a later run). Call before any run_process (it
// replaces the handlers of install_child_cleanup_handlers).
inline constexpr unsigned kInterruptGraceS = 5;
void install_interrupt_unwinding();
// The signal that interrupted the program, 0 if none (async-signal-safe).
int interrupted();
// Restores the default action of `sig` and raises it: the exit status a shell expects of an interrupted program.
[[noreturn]] void die_by_signal(int sig);

}  // namespace logmac::util
