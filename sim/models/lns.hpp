// Full LNS MAC (after Hamad et al.). An operand and the accumulator are w bits, MSB to LSB:
//   sign (1 = negative), zero flag (1 = zero), (w-2)-bit two's-complement log2|x| with f fraction bits.
// The log saturates at +-MAX, MAX = 2^(w-3) - 1 LSB. Multiply: saturating add of logs, xor of signs.
// Accumulate: x (+) y = max(X, Y) + delta(d), d = |X - Y|; delta_plus for equal signs, delta_minus for
// opposite signs; opposite signs with d = 0 give exact zero; the sign is that of the larger log.
#pragma once
#include <memory>

#include "sim/config.hpp"
#include "sim/delta.hpp"

namespace logmac {

// Operand/accumulator layout of the lns and lns2lin variants.
struct LnsFormat {
  int w, f, lw;  // lw = w - 2 log bits
  i64 max;       // MAX
  explicit LnsFormat(int w_, int f_) : w(w_), f(f_), lw(w_ - 2), max((i64{1} << (w_ - 3)) - 1) {}

  // The largest |X - Y| of two logs in [-MAX, MAX]: the largest d the accumulator's delta(d) can see.
  i64 max_d() const { return 2 * max; }
  u64 zero() const { return u64{1} << lw; }
  bool is_zero(u64 x) const { return (x >> lw) & 1; }
  bool sign(u64 x) const { return (x >> (lw + 1)) & 1; }
  i64 log(u64 x) const { return sext(x, lw); }
  u64 make(bool s, i64 l) const { return (u64{s} << (lw + 1)) | (static_cast<u64>(l) & mask(lw)); }
  // Product code: saturating log add, sign xor; zero if either operand is zero.
  u64 mul(u64 a, u64 b) const {
    if (is_zero(a) || is_zero(b)) return zero();
    return make(sign(a) ^ sign(b), clamp(log(a) + log(b), -max, max));
  }
  // x (+) y of two nonzero operands: the larger log, d = |X - Y|, which delta function it looks up (plus for
  // equal signs) and the result's sign (that of the larger log). LnsMac::accumulate and anything that needs to
  // know which delta(d) an accumulation looks up (the PWL optimizer's workload weights) share it.
  struct AddStep {
    i64 big, d;
    bool plus, sign;
  };
  AddStep add_step(u64 x, u64 y) const {
    const i64 lx = log(x), ly = log(y);
    const bool sx = sign(x), sy = sign(y);
    return {lx > ly ? lx : ly, lx > ly ? lx - ly : ly - lx, sx == sy, lx > ly ? sx : sy};
  }
  double value(u64 x) const;
  u64 encode(double x) const;  // nearest in the log domain; above MAX (and ±inf) saturates, below -MAX -> zero, NaN -> zero
};

struct LnsMac {
  static const VariantInfo& info();
  using Product = u64;

  LnsFormat lf;
  bool flush;
  // The model shares ownership of the config's delta tables (a model may outlive its config, e.g.
  // LnsMac m(parse_spec(...))); the hot path reads them through the raw pointers.
  std::shared_ptr<const DeltaUnit> delta_unit;
  const std::int32_t* plus;
  const std::int32_t* minus;
  i64 dsize;
  explicit LnsMac(const MacConfig& c);

  Product product(u64 a, u64 b) const { return lf.mul(a, b); }
  u64 reset() const { return lf.zero(); }  // the accumulator resets to zero
  u64 first(Product p) const { return p; }
  u64 accumulate(u64 acc, Product p) const {
    if (lf.is_zero(p)) return acc;
    if (lf.is_zero(acc)) return p;
    const LnsFormat::AddStep st = lf.add_step(acc, p);
    i64 r;
    if (st.plus) {
      r = st.big + (st.d < dsize ? plus[st.d] : 0);
    } else {
      if (st.d == 0) return lf.zero();
      r = st.big + (st.d < dsize ? minus[st.d] : 0);
    }
    if (r > lf.max) r = lf.max;
    if (r < -lf.max) {
      if (flush) return lf.zero();
      r = -lf.max;
    }
    return lf.make(st.sign, r);
  }

  double value_a(u64 a) const { return lf.value(a); }
  double value_b(u64 b) const { return lf.value(b); }
  double value_acc(u64 s) const { return lf.value(s); }
  u64 encode_a(double x) const { return lf.encode(x); }
  u64 encode_b(double x) const { return lf.encode(x); }
};

// Defaults and checks shared by lns and lns2lin: w, f.
void derive_lns_format(MacConfig& c);

}  // namespace logmac
