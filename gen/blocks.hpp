// Building blocks of the generated Verilog: a module writer, literals and width helpers, and the datapath
// blocks the variant parts are assembled from (ROM, saturating accumulator, LNS multiply, delta unit,
// shift-and-saturate). Each hardware block of a design is its own module (product, pipeline stage,
// accumulator, delta unit), so synthesis keeps its cells and nets together under the instance name and the
// reports give area, energy and the critical path per block. Names inside a block carry the prefix of the
// variant or block that wrote them; constants that repeat are named localparams (verilator -Wall clean).
#pragma once
#include <fmt/format.h>

#include <string>
#include <vector>

#include "sim/bits.hpp"
#include "sim/config.hpp"
#include "sim/delta.hpp"
#include "sim/models/lns.hpp"

namespace logmac::gen {

// One Verilog module: a comment, ANSI ports, localparams (declared once, in the order they were asked for),
// and the body, line by line (indented by two).
class Module {
 public:
  explicit Module(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  // The block's one comment (written above the module), line by line.
  template <class... A>
  void note(fmt::format_string<A...> f, A&&... a) {
    comment_ += "// " + fmt::format(f, std::forward<A>(a)...) + "\n";
  }
  void port(const char* dir, const std::string& name, int bits);
  // `localparam NAME = VALUE;` (VALUE: Verilog text, e.g. "integer LW = 14" is written as type "integer").
  // Returns NAME. Asking again for the same name returns it; a different value for it is a logic error.
  std::string param(const std::string& type, const std::string& name, const std::string& value,
                    const std::string& note = "");
  // An `integer` localparam for a width: "[NAME-1:0] " for declarations (see range()).
  std::string width(const std::string& name, int bits, const std::string& note = "");

  template <class... A>
  void operator()(fmt::format_string<A...> f, A&&... a) {
    body_ += "  ";
    body_ += fmt::format(f, std::forward<A>(a)...);
    body_ += '\n';
  }
  void blank() { body_ += '\n'; }
  // Synthesis keeps this module as a block (yosys `keep_hierarchy`); others are flattened into their parent.
  void keep_hierarchy() { keep_ = true; }
  std::string text() const;

 private:
  struct Param {
    std::string type, name, value, note;
  };
  std::string name_, comment_;
  std::vector<std::string> ports_;
  std::vector<Param> params_;
  std::string body_;
  bool keep_ = false;
};

std::string vrange(int bits);                                // "[bits-1:0] ", "" for one bit
std::string vrange(const std::string& width);                // "[WIDTH-1:0] " for a width localparam
std::string lit(int bits, i64 v);                            // bits'd.. or -bits'd.. (two's complement)
std::string slit(int bits, i64 v);                           // bits'sd.. or -bits'sd.. (a signed literal)
std::string hexlit(int bits, u64 v);                         // bits'h.. (a bit pattern: codes)
std::string zext(const std::string& name, int from, int to);  // zero-extend a name of `from` bits
std::string sext(const std::string& name, int from, int to);  // sign-extend a name of `from` bits
// Bits hi..lo of a `width`-bit name: the name itself for all bits (a one-bit wire is a scalar).
std::string sel(const std::string& name, int width, int hi, int lo);
int sbits(i64 lo, i64 hi);                                   // two's-complement bits holding lo..hi
int ubits(i64 hi);                                           // unsigned bits holding 0..hi (>= 1)

// reg [dbits-1:0] name = values[addr] (as a case statement), 0 for addresses beyond the table.
void rom(Module& m, const std::string& name, const std::string& addr, int abits, int dbits,
         const std::vector<i64>& values);

// Linear accumulator (fxp, pot, apot, log2lin, lns2lin): acc_d = clr ? p : acc_q + p, saturating
// (ovf=sat) or wrapping, in the accumulator module (ports kProdIn, kClrIn; register kAccQ). p is a signed
// pbits <= wacc product.
void linear_accumulate(const MacConfig& c, Module& m, int pbits);

// LNS multiply (lns, lns2lin): the product code of a and b (w-bit codes): zero code if either is zero,
// else sign xor and the saturating sum of the logs (clamped to +-MAX). Declares `out` (w bits); the names it
// adds start with `out`.
void lns_multiply(Module& m, const LnsFormat& lf, const std::string& a, const std::string& b, const std::string& out);

// LNS constants as localparams of `m`: the largest log magnitude MAX (signed, `bits` wide) and the zero code.
std::string lns_max_param(Module& m, const LnsFormat& lf, int bits);
std::string lns_zero_param(Module& m, const LnsFormat& lf);

// The delta unit of `u` as its own module: input d_i (lw bits, unsigned), outputs dp_o = delta_plus(d) and
// dm_o = delta_minus(d), rbits-bit two's complement. PWL: segment compare + shift + intercept mux; LUT/exact:
// ROM; Mitchell: shift.
Module delta_module(const std::string& name, const DeltaUnit& u, int lw, int rbits);
// Range of the delta values over every d (for the width of the adder after the unit).
void delta_range(const DeltaUnit& u, i64& lo, i64& hi);

// Shift-and-saturate into a linear accumulator: mag = min(floor(mant * 2^sh), hi), sh = v + sh_offset,
// for an unsigned exponent v in [vmin, vmax] and a mantissa mant with 2^mant_lsb <= mant < 2^mbits.
// Declares `out` (returned width, <= wacc-1 bits): a barrel shifter over the part of the range that is
// neither certainly 0 nor certainly saturated.
struct ScaleIn {
  std::string v, mant;
  int vbits, mbits, mant_lsb;
  i64 vmin, vmax, sh_offset;
  int wacc;
};
int scale_saturate(Module& m, const ScaleIn& in, const std::string& out);

// Drives the product output kProdOut = zero ? 0 : (neg ? -mag : mag), (mbits+1)-bit two's complement;
// `neg` may be empty (never negative). Returns the width.
int signed_product(Module& m, const std::string& zero, const std::string& neg, const std::string& mag, int mbits);

// Port names of the blocks (the same in every design).
inline constexpr const char* kProdOut = "prod_o";  // product module output
inline constexpr const char* kProdIn = "prod_i";   // product at the accumulator (and at a pipeline stage)
inline constexpr const char* kClrIn = "clr_i";     // clr at the accumulator
inline constexpr const char* kAccQ = "acc_q";      // the accumulator register
inline constexpr const char* kAccD = "acc_d";      // its next value when the stage is valid

}  // namespace logmac::gen
