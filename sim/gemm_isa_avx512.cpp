// The GEMM kernels for AVX-512 CPUs (F, BW, VL, DQ: 16 x int32 lanes, masked compares, hardware gathers).
// Only called after the driver has checked the CPU (__builtin_cpu_supports); nothing in this file runs at
// static-initialization time. Gathers and mul use the masked forms with a zero source: GCC 12 warns about
// the undefined source of the unmasked forms.
#include <cstdint>

#include "sim/gemm_internal.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,bmi,bmi2,popcnt,lzcnt,fma")

namespace logmac::gemm_detail {
namespace {
constexpr int kVectorBytes = 64;
}  // namespace
}  // namespace logmac::gemm_detail

#include "sim/gemm_kernels.hpp"

namespace logmac::gemm_detail {
namespace {

v32 gather32(const std::int32_t* t, v32 idx) {
  return reinterpret_cast<v32>(
      _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), __mmask16(0xffff), reinterpret_cast<__m512i>(idx), t, 4));
}
v64 gather64(const std::int64_t* t, v32h idx) {
  return reinterpret_cast<v64>(
      _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), __mmask8(0xff), reinterpret_cast<__m256i>(idx), t, 8));
}
v64 mul64(v64 a, v64 b) {
  return reinterpret_cast<v64>(
      _mm512_maskz_mul_epi32(__mmask8(0xff), reinterpret_cast<__m512i>(a), reinterpret_cast<__m512i>(b)));
}

}  // namespace

constinit const KernelSet kKernelsAvx512 = make_kernel_set("avx512");

}  // namespace logmac::gemm_detail

#pragma GCC pop_options

#else
constinit const logmac::gemm_detail::KernelSet logmac::gemm_detail::kKernelsAvx512{};  // not an x86-64 build
#endif
