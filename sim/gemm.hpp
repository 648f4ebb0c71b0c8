// Array operations of one MAC spec: a bit-true, multi-threaded GEMM over code matrices, element-wise MAC
// steps, and float <-> code conversions. Every result is exactly what the scalar model (sim/models) gives:
// an output of the GEMM is the accumulator code of the dot product taken in k order (CLR with the product
// of k = 0, then accumulate k = 1..K-1).
//
// Code arrays are row-major and contiguous; their elements are the narrowest unsigned integer type of
// 8, 16, 32 or 64 bits that holds a code (code_type()). Codes are checked: a bit above the format's width
// is an error (std::invalid_argument naming the operand and the element), never silently masked.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "sim/bits.hpp"
#include "sim/config.hpp"

namespace logmac {

// Element type of a code array, by its size in bytes.
enum class CodeType : std::uint8_t { U8 = 1, U16 = 2, U32 = 4, U64 = 8 };
CodeType code_type(int bits);  // the narrowest of U8..U64 holding `bits` bits
inline int code_bytes(CodeType t) { return static_cast<int>(t); }
const char* code_type_name(CodeType t);  // "uint8", ... (numpy's names)

// Which inner kernels run the GEMM. Auto picks the widest SIMD the CPU has (AVX-512, AVX2, portable);
// Reference evaluates every output with the scalar model, one dot product at a time (the specification).
enum class GemmKernel { Auto, Avx512, Avx2, Portable, Reference };
const char* gemm_kernel_name(GemmKernel k);
bool gemm_kernel_supported(GemmKernel k);  // compiled in and supported by this CPU
GemmKernel gemm_kernel_best();             // what Auto resolves to on this CPU

struct GemmOptions {
  int threads = 0;  // 0: all cores
  GemmKernel kernel = GemmKernel::Auto;
};

// What a GEMM call did (for benchmarks and tests).
struct GemmReport {
  GemmKernel kernel = GemmKernel::Auto;  // the kernel set that ran
  const char* path = "";                 // inner kernel: "lns", "int32", "int64", "table32", "table64", "model"
  bool clamped = false;                  // a per-step clamp ran (false: proven unnecessary, or wrapping)
  int threads = 1;                       // threads used
};

class ArrayMac {
 public:
  explicit ArrayMac(const MacConfig& c);  // keeps a copy of c (sharing its tables)
  ~ArrayMac();
  ArrayMac(ArrayMac&&) noexcept;
  ArrayMac& operator=(ArrayMac&&) noexcept;

  const MacConfig& config() const;
  CodeType type_a() const;
  CodeType type_b() const;
  CodeType type_acc() const;  // also the type of products (an accumulator after a CLR step)

  // C (m x n) = A (m x k) . B (k x n), accumulator codes. k >= 1. Throws std::invalid_argument for k < 1 or
  // a code out of range ("a[3, 5] = 0x1234 ...").
  GemmReport matmul(const void* a, const void* b, void* c, i64 m, i64 n, i64 k, const GemmOptions& opt = {}) const;
  template <class TA, class TB, class TC>
  GemmReport matmul(const TA* a, const TB* b, TC* c, i64 m, i64 n, i64 k, const GemmOptions& opt = {}) const {
    check_types(sizeof(TA), sizeof(TB), sizeof(TC), std::is_unsigned_v<TA> && std::is_unsigned_v<TB> &&
                                                        std::is_unsigned_v<TC>);
    return matmul(static_cast<const void*>(a), static_cast<const void*>(b), static_cast<void*>(c), m, n, k, opt);
  }

  // Element-wise MAC steps over n elements, threaded. An input with stride 0 is one element used for all
  // (a scalar); stride 1 is an array of n. Outputs may alias inputs of the same type and stride 1.
  //   product:    out = the accumulator after a CLR step with a, b     (a: A codes, b: B codes)
  //   accumulate: out = acc + p, in the accumulator's arithmetic      (acc, p: accumulator codes)
  //   mac:        out = acc + a*b                                      (acc: accumulator codes)
  void product(const void* a, i64 a_stride, const void* b, i64 b_stride, void* out, i64 n, int threads = 0) const;
  void accumulate(const void* acc, i64 acc_stride, const void* p, i64 p_stride, void* out, i64 n,
                  int threads = 0) const;
  void mac(const void* acc, i64 acc_stride, const void* a, i64 a_stride, const void* b, i64 b_stride, void* out,
           i64 n, int threads = 0) const;

  // Conversions (the models' encode_a/encode_b: nearest, saturating; value_a/_b/_acc), threaded.
  enum class Operand { A, B, Acc };
  void encode(Operand which, const double* x, void* codes, i64 n, int threads = 0) const;  // A or B
  void decode(Operand which, const void* codes, double* x, i64 n, int threads = 0) const;
  // The values an operand or the accumulator can hold: most negative, largest, smallest positive magnitude
  // (from the model's decoder over every code up to 24 bits; a wider linear accumulator from its extremes).
  struct ValueRange {
    double min = 0, max = 0, tiny = 0;
  };
  ValueRange value_range(Operand which, int threads = 0) const;
  // Index of the first code with bits above the operand's width, or -1.
  i64 find_bad_code(Operand which, const void* codes, i64 n) const;
  int bits(Operand which) const;
  CodeType type(Operand which) const;

 private:
  void check_types(std::size_t a, std::size_t b, std::size_t c, bool all_unsigned) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace logmac
