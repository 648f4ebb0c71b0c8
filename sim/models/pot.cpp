#include "sim/models/pot.hpp"

#include <cmath>

namespace logmac {

template <int Terms>
ShiftWeightMac<Terms>::ShiftWeightMac(const MacConfig& c)
    : w(c.w), f(c.f), we(c.we), M((1 << c.we) - 1), acc(c) {
  for (u64 b = 0; b < (u64{1} << (Terms * we + 1)); ++b) weight_values.push_back(value_b(b));
}

template <int Terms>
double ShiftWeightMac<Terms>::value_b(u64 b) const {
  auto term_v = [&](u64 e) { return e ? std::ldexp(1.0, 1 - static_cast<int>(e)) : 0.0; };
  double v = term_v(b & mask(we));
  if constexpr (Terms == 2) v += term_v((b >> we) & mask(we));
  return (b >> (Terms * we)) & 1 ? -v : v;
}


template <int Terms>
u64 ShiftWeightMac<Terms>::encode_b(double x) const {
  const u64 sign = x < 0 ? u64{1} << (Terms * we) : 0;
  const double m = std::fabs(x);
  if constexpr (Terms == 1) {
    if (m == 0) return 0;
    // Round log2|x| to the nearest integer k <= 0; k < -(M-1) flushes to zero (LogQuant rule).
    const double k = std::min(0.0, std::nearbyint(std::log2(m)));
    if (k < -(M - 1)) return 0;
    return sign | static_cast<u64>(1 - static_cast<int>(k));
  } else {
    u64 best = 0;  // nearest magnitude in the linear domain (saturating); ties go to the smaller code
    const double top = 2.0;  // both terms 2^0
    const double mm = std::min(m, top);
    for (u64 b = 1; b < (u64{1} << (2 * we)); ++b)
      if (std::fabs(weight_values[b] - mm) < std::fabs(weight_values[best] - mm)) best = b;
    return weight_values[best] == 0 ? 0 : (sign | best);
  }
}

// Bits of the exact product (and the smallest wacc): a = -2^(w-1) times the largest weight (Terms * 2^0),
// in accumulator LSB (f + M - 1 fraction bits), plus a sign bit. At most 2 << 37 over the listed ranges.
template <int Terms>
static int exact_product_bits(int w, int we) {
  const int M = (1 << we) - 1;
  return bit_length(static_cast<u64>(Terms) << (w - 1 + M - 1)) + 1;
}
constexpr int kMinW = 2, kMinWe = 1;  // the listed ranges' lower ends

template <int Terms>
static void derive_shift_weight(MacConfig& c) {
  if (c.f < 0) c.f = c.w - 1;
  require_range(c, "f", c.f, 0, c.w - 1);
  const int M = (1 << c.we) - 1;
  c.wa = c.w;
  c.wb = 1 + Terms * c.we;
  c.facc = c.f + M - 1;
  // Largest |product|: a = -2^(w-1) times the largest weight (Terms * 2^0), in accumulator LSB.
  const long double maxp = std::ldexp(static_cast<long double>(Terms), c.w - 1 + M - 1);
  if (c.wacc < 0) c.wacc = linear_wacc_for(maxp);
  const int need = exact_product_bits<Terms>(c.w, c.we);
  if (need > kMaxLinearWacc) spec_fail(c, "w + 2^we is too large: the exact product needs more than 62 bits");
  require_range(c, "wacc", c.wacc, need, kMaxLinearWacc);
}

template <>
const VariantInfo& PotMac::info() {
  static const VariantInfo vi{
      "pot",
      "power-of-two weights: the product is the activation shifted by the weight's exponent",
      {int_key("w", &MacConfig::w, kMinW, 24, "activation width"),
       int_key("f", &MacConfig::f, 0, 23, "activation fraction bits (default w-1)"),
       int_key("we", &MacConfig::we, kMinWe, 4, "weight exponent code bits (weight = sign + we bits)", 3),
       wacc_key(exact_product_bits<1>(kMinW, kMinWe), "accumulator width, at least the exact product's (default: "
                                                       "no overflow in a 1024-term sum)"),
       pipe_key(), ovf_key()},
      derive_shift_weight<1>};
  return vi;
}

template <>
const VariantInfo& ApotMac::info() {
  static const VariantInfo vi{
      "apot",
      "additive power-of-two weights: the product is the sum of two shifted copies of the activation",
      {int_key("w", &MacConfig::w, kMinW, 24, "activation width"),
       int_key("f", &MacConfig::f, 0, 23, "activation fraction bits (default w-1)"),
       int_key("we", &MacConfig::we, kMinWe, 4, "bits of each exponent code (weight = sign + 2*we bits)", 3),
       wacc_key(exact_product_bits<2>(kMinW, kMinWe), "accumulator width, at least the exact product's (default: "
                                                       "no overflow in a 1024-term sum)"),
       pipe_key(), ovf_key()},
      derive_shift_weight<2>};
  return vi;
}

template struct ShiftWeightMac<1>;
template struct ShiftWeightMac<2>;

}  // namespace logmac
