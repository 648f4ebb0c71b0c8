// fxp: exact w x w two's-complement multiply.
#include "gen/variants.hpp"

namespace logmac::gen {

static int fxp_product(const MacConfig& c, Vout& v) {
  const int w = c.w, pb = 2 * w;
  v("// Product: exact {} x {} two's-complement multiply ({} fraction bits).", w, w, 2 * c.f);
  v("wire signed {}mul_a = {};", vrange(pb), sext("a_i", w, pb));
  v("wire signed {}mul_b = {};", vrange(pb), sext("b_i", w, pb));
  v("wire signed {}{} = mul_a * mul_b;", vrange(pb), kProd);
  return pb;
}

VariantRtl fxp_rtl() { return {"fxp", fxp_product, linear_accumulate}; }

}  // namespace logmac::gen
