// lns: LNS multiply; log-domain accumulation max(X, Y) + delta(|X - Y|) with the model's delta unit.
#include <algorithm>

#include "gen/variants.hpp"

namespace logmac::gen {

static int lns_product(const MacConfig& c, Module& m) {
  const LnsMac mac(c);
  lns_multiply(m, mac.lf, "a_i", "b_i", "lns_p");
  m("assign {} = lns_p;", kProdOut);
  return mac.lf.w;
}

static void lns_accumulate(const MacConfig& c, Module& m, int /*pbits*/, std::vector<Module>& sub) {
  const LnsMac mac(c);
  const int lw = mac.lf.lw;
  i64 dlo, dhi;
  delta_range(*c.delta_unit, dlo, dhi);
  const int rb = std::max(lw, sbits(dlo, dhi)) + 1;  // max(X, Y) + delta without overflow
  const std::string x = kAccQ, y = kProdIn;
  const std::string W = m.width("WACC", mac.lf.w, "");
  const std::string LW = m.width("LW", lw, "log bits: two's complement, saturating at +-LOG_MAX");
  const std::string RB = m.width("RB", rb, "max(X, Y) + delta without overflow");
  const std::string max = lns_max_param(m, mac.lf, rb), zero = lns_zero_param(m, mac.lf);
  m.note("LNS accumulate: a zero operand passes the other one; else r = max(X, Y) + delta(d), d = |X - Y| (delta_plus");
  m.note("for equal signs, delta_minus for opposite signs; opposite signs with d = 0 cancel to zero), r clamped to");
  m.note("+-LOG_MAX ({} below -LOG_MAX), with the sign of the larger log. Logs compare as offset binary (sign bit",
         c.underflow == kUnderFlush ? "zero" : "saturating");
  m.note("flipped: unsigned order = signed order); the delta unit is the submodule u_delta (synthesis maps it with");
  m.note("this block: it sits in the middle of the accumulator's combinational path).");
  m("wire {}lns_xo = {{~{}[{}-1], {}[{}-2:0]}};", vrange(LW), x, LW, x, LW);
  m("wire {}lns_yo = {{~{}[{}-1], {}[{}-2:0]}};", vrange(LW), y, LW, y, LW);
  m("wire lns_xgt = lns_xo > lns_yo;");
  m("wire {}lns_d = lns_xgt ? lns_xo - lns_yo : lns_yo - lns_xo;", vrange(LW));
  m("wire {}lns_big = lns_xgt ? {}[{}-1:0] : {}[{}-1:0];", vrange(LW), x, LW, y, LW);
  m("wire lns_opp = {}[{}+1] ^ {}[{}+1];", x, LW, y, LW);
  m("wire lns_sign = lns_xgt ? {}[{}+1] : {}[{}+1];", x, LW, y, LW);
  m("wire {}lns_dp, lns_dm;", vrange(RB));
  const std::string dname = c.module_name() + "_delta";
  m("{} u_delta (.d_i(lns_d), .dp_o(lns_dp), .dm_o(lns_dm));", dname);
  sub.push_back(delta_module(dname, *c.delta_unit, lw, rb));
  m("wire signed {}lns_r = {} + (lns_opp ? lns_dm : lns_dp);", vrange(RB), sext("lns_big", lw, rb));
  m("wire lns_rlo = lns_r < -{};", max);
  m("wire signed {}lns_rsat = (lns_r > {}) ? {} : (lns_rlo ? -{} : lns_r);", vrange(RB), max, max, max);
  std::string zero_out = fmt::format("lns_opp & (lns_d == {})", lit(lw, 0));  // exact cancellation
  if (c.underflow == kUnderFlush) zero_out = fmt::format("({}) | lns_rlo", zero_out);
  m("wire {}lns_sum = {}[{}] ? {} : ({}[{}] ? {} : (({}) ? {} : {{lns_sign, 1'b0, lns_rsat[{}-1:0]}}));", vrange(W), y,
    LW, x, x, LW, y, zero_out, zero, LW);
  if (rb > lw) m("wire lns_unused = ^lns_rsat[{}-1:{}];", RB, LW);
  m("wire {}{} = {} ? {} : lns_sum;", vrange(W), kAccD, kClrIn, y);
}

VariantRtl lns_rtl() { return {"lns", lns_product, lns_accumulate}; }

}  // namespace logmac::gen
