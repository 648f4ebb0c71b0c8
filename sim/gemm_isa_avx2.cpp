// The GEMM kernels for AVX2 CPUs (8 x int32 lanes, hardware gathers). Only called after the driver has
// checked the CPU (__builtin_cpu_supports); nothing in this file runs at static-initialization time.
#include <cstdint>

#include "sim/gemm_internal.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,bmi,bmi2,popcnt,lzcnt,fma")

namespace logmac::gemm_detail {
namespace {
constexpr int kVectorBytes = 32;
}  // namespace
}  // namespace logmac::gemm_detail

#include "sim/gemm_kernels.hpp"

namespace logmac::gemm_detail {
namespace {

v32 gather32(const std::int32_t* t, v32 idx) {
  return reinterpret_cast<v32>(_mm256_i32gather_epi32(t, reinterpret_cast<__m256i>(idx), 4));
}
v64 gather64(const std::int64_t* t, v32h idx) {
  return reinterpret_cast<v64>(
      _mm256_i32gather_epi64(reinterpret_cast<const long long*>(t), reinterpret_cast<__m128i>(idx), 8));
}
v64 mul64(v64 a, v64 b) {
  return reinterpret_cast<v64>(_mm256_mul_epi32(reinterpret_cast<__m256i>(a), reinterpret_cast<__m256i>(b)));
}

}  // namespace

constinit const KernelSet kKernelsAvx2 = make_kernel_set("avx2");

}  // namespace logmac::gemm_detail

#pragma GCC pop_options

#else
constinit const logmac::gemm_detail::KernelSet logmac::gemm_detail::kKernelsAvx2{};  // not an x86-64 build
#endif
