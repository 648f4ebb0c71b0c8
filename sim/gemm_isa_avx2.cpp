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
typedef std::int32_t v32 __attribute__((vector_size(kVectorBytes)));
typedef std::uint32_t u32v __attribute__((vector_size(kVectorBytes)));
typedef std::int64_t v64 __attribute__((vector_size(kVectorBytes)));
typedef std::uint64_t u64v __attribute__((vector_size(kVectorBytes)));
typedef std::int32_t v32h __attribute__((vector_size(kVectorBytes / 2)));

inline v32 gather32(const std::int32_t* t, v32 idx) {
  return reinterpret_cast<v32>(_mm256_i32gather_epi32(t, reinterpret_cast<__m256i>(idx), 4));
}
inline v64 gather64(const std::int64_t* t, v32h idx) {
  return reinterpret_cast<v64>(
      _mm256_i32gather_epi64(reinterpret_cast<const long long*>(t), reinterpret_cast<__m128i>(idx), 8));
}
inline v64 mul64(v64 a, v64 b) {
  return reinterpret_cast<v64>(_mm256_mul_epi32(reinterpret_cast<__m256i>(a), reinterpret_cast<__m256i>(b)));
}

}  // namespace
}  // namespace logmac::gemm_detail

#include "sim/gemm_kernels.hpp"

namespace logmac::gemm_detail {
constinit const KernelSet kKernelsAvx2 = make_kernel_set("avx2");
}  // namespace logmac::gemm_detail

#pragma GCC pop_options

#else
namespace logmac::gemm_detail {
const KernelSet kKernelsAvx2 = {"avx2", 0, nullptr, nullptr, nullptr, nullptr, nullptr};
}  // namespace logmac::gemm_detail
#endif
