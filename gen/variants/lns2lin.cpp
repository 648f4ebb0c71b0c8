// lns2lin: LNS multiply, then 2^frac (ROM of the model's pow2_frac, or Mitchell's 1 + frac) and a shifter
// into the linear accumulator.
#include <algorithm>

#include "sim/models/lns2lin.hpp"
#include "gen/variants.hpp"

namespace logmac::gen {

static int lns2lin_product(const MacConfig& c, Vout& v) {
  const Lns2LinMac m(c);
  const int lw = m.lf.lw, f = m.lf.f, fexp = m.fexp, ti = m.ti;
  lns_multiply(v, m.lf, "a_i", "b_i", "l2_p");
  v("// Linear value: 2^(L >> {}) * mant / 2^{}, L = the product's log; offset log L + 2^{} is unsigned.", f, fexp,
    lw - 1);
  v("wire {}l2_so = {{~l2_p[{}], l2_p[{}:0]}};", vrange(lw), lw - 1, lw - 2);
  std::vector<std::string> unused;
  std::string mant = "l2_mant";
  int mb, mlsb;
  if (c.exp2 == kExp2Mitchell) {
    mb = fexp + 1;
    mlsb = fexp;
    std::string frac;  // the log's fraction as fexp bits: padded with zeros, or its top bits
    if (f == 0) {
      frac = fmt::format("{}'b0", fexp);
    } else if (fexp >= f) {
      frac = sel("l2_so", lw, f - 1, 0) + (fexp > f ? fmt::format(", {}'b0", fexp - f) : "");
    } else {
      frac = sel("l2_so", lw, f - 1, f - fexp);
      unused.push_back(sel("l2_so", lw, f - fexp - 1, 0));
    }
    v("// Mitchell: mant = 1 + frac, {} fraction bits", fexp);
    v("wire {}{} = {{1'b1, {}}};", vrange(mb), mant, frac);
  } else {
    const auto& tab = c.pow2_frac;
    mb = ubits(*std::max_element(tab.begin(), tab.end()));
    mlsb = bit_length(static_cast<u64>(*std::min_element(tab.begin(), tab.end()))) - 1;
    if (ti) {
      v("// mant = 2^(i / 2^{}) with {} fraction bits, i = the top {} fraction bits of L", ti, fexp, ti);
      rom(v, mant, sel("l2_so", lw, f - 1, f - ti), ti, mb, tab);
      if (f > ti) unused.push_back(sel("l2_so", lw, f - ti - 1, 0));
    } else {
      mant = lit(mb, tab[0]);
    }
  }
  if (!unused.empty()) v("wire l2_unused = ^{{{}}};  // fraction bits below the 2^frac resolution", fmt::join(unused, ", "));
  // l2_so = L + offset with L in [-MAX, MAX]; offset = 2^(lw-1) = MAX + 1 (the flipped sign bit).
  const i64 offset = m.lf.max + 1;
  ScaleIn in{sel("l2_so", lw, lw - 1, f), mant, lw - f, mb, mlsb, (offset - m.lf.max) >> f,
             (offset + m.lf.max) >> f, -(offset >> f) + m.acc.facc - fexp, m.acc.wacc};
  const int ob = scale_saturate(v, in, "l2_mag");
  return signed_product(v, fmt::format("l2_p[{}]", lw), fmt::format("l2_p[{}]", lw + 1), "l2_mag", ob);
}

VariantRtl lns2lin_rtl() { return {"lns2lin", lns2lin_product, linear_accumulate}; }

}  // namespace logmac::gen
