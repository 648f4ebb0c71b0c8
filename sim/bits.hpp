// Bit-level helpers shared by every model. All inline and branch-light: they sit on the hot path.
#pragma once
#include <cstdint>

namespace logmac {

using u64 = std::uint64_t;
using i64 = std::int64_t;

constexpr u64 mask(int bits) { return bits >= 64 ? ~u64{0} : (u64{1} << bits) - 1; }

// Two's-complement value of the low `bits` bits of x.
constexpr i64 sext(u64 x, int bits) {
  const int sh = 64 - bits;
  return static_cast<i64>(x << sh) >> sh;
}

constexpr i64 smax(int bits) { return static_cast<i64>(mask(bits - 1)); }
constexpr i64 smin(int bits) { return -smax(bits) - 1; }

constexpr i64 clamp(i64 v, i64 lo, i64 hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Shift right by r (r < 0: shift left by -r). Right shifts are arithmetic (floor), as in RTL `>>>`.
constexpr i64 shift_r(i64 v, int r) { return r >= 0 ? (r >= 63 ? (v < 0 ? -1 : 0) : v >> r) : v * (i64{1} << -r); }

// Number of bits needed to hold the non-negative value v (0 -> 0).
constexpr int bit_length(u64 v) {
  int n = 0;
  while (v) { ++n; v >>= 1; }
  return n;
}

}  // namespace logmac
