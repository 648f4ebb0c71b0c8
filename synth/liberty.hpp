// A small Liberty (.lib) reader: what the synthesis and energy flow needs from a standard-cell library
// (cells, areas, leakage, pin capacitances, functions, flip-flop groups, internal_power tables).
// All values are converted to one set of units: ns, pF, V, pJ (energy = pF * V^2), nW, um^2.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace logmac::synth {

// A missing or malformed library: the message names the file and line.
struct LibertyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A lookup table indexed by output load and/or input slew (the template's variables, in either order).
struct Lut {
  enum class Var { None, Load, Slew };
  Var var1 = Var::None, var2 = Var::None;
  std::vector<double> index1, index2;  // converted to pF / ns
  std::vector<double> values;          // index1.size() x index2.size(), row-major; converted to pJ
  bool empty() const { return values.empty(); }
  // Bilinear interpolation, linear extrapolation outside the index range (as OpenSTA does).
  double lookup(double load_pf, double slew_ns) const;
};

struct InternalPower {
  std::string related_pin;  // empty: no related pin (a passive input-pin table)
  std::string when;
  Lut rise, fall;           // energy per rising / falling transition of the pin that owns the group
};

enum class PinDir { Input, Output, Inout, Internal };

struct LibPin {
  std::string name;
  PinDir dir = PinDir::Input;
  double cap = 0;             // pF: `capacitance`, else the mean of rise/fall capacitance (or the one given)
  double rise_cap = 0, fall_cap = 0;
  std::string function;       // output pins
  bool clock = false;
  std::vector<InternalPower> power;
};

// ff(IQ, IQN) { next_state, clocked_on, clear, preset } or latch(...) { data_in, enable, ... }
struct LibSequential {
  bool latch = false;
  std::string iq, iqn, next_state, clocked_on, clear, preset, clear_preset_var1, clear_preset_var2;
};

struct LibCell {
  std::string name;
  double area = 0;      // um^2 (the library's area unit)
  double leakage = 0;   // nW: cell_leakage_power, else the mean of the leakage_power groups
  bool dont_use = false;
  std::vector<LibPin> pins;
  std::vector<LibSequential> seq;
  const LibPin* pin(std::string_view n) const;
  bool sequential() const { return !seq.empty(); }
};

struct Library {
  std::string name, path;
  double voltage = 0;  // V: nom_voltage, else the default operating conditions
  std::vector<LibCell> cells;
  const LibCell* cell(std::string_view n) const;
};

// Parse liberty text; `name` appears in error messages. Throws LibertyError.
Library parse_liberty(std::string_view text, const std::string& name);
// Read and parse a file. Throws LibertyError (also for a missing/unreadable file).
Library read_liberty(const std::string& path);

}  // namespace logmac::synth
