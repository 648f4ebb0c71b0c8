// Hybrid: LNS operands and product (as in lns), linear accumulation. The product's log L (f fraction
// bits) is converted to linear as 2^(L >> f) * 2^frac: 2^frac is a (fexp+1)-bit mantissa 1.xxx, from a
// table indexed by the top min(f, fexp) fraction bits (rounded to nearest), or frac itself
// (exp2=mitchell). The shifted mantissa enters a wacc-bit accumulator with facc fraction bits:
// bits below its LSB are truncated (toward zero), magnitudes above its range saturate.
#pragma once
#include <memory>
#include <vector>

#include "sim/models/lns.hpp"
#include "sim/models/linear_acc.hpp"

namespace logmac {

struct Lns2LinMac {
  static const VariantInfo& info();
  using Product = i64;

  LnsFormat lf;
  int fexp, ti;
  bool mitchell;
  LinearAcc acc;
  // The model's own copy of the config's 2^frac table, shared by copies of the model (it may outlive its
  // config); the hot path reads it through the raw pointer.
  std::shared_ptr<const std::vector<i64>> pow2_table;
  const std::vector<i64>* pow2;
  explicit Lns2LinMac(const MacConfig& c);

  i64 mantissa(i64 fr) const {
    if (mitchell) return (i64{1} << fexp) + (fexp >= lf.f ? fr << (fexp - lf.f) : fr >> (lf.f - fexp));
    return (*pow2)[fr >> (lf.f - ti)];
  }
  Product product(u64 a, u64 b) const {
    const u64 p = lf.mul(a, b);
    if (lf.is_zero(p)) return 0;
    const i64 l = lf.log(p);
    const int sh = static_cast<int>((l >> lf.f) + acc.facc - fexp);
    const i64 mant = mantissa(l & static_cast<i64>(mask(lf.f)));
    const i64 mag = acc.shifted_magnitude(mant, sh, fexp + 1);
    return lf.sign(p) ? -mag : mag;
  }
  u64 reset() const { return 0; }
  u64 first(Product p) const { return acc.first(p); }
  u64 accumulate(u64 s, Product p) const { return acc.accumulate(s, p); }

  double value_a(u64 a) const { return lf.value(a); }
  double value_b(u64 b) const { return lf.value(b); }
  double value_acc(u64 s) const { return acc.value(s); }
  u64 encode_a(double x) const { return lf.encode(x); }
  u64 encode_b(double x) const { return lf.encode(x); }
};

}  // namespace logmac
