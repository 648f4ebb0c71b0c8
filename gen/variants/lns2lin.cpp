// lns2lin: LNS multiply, then 2^frac (ROM of the model's pow2_frac, or Mitchell's 1 + frac) and a shifter
// into the linear accumulator.
#include <algorithm>

#include "sim/models/lns2lin.hpp"
#include "gen/variants.hpp"

namespace logmac::gen {

static int lns2lin_product(const MacConfig& c, Module& m) {
  const Lns2LinMac model(c);
  const int lw = model.lf.lw, f = model.lf.f, fexp = model.fexp, ti = model.ti;
  lns_multiply(m, model.lf, "a_i", "b_i", "l2n_p");
  const std::string LW = m.width("LW", lw, "");
  m.note("Linear value: 2^(L >> {}) * mant / 2^{}, L = the product's log; the offset log L + 2^{} is unsigned.", f, fexp,
         lw - 1);
  m("wire {}l2n_so = {{~l2n_p[{}-1], l2n_p[{}-2:0]}};", vrange(LW), LW, LW);
  std::vector<std::string> unused;
  std::string mant = "l2n_mant";
  int mb, mlsb;
  if (c.exp2 == kExp2Mitchell) {
    mb = fexp + 1;
    mlsb = fexp;
    std::string frac;  // the log's fraction as fexp bits: padded with zeros, or its top bits
    if (f == 0) {
      frac = fmt::format("{}'b0", fexp);
    } else if (fexp >= f) {
      frac = sel("l2n_so", lw, f - 1, 0) + (fexp > f ? fmt::format(", {}'b0", fexp - f) : "");
    } else {
      frac = sel("l2n_so", lw, f - 1, f - fexp);
      unused.push_back(sel("l2n_so", lw, f - fexp - 1, 0));
    }
    m.note("Mitchell: mant = 1 + frac, {} fraction bits.", fexp);
    m("wire {}{} = {{1'b1, {}}};", vrange(mb), mant, frac);
  } else {
    const auto& tab = c.pow2_frac;
    mb = ubits(*std::max_element(tab.begin(), tab.end()));
    mlsb = bit_length(static_cast<u64>(*std::min_element(tab.begin(), tab.end()))) - 1;
    if (ti) {
      m.note("mant = 2^(i / 2^{}) with {} fraction bits (a ROM), i = the top {} fraction bits of L.", ti, fexp, ti);
      rom(m, mant, sel("l2n_so", lw, f - 1, f - ti), ti, mb, tab);
      if (f > ti) unused.push_back(sel("l2n_so", lw, f - ti - 1, 0));
    } else {
      mant = lit(mb, tab[0]);
    }
  }
  if (!unused.empty()) m("wire l2n_unused = ^{{{}}};", fmt::join(unused, ", "));
  // l2n_so = L + offset with L in [-MAX, MAX]; offset = 2^(lw-1) = MAX + 1 (the flipped sign bit).
  const i64 offset = model.lf.max + 1;
  ScaleIn in{sel("l2n_so", lw, lw - 1, f), mant, lw - f, mb, mlsb, (offset - model.lf.max) >> f,
             (offset + model.lf.max) >> f, -(offset >> f) + model.acc.facc - fexp, model.acc.wacc};
  const int ob = scale_saturate(m, in, "l2n_mag");
  return signed_product(m, fmt::format("l2n_p[{}]", lw), fmt::format("l2n_p[{}]", lw + 1), "l2n_mag", ob);
}

VariantRtl lns2lin_rtl() { return {"lns2lin", lns2lin_product, linear_accumulator}; }

}  // namespace logmac::gen
