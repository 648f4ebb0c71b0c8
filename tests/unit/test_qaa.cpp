// QAA-LNS compatibility: lns:w=W,f=F,delta=pwl:qaa reproduces the authors' published simulator bit for
// bit. The reference here re-reads the published CSV with its own parser and applies the published rules.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "reference.hpp"
#include "sim/registry.hpp"
#include "sim/workload.hpp"

using namespace logmac;

namespace {

struct QaaSeg {
  long long ub, c;
  int s;
};

// The published rules: values x 2^f truncated toward zero; first segment with ub >= d; none -> 0.
void load_qaa(int w, int f, std::vector<QaaSeg>& plus, std::vector<QaaSeg>& minus) {
  std::ifstream in(std::string(LOGMAC_SOURCE_DIR) + "/sim/tables/qaa_lns_pwl.csv");
  REQUIRE(in);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == 'w') continue;
    std::stringstream ss(line);
    std::string cell[7];
    for (auto& x : cell) std::getline(ss, x, ',');
    if (std::stoi(cell[0]) != w || std::stoi(cell[1]) != f) continue;
    QaaSeg seg{static_cast<long long>(std::trunc(std::stod(cell[4]) * (1 << f))),
               static_cast<long long>(std::trunc(std::stod(cell[6]) * (1 << f))), std::stoi(cell[5])};
    (cell[2] == "plus" ? plus : minus).push_back(seg);
  }
}

long long qaa_delta(const std::vector<QaaSeg>& segs, long long d, bool is_plus) {
  for (const auto& g : segs) {
    if (g.ub < d) continue;
    if (is_plus) return g.c - (d >> g.s);
    return g.c + (g.s < 0 ? d >> -g.s : d << g.s);
  }
  return 0;
}

// x (+) y in the published simulator's arithmetic, on (sign, zero, log) triples.
ref::Lns qaa_add(ref::Lns x, ref::Lns y, long long max, const std::vector<QaaSeg>& plus, const std::vector<QaaSeg>& minus) {
  if (x.zero) return y;
  if (y.zero) return x;
  const long long big = std::max(x.log, y.log), d = std::llabs(x.log - y.log);
  const bool neg = x.log > y.log ? x.neg : y.neg;
  if (x.neg != y.neg && d == 0) return {false, true, 0};
  long long r = big + qaa_delta(x.neg == y.neg ? plus : minus, d, x.neg == y.neg);
  r = ref::clampll(r, -max, max);  // saturates both ways; underflow does not flush
  return {neg, false, r};
}

}  // namespace

TEST_SUITE("qaa") {
  TEST_CASE("hand-computed 16/8 examples") {
    const MacConfig c = parse_spec("lns:w=16,f=8,delta=pwl:qaa");
    const LnsMac m(c);
    // 1 + 1: d = 0, plus seg 0: c = trunc(1.0040773193312456*256) = 257, shift 1 -> log 257 = 0x0101.
    CHECK(m.accumulate(0x0000, 0x0000) == 0x0101);
    // 1 - 2^(-1/256): d = 1, minus seg 1 (ub trunc(0.0192*256) = 4), c = trunc(-8.6519*256) = -2214, shift 7:
    // -2214 + (1 << 7) = -2086 -> log field 16384 - 2086 = 0x37da, sign of the larger operand (+).
    CHECK(m.accumulate(0x0000, 0x8000 | 0x3fff) == 0x37da);
    // x + (-x) = 0 exactly (canonical zero: zero flag only).
    CHECK(m.accumulate(0x0123, 0x8123) == 0x4000);
    // d = 3073 beyond the last breakpoint (12.0 * 256 = 3072): delta = 0, the larger operand is kept.
    // log -3073 is the 14-bit field 16384 - 3073 = 0x33ff.
    CHECK(m.accumulate(0x0000, 0x33ff) == 0x0000);
    // Underflow saturates to -MAX = -8191 (field 0x2001), it does not flush: +2^(-8191/256) plus
    // -2^(-8190/256): d = 1, delta- = -2086, -8190 - 2086 < -8191; the sign is the larger operand's (-).
    CHECK(m.accumulate(0x2001, 0x8000 | 0x2002) == (0x8000 | 0x2001));
  }

  TEST_CASE("published arithmetic, bit for bit, at 16/8 15/7 14/6 13/5") {
    for (auto [w, f] : {std::pair{16, 8}, {15, 7}, {14, 6}, {13, 5}}) {
      const MacConfig c = parse_spec(fmt::format("lns:w={},f={},delta=pwl:qaa", w, f));
      std::vector<QaaSeg> plus, minus;
      load_qaa(w, f, plus, minus);
      REQUIRE(plus.size() == 16);
      REQUIRE(minus.size() == 16);
      const LnsMac m(c);
      const long long max = ref::pow2i(w - 3) - 1;
      Rng rng(static_cast<std::uint64_t>(w));
      long long bad = 0;
      for (int i = 0; i < 400000; ++i) {
        // operands near each other (small d, every segment) and anywhere (large d, saturation)
        const long long lx = static_cast<long long>(rng.below(2 * max + 1)) - max;
        const long long ly = i % 2 ? ref::clampll(lx + static_cast<long long>(rng.below(4000)) - 2000, -max, max)
                                   : static_cast<long long>(rng.below(2 * max + 1)) - max;
        const ref::Lns x{rng.below(2) == 1, rng.below(64) == 0, lx}, y{rng.below(2) == 1, rng.below(64) == 0, ly};
        const u64 px = ref::lns_pattern(x.neg, x.zero, x.log, w), py = ref::lns_pattern(y.neg, y.zero, y.log, w);
        const ref::Lns want = qaa_add(x, y, max, plus, minus);
        const u64 got = m.accumulate(px, py);
        const u64 wantp = ref::lns_pattern(want.neg, want.zero, want.log, w);
        if (got != wantp && bad++ < 3) FAIL_CHECK(fmt::format("w={} x={:x} y={:x}: got {:x} want {:x}", w, px, py, got, wantp));
        // product: saturating log add
        const u64 prod = m.product(px, py);
        const u64 wantprod = (x.zero || y.zero) ? ref::lns_pattern(false, true, 0, w)
                                                : ref::lns_pattern(x.neg != y.neg, false, ref::clampll(lx + ly, -max, max), w);
        if (prod != wantprod && bad++ < 3) FAIL_CHECK(fmt::format("w={} product x={:x} y={:x}", w, px, py));
      }
      CHECK(bad == 0);
    }
  }
}
