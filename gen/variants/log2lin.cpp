// log2lin: exponent add of two log codes, 2^frac constant (ROM of the model's pow2_frac) and a shifter
// into the linear accumulator.
#include <algorithm>

#include "sim/models/log2lin.hpp"
#include "gen/variants.hpp"

namespace logmac::gen {

static int log2lin_product(const MacConfig& c, Module& m) {
  const Log2LinMac model(c);
  const int mb_code = model.m, f = model.f, t = model.t;
  const i64 cmax = model.cmax, lmax = model.lmax;
  // E = La + Lb = ca + cb + E0; with E0 = q * 2^f + rho (0 <= rho < 2^f), s = ca + cb + rho gives
  // E >> f = (s >> f) + q and E mod 2^f = s mod 2^f, all unsigned.
  const i64 e0 = 2 * lmax - 2 * cmax, q = e0 >> f, rho = e0 & static_cast<i64>(mask(f));
  const int sb = std::max(ubits(2 * cmax + rho), f + 1);
  const std::string M = m.width("M", mb_code, "log code bits (code 0 is zero)");
  m.note("Product: E = La + Lb (log units 2^-{}), linear = 2^(E >> {}) * pow2_frac[E mod 2^{}] / 2^{}; zero if a code is 0{}.",
         f, f, f, t, c.is_signed ? ", sign = xor of the sign bits" : "");
  m("wire {}l2l_ca = a_i[{}-1:0];", vrange(M), M);
  m("wire {}l2l_cb = b_i[{}-1:0];", vrange(M), M);
  m("wire {}l2l_s = {} + {}{};", vrange(sb), zext("l2l_ca", mb_code, sb), zext("l2l_cb", mb_code, sb),
    rho ? " + " + lit(sb, rho) : "");
  const auto& tab = c.pow2_frac;
  const i64 tmax = *std::max_element(tab.begin(), tab.end()), tmin = *std::min_element(tab.begin(), tab.end());
  const int mb = ubits(tmax);
  std::string mant = "l2l_mant";
  if (f) {
    m.note("pow2_frac[r] = 2^(r / 2^{}) with {} fraction bits (a ROM).", f, t);
    rom(m, mant, sel("l2l_s", sb, f - 1, 0), f, mb, tab);
  } else {
    mant = lit(mb, tab[0]);
  }
  ScaleIn in{fmt::format("l2l_s[{}:{}]", sb - 1, f), mant, sb - f, mb, bit_length(static_cast<u64>(tmin)) - 1,
             (2 + rho) >> f, (2 * cmax + rho) >> f, q + c.facc - t, c.wacc};
  const int ob = scale_saturate(m, in, "l2l_mag");
  const std::string neg = c.is_signed ? fmt::format("a_i[{}] ^ b_i[{}]", mb_code, mb_code) : "";
  return signed_product(m, fmt::format("(l2l_ca == {}) | (l2l_cb == {})", lit(mb_code, 0), lit(mb_code, 0)), neg,
                        "l2l_mag", ob);
}

VariantRtl log2lin_rtl() { return {"log2lin", log2lin_product, linear_accumulator}; }

}  // namespace logmac::gen
