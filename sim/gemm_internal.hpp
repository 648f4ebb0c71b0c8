// Internal interface between the GEMM driver (sim/gemm.cpp: checking, packing, threads) and its inner
// kernels (sim/gemm_kernels.hpp, compiled once per instruction set by sim/gemm_isa_*.cpp).
//
// A kernel computes one tile: `rows` rows of packed A against one packed B panel of kPanel columns (the
// panel width of its kernel set), over all k, and writes rows x kPanel lane results (int32, or int64 for
// the 64-bit accumulator kernels). Packed layouts (int32 elements, row-major):
//   lns      A: per row, k pairs (log, sign)      B panel: per k, kPanel logs then kPanel signs
//   int      A: per row, k integers               B panel: per k, kPanel integers
//   table    A: per row, k pairs (index, sign)    B panel: per k, kPanel indices then kPanel signs
#pragma once
#include <cstdint>

#include "sim/bits.hpp"

namespace logmac::gemm_detail {

// ---- LNS lanes ----
// A value is its log (f fraction bits) in an int32 and a sign that is 0 or `soff` (a power of two above the
// table's index range, so that sign_x ^ sign_y selects the delta- half of the table). Zero is kLnsZero and
// every log below kLnsZeroBelow is zero: with |log| < 2^21 (w <= 24) no sum or difference overflows.
constexpr std::int32_t kLnsZero = -(1 << 27);
constexpr std::int32_t kLnsZeroBelow = -(1 << 26);
constexpr std::int32_t kLnsCancel = -(1 << 28);  // delta at d = 0 with opposite signs: the sum is zero

struct LnsArgs {
  const std::int32_t* table;  // [0, soff): delta+(d), [soff, 2 soff): delta-(d); zero at ds and soff + ds
  std::int32_t ds;            // d >= ds: delta is 0 (table[ds])
  std::int32_t soff;
  std::int32_t max;           // MAX: logs saturate at +-MAX
  bool flush;                 // underflow=flush: a sum below -MAX is zero (else -MAX)
  bool clamp_high, clamp_low; // false when no product of this A and B can exceed MAX / go below -MAX
};

// ---- linear accumulators (int and table kernels) ----
struct LinArgs {
  bool clamp = false;     // saturate after every step (false: proven unnecessary, or wrapping arithmetic)
  i64 lo = 0, hi = 0;     // accumulator range
  const void* table = nullptr;  // table kernels: products by index sum; [soff, 2 soff) negative products
  std::int32_t zidx = 0;        // index sums >= zidx are products with a zero operand (table[zidx] = 0)
};

using LnsFn = void (*)(const LnsArgs&, const std::int32_t* a, i64 a_stride, int rows, const std::int32_t* b, i64 k,
                       std::int32_t* out_log, std::int32_t* out_sign);
using Int32Fn = void (*)(const LinArgs&, const std::int32_t* a, i64 a_stride, int rows, const std::int32_t* b, i64 k,
                         std::int32_t* out);
using Int64Fn = void (*)(const LinArgs&, const std::int32_t* a, i64 a_stride, int rows, const std::int32_t* b, i64 k,
                         std::int64_t* out);

struct KernelSet {
  const char* name;
  int panel;  // columns per B panel
  LnsFn lns;
  Int32Fn int32;
  Int64Fn int64;
  Int32Fn table32;
  Int64Fn table64;
};

// Defined by sim/gemm_isa_*.cpp; a set whose `lns` is null was not compiled in (not an x86-64 build).
extern const KernelSet kKernelsPortable;
extern const KernelSet kKernelsAvx2;
extern const KernelSet kKernelsAvx512;

}  // namespace logmac::gemm_detail
