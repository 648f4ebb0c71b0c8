// pot / apot: each weight term is a shift of the activation, a << (M - e) = a << ~e (M = 2^we - 1).
#include "sim/models/pot.hpp"
#include "gen/variants.hpp"

namespace logmac::gen {

template <int Terms>
static int shift_weight_product(const MacConfig& c, Module& m) {
  const ShiftWeightMac<Terms> model(c);
  const int w = model.w, we = model.we, M = model.M;
  const int pb = w + M + Terms - 1;  // |a| * (Terms * 2^(M-1)), with a sign bit
  const std::string p = Terms == 1 ? "pot" : "apot";
  const std::string PW = m.width("PW", pb, "product bits");
  m.note("Product: {} shifted cop{} of the activation, a << (M - e) = a << ~e for an exponent code e != 0 (M = {};",
         Terms == 1 ? "a" : "the sum of two", Terms == 1 ? "y" : "ies", M);
  m.note("e = 0 is zero), negated by the weight's sign bit.");
  m("wire {}{}_a = {};", vrange(PW), p, sext("a_i", w, pb));
  std::string sum;
  for (int k = 0; k < Terms; ++k) {
    const std::string e = fmt::format("b_i[{}:{}]", (k + 1) * we - 1, k * we);
    m("wire {}{}_t{} = ({} == {}) ? {} : ({}_a << ~{});", vrange(PW), p, k, e, lit(we, 0), lit(pb, 0), p, e);
    sum += fmt::format("{}{}_t{}", k ? " + " : "", p, k);
  }
  if (Terms > 1) {
    m("wire {}{}_m = {};", vrange(PW), p, sum);
    sum = p + "_m";
  }
  m("assign {} = b_i[{}] ? -{} : {};", kProdOut, Terms * we, sum, sum);
  return pb;
}

VariantRtl pot_rtl() { return {"pot", shift_weight_product<1>, linear_accumulator}; }
VariantRtl apot_rtl() { return {"apot", shift_weight_product<2>, linear_accumulator}; }

}  // namespace logmac::gen
