// Test vectors (TestFloat style): stimulus lines `CLR A B` and the golden model's accumulator after each.
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/config.hpp"
#include "sim/registry.hpp"

namespace logmac {

struct Stim {
  bool clr;
  u64 a, b;
};
using StimSink = std::function<void(const Stim&)>;

// Largest a+b input width for which exhaustive enumeration is offered.
constexpr int kMaxExhaustiveBits = 24;

// Every (a, b) pair with clr = 1 (the product path). For lns also every (acc, y) pair through the
// accumulate path: `1 X ONE` loads acc = X, then `0 Y ONE` adds Y. Throws SpecError if too wide.
long long exhaustive_count(const MacConfig& c);
void exhaustive_stimulus(const MacConfig& c, const StimSink& sink);

// n lines: dot-product streams of random length 1..1024 (clr on the first term), operands from
// neural-network-like data, uniform codes and corners (zero, largest/smallest magnitude, saturation,
// exact cancellation), deterministic for a seed.
void random_stimulus(const MacConfig& c, long long n, std::uint64_t seed, const StimSink& sink);

// Streams the golden model over stimulus: calls out(stim, acc_after) per line, starting from reset.
class GoldenRunner {
 public:
  explicit GoldenRunner(const MacConfig& c);
  u64 reset_value() const { return reset_; }
  u64 step(const Stim& s);  // returns the accumulator after this line
  u64 acc() const { return acc_; }
  void reset() { acc_ = reset_; }

 private:
  AnyModel model_;
  u64 reset_, acc_;
};

// One vector-file line. Returns false for blank and comment lines. Throws VectorError naming the problem.
struct VectorError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct VectorLine {
  Stim stim;
  bool has_expected = false;
  u64 expected = 0;
};
bool parse_vector_line(std::string_view line, const MacConfig& c, VectorLine& out);

std::string hex(u64 v, int bits);                 // zero-padded to the width
std::string vector_header(const MacConfig& c);    // `# logmac vectors ...` lines the benches read

}  // namespace logmac
