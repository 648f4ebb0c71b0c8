// Two-operand log multiplication with linear accumulation (after Miyashita et al., LogQuant).
// Operand: [sign if signed=1][m-bit code c], m = w - signed. c = 0 is zero; otherwise
//   log2|x| = fsr - 1 - (cmax - c) / 2^f,   cmax = 2^m - 1.
// Product exponent E = La + Lb (units 2^-f); linear value = 2^(E >> f) * 2^((E mod 2^f) / 2^f), the second
// factor a constant of T = sqrt2bits fraction bits (rounded to nearest; exactly 1 for f = 0), shifted into
// the accumulator (facc fraction bits): bits below the LSB are truncated, magnitudes above saturate.
#pragma once
#include <memory>
#include <vector>

#include "sim/models/linear_acc.hpp"

namespace logmac {

struct Log2LinMac {
  static const VariantInfo& info();
  using Product = i64;

  int w, f, m, fsr, t;
  bool is_signed;
  i64 cmax, lmax;  // lmax = (fsr-1) * 2^f: the log of the largest code
  LinearAcc acc;
  // The model's own copy of the config's constants, shared by copies of the model (it may outlive its
  // config); the hot path reads them through the raw pointer.
  std::shared_ptr<const std::vector<i64>> pow2_table;
  const std::vector<i64>* pow2;
  explicit Log2LinMac(const MacConfig& c);

  i64 log_of(u64 code) const { return lmax - (cmax - static_cast<i64>(code & mask(m))); }
  Product product(u64 a, u64 b) const {
    const u64 ca = a & mask(m), cb = b & mask(m);
    if (!ca || !cb) return 0;
    const i64 e = log_of(a) + log_of(b);
    const int sh = static_cast<int>((e >> f) + acc.facc - t);
    const i64 mant = (*pow2)[e & static_cast<i64>(mask(f))];
    // mant < 2^(t+1); saturate once the shifted mantissa cannot fit below 2^62.
    const i64 mag = acc.shifted_magnitude(mant, sh, t + 1);
    const bool neg = is_signed && (((a ^ b) >> m) & 1);
    return neg ? -mag : mag;
  }
  u64 reset() const { return 0; }
  u64 first(Product p) const { return acc.first(p); }
  u64 accumulate(u64 s, Product p) const { return acc.accumulate(s, p); }

  double value_a(u64 a) const;
  double value_b(u64 b) const { return value_a(b); }
  double value_acc(u64 s) const { return acc.value(s); }
  u64 encode_a(double x) const;  // LogQuant: nearest in the log domain, below the smallest code -> 0
  u64 encode_b(double x) const { return encode_a(x); }
};

}  // namespace logmac
