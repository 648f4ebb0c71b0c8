// Product step of every variant, exhaustively over operand pairs of up to 20 input bits, against the
// independent reference arithmetic of reference.hpp.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "reference.hpp"
#include "sim/registry.hpp"

using namespace logmac;

namespace {

// Runs check(a, b, product) over every (a, b) of the spec; reports the first mismatch.
template <class M, class F>
void for_all_pairs(const MacConfig& c, F&& check) {
  REQUIRE(c.input_bits() <= 20);
  const M m(c);
  long long bad = 0;
  for (u64 a = 0; a < (u64{1} << c.wa); ++a)
    for (u64 b = 0; b < (u64{1} << c.wb); ++b) {
      const std::string why = check(m, a, b);
      if (!why.empty() && bad++ < 3) FAIL_CHECK(fmt::format("{} a={:x} b={:x}: {}", c.canonical(), a, b, why));
    }
  CHECK(bad == 0);
}

// Product in accumulator LSB as the hardware forms it: truncate toward zero below the LSB, saturate
// the magnitude at the accumulator's largest value. `num / 2^den_bits` is the exact real product.
long long to_acc(ref::i128 num, int den_bits, int facc, int wacc, bool neg) {
  const int sh = facc - den_bits;
  ref::i128 mag = num;
  if (sh >= 0) {
    for (int i = 0; i < sh && mag < (ref::i128{1} << 100); ++i) mag *= 2;
  } else {
    for (int i = 0; i < -sh && mag > 0; ++i) mag /= 2;
  }
  const ref::i128 hi = (ref::i128{1} << (wacc - 1)) - 1;
  if (mag > hi) mag = hi;
  return static_cast<long long>(neg ? -mag : mag);
}

}  // namespace

