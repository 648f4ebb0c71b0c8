// Number formats: every code decodes and re-encodes to itself, encoding is monotone, and rounding,
// saturation, zero and flush agree with a brute-force nearest-code search.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "reference.hpp"
#include "sim/registry.hpp"
#include "sim/workload.hpp"

using namespace logmac;

namespace {

enum class Domain { Linear, Log };

// Operand side of a model: its codes, decoder and encoder.
struct Side {
  int bits;
  std::function<double(u64)> value;
  std::function<u64(double)> encode;
  Domain domain;
};

template <class M>
std::vector<Side> sides(const M& m, const MacConfig& c, Domain da, Domain db) {
  return {{c.wa, [&m](u64 x) { return m.value_a(x); }, [&m](double x) { return m.encode_a(x); }, da},
          {c.wb, [&m](u64 x) { return m.value_b(x); }, [&m](double x) { return m.encode_b(x); }, db}};
}

// Distance used for "nearest": linear, or log2 of the magnitude (values of opposite sign never tie).
double dist(double x, double v, Domain d) {
  if (d == Domain::Linear) return std::fabs(x - v);
  if (x == 0 || v == 0) return x == v ? 0 : INFINITY;
  if ((x < 0) != (v < 0)) return INFINITY;
  return std::fabs(std::log2(std::fabs(x)) - std::log2(std::fabs(v)));
}

void check_side(const MacConfig& c, const Side& s, bool unique_codes, bool roundtrip = true) {
  INFO(c.canonical(), " side of ", s.bits, " bits");
  std::vector<double> values;
  for (u64 x = 0; x < (u64{1} << s.bits); ++x) values.push_back(s.value(x));
  // Round trip: every code re-encodes to a code of the same value (to itself where codes are unique).
  int bad = 0;
  for (u64 x = 0; roundtrip && x < values.size(); ++x) {
    const u64 y = s.encode(values[x]);
    const bool ok = unique_codes ? (y == x || values[y] == values[x]) : values[y] == values[x];
    if (!ok && bad++ < 3) FAIL_CHECK(fmt::format("code {:x} (value {}) re-encodes to {:x} (value {})", x, values[x], y, values[y]));
  }
  // Monotone: a fine sweep of reals encodes to non-decreasing values.
  double lo = 0, hi = 0;
  for (double v : values) lo = std::min(lo, v), hi = std::max(hi, v);
  double prev = -INFINITY;
  for (int i = 0; i <= 20000; ++i) {
    const double x = (lo - 0.25 * std::fabs(lo)) + (hi - lo + 0.25 * (std::fabs(lo) + std::fabs(hi))) * i / 20000.0;
    const double v = values[s.encode(x)];
    if (v < prev && bad++ < 3) FAIL_CHECK(fmt::format("not monotone at x={}: {} after {}", x, v, prev));
    prev = v;
  }
  // Nearest (or saturated / flushed) against a brute-force search over every value the encoder can
  // produce (lns log codes below -MAX are accepted as inputs but never produced).
  std::vector<double> reachable;
  for (double v : values)
    if (values[s.encode(v)] == v) reachable.push_back(v);
  values.swap(reachable);
  Rng rng(42);
  const double maxmag = std::max(std::fabs(lo), std::fabs(hi));
  double minmag = INFINITY;
  for (double v : values)
    if (v != 0) minmag = std::min(minmag, std::fabs(v));
  const int samples = s.bits > 12 ? 3000 : 20000;
  for (int i = 0; i < samples; ++i) {
    // log-uniform magnitudes from well below the smallest to well above the largest
    const double mag = std::exp2(std::log2(minmag) - 3 + (std::log2(maxmag) - std::log2(minmag) + 6) * rng.uniform());
    const double x = (rng.below(2) && lo < 0) ? -mag : mag;
    const double got = s.value(s.encode(x));
    double best = INFINITY;
    for (double v : values) best = std::min(best, dist(x, v, s.domain));
    const bool saturated = std::fabs(x) >= maxmag && std::fabs(got) == maxmag;
    // Log formats flush values below the smallest code's rounding interval to zero.
    const bool flushed = s.domain == Domain::Log && got == 0 && std::fabs(x) < minmag;
    const bool nearest = dist(x, got, s.domain) <= best * (1 + 1e-12) + 1e-300;
    if (!(nearest || saturated || flushed) && bad++ < 3)
      FAIL_CHECK(fmt::format("encode({}) = {} but a nearer code exists (distance {} vs {})", x, got,
                             dist(x, got, s.domain), best));
  }
  CHECK(bad == 0);
  CHECK(s.value(s.encode(0.0)) == 0.0);
  CHECK(s.value(s.encode(1e300)) == hi);
  CHECK(s.value(s.encode(-1e300)) == lo);
}

}  // namespace

