// Power-of-two weights (a shift instead of a multiplier) and additive power-of-two weights.
// Activation a: w-bit two's complement with f fraction bits.
// A weight term is a we-bit exponent code e: e = 0 is absent (zero), otherwise 2^-(e-1), e <= M = 2^we - 1.
//   pot:  b = {sign, e}            weight = +-2^-(e-1)
//   apot: b = {sign, e1, e2}       weight = +-(term(e1) + term(e2))
// Products are exact: the accumulator has f + M - 1 fraction bits, so a term is a << (M - e).
#pragma once
#include <vector>

#include "sim/models/linear_acc.hpp"

namespace logmac {

template <int Terms>
struct ShiftWeightMac {
  static const VariantInfo& info();
  using Product = i64;

  int w, f, we, M;
  LinearAcc acc;
  std::vector<double> weight_values;  // value of each weight code, for encode_b (not the hot path)
  explicit ShiftWeightMac(const MacConfig& c);

  i64 term(i64 a, u64 e) const { return e ? a * (i64{1} << (M - static_cast<int>(e))) : 0; }
  Product product(u64 a, u64 b) const {
    const i64 x = sext(a, w);
    i64 p = term(x, b & mask(we));
    if constexpr (Terms == 2) p += term(x, (b >> we) & mask(we));
    return (b >> (Terms * we)) & 1 ? -p : p;
  }
  u64 reset() const { return 0; }
  u64 first(Product p) const { return acc.first(p); }
  u64 accumulate(u64 s, Product p) const { return acc.accumulate(s, p); }

  double value_a(u64 a) const { return std::ldexp(static_cast<double>(sext(a, w)), -f); }
  double value_b(u64 b) const;
  double value_acc(u64 s) const { return acc.value(s); }
  u64 encode_a(double x) const { return encode_fixed(x, w, f); }
  u64 encode_b(double x) const;  // nearest weight (pot: nearest in the log domain, below the smallest -> 0)
};

using PotMac = ShiftWeightMac<1>;
using ApotMac = ShiftWeightMac<2>;

}  // namespace logmac
