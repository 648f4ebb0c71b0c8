// Independent reference arithmetic for the unit tests: written with integer division/modulo, __int128
// and 113-bit __float128 (libquadmath) instead of the models' masks, shifts, tables and long double.
#pragma once
#include <quadmath.h>

#include <cstdint>

namespace ref {

__extension__ typedef __int128 i128;
__extension__ typedef __float128 f128;

inline long long pow2i(int e) { return 1LL << e; }

// Two's-complement value of an n-bit pattern, by arithmetic.
inline long long twos(unsigned long long x, int n) {
  const long long m = pow2i(n);
  const long long v = static_cast<long long>(x % static_cast<unsigned long long>(m));
  return v >= m / 2 ? v - m : v;
}

// n-bit pattern of a two's-complement value.
inline unsigned long long pattern(long long v, int n) {
  const long long m = pow2i(n);
  return static_cast<unsigned long long>(((v % m) + m) % m);
}

inline f128 exp2q_(f128 x) { return exp2q(x); }

// LNS fields: sign, zero flag, log (w-2 bits, two's complement).
struct Lns {
  bool neg, zero;
  long long log;
};
inline Lns lns_fields(unsigned long long x, int w) {
  const long long half = pow2i(w - 1), quarter = pow2i(w - 2);
  return {static_cast<long long>(x) / half % 2 == 1, static_cast<long long>(x) / quarter % 2 == 1,
          twos(x % static_cast<unsigned long long>(quarter), w - 2)};
}
inline unsigned long long lns_pattern(bool neg, bool zero, long long log, int w) {
  if (zero) return static_cast<unsigned long long>(pow2i(w - 2));
  return static_cast<unsigned long long>((neg ? pow2i(w - 1) : 0)) + pattern(log, w - 2);
}

inline long long clampll(long long v, long long lo, long long hi) { return v < lo ? lo : (v > hi ? hi : v); }

// floor(v) toward zero for a non-negative quad value that must be an exact dyadic number.
inline long long trunc_q(f128 v) { return static_cast<long long>(truncq(v)); }

}  // namespace ref
