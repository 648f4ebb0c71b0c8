// The two's-complement accumulator shared by every variant that accumulates linearly.
#pragma once
#include <cmath>

#include "../bits.hpp"
#include "../config.hpp"

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
};

// Largest wacc a linear accumulator may have: the host adds two values of wacc bits in an i64.
constexpr int kMaxLinearWacc = 62;

}  // namespace logmac
