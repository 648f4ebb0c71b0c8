// Building blocks of the generated Verilog: a line writer, literals and width helpers, and the datapath
// blocks the variant parts are assembled from (ROM, saturating accumulator, LNS multiply, delta unit,
// shift-and-saturate). Every block writes plain continuous assignments / always @* blocks into one module,
// names prefixed by the caller, with exact operand widths (verilator -Wall clean).
#pragma once
#include <fmt/format.h>

#include <string>
#include <vector>

#include "sim/bits.hpp"
#include "sim/config.hpp"
#include "sim/delta.hpp"
#include "sim/models/lns.hpp"

namespace logmac::gen {

// The body of one module, line by line (indented by two).
class Vout {
 public:
  template <class... A>
  void operator()(fmt::format_string<A...> f, A&&... a) {
    text_ += "  ";
    text_ += fmt::format(f, std::forward<A>(a)...);
    text_ += '\n';
  }
  void blank() { text_ += '\n'; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string vrange(int bits);                                // "[bits-1:0] ", "" for one bit
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
void rom(Vout& v, const std::string& name, const std::string& addr, int abits, int dbits,
         const std::vector<i64>& values);

// Linear accumulator (fxp, pot, apot, log2lin, lns2lin): acc_d = clr ? p : acc_q + p, saturating
// (ovf=sat) or wrapping, on the shared names of the shell. p is a signed pbits <= wacc product.
void linear_accumulate(const MacConfig& c, Vout& v, int pbits);

// LNS multiply (lns, lns2lin): the product code of a and b (w-bit codes): zero code if either is zero,
// else sign xor and the saturating sum of the logs (clamped to +-MAX).
void lns_multiply(Vout& v, const LnsFormat& lf, const std::string& a, const std::string& b, const std::string& out);

// Delta unit: `rbits`-bit two's-complement delta_plus(d) (plus) or delta_minus(d) of the model's table,
// d an lw-bit unsigned name. PWL: segment compare + shift + intercept mux; LUT/exact: ROM; Mitchell: shift.
void delta_unit(Vout& v, const DeltaUnit& u, bool plus, const std::string& d, int lw, int rbits,
                const std::string& out);
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
int scale_saturate(Vout& v, const ScaleIn& in, const std::string& out);

// The names the module shell gives the variant parts.
inline constexpr const char* kProd = "prod";      // combinational product (declared by the variant part)
inline constexpr const char* kStProd = "st_prod";  // product at the accumulator stage
inline constexpr const char* kStClr = "st_clr";    // clr at the accumulator stage
inline constexpr const char* kAccQ = "acc_q";
inline constexpr const char* kAccD = "acc_d";      // next accumulator when the stage is valid

}  // namespace logmac::gen

namespace logmac::gen {
// Declares the linear product `prod` = zero ? 0 : (neg ? -mag : mag), (mbits+1)-bit two's complement;
// `neg` may be empty (never negative). Returns the width.
int signed_product(Vout& v, const std::string& zero, const std::string& neg, const std::string& mag, int mbits);
}  // namespace logmac::gen
