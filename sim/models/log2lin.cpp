#include "sim/models/log2lin.hpp"

#include <fmt/format.h>

#include <cmath>

namespace logmac {

Log2LinMac::Log2LinMac(const MacConfig& c)
    : w(c.w), f(c.f), m(c.w - c.is_signed), fsr(c.fsr), t(c.f ? c.sqrt2bits : 0), is_signed(c.is_signed),
      cmax(static_cast<i64>(mask(c.w - c.is_signed))), lmax(i64{c.fsr - 1} << c.f), acc(c),
      pow2_table(std::make_shared<const std::vector<i64>>(c.pow2_frac)), pow2(pow2_table.get()) {}

double Log2LinMac::value_a(u64 a) const {
  if (!(a & mask(m))) return 0.0;
  const double v = std::exp2(std::ldexp(static_cast<double>(log_of(a)), -f));
  return is_signed && ((a >> m) & 1) ? -v : v;
}

u64 Log2LinMac::encode_a(double x) const {
  if (x == 0 || (!is_signed && x < 0)) return 0;
  const double c = std::nearbyint(std::ldexp(std::log2(std::fabs(x)) - (fsr - 1), f)) + static_cast<double>(cmax);
  if (c < 1) return 0;
  const u64 code = c > static_cast<double>(cmax) ? static_cast<u64>(cmax) : static_cast<u64>(c);
  return (is_signed && x < 0 ? u64{1} << m : 0) | code;
}

static void derive_log2lin(MacConfig& c) {
  if (c.is_signed && c.w < 3)
    spec_fail(c, fmt::format("w={} with signed=1 leaves no code bits (use w >= 3, or signed=0)", c.w));
  const int m = c.w - c.is_signed;
  const int t = c.f ? c.sqrt2bits : 0;
  c.wa = c.wb = c.w;
  c.pow2_frac.clear();
  for (int r = 0; r < (1 << c.f); ++r)  // 2^(r/2^f) with t fraction bits, rounded to nearest
    c.pow2_frac.push_back(std::llround(std::ldexp(std::exp2(static_cast<long double>(r) / (1 << c.f)), t)));
  // Exponents (units 2^-f) of the smallest and largest products; their integer parts shift the mantissa.
  const i64 lmax = i64{c.fsr - 1} << c.f, lmin = lmax - ((i64{1} << m) - 2);
  const i64 emin = 2 * lmin, emax = 2 * lmax;
  derive_shifted_product_acc(c, t, emin >> c.f, emax >> c.f, emax >> c.f,
                             static_cast<long double>(c.pow2_frac[emax & ((1 << c.f) - 1)]));
}

const VariantInfo& Log2LinMac::info() {
  static const VariantInfo vi{
      "log2lin",
      "two-operand log multiply (exponent add + shifter), linear accumulation (Miyashita et al.)",
      {int_key("w", &MacConfig::w, 2, 16, "code width including the sign bit (at least 3 when signed=1)"),
       int_key("f", &MacConfig::f, 0, 3, "log fraction bits: 0 = base 2, 1 = base sqrt(2)", 0),
       int_key("fsr", &MacConfig::fsr, -64, 64, "full-scale range: the largest magnitude is 2^(fsr-1)", 1),
       int_key("signed", &MacConfig::is_signed, 0, 1, "operands carry a sign bit (0 for ReLU activations)", 1),
       int_key("sqrt2bits", &MacConfig::sqrt2bits, 1, 16, "fraction bits of the 2^(r/2^f) constants", 8),
       wacc_key(), facc_key(), pipe_key(), ovf_key()},
      derive_log2lin};
  return vi;
}

}  // namespace logmac
