// The inner GEMM kernels, written once over GCC vector types and compiled once per instruction set. Each
// sim/gemm_isa_*.cpp defines, inside its `#pragma GCC target` region and namespace
// logmac::gemm_detail::(anonymous): kVectorBytes, the vector types v32/u32v/v64/u64v, and
// gather32/gather64/mul64 for its target; then includes this file. Everything here has internal linkage,
// so the per-target copies never merge. Include from nowhere else.
//
// Lanes run over output columns: a kernel keeps kRows x (kPanel / lanes) accumulator vectors in registers
// while k runs, so each step is a few vector operations for `lanes` independent dot products.
// No allocation, no call through a pointer and no floating point inside the k loop.
#include <cstring>
#include <type_traits>

#include "sim/gemm_internal.hpp"

namespace logmac::gemm_detail {
namespace {

constexpr int kL32 = kVectorBytes / 4;
constexpr int kL64 = kVectorBytes / 8;
constexpr int kPanel = 2 * kL32;  // columns per B panel: two int32 vectors or four int64 vectors

template <class V>
inline V vload(const void* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
inline void vstore(void* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}
template <class V>
inline V vmin(V a, V b) {
  return a < b ? a : b;
}
template <class V>
inline V vmax(V a, V b) {
  return a > b ? a : b;
}
inline v32 splat32(std::int32_t s) { return v32{} + s; }
inline v64 splat64(std::int64_t s) { return v64{} + s; }
template <class V>
struct VecOf;
template <>
struct VecOf<std::int32_t> {
  using type = v32;
  using utype = u32v;
  static v32 splat(std::int32_t s) { return splat32(s); }
};
template <>
struct VecOf<std::int64_t> {
  using type = v64;
  using utype = u64v;
  static v64 splat(std::int64_t s) { return splat64(s); }
};

// Wrapping add (sums of a wrapping accumulator may leave the lane type's range; unsigned is defined).
template <class V, class U>
inline V add_wrap(V a, V b) {
  return reinterpret_cast<V>(reinterpret_cast<U>(a) + reinterpret_cast<U>(b));
}
inline v32 mul_lanes(v32 a, v32 b) {
  return reinterpret_cast<v32>(reinterpret_cast<u32v>(a) * reinterpret_cast<u32v>(b));
}
inline v64 mul_lanes(v64 a, v64 b) { return mul64(a, b); }  // operands fit in int32
inline v32 gather_lanes(const std::int32_t* t, v32 idx) { return gather32(t, idx); }
inline v64 gather_lanes(const std::int64_t* t, v32h idx) { return gather64(t, idx); }

// ---------------------------------------------------------------------------------------------------------
// LNS: x (+) y = max(X, Y) + delta(|X - Y|), the delta+ or delta- half of one table chosen by the signs.
constexpr int kLnsRows = 4;

struct LnsConst {
  v32 max, neg_max, ds, zero, zero_below;
};

// Product saturation: each half of the clamp runs only where this A and B can reach it.
enum ProductClamp : int { kClampNone = 0, kClampHigh = 1, kClampLow = 2, kClampBoth = 3 };

template <int Clamp, bool Flush>
inline void lns_step(v32& x, v32& s, v32 la, v32 sa, v32 lb, v32 sb, const LnsConst& c, const std::int32_t* table) {
  v32 y = la + lb;  // product log; a zero operand keeps it below kLnsZeroBelow
  if constexpr ((Clamp & kClampHigh) != 0) y = vmin(y, c.max);
  if constexpr ((Clamp & kClampLow) != 0) y = y >= c.zero_below ? vmax(y, c.neg_max) : y;
  const v32 sy = sa ^ sb;
  const v32 gt = x > y;
  const v32 diff = x - y;
  const v32 d = diff < 0 ? -diff : diff;
  const v32 big = gt ? x : y;
  // d >= ds (including every d against a zero) reads the 0 at ds; sx ^ sy is 0 or soff.
  const v32 idx = vmin(d, c.ds) | (s ^ sy);
  v32 r = big + gather32(table, idx);
  s = gt ? s : sy;
  r = vmin(r, c.max);
  if constexpr (Flush)
    x = r >= c.neg_max ? r : c.zero;
  else
    x = r >= c.zero_below ? vmax(r, c.neg_max) : c.zero;
}

template <int RM, int Clamp, bool Flush>
void lns_block(const LnsArgs& p, const std::int32_t* a, i64 as, const std::int32_t* b, i64 k, std::int32_t* ol,
               std::int32_t* os) {
  constexpr int RN = kPanel / kL32;
  const LnsConst c{splat32(p.max), splat32(-p.max), splat32(p.ds), splat32(kLnsZero), splat32(kLnsZeroBelow)};
  v32 x[RM][RN], s[RM][RN];
#pragma GCC unroll 16
  for (int r = 0; r < RM; ++r)
#pragma GCC unroll 16
    for (int j = 0; j < RN; ++j) {
      x[r][j] = c.zero;
      s[r][j] = v32{};
    }
  for (i64 t = 0; t < k; ++t) {
    const std::int32_t* bt = b + t * 2 * kPanel;
    v32 lb[RN], sb[RN];
#pragma GCC unroll 16
    for (int j = 0; j < RN; ++j) {
      lb[j] = vload<v32>(bt + j * kL32);
      sb[j] = vload<v32>(bt + kPanel + j * kL32);
    }
#pragma GCC unroll 16
    for (int r = 0; r < RM; ++r) {
      const v32 la = splat32(a[r * as + 2 * t]), sa = splat32(a[r * as + 2 * t + 1]);
#pragma GCC unroll 16
      for (int j = 0; j < RN; ++j) lns_step<Clamp, Flush>(x[r][j], s[r][j], la, sa, lb[j], sb[j], c, p.table);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < RM; ++r)
#pragma GCC unroll 16
    for (int j = 0; j < RN; ++j) {
      vstore(ol + r * kPanel + j * kL32, x[r][j]);
      vstore(os + r * kPanel + j * kL32, s[r][j]);
    }
}

template <int Clamp, bool Flush>
void lns_rows(const LnsArgs& p, const std::int32_t* a, i64 as, int rows, const std::int32_t* b, i64 k,
              std::int32_t* ol, std::int32_t* os) {
  int r = 0;
  for (; r + kLnsRows <= rows; r += kLnsRows)
    lns_block<kLnsRows, Clamp, Flush>(p, a + r * as, as, b, k, ol + r * kPanel, os + r * kPanel);
  for (; r < rows; ++r) lns_block<1, Clamp, Flush>(p, a + r * as, as, b, k, ol + r * kPanel, os + r * kPanel);
}

void lns_tile(const LnsArgs& p, const std::int32_t* a, i64 as, int rows, const std::int32_t* b, i64 k,
              std::int32_t* ol, std::int32_t* os) {
  using Fn = void (*)(const LnsArgs&, const std::int32_t*, i64, int, const std::int32_t*, i64, std::int32_t*,
                      std::int32_t*);
  static constexpr Fn kFns[2][4] = {
      {lns_rows<kClampNone, false>, lns_rows<kClampHigh, false>, lns_rows<kClampLow, false>, lns_rows<kClampBoth, false>},
      {lns_rows<kClampNone, true>, lns_rows<kClampHigh, true>, lns_rows<kClampLow, true>, lns_rows<kClampBoth, true>}};
  kFns[p.flush][(p.clamp_high ? kClampHigh : 0) | (p.clamp_low ? kClampLow : 0)](p, a, as, rows, b, k, ol, os);
}

// ---------------------------------------------------------------------------------------------------------
// Linear accumulators. `int`: products a * b of integers (fxp, pot, apot). `table`: products looked up by
// the sum of the operands' indices, the sign choosing the negative half (log2lin, lns2lin). Operands are
// packed as int32 for every lane width: 64-bit accumulators widen the B vectors on load.
constexpr int kIntRows = 4;

template <class S>
struct LinLanes;
template <>
struct LinLanes<std::int32_t> {
  using V = v32;   // accumulators
  using VI = v32;  // packed operands, indices
  static v32 widen(v32 x) { return x; }
};
template <>
struct LinLanes<std::int64_t> {
  using V = v64;
  using VI = v32h;
  static v64 widen(v32h x) { return __builtin_convertvector(x, v64); }
};

template <class S, bool Table, int RM, bool Clamp>
void lin_block(const LinArgs& p, const std::int32_t* a, i64 as, const std::int32_t* b, i64 k, S* out) {
  using V = typename LinLanes<S>::V;
  using VI = typename LinLanes<S>::VI;
  using U = typename VecOf<S>::utype;
  constexpr int L = static_cast<int>(sizeof(V) / sizeof(S));
  constexpr int RN = kPanel / L;
  constexpr int per_k = Table ? 2 : 1;  // values per column and k in the packed panel
  const V lo = VecOf<S>::splat(static_cast<S>(p.lo)), hi = VecOf<S>::splat(static_cast<S>(p.hi));
  const VI zidx = VI{} + p.zidx;
  const S* table = static_cast<const S*>(p.table);
  V acc[RM][RN];
#pragma GCC unroll 16
  for (int r = 0; r < RM; ++r)
#pragma GCC unroll 16
    for (int j = 0; j < RN; ++j) acc[r][j] = V{};
  for (i64 t = 0; t < k; ++t) {
    const std::int32_t* bt = b + t * per_k * kPanel;
    VI bv[RN], bs[RN];
    V bw[RN];
#pragma GCC unroll 16
    for (int j = 0; j < RN; ++j) {
      bv[j] = vload<VI>(bt + j * L);
      if constexpr (Table)
        bs[j] = vload<VI>(bt + kPanel + j * L);
      else
        bw[j] = LinLanes<S>::widen(bv[j]);
    }
#pragma GCC unroll 16
    for (int r = 0; r < RM; ++r) {
      const std::int32_t a0 = a[r * as + per_k * t];
      V av{};
      VI ai{}, asg{};
      if constexpr (Table) {
        ai = VI{} + a0;
        asg = VI{} + a[r * as + 2 * t + 1];
      } else {
        av = VecOf<S>::splat(a0);
      }
#pragma GCC unroll 16
      for (int j = 0; j < RN; ++j) {
        V prod;
        if constexpr (Table)
          prod = gather_lanes(table, vmin(ai + bv[j], zidx) | (asg ^ bs[j]));
        else
          prod = mul_lanes(av, bw[j]);
        if constexpr (Clamp)
          acc[r][j] = vmin(vmax(acc[r][j] + prod, lo), hi);
        else
          acc[r][j] = add_wrap<V, U>(acc[r][j], prod);
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < RM; ++r)
#pragma GCC unroll 16
    for (int j = 0; j < RN; ++j) vstore(out + r * kPanel + j * L, acc[r][j]);
}

template <class S, bool Table>
void lin_tile(const LinArgs& p, const std::int32_t* a, i64 as, int rows, const std::int32_t* b, i64 k, S* out) {
  auto run = [&](auto clamp) {
    constexpr bool C = decltype(clamp)::value;
    int r = 0;
    for (; r + kIntRows <= rows; r += kIntRows)
      lin_block<S, Table, kIntRows, C>(p, a + r * as, as, b, k, out + r * kPanel);
    for (; r < rows; ++r) lin_block<S, Table, 1, C>(p, a + r * as, as, b, k, out + r * kPanel);
  };
  if (p.clamp)
    run(std::true_type{});
  else
    run(std::false_type{});
}

constexpr KernelSet make_kernel_set(const char* name) {
  return KernelSet{name,
                   kPanel,
                   &lns_tile,
                   &lin_tile<std::int32_t, false>,
                   &lin_tile<std::int64_t, false>,
                   &lin_tile<std::int32_t, true>,
                   &lin_tile<std::int64_t, true>};
}

}  // namespace
}  // namespace logmac::gemm_detail
