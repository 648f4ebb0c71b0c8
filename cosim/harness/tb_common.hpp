// Co-simulation harness parts shared by the SystemC testbench and the lean C++ driver: command line,
// cycle-level stimulus (vectors plus en_i bubbles and mid-stream resets), the cycle-accurate golden model
// (the C++ model behind the RTL contract's pipeline) and the scoreboard. Design-independent: compiled once
// per build tree and linked with each Verilated design.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cosim/harness/protocol.hpp"
#include "sim/config.hpp"
#include "sim/registry.hpp"
#include "sim/vectors.hpp"

namespace logmac::cosim {

using protocol::kMismatchStatus;

struct HarnessArgs {
  std::string spec;
  bool exhaustive = false;
  long long random = 0;
  std::uint64_t seed = 1;
  int max_report = 5;         // failing cycles printed before stopping
  std::string trace;          // VCD path ("" = none)
  long long trace_from = -1;  // cycle window dumped to the VCD
  long long trace_to = -1;
  std::string result;         // file receiving the result record (protocol.hpp) at the end
  bool quiet = false;         // no failure report (the trace rerun)
};
// Throws std::runtime_error naming the bad argument.
HarnessArgs parse_harness_args(int argc, char** argv);
// The command line and the spec it names, for a harness's main(): false (after printing why) on bad input.
bool read_command_line(int argc, char** argv, HarnessArgs& h, MacConfig& c);

// The port values for one clock cycle; applied before rising edge `cycle`.
struct CycleIn {
  bool rst_n = true;
  bool en = false;
  bool clr = false;
  u64 a = 0, b = 0;
};

// Drives the whole stimulus of a run, one call of `drive` per cycle, in order. Exhaustive: every vector,
// en_i=1. Random: random_stimulus streams with bubbles (en_i=0, garbage operands and clr) and a few
// resets in mid-stream. `drive` returns false to stop early.
long long stimulus_vectors(const MacConfig& c, const HarnessArgs& h);  // vectors (en_i=1 cycles) in total
void drive_stimulus(const MacConfig& c, const HarnessArgs& h, const std::function<bool(const CycleIn&)>& drive);

// The C++ model behind the RTL contract: `pipe` stages carrying (valid, clr, a, b), then the accumulator.
class Golden {
 public:
  explicit Golden(const MacConfig& c);
  void reset();                    // asynchronous reset (rst_ni low)
  void edge(const CycleIn& in);    // rising clock edge sampling `in`
  u64 acc() const { return runner_.acc(); }  // acc_o after the edge

 private:
  struct Stage {
    bool valid = false, clr = false;
    u64 a = 0, b = 0;
  };
  GoldenRunner runner_;  // the accumulator: the model stepped once per valid stage
  int pipe_;
  Stage stages_[3];
};

// Compares acc_o with the golden model once per cycle and reports the first few mismatches.
class Scoreboard {
 public:
  Scoreboard(const MacConfig& c, const HarnessArgs& h);
  // Call once per cycle after the rising edge that sampled `in`. Returns false when the run should stop.
  bool check(long long cycle, const CycleIn& in, u64 expected, u64 got);
  long long mismatches() const { return mismatches_; }
  long long first_mismatch() const { return first_; }
  // Writes the result record (if asked for), prints the pass/fail summary; returns the exit status (0 pass,
  // kMismatchStatus, kRecordErrorStatus).
  int finish(const char* engine);
  void progress(long long cycle);  // occasional progress line on stderr

 private:
  std::string describe_in(const CycleIn& in) const;
  std::string describe_acc(u64 acc) const;
  const MacConfig c_;    // copies: the scoreboard never depends on its caller's objects living on
  const HarnessArgs h_;
  AnyModel model_;
  long long total_;
  long long vectors_ = 0, mismatches_ = 0, first_ = -1, last_cycle_ = 0;
  std::vector<CycleIn> history_;  // ring of the last cycles' inputs, for the report
  u64 prev_expected_ = 0;
  std::chrono::steady_clock::time_point start_, last_progress_;
};

}  // namespace logmac::cosim
