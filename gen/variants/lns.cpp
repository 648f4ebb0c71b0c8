// lns: LNS multiply; log-domain accumulation max(X, Y) + delta(|X - Y|) with the model's delta unit.
#include <algorithm>

#include "gen/variants.hpp"

namespace logmac::gen {

static int lns_product(const MacConfig& c, Vout& v) {
  const LnsMac m(c);
  lns_multiply(v, m.lf, "a_i", "b_i", kProd);
  return m.lf.w;
}

static void lns_accumulate(const MacConfig& c, Vout& v, int /*pbits*/) {
  const LnsMac m(c);
  const int w = m.lf.w, lw = m.lf.lw;
  const i64 max = m.lf.max;
  i64 dlo, dhi;
  delta_range(*c.delta_unit, dlo, dhi);
  const int rb = std::max(lw, sbits(dlo, dhi)) + 1;  // max(X, Y) + delta without overflow
  const std::string x = kAccQ, y = kStProd;
  v("// LNS accumulate: zero operands pass the other one; else r = max(X, Y) + delta(d), d = |X - Y|");
  v("// (delta_plus for equal signs, delta_minus for opposite signs; opposite signs with d = 0 cancel),");
  v("// r clamped to +-{} ({} below -{}), sign of the larger log.", max,
    c.underflow == kUnderFlush ? "zero" : "saturating", max);
  v("wire {}ln_xo = {{~{}[{}], {}[{}:0]}};  // offset binary: unsigned order = signed order", vrange(lw), x, lw - 1, x,
    lw - 2);
  v("wire {}ln_yo = {{~{}[{}], {}[{}:0]}};", vrange(lw), y, lw - 1, y, lw - 2);
  v("wire ln_xgt = ln_xo > ln_yo;");
  v("wire {}ln_d = ln_xgt ? ln_xo - ln_yo : ln_yo - ln_xo;", vrange(lw));
  v("wire {}ln_big = ln_xgt ? {}[{}:0] : {}[{}:0];", vrange(lw), x, lw - 1, y, lw - 1);
  v("wire ln_opp = {}[{}] ^ {}[{}];", x, lw + 1, y, lw + 1);
  v("wire ln_sign = ln_xgt ? {}[{}] : {}[{}];", x, lw + 1, y, lw + 1);
  delta_unit(v, *c.delta_unit, true, "ln_d", lw, rb, "ln_dp");
  delta_unit(v, *c.delta_unit, false, "ln_d", lw, rb, "ln_dm");
  v("wire signed {}ln_r = {} + (ln_opp ? ln_dm : ln_dp);", vrange(rb), sext("ln_big", lw, rb));
  v("wire ln_rhi = ln_r > {};", slit(rb, max));
  v("wire ln_rlo = ln_r < {};", slit(rb, -max));
  v("wire {}ln_rlog = ln_rhi ? {} : (ln_rlo ? {} : ln_r[{}:0]);", vrange(lw), lit(lw, max), lit(lw, -max), lw - 1);
  std::string zero_out = fmt::format("ln_opp & (ln_d == {})", lit(lw, 0));  // exact cancellation
  if (c.underflow == kUnderFlush) zero_out = fmt::format("({}) | ln_rlo", zero_out);
  v("wire {}ln_sum = {}[{}] ? {} : ({}[{}] ? {} : (({}) ? {} : {{ln_sign, 1'b0, ln_rlog}}));", vrange(w), y, lw, x, x,
    lw, y, zero_out, hexlit(w, m.lf.zero()));
  v("wire {}{} = {} ? {} : ln_sum;", vrange(w), kAccD, kStClr, y);
}

VariantRtl lns_rtl() { return {"lns", lns_product, lns_accumulate}; }

}  // namespace logmac::gen
