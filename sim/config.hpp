// The one configuration object. Everything (models, generator, co-simulation, synthesis, reports) derives
// from a MacConfig parsed from a spec string `VARIANT:key=value,...`.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/bits.hpp"
#include "sim/delta.hpp"

namespace logmac {

// A bad spec: the message is one line naming the key and what is allowed.
struct SpecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum Overflow : int { kSat = 0, kWrap = 1 };
enum Underflow : int { kUnderSat = 0, kUnderFlush = 1 };
enum Exp2Kind : int { kExp2Table = 0, kExp2Mitchell = 1 };

struct MacConfig {
  std::string variant;  // registered name, e.g. "lns"
  int variant_index = -1;

  // ---- keys (-1 until given or derived) ----
  int w = -1;          // operand width
  int f = -1;          // fraction bits (fixed-point fraction, or log fraction)
  int pipe = -1;       // registers between product and accumulator
  int wacc = -1;       // accumulator width
  int facc = -1;       // accumulator fraction bits (linear accumulators)
  int ovf = -1;        // Overflow
  int we = -1;         // pot/apot: exponent field bits of the weight
  int fsr = -1;        // log2lin: full-scale range, log2 of the largest magnitude is fsr-1
  int is_signed = -1;  // log2lin: operands carry a sign bit
  int sqrt2bits = -1;  // log2lin: fraction bits of the 2^(r/2^f) constants
  std::string delta;   // lns: pwl:qaa | pwl:FILE | lut:N | mitchell | exact
  int dmax = -1;       // lns lut:N: span of d, in units of 1.0 of the log
  int underflow = -1;  // Underflow
  int fexp = -1;       // lns2lin: bits of the 2^frac table
  int exp2 = -1;       // lns2lin: Exp2Kind

  // ---- derived ----
  int wa = 0, wb = 0;  // operand A / B widths in bits
  int latency = 0;     // cycles from operands to acc_o in RTL (pipe + 1)
  // log2lin: 2^(r/2^f) * 2^sqrt2bits for r < 2^f; lns2lin: 2^(i/2^fexp) * 2^fexp for i < 2^fexp.
  std::vector<i64> pow2_frac;
  std::shared_ptr<const DeltaUnit> delta_unit;  // lns only

  std::string canonical() const;    // `variant:k=v,...`, defaults filled in, keys sorted
  std::string module_name() const;  // Verilog-safe name with the parameters in it
  std::string to_json() const;      // canonical spec + every key and derived width
  int input_bits() const { return wa + wb; }
};

// Parse and validate; throws SpecError.
MacConfig parse_spec(std::string_view spec);


// ---- key tables (used by each variant's registration) ----
enum class KeyKind { Int, Choice, Text };
struct KeyDef {
  const char* name;
  KeyKind kind;
  int MacConfig::*int_field = nullptr;
  std::string MacConfig::*text_field = nullptr;
  int lo = 0, hi = 0;                   // Int: allowed range
  int def = 0;                          // default; kDerived: the variant's derive() fills it in
  std::vector<const char*> choices{};  // Choice: value i is choices[i]
  const char* help = "";
};
constexpr int kDerived = -(1 << 30);
KeyDef int_key(const char* name, int MacConfig::*field, int lo, int hi, const char* help, int def = kDerived);
// The first choice is the default.
KeyDef choice_key(const char* name, int MacConfig::*field, std::vector<const char*> choices, const char* help);
KeyDef text_key(const char* name, std::string MacConfig::*field, const char* help);

// Keys several variants share.
KeyDef pipe_key();
// lo: the smallest width the variant can accept (with the most favourable other keys); help: what else
// bounds it.
KeyDef wacc_key(int lo = 2, const char* help = "accumulator width (default: no overflow in a 1024-term sum)");
KeyDef facc_key();
KeyDef ovf_key();

// What a variant registers: its name, a one-line summary, its keys, and how it derives defaults/widths.
struct VariantInfo {
  const char* name;
  const char* summary;
  std::vector<KeyDef> keys;
  void (*derive)(MacConfig&);  // fill defaults, check consistency, compute widths and tables
};

// Shared checks for derive functions: throw SpecError naming the key.
[[noreturn]] void spec_fail(const MacConfig& c, const std::string& what);
void require_range(const MacConfig& c, const char* key, int value, int lo, int hi);

// Default width of a linear accumulator: a 1024-term sum of products of magnitude <= max_product (in
// accumulator LSB) cannot overflow.
int linear_wacc_for(long double max_product_lsb);

}  // namespace logmac
