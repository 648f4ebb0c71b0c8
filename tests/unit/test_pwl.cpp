// Optimized PWL delta tables (pwl/): checked against brute force, a uniform fit, the published tables,
// and the model (a written table read back through make_delta_unit gives the same value at every d).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "sim/config.hpp"
#include "sim/delta.hpp"
#include "pwl/pwl.hpp"

using namespace logmac;

namespace {

// Reference functions, written here independently of sim/delta.cpp (LSB units, long double).
long double ref_delta(bool plus, long long d, int f) {
  const long double x = std::ldexp(static_cast<long double>(d), -f);
  return std::ldexp(plus ? std::log2(1 + std::exp2(-x)) : std::log2(1 - std::exp2(-x)), f);
}

// The paper's segment formula with shift s (plus: c - (d >> s); minus: c + (s < 0 ? d >> -s : d << s)).
long long ref_segment(bool plus, int s, long long c, long long d) {
  if (plus) return c - (d >> s);
  return c + (s < 0 ? d >> -s : d << s);
}

// Worst |error| of one segment (shift s, best integer intercept) over [lo, hi], by scanning intercepts.
struct Best {
  long double err = std::numeric_limits<long double>::infinity();
  int s = 0;
  long long c = 0;
};
Best best_segment(bool plus, int f, long long lo, long long hi, int s_lo, int s_hi) {
  Best b;
  for (int s = s_lo; s <= s_hi; ++s) {
    long double rmin = 1e30L, rmax = -1e30L;
    for (long long d = lo; d <= hi; ++d) {
      const long double r = ref_delta(plus, d, f) - static_cast<long double>(ref_segment(plus, s, 0, d));
      rmin = std::min(rmin, r);
      rmax = std::max(rmax, r);
    }
    for (long long c = static_cast<long long>(std::floor(rmin)) - 1; c <= static_cast<long long>(std::ceil(rmax)) + 1;
         ++c) {
      const long double e = std::max(static_cast<long double>(c) - rmin, rmax - static_cast<long double>(c));
      if (e < b.err) b = {e, s, c};
    }
  }
  return b;
}

// Worst |error| over [lo, hi] of the tail beyond bp, where the table is 0.
long double tail_error(bool plus, int f, long long from, long long hi) {
  long double e = 0;
  for (long long d = from; d <= hi; ++d) e = std::max(e, std::fabs(ref_delta(plus, d, f)));
  return e;
}

pwl::Options opts(int w, int f, int k, pwl::Slopes sl = pwl::Slopes::P2) {
  pwl::Options o;
  o.w = w;
  o.f = f;
  o.k = k;
  o.slopes = sl;
  o.seed = 1;
  return o;
}

struct Published {
  pwl::ErrorStats plus, minus_far;
};
Published published_errors(int w, int f) {
  const DeltaUnit u = make_delta_unit("pwl:qaa", w, f, 16, i64{1} << (w - 2));
  const auto o = opts(w, f, 16);
  const auto dp = pwl::fit_domain(o, true), dm = pwl::fit_domain(o, false);
  return {pwl::table_error(u.seg_plus, true, f, dp.lo, dp.hi),
          pwl::table_error(u.seg_minus, false, f, i64{1} << f, dm.hi)};
}

void check_no_worse_than_published(int w, int f) {
  CAPTURE(w);
  CAPTURE(f);
  const Published pub = published_errors(w, f);
  const pwl::Result r = pwl::optimize(opts(w, f, 16));
  const auto far = pwl::table_error(r.minus.segs, false, f, i64{1} << f, r.dom_minus.hi);
  MESSAGE(fmt::format("w={} f={}: plus max {:.3f} (qaa {:.3f}) mean {:.4f} (qaa {:.4f}); minus d>=1 max {:.3f} "
                      "(qaa {:.3f})",
                      w, f, r.plus.err.max, pub.plus.max, r.plus.err.mean, pub.plus.mean, far.max,
                      pub.minus_far.max));
  CHECK(r.plus.err.max <= pub.plus.max);
  CHECK(r.plus.err.mean <= pub.plus.mean);
  CHECK(far.max <= pub.minus_far.max);
}

}  // namespace

