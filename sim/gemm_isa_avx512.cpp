// The GEMM kernels for AVX-512 CPUs (F, BW, VL, DQ: 16 x int32 lanes, masked compares, hardware gathers).
// (Gathers and mul use the masked forms with a zero source: GCC 12 warns about the unmasked form's undefined source.)
// Only called after the driver has checked the CPU (__builtin_cpu_supports); nothing in this file runs at
// static-initialization time.
#include <cstdint>

#include "sim/gemm_internal.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,bmi,bmi2,popcnt,lzcnt,fma")

namespace logmac::gemm_detail {
namespace {

constexpr int kVectorBytes = 64;
typedef std::int32_t v32 __attribute__((vector_size(kVectorBytes)));
typedef std::uint32_t u32v __attribute__((vector_size(kVectorBytes)));
typedef std::int64_t v64 __attribute__((vector_size(kVectorBytes)));
typedef std::uint64_t u64v __attribute__((vector_size(kVectorBytes)));
typedef std::int32_t v32h __attribute__((vector_size(kVectorBytes / 2)));

inline v32 gather32(const std::int32_t* t, v32 idx) {
  return reinterpret_cast<v32>(_mm512_mask_i32gather_epi32(_mm512_setzero_si512(), __mmask16(0xffff), reinterpret_cast<__m512i>(idx), t, 4));
}
inline v64 gather64(const std::int64_t* t, v32h idx) {
  return reinterpret_cast<v64>(
      _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), __mmask8(0xff), reinterpret_cast<__m256i>(idx), t, 8));
}
inline v64 mul64(v64 a, v64 b) {
  return reinterpret_cast<v64>(_mm512_maskz_mul_epi32(__mmask8(0xff), reinterpret_cast<__m512i>(a), reinterpret_cast<__m512i>(b)));
}

}  // namespace
}  // namespace logmac::gemm_detail

#include "sim/gemm_kernels.hpp"

namespace logmac::gemm_detail {
constinit const KernelSet kKernelsAvx512 = make_kernel_set("avx512");
}  // namespace logmac::gemm_detail

#pragma GCC pop_options

#else
namespace logmac::gemm_detail {
const KernelSet kKernelsAvx512 = {"avx512", 0, nullptr, nullptr, nullptr, nullptr, nullptr};
}  // namespace logmac::gemm_detail
#endif
