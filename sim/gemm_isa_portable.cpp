// The GEMM kernels for any CPU: 16-byte vectors (SSE2 on x86-64, whatever the compiler has elsewhere) and
// gathers done lane by lane. The baseline when neither AVX2 nor AVX-512 is available.
#include <cstdint>

#include "sim/gemm_internal.hpp"

namespace logmac::gemm_detail {
namespace {

constexpr int kVectorBytes = 16;
typedef std::int32_t v32 __attribute__((vector_size(kVectorBytes)));
typedef std::uint32_t u32v __attribute__((vector_size(kVectorBytes)));
typedef std::int64_t v64 __attribute__((vector_size(kVectorBytes)));
typedef std::uint64_t u64v __attribute__((vector_size(kVectorBytes)));
typedef std::int32_t v32h __attribute__((vector_size(kVectorBytes / 2)));

inline v32 gather32(const std::int32_t* t, v32 idx) {
  v32 r;
  for (int i = 0; i < kVectorBytes / 4; ++i) r[i] = t[idx[i]];
  return r;
}
inline v64 gather64(const std::int64_t* t, v32h idx) {
  v64 r;
  for (int i = 0; i < kVectorBytes / 8; ++i) r[i] = t[idx[i]];
  return r;
}
inline v64 mul64(v64 a, v64 b) { return reinterpret_cast<v64>(reinterpret_cast<u64v>(a) * reinterpret_cast<u64v>(b)); }

}  // namespace
}  // namespace logmac::gemm_detail

#include "sim/gemm_kernels.hpp"

namespace logmac::gemm_detail {
const KernelSet kKernelsPortable = make_kernel_set("portable");
}  // namespace logmac::gemm_detail
