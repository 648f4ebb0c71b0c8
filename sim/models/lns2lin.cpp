#include "sim/models/lns2lin.hpp"

#include <fmt/format.h>

#include <cmath>

namespace logmac {

Lns2LinMac::Lns2LinMac(const MacConfig& c)
    : lf(c.w, c.f), fexp(c.fexp), ti(std::min(c.f, c.fexp)), mitchell(c.exp2 == kExp2Mitchell), acc(c),
      pow2_table(std::make_shared<const std::vector<i64>>(c.pow2_frac)), pow2(pow2_table.get()) {}

static void derive_lns2lin(MacConfig& c) {
  derive_lns_format(c);
  if (c.fexp < 0) c.fexp = std::min(16, c.f + 2);  // two guard bits: table error well below the LNS step
  const int ti = std::min(c.f, c.fexp);
  c.pow2_frac.clear();
  if (c.exp2 == kExp2Table)
    for (int i = 0; i < (1 << ti); ++i)
      c.pow2_frac.push_back(std::llround(std::ldexp(std::exp2(static_cast<long double>(i) / (1 << ti)), c.fexp)));
  // The product log saturates at +-MAX; its integer part shifts a mantissa below 2. The format has no
  // natural full scale (+-2^(w-3-f) octaves), so the accumulator is that of fxp (full scale 1): resolution
  // and 1024 products of magnitude < 1 (k <= -1). Holding 1024 of the largest products instead (62 bits from
  // w = 10) made the hybrid bigger and slower than the fxp MAC it is compared with; larger sums saturate.
  const i64 max = (i64{1} << (c.w - 3)) - 1;
  derive_shifted_product_acc(c, c.fexp, (-max) >> c.f, -1, 0, std::ldexp(2.0L, c.fexp));
}

const VariantInfo& Lns2LinMac::info() {
  static const VariantInfo vi{
      "lns2lin",
      "hybrid: LNS operands and log-add product, converted by 2^frac and a shift, linear accumulation",
      {int_key("w", &MacConfig::w, 4, 24, "width: sign + zero flag + (w-2)-bit log"),
       int_key("f", &MacConfig::f, 0, 16, "log fraction bits (default max(1, w-8))"),
       int_key("fexp", &MacConfig::fexp, 1, 16, "fraction bits of the 2^frac mantissa (default f+2)"),
       choice_key("exp2", &MacConfig::exp2, {"table", "mitchell"}, "2^frac from a table, or 1+frac"),
       wacc_key(2, "accumulator width (default: no overflow in a 1024-term sum of products below 1, as fxp's)"),
       facc_key(), pipe_key(), ovf_key()},
      derive_lns2lin};
  return vi;
}

}  // namespace logmac
