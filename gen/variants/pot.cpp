// pot / apot: each weight term is a shift of the activation, a << (M - e) = a << ~e (M = 2^we - 1).
#include "sim/models/pot.hpp"
#include "gen/variants.hpp"

namespace logmac::gen {

template <int Terms>
static int shift_weight_product(const MacConfig& c, Vout& v) {
  const ShiftWeightMac<Terms> model(c);
  const int w = model.w, we = model.we, M = model.M;
  const int pb = w + M + Terms - 1;  // |a| * (Terms * 2^(M-1)), with a sign bit
  v("// Product: {} shifted cop{} of the activation, a << (M - e) = a << ~e for e != 0 (M = {}).",
    Terms == 1 ? "a" : "the sum of two", Terms == 1 ? "y" : "ies", M);
  v("wire {}sw_a = {};", vrange(pb), sext("a_i", w, pb));
  std::string sum;
  for (int k = 0; k < Terms; ++k) {
    const std::string e = fmt::format("b_i[{}:{}]", (k + 1) * we - 1, k * we);
    v("wire {}sw_t{} = ({} == {}) ? {} : (sw_a << ~{});", vrange(pb), k, e, lit(we, 0), lit(pb, 0), e);
    sum += fmt::format("{}sw_t{}", k ? " + " : "", k);
  }
  v("wire {}sw_m = {};", vrange(pb), sum);
  v("wire {}{} = b_i[{}] ? -sw_m : sw_m;", vrange(pb), kProd, Terms * we);
  return pb;
}

VariantRtl pot_rtl() { return {"pot", shift_weight_product<1>, linear_accumulate}; }
VariantRtl apot_rtl() { return {"apot", shift_weight_product<2>, linear_accumulate}; }

}  // namespace logmac::gen
