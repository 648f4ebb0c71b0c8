// Linear fixed-point MAC: the baseline every log-domain MAC is compared with.
// a, b: w-bit two's complement with f fraction bits; exact product; accumulator with 2f fraction bits.
#pragma once
#include "sim/models/linear_acc.hpp"

namespace logmac {

struct FxpMac {
  static const VariantInfo& info();
  using Product = i64;

  int w, f;
  LinearAcc acc;
  explicit FxpMac(const MacConfig& c) : w(c.w), f(c.f), acc(c) {}

  Product product(u64 a, u64 b) const { return sext(a, w) * sext(b, w); }
  u64 reset() const { return 0; }
  u64 first(Product p) const { return acc.first(p); }
  u64 accumulate(u64 s, Product p) const { return acc.accumulate(s, p); }

  double value_a(u64 a) const { return std::ldexp(static_cast<double>(sext(a, w)), -f); }
  double value_b(u64 b) const { return value_a(b); }
  double value_acc(u64 s) const { return acc.value(s); }
  u64 encode_a(double x) const { return encode_fixed(x, w, f); }  // nearest, saturating
  u64 encode_b(double x) const { return encode_a(x); }
};

}  // namespace logmac
