// Deterministic random numbers, neural-network-like operand streams, and the accuracy of a MAC on them.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/bits.hpp"
#include "sim/config.hpp"
#include "sim/registry.hpp"

namespace logmac {

// xoshiro256** seeded by splitmix64: the same stream on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double gaussian();                                                           // N(0, 1)

 private:
  std::uint64_t s_[4];
  bool have_spare_ = false;
  double spare_ = 0;
};

// `count` dot products of `terms` terms: a = activations ReLU(N(0, 0.5^2)), b = weights N(0, 0.25^2),
// both clipped to [-1, 1) so that every format of the sweep can represent them.
struct DotWorkload {
  int count = 0, terms = 0;
  std::vector<double> a, b;  // count * terms each
};
DotWorkload make_nn_workload(int count, int terms, std::uint64_t seed);
// Signed, heavy-tailed data like a backward pass (error x weight): a ~ Laplace(0, 1/8), b ~ N(0, 0.25^2),
// both clipped to [-1, 1).
DotWorkload make_heavy_workload(int count, int terms, std::uint64_t seed);

struct Accuracy {
  double nrmse = 0;          // RMS(y - ref) / RMS(ref), ref = double-precision dot product of the real data
  double worst = 0;          // max |y - ref| / RMS(ref)
  double arith_nrmse = 0;    // the same against the exact sum of the quantized operands: arithmetic alone
  double arith_worst = 0;
  long long macs = 0;
};

template <class M>
u64 run_dot(const M& m, const u64* a, const u64* b, int n) {
  u64 acc = m.first(m.product(a[0], b[0]));
  for (int i = 1; i < n; ++i) acc = m.accumulate(acc, m.product(a[i], b[i]));
  return acc;
}

Accuracy measure_accuracy(const MacConfig& c, const DotWorkload& wl);

// The built-in sweep of `make demo`: each variant at 8, 12 and 16 bits.
std::vector<std::string> default_sweep();
// One spec per variant, for benchmarks and the golden RTL set.
std::vector<std::string> canonical_set();

}  // namespace logmac