TEST_SUITE("formats") {
  TEST_CASE("fxp codes") {
    for (const char* spec : {"fxp:w=16", "fxp:w=9,f=3", "fxp:w=2"}) {
      const MacConfig c = parse_spec(spec);
      const FxpMac m(c);
      for (const auto& s : sides(m, c, Domain::Linear, Domain::Linear)) check_side(c, s, true);
      // Decoding against arithmetic: value = twos / 2^f.
      for (u64 x = 0; x < (u64{1} << c.w); x += 7)
        CHECK(m.value_a(x) == std::ldexp(static_cast<double>(ref::twos(x, c.w)), -c.f));
    }
  }

  TEST_CASE("pot and apot weight codes") {
    for (const char* spec : {"pot:w=8,we=4", "pot:w=6,we=2", "apot:w=8,we=3", "apot:w=6,we=4"}) {
      const MacConfig c = parse_spec(spec);
      with_model(c, [&](const auto& m) {
        const auto ss = sides(m, c, Domain::Linear, c.variant == "pot" ? Domain::Log : Domain::Linear);
        check_side(c, ss[0], true);
        check_side(c, ss[1], c.variant == "pot");  // apot has several codes per value (e1/e2 swapped)
        return 0;
      });
    }
  }

  TEST_CASE("log2lin codes") {
    for (const char* spec : {"log2lin:w=8,f=1", "log2lin:w=6,f=0,signed=0", "log2lin:w=10,f=3,fsr=4"}) {
      const MacConfig c = parse_spec(spec);
      const Log2LinMac m(c);
      // Negative zero (sign set, code 0) re-encodes to +0: same value.
      for (const auto& s : sides(m, c, Domain::Log, Domain::Log)) check_side(c, s, true);
      // Decoding against the LogQuant definition: log2|x| = fsr - 1 - (cmax - c) / 2^f.
      const int mb = c.w - c.is_signed;
      const long long cmax = ref::pow2i(mb) - 1;
      for (u64 x = 1; x < (u64{1} << mb); ++x)
        CHECK(m.value_a(x) == doctest::Approx(std::exp2(c.fsr - 1 - static_cast<double>(cmax - static_cast<long long>(x)) / (1 << c.f))).epsilon(1e-12));
    }
  }

  TEST_CASE("lns codes") {
    for (const char* spec : {"lns:w=16,f=8", "lns:w=10,f=3", "lns:w=6,f=0"}) {
      const MacConfig c = parse_spec(spec);
      const LnsMac m(c);
      const LnsFormat& lf = m.lf;
      // Non-canonical zeros (zero flag with other bits) and the log -2^(w-3) (outside +-MAX) are inputs
      // the hardware accepts but never produces; they decode as 0 and as 2^(-(MAX+1)/2^f).
      for (u64 x = 0; x < (u64{1} << c.w); ++x) {
        const auto r = ref::lns_fields(x, c.w);
        if (r.zero) {
          CHECK(m.value_a(x) == 0.0);
          continue;
        }
        const double want = (r.neg ? -1 : 1) * std::exp2(static_cast<double>(r.log) / (1 << c.f));
        CHECK(m.value_a(x) == doctest::Approx(want).epsilon(1e-12));
        if (r.log >= -lf.max) CHECK(m.encode_a(m.value_a(x)) == x);
      }
      for (const auto& s : sides(m, c, Domain::Log, Domain::Log)) check_side(c, s, false, false);
      // Infinities saturate like any value beyond the largest magnitude; NaN has no code (zero).
      const double inf = std::numeric_limits<double>::infinity();
      CHECK(m.encode_a(inf) == lf.make(false, lf.max));
      CHECK(m.encode_a(-inf) == lf.make(true, lf.max));
      CHECK(m.encode_a(inf) == m.encode_a(1e300));
      CHECK(m.encode_a(std::nan("")) == lf.zero());
    }
  }
}