TEST_SUITE("pwl") {
  TEST_CASE("error evaluation is bit-true: the published table measured two ways") {
    // The flattened table of the model against the reference functions of this file.
    const int w = 14, f = 6;
    const DeltaUnit u = make_delta_unit("pwl:qaa", w, f, 16, i64{1} << (w - 2));
    const auto o = opts(w, f, 16);
    for (bool plus : {true, false}) {
      const auto dom = pwl::fit_domain(o, plus);
      long double mx = 0, sum = 0;
      for (long long d = dom.lo; d <= dom.hi; ++d) {
        const auto& flat = plus ? u.plus : u.minus;
        const long long v = d < static_cast<long long>(flat.size()) ? flat[d] : 0;
        const long double e = std::fabs(static_cast<long double>(v) - ref_delta(plus, d, f));
        mx = std::max(mx, e);
        sum += e;
      }
      const auto e = pwl::table_error(plus ? u.seg_plus : u.seg_minus, plus, f, dom.lo, dom.hi);
      CHECK(e.max == doctest::Approx(static_cast<double>(mx)).epsilon(1e-12));
      CHECK(e.mean == doctest::Approx(static_cast<double>(sum / (dom.hi - dom.lo + 1))).epsilon(1e-12));
    }
  }

  TEST_CASE("default fit range ends where the function rounds to 0") {
    for (int f : {3, 4, 6, 8})
      for (bool plus : {true, false}) {
        const i64 z = pwl::rounds_to_zero_from(plus, f);
        CHECK(std::llround(ref_delta(plus, z, f)) == 0);
        CHECK(std::llround(ref_delta(plus, z - 1, f)) != 0);
      }
  }

  TEST_CASE("K = 1 finds the best single segment (brute force over breakpoint, shift and intercept)") {
    for (int f : {3, 4}) {
      const int w = f + 7;
      auto o = opts(w, f, 1);
      o.near_zero = pwl::NearZero::Plain;  // brute force scores plain |error|
      for (bool plus : {true, false}) {
        CAPTURE(f);
        CAPTURE(plus);
        const auto dom = pwl::fit_domain(o, plus);
        long double brute = std::numeric_limits<long double>::infinity();
        for (long long bp = dom.lo; bp <= dom.hi; ++bp) {
          const Best b = best_segment(plus, f, dom.lo, bp, plus ? 0 : -(f + 3), 12);
          brute = std::min(brute, std::max(b.err, tail_error(plus, f, bp + 1, dom.hi)));
        }
        const pwl::FnResult r = pwl::optimize_fn(o, plus);
        REQUIRE(r.segs.size() == 1);
        CHECK(r.err.max == doctest::Approx(static_cast<double>(brute)).epsilon(1e-9));
      }
    }
  }

  TEST_CASE("annealing reaches the exact minimax optimum on a small format") {
    // Exact optimum for p2 slopes: the smallest E such that greedily extending each segment while its
    // best fit stays <= E covers the range with K segments (segment error grows with its range).
    const int w = 12, f = 4, k = 5;
    auto o = opts(w, f, k);
    o.near_zero = pwl::NearZero::Plain;
    const bool plus = true;
    const auto dom = pwl::fit_domain(o, plus);
    std::vector<long double> cand;  // every achievable segment error is a candidate E
    auto fits = [&](long double e) {
      long long lo = dom.lo;
      for (int s = 0; s < k && lo <= dom.hi; ++s) {
        long long hi = lo;
        while (hi + 1 <= dom.hi && best_segment(plus, f, lo, hi + 1, 0, 12).err <= e) ++hi;
        if (best_segment(plus, f, lo, hi, 0, 12).err > e) return false;
        lo = hi + 1;
      }
      return tail_error(plus, f, lo, dom.hi) <= e;
    };
    long double a = 0, b = 64;
    for (int it = 0; it < 40; ++it) {
      const long double m = (a + b) / 2;
      (fits(m) ? b : a) = m;
    }
    const pwl::FnResult r = pwl::optimize_fn(o, plus);
    MESSAGE(fmt::format("optimum {:.6f}, annealing {:.6f}", static_cast<double>(b), r.err.max));
    CHECK(r.err.max <= static_cast<double>(b) + 1e-6);
    CHECK(r.err.max >= static_cast<double>(a) - 1e-6);  // sanity: nothing beats the optimum
  }

  TEST_CASE("the optimizer beats the best fit on uniform breakpoints") {
    const int w = 14, f = 6, k = 8;
    const auto o = opts(w, f, k);
    for (bool plus : {true, false}) {
      CAPTURE(plus);
      // Uniform fit over d >= 1.0 for minus (so the near-zero weighting does not matter), whole range for plus.
      const auto dom = pwl::fit_domain(o, plus);
      const long long lo = plus ? dom.lo : (1LL << f), n = dom.hi - lo + 1;
      long double uniform = 0;
      for (int i = 0; i < k; ++i) {
        const long long a = lo + n * i / k, b = lo + n * (i + 1) / k - 1;
        uniform = std::max(uniform, best_segment(plus, f, a, b, plus ? 0 : -(f + 3), 12).err);
      }
      const pwl::FnResult r = pwl::optimize_fn(o, plus);
      const double ours = pwl::table_error(r.segs, plus, f, lo, dom.hi).max;
      MESSAGE(fmt::format("{}: uniform {:.3f}, annealed {:.3f}", plus ? "plus" : "minus", static_cast<double>(uniform),
                          ours));
      CHECK(ours < static_cast<double>(uniform));
    }
  }

  TEST_CASE("p2x2 slopes reach a lower worst error than p2 at equal K") {
    for (int k : {4, 8}) {
      CAPTURE(k);
      const pwl::Result p2 = pwl::optimize(opts(14, 6, k, pwl::Slopes::P2));
      const pwl::Result x2 = pwl::optimize(opts(14, 6, k, pwl::Slopes::P2x2));
      CHECK(x2.plus.err.max < p2.plus.err.max);
      CHECK(x2.minus.objective < p2.minus.objective);
    }
  }

  TEST_CASE("a written table round-trips through the model, and the optimizer is deterministic") {
    for (auto sl : {pwl::Slopes::P2, pwl::Slopes::P2x2}) {
      const int w = 12, f = 4;
      const pwl::Result r = pwl::optimize(opts(w, f, 8, sl));
      const pwl::Result again = pwl::optimize(opts(w, f, 8, sl), false);
      CHECK(format_pwl_csv(r.plus.segs, r.minus.segs) == format_pwl_csv(again.plus.segs, again.minus.segs));
      const auto path = std::filesystem::temp_directory_path() /
                        fmt::format("logmac_test_pwl_{}_{}.csv", static_cast<int>(sl), std::rand());
      std::ofstream(path) << pwl::table_file_text(r, "test");
      const i64 dlimit = i64{1} << (w - 2);
      const DeltaUnit u = make_delta_unit("pwl:" + path.string(), w, f, 16, dlimit);
      std::filesystem::remove(path);
      CHECK(format_pwl_csv(u.seg_plus, u.seg_minus) == format_pwl_csv(r.plus.segs, r.minus.segs));
      for (long long d = 0; d <= dlimit; ++d) {
        CAPTURE(d);
        const long long vp = d < static_cast<long long>(u.plus.size()) ? u.plus[d] : 0;
        const long long vm = d < static_cast<long long>(u.minus.size()) ? u.minus[d] : 0;
        REQUIRE(vp == pwl::table_value(r.plus.segs, d));
        if (d > 0) REQUIRE(vm == pwl::table_value(r.minus.segs, d));
      }
      // and the model's sum uses them: x (+) x = x + delta_plus(0)
      const MacConfig c = parse_spec(fmt::format("lns:w={},f={},delta=pwl:qaa", 16, 8));
      CHECK(c.delta_unit->plus[0] == pwl::table_value(c.delta_unit->seg_plus, 0));
    }
  }

  TEST_CASE("bad options are one-line errors") {
    CHECK_THROWS_WITH_AS(pwl::check_options(opts(16, 8, 0)), doctest::Contains("--segments 0"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::check_options(opts(16, 8, 65)), doctest::Contains("1..64"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::check_options(opts(8, 6, 4)), doctest::Contains("--f 6"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::check_options(opts(10, 0, 8)), doctest::Contains("values of d"),
                         std::invalid_argument);
    auto o = opts(10, 3, 4);
    o.dmax = 100;
    CHECK_THROWS_WITH_AS(pwl::check_options(o), doctest::Contains("--dmax"), std::invalid_argument);
  }

  TEST_CASE("no worse than the published table at w/f 16/8 (K = 16, p2)") { check_no_worse_than_published(16, 8); }
}

TEST_SUITE("pwl_long") {
  TEST_CASE("no worse than the published tables at every published w/f (K = 16, p2)") {
    for (auto [w, f] : {std::pair{16, 8}, std::pair{15, 7}, std::pair{14, 6}, std::pair{13, 5}})
      check_no_worse_than_published(w, f);
  }
  TEST_CASE("p2x2 beats p2 at w/f 16/8, K = 16") {
    const pwl::Result p2 = pwl::optimize(opts(16, 8, 16, pwl::Slopes::P2));
    const pwl::Result x2 = pwl::optimize(opts(16, 8, 16, pwl::Slopes::P2x2));
    CHECK(x2.plus.err.max < p2.plus.err.max);
    CHECK(x2.minus.objective < p2.minus.objective);
  }
}
