#include "lns2lin.hpp"

#include <fmt/format.h>

#include <cmath>

namespace logmac {

Lns2LinMac::Lns2LinMac(const MacConfig& c)
    : lf(c.w, c.f), fexp(c.fexp), ti(std::min(c.f, c.fexp)), mitchell(c.exp2 == kExp2Mitchell), acc(c),
      pow2(&c.pow2_frac) {}

static void derive_lns2lin(MacConfig& c) {
  derive_lns_format(c);
  if (c.fexp < 0) c.fexp = std::max(1, c.f);
  const int ti = std::min(c.f, c.fexp);
  c.pow2_frac.clear();
  if (c.exp2 == kExp2Table)
    for (int i = 0; i < (1 << ti); ++i)
      c.pow2_frac.push_back(std::llround(std::ldexp(std::exp2(static_cast<long double>(i) / (1 << ti)), c.fexp)));
  const i64 max = (i64{1} << (c.w - 3)) - 1;
  const i64 lmin = -2 * max, lmax = 2 * max;  // before saturation; the product log saturates at +-MAX
  const i64 pmin = std::max(lmin, -max), pmax = std::min(lmax, max);
  // Default facc: as fine as the fxp MAC of the same width (2(w-1)), no finer than the smallest product.
  if (c.facc < 0) c.facc = static_cast<int>(std::min<i64>(2 * (c.w - 1), std::max<i64>(0, c.fexp - (pmin >> c.f))));
  const long double maxp = std::ldexp(2.0L, static_cast<int>((pmax >> c.f) + c.facc));
  if (c.wacc < 0) c.wacc = std::min(kMaxLinearWacc, linear_wacc_for(maxp));
  require_range(c, "wacc", c.wacc, 2, kMaxLinearWacc);
  if (c.facc > c.wacc - 2) spec_fail(c, fmt::format("facc={} must be below wacc-1={}", c.facc, c.wacc - 1));
}

const VariantInfo& Lns2LinMac::info() {
  static const VariantInfo vi{
      "lns2lin",
      "hybrid: LNS operands and log-add product, converted by 2^frac and a shift, linear accumulation",
      {int_key("w", &MacConfig::w, 4, 24, "width: sign + zero flag + (w-2)-bit log"),
       int_key("f", &MacConfig::f, 0, 16, "log fraction bits (default max(1, w-8))"),
       int_key("fexp", &MacConfig::fexp, 1, 16, "fraction bits of the 2^frac mantissa (default max(1, f))"),
       choice_key("exp2", &MacConfig::exp2, {"table", "mitchell"}, "2^frac from a table, or 1+frac"),
       wacc_key(), facc_key(), pipe_key(), ovf_key()},
      derive_lns2lin};
  return vi;
}

}  // namespace logmac