TEST_SUITE("products") {
  TEST_CASE("fxp: exact two's-complement product") {
    for (const char* s : {"fxp:w=10", "fxp:w=7,f=3", "fxp:w=2"}) {
      const MacConfig c = parse_spec(s);
      for_all_pairs<FxpMac>(c, [&](const FxpMac& m, u64 a, u64 b) -> std::string {
        const long long want = ref::twos(a, c.w) * ref::twos(b, c.w);
        return m.product(a, b) == want ? "" : fmt::format("got {} want {}", m.product(a, b), want);
      });
    }
  }

  TEST_CASE("pot and apot: shifted activations, exact") {
    for (const char* s : {"pot:w=12,we=3", "pot:w=8,we=4,f=4", "pot:w=6,we=1", "apot:w=10,we=3", "apot:w=6,we=4"}) {
      const MacConfig c = parse_spec(s);
      const int M = (1 << c.we) - 1;
      auto weight_num = [&](u64 b) {  // weight * 2^(M-1), from the code by arithmetic
        const long long base = ref::pow2i(c.we);
        long long v = 0, rest = static_cast<long long>(b);
        const int terms = c.variant == "apot" ? 2 : 1;
        for (int t = 0; t < terms; ++t, rest /= base) {
          const long long e = rest % base;
          if (e) v += ref::pow2i(M - static_cast<int>(e));
        }
        return rest % 2 ? -v : v;
      };
      auto check = [&](const auto& m, u64 a, u64 b) -> std::string {
        // a has f fraction bits, the weight M-1: the product has f+M-1 = facc fraction bits.
        const long long want = ref::twos(a, c.w) * weight_num(b);
        return m.product(a, b) == want ? "" : fmt::format("got {} want {}", m.product(a, b), want);
      };
      if (c.variant == "pot") for_all_pairs<PotMac>(c, check);
      else for_all_pairs<ApotMac>(c, check);
    }
  }

  TEST_CASE("log2lin: 2^((La+Lb)/2^f) with rounded constants, truncated and saturated into the accumulator") {
    for (const char* s : {"log2lin:w=8,f=0", "log2lin:w=8,f=1", "log2lin:w=10,f=2,signed=0,fsr=3",
                          "log2lin:w=9,f=3,sqrt2bits=5,facc=9,wacc=20", "log2lin:w=6,f=1,fsr=-2",
                          "log2lin:w=8,f=1,wacc=12,facc=6",
                          "log2lin:w=4,f=2,fsr=5,sqrt2bits=6,facc=0,wacc=4"}) {
      const MacConfig c = parse_spec(s);
      const int m = c.w - c.is_signed, t = c.f ? c.sqrt2bits : 0;
      const long long cmax = ref::pow2i(m) - 1, scale = ref::pow2i(c.f);
      for_all_pairs<Log2LinMac>(c, [&](const Log2LinMac& mac, u64 a, u64 b) -> std::string {
        const long long ca = static_cast<long long>(a) % (cmax + 1), cb = static_cast<long long>(b) % (cmax + 1);
        long long want = 0;
        if (ca && cb) {
          const long long e = 2 * (c.fsr - 1) * scale - (cmax - ca) - (cmax - cb);  // units 2^-f
          const long long k = e >= 0 ? e / scale : -((-e + scale - 1) / scale);   // floor
          const long long r = e - k * scale;
          // constant 2^(r/2^f) rounded to t fraction bits, computed in quad precision
          const long long cr = static_cast<long long>(roundq(ref::exp2q_(static_cast<ref::f128>(r) / scale) * ref::pow2i(t)));
          const bool neg = c.is_signed && ((a >> m) ^ (b >> m)) % 2;
          // value = cr * 2^(k - t): numerator cr, shifted by k, denominator 2^t
          ref::i128 num = cr;
          int den = t;
          if (k >= 0) den -= static_cast<int>(k);
          else den += static_cast<int>(-k);
          want = to_acc(num, den, c.facc, c.wacc, neg);
        }
        return mac.product(a, b) == want ? "" : fmt::format("got {} want {}", mac.product(a, b), want);
      });
    }
  }

  TEST_CASE("lns: saturating log add, sign xor, zero flag") {
    for (const char* s : {"lns:w=10,f=4", "lns:w=8,f=2", "lns:w=5,f=0", "lns:w=10,f=7"}) {
      const MacConfig c = parse_spec(s);
      const long long max = ref::pow2i(c.w - 3) - 1;
      for_all_pairs<LnsMac>(c, [&](const LnsMac& mac, u64 a, u64 b) -> std::string {
        const auto x = ref::lns_fields(a, c.w), y = ref::lns_fields(b, c.w);
        const u64 want = (x.zero || y.zero)
                             ? ref::lns_pattern(false, true, 0, c.w)
                             : ref::lns_pattern(x.neg != y.neg, false, ref::clampll(x.log + y.log, -max, max), c.w);
        return mac.product(a, b) == want ? "" : fmt::format("got {:x} want {:x}", mac.product(a, b), want);
      });
    }
  }

  TEST_CASE("lns2lin: saturated log product, 2^frac mantissa, shifted into the accumulator") {
    for (const char* s : {"lns2lin:w=10,f=4", "lns2lin:w=8,f=2,fexp=5", "lns2lin:w=10,f=6,fexp=3",
                          "lns2lin:w=8,f=3,exp2=mitchell", "lns2lin:w=9,f=2,exp2=mitchell,fexp=6",
                          "lns2lin:w=10,f=4,wacc=16,facc=4",
                          "lns2lin:w=7,f=1,fexp=5,facc=0,wacc=5"}) {
      const MacConfig c = parse_spec(s);
      const long long max = ref::pow2i(c.w - 3) - 1, scale = ref::pow2i(c.f);
      const int ti = std::min(c.f, c.fexp);
      for_all_pairs<Lns2LinMac>(c, [&](const Lns2LinMac& mac, u64 a, u64 b) -> std::string {
        const auto x = ref::lns_fields(a, c.w), y = ref::lns_fields(b, c.w);
        long long want = 0;
        if (!x.zero && !y.zero) {
          const long long l = ref::clampll(x.log + y.log, -max, max);
          const long long k = l >= 0 ? l / scale : -((-l + scale - 1) / scale);
          const long long fr = l - k * scale;  // 0 .. 2^f-1
          long long mant;
          if (c.exp2 == kExp2Mitchell) {
            mant = ref::pow2i(c.fexp) + (c.fexp >= c.f ? fr * ref::pow2i(c.fexp - c.f) : fr / ref::pow2i(c.f - c.fexp));
          } else {
            const long long idx = fr / ref::pow2i(c.f - ti);
            mant = static_cast<long long>(
                roundq(ref::exp2q_(static_cast<ref::f128>(idx) / ref::pow2i(ti)) * ref::pow2i(c.fexp)));
          }
          int den = c.fexp - static_cast<int>(k);
          want = to_acc(mant, den, c.facc, c.wacc, x.neg != y.neg);
        }
        return mac.product(a, b) == want ? "" : fmt::format("got {} want {}", mac.product(a, b), want);
      });
    }
  }
}
