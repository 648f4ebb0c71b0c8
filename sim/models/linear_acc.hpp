// The two's-complement accumulator shared by every variant that accumulates linearly.
#pragma once
#include <cmath>

#include "sim/bits.hpp"
#include "sim/config.hpp"

namespace logmac {

struct LinearAcc {
  int wacc, facc;
  bool sat;
  i64 lo, hi;
  explicit LinearAcc(const MacConfig& c)
      : wacc(c.wacc), facc(c.facc), sat(c.ovf == kSat), lo(smin(c.wacc)), hi(smax(c.wacc)) {}

  // Products reach the accumulator already inside [-hi, hi] (each model saturates its product).
  u64 first(i64 p) const { return static_cast<u64>(p) & mask(wacc); }
  u64 accumulate(u64 acc, i64 p) const {
    const i64 s = sext(acc, wacc) + p;  // |acc|, |p| < 2^63 / 2: no host overflow for wacc <= 62
    return static_cast<u64>(sat ? clamp(s, lo, hi) : s) & mask(wacc);
  }
  double value(u64 acc) const { return std::ldexp(static_cast<double>(sext(acc, wacc)), -facc); }
  i64 clamp_product(i64 p) const { return clamp(p, -hi, hi); }
  // |product| = mant * 2^sh in accumulator LSB, mant < 2^mant_bits: bits below the LSB are truncated,
  // magnitudes above the accumulator's range saturate (a shifter cannot wrap meaningfully).
  i64 shifted_magnitude(i64 mant, int sh, int mant_bits) const {
    if (sh >= 0) return sh + mant_bits > 62 ? hi : clamp_product(mant << sh);
    return sh < -62 ? 0 : clamp_product(mant >> -sh);  // a tiny accumulator: mant >> k can exceed hi
  }
};

// Nearest w-bit two's-complement code with f fraction bits, saturating.
u64 encode_fixed(double x, int w, int f);

// Largest wacc a linear accumulator may have: the host adds two values of wacc bits in an i64.
constexpr int kMaxLinearWacc = 62;

// Accumulator defaults for products mant * 2^k (mant with mant_frac fraction bits, < max_mant), k in
// [kmin, kmax], full scale 2^kfull: facc gives the resolution of the fxp MAC of the same width relative to
// full scale (2(w-1) - kfull) but no finer than the smallest product needs; wacc holds 1024 of the
// largest products (at most kMaxLinearWacc).
void derive_shifted_product_acc(MacConfig& c, int mant_frac, i64 kmin, i64 kmax, i64 kfull, long double max_mant);

}  // namespace logmac
