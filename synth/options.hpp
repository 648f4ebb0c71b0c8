// What one run of the flow is asked for (FlowOptions), shared by `logmac synth`, `compare` and `pwl --area`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace logmac::synth {

inline constexpr const char* kDefaultLiberty = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib";

struct FlowOptions {
  std::string liberty = kDefaultLiberty;
  double clock_ns = 10.0;
  std::string workload = "nn";  // nn | uniform | zeros | FILE (vector file, `CLR A B [ACC]` lines)
  int dots = 40, terms = 256;   // generated workloads: dots x terms MACs, clr on the first term
  std::uint64_t seed = 1;
  int accuracy_dots = 2000;     // accuracy: always an nn workload of this many dot products (terms, seed as above)
  double slew_ns = 0.1;         // see energy.hpp
  std::string cache_dir;        // "" = no cache
  std::string work_dir;         // per-design build directories (default: cache_dir, else a temp dir)
  std::string rtl_file;         // synthesize this Verilog instead of generating it (RTL contract for the spec)
  // Gate-level simulation: "zero" (zero delay, in process) or "timed" (also Icarus with OpenSTA's SDF: glitches).
  std::string sim = "zero";
  bool keep = false;            // keep the simulation's work files (the timed bench, its compiled image)
};

// The default of `logmac synth` and `compare` (README: chosen by measuring `make demo`).
inline constexpr const char* kDefaultSim = "timed";

// Whether the workload is a vector file rather than a generated one.
inline bool workload_is_file(const std::string& w) { return w != "nn" && w != "uniform" && w != "zeros"; }

// ---- the flow's command-line options, shared by every subcommand that runs the flow ----

struct FlowOptionDef {
  const char* name;   // "--clock"
  const char* value;  // "NS", or nullptr for a flag
  const char* help;
};
const std::vector<FlowOptionDef>& flow_option_defs();

// The values the command line parsed (the CLI's argument parser behind it: it owns number syntax, ranges and
// their error messages).
class OptionValues {
 public:
  virtual ~OptionValues() = default;
  virtual bool has(const std::string& name) const = 0;
  virtual std::string text(const std::string& name, const std::string& def) const = 0;
  virtual long long integer(const std::string& name, long long def, long long lo, long long hi) const = 0;
  virtual double number(const std::string& name, double def, double lo, double hi) const = 0;
};

// FlowOptions from the options of flow_option_defs(), checked before any tool runs: the liberty reads and
// parses, a workload FILE exists, the cache directory (default: default_synth_cache_dir()) is writable.
// Throws std::invalid_argument (one line naming the option and what is wrong); the parser's own errors pass.
FlowOptions flow_options_from(const OptionValues& values);

// The default result cache: synth-cache in the default cache root (util/paths.hpp).
std::string default_synth_cache_dir();

}  // namespace logmac::synth
