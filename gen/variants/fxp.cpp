// fxp: exact w x w two's-complement multiply.
#include "gen/variants.hpp"

namespace logmac::gen {

static int fxp_product(const MacConfig& c, Module& m) {
  const int w = c.w, pb = 2 * w;
  const std::string PW = m.width("PW", pb, "product bits");
  m.note("Product: exact {} x {} two's-complement multiply ({} fraction bits).", w, w, 2 * c.f);
  m("wire signed {}fxp_a = {};", vrange(PW), sext("a_i", w, pb));
  m("wire signed {}fxp_b = {};", vrange(PW), sext("b_i", w, pb));
  m("assign {} = fxp_a * fxp_b;", kProdOut);
  return pb;
}

VariantRtl fxp_rtl() { return {"fxp", fxp_product, linear_accumulator}; }

}  // namespace logmac::gen
