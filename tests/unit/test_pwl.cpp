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

#include "pwl/dhist.hpp"
#include "pwl/pwl.hpp"
#include "pwl/report.hpp"
#include "reference.hpp"
#include "sim/config.hpp"
#include "sim/delta.hpp"
#include "sim/models/lns.hpp"
#include "sim/workload.hpp"

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

pwl::Options opts(int w, int f, int k, pwl::Slopes sl = pwl::Slopes::P2,
                  pwl::Objective obj = pwl::Objective::Max) {
  pwl::Options o;
  o.w = w;
  o.f = f;
  o.k = k;
  o.slopes = sl;
  o.objective = obj;
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

// Decoded LNS value in 113-bit arithmetic, from the bit fields by integer arithmetic (tests/unit/reference.hpp),
// not through LnsFormat.
ref::f128 lns_value(unsigned long long x, int w, int f) {
  const ref::Lns l = ref::lns_fields(x, w);
  if (l.zero) return 0;
  const ref::f128 v = exp2q(static_cast<ref::f128>(l.log) / static_cast<ref::f128>(ref::pow2i(f)));
  return l.neg ? -v : v;
}

// Brute force: every accumulate step of the exact-delta trajectory of each dot product, redone with the table's
// MAC; the local error eps = (table's sum) - (exact sum of the two operands), and what the dot objective
// predicts from it, all per dot product in units of R^2.
struct BruteForce {
  double diagonal = 0;   // sum eps^2
  double sum_s_eps = 0;  // sum s eps (= sum v g)
  double first_order = 0;  // mean over dot products of (sum_k eps_k)^2: the dot product's error, to first order
  double coherence = 0;  // sum_n (sum_k s_k)^2 / sum s_k^2 - 1 over the steps that look up delta
  // The pair terms with one band per function: sum_ab (E[S_a S_b] - [a = b] V_a) (B_a / V_a) (B_b / V_b).
  double fn_pairs = 0;
};
BruteForce brute_force(int w, int f, const std::string& delta, const DotWorkload& wl) {
  // The configurations own the delta tables the models point into: they must outlive the models.
  const MacConfig exact_cfg = parse_spec(fmt::format("lns:w={},f={},delta=exact", w, f));
  const MacConfig table_cfg = parse_spec(fmt::format("lns:w={},f={},delta={}", w, f, delta));
  const LnsMac exact(exact_cfg), table(table_cfg);
  std::vector<unsigned long long> qa(wl.terms), qb(wl.terms);
  ref::f128 r2 = 0;
  for (int n = 0; n < wl.count; ++n) {
    ref::f128 sum = 0;
    for (int i = 0; i < wl.terms; ++i) {
      const size_t j = static_cast<size_t>(n) * wl.terms + i;
      sum += lns_value(exact.encode_a(wl.a[j]), w, f) * lns_value(exact.encode_b(wl.b[j]), w, f);
    }
    r2 += sum * sum;
  }
  const ref::f128 rr = r2 / wl.count;  // R^2
  BruteForce out;
  ref::f128 diag = 0, s_eps = 0, first = 0, coh = 0, s2 = 0;
  ref::f128 v_fn[2] = {0, 0}, b_fn[2] = {0, 0}, m_fn[2][2] = {{0, 0}, {0, 0}};
  for (int n = 0; n < wl.count; ++n) {
    for (int i = 0; i < wl.terms; ++i) {
      const size_t j = static_cast<size_t>(n) * wl.terms + i;
      qa[i] = exact.encode_a(wl.a[j]);
      qb[i] = exact.encode_b(wl.b[j]);
    }
    u64 acc = exact.first(exact.product(qa[0], qb[0]));
    ref::f128 e_n = 0, s_n = 0, s_fn[2] = {0, 0};
    for (int i = 1; i < wl.terms; ++i) {
      const u64 p = exact.product(qa[i], qb[i]);
      const ref::f128 x = lns_value(acc, w, f), y = lns_value(p, w, f), s = x + y;
      // A step looks delta up when both operands are nonzero and do not cancel exactly.
      if (x != 0 && y != 0 && s != 0) {
        const ref::f128 eps = lns_value(table.accumulate(acc, p), w, f) - s;
        const int fn = x * y > 0 ? 0 : 1;  // equal signs add magnitudes: delta_plus
        v_fn[fn] += s * s;
        b_fn[fn] += s * eps;
        s_fn[fn] += s;
        diag += eps * eps;
        s_eps += s * eps;
        e_n += eps;
        s_n += s;
        s2 += s * s;
      }
      acc = exact.accumulate(acc, p);
    }
    first += e_n * e_n;
    coh += s_n * s_n;
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) m_fn[a][b] += s_fn[a] * s_fn[b];
  }
  ref::f128 pairs = 0;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b)
      if (v_fn[a] > 0 && v_fn[b] > 0)
        pairs += (m_fn[a][b] - (a == b ? v_fn[a] : 0)) * (b_fn[a] / v_fn[a]) * (b_fn[b] / v_fn[b]);
  out.fn_pairs = static_cast<double>(pairs / rr / wl.count);
  out.diagonal = static_cast<double>(diag / rr / wl.count);
  out.sum_s_eps = static_cast<double>(s_eps / rr / wl.count);
  out.first_order = static_cast<double>(first / rr / wl.count);
  out.coherence = static_cast<double>(coh / s2 - 1);
  return out;
}

// The default (dot) table of w/f against the published one: no worse on each worst error, and a smaller arith
// nrmse of dot products through the model on workloads it was not fitted on (seed 7).
void check_default_beats_published(int w, int f, bool heavy_too) {
  CAPTURE(w);
  const auto o = opts(w, f, 16, pwl::Slopes::P2, pwl::Options{}.objective);
  REQUIRE(o.objective == pwl::Objective::Dot);
  const pwl::Result r = pwl::optimize(o);
  const DeltaUnit pub = make_delta_unit("pwl:qaa", w, f, 16, i64{1} << (w - 2));
  const pwl::WorstErrors ours = pwl::worst_errors(o, r.plus.segs, r.minus.segs);
  const pwl::WorstErrors theirs = pwl::worst_errors(o, pub.seg_plus, pub.seg_minus);
  CHECK(ours.plus <= theirs.plus);
  CHECK(ours.minus <= theirs.minus);
  CHECK(ours.minus_near <= theirs.minus_near);
  const auto path = std::filesystem::temp_directory_path() / fmt::format("logmac_test_dot_{}_{}.csv", w, std::rand());
  std::ofstream(path) << pwl::table_file_text(r, "test");
  std::vector<std::pair<std::string, DotWorkload>> wls = {{"nn256", pwl::make_workload("nn", 1000, 256, 7)}};
  if (heavy_too) wls.push_back({"heavy1024", pwl::make_workload("heavy", 250, 1024, 7)});
  for (const auto& [name, wl] : wls) {
    const double mine =
        measure_accuracy(parse_spec(fmt::format("lns:w={},f={},delta=pwl:{}", w, f, path.string())), wl).arith_nrmse;
    const double qaa = measure_accuracy(parse_spec(fmt::format("lns:w={},f={},delta=pwl:qaa", w, f)), wl).arith_nrmse;
    MESSAGE(fmt::format("w={} f={} {}: nrmse {:.4e} (published {:.4e}); worst plus {:.3f} ({:.3f}) minus {:.3f} "
                        "({:.3f})",
                        w, f, name, mine, qaa, ours.plus, theirs.plus, ours.minus, theirs.minus));
    CHECK(mine < qaa);
    if (w == 16 && name == "nn256") CHECK(mine <= 1.3e-2);  // issue 12: <= 1.9e-2, aim 1.2e-2
  }
  std::filesystem::remove(path);
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

  TEST_CASE("the max objective reaches the exact minimax optimum on a small format") {
    // Exact optimum for p2 slopes, computed here from scratch: the smallest E such that greedily extending each
    // segment while its best fit (brute force over shift and intercept) stays <= E covers the range with K
    // segments (segment error grows with its range).
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
    MESSAGE(fmt::format("optimum {:.6f}, optimizer {:.6f}", static_cast<double>(b), r.err.max));
    CHECK(r.err.max <= static_cast<double>(b) + 1e-6);
    CHECK(r.err.max >= static_cast<double>(a) - 1e-6);  // sanity: nothing beats the optimum
    CHECK(pwl::minimax_optimum(o, plus).error == doctest::Approx(r.err.max).epsilon(1e-9));
    // The relaxations bound it from below; the fewest segments for E are consistent with the optimum.
    CHECK(pwl::minimax_optimum(o, plus, {true, false}).error <= r.err.max + 1e-9);
    CHECK(pwl::minimax_optimum(o, plus, {false, true}).error <= r.err.max + 1e-9);
    CHECK(pwl::segments_needed(o, plus, r.err.max + 1e-9) <= k);
    CHECK(pwl::segments_needed(o, plus, r.err.max - 1e-3) > k);
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
      const pwl::Result r = pwl::optimize(opts(w, f, 8, sl, pwl::Objective::Mean));
      const pwl::Result again = pwl::optimize(opts(w, f, 8, sl, pwl::Objective::Mean), false);
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
    auto wl = opts(10, 3, 4, pwl::Slopes::P2, pwl::Objective::Dot);
    wl.workload = "nn:256,cubic:64";
    CHECK_THROWS_WITH_AS(pwl::fit_workloads(wl), doctest::Contains("'cubic:64' is not KIND:TERMS"),
                         std::invalid_argument);
    wl.workload = "nn:8";
    CHECK_THROWS_WITH_AS(pwl::fit_workloads(wl), doctest::Contains("TERMS 16..4096"), std::invalid_argument);
    // A bound below what any table reaches is an error naming the optimum, not a silent violation.
    auto tight = opts(12, 4, 4, pwl::Slopes::P2, pwl::Objective::Dot);
    tight.bounds.plus = 0.3;
    CHECK_THROWS_WITH_AS(pwl::optimize(tight), doctest::Contains("keeps the plus bound"), std::invalid_argument);
  }

  TEST_CASE("no worse than the published table at w/f 16/8 (K = 16, p2)") { check_no_worse_than_published(16, 8); }
}

TEST_SUITE("pwl_long") {
  TEST_CASE("the default table beats the published one at 15/7 and 14/6") {
    check_default_beats_published(15, 7, false);
    check_default_beats_published(14, 6, false);
  }
  TEST_CASE("p2x2 at 16/8, K = 16: the exact optimum of delta_plus max is above 1.0 LSB") {
    auto o = opts(16, 8, 16, pwl::Slopes::P2x2);
    const pwl::MinimaxOptimum opt = pwl::minimax_optimum(o, true);
    MESSAGE(fmt::format("optimum {:.4f}; exact shifts {:.4f}; real intercepts {:.4f}; K for 1.0: {}", opt.error,
                        pwl::minimax_optimum(o, true, {true, false}).error,
                        pwl::minimax_optimum(o, true, {false, true}).error, pwl::segments_needed(o, true, 1.0)));
    CHECK(opt.error > 1.0);
    CHECK(pwl::table_error(opt.segs, true, 8, 0, pwl::fit_domain(o, true).hi).max == doctest::Approx(opt.error));
  }
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

TEST_SUITE("pwl_dot") {
  TEST_CASE("the dot objective's terms equal a brute-force simulation of the accumulation (12/4)") {
    const int w = 12, f = 4;
    const DotWorkload wl = make_nn_workload(600, 128, 99);
    const pwl::DHistogram h = pwl::record_dhistogram(w, f, wl, "test");
    // Biased and unbiased tables of several kinds: the published-style max table, Mitchell, a LUT, the ROM.
    const pwl::Result mx = pwl::optimize(opts(w, f, 4));
    const auto path = std::filesystem::temp_directory_path() / fmt::format("logmac_test_dot_{}.csv", std::rand());
    std::ofstream(path) << pwl::table_file_text(mx, "test");
    for (int band : {1, 0}) {  // one band per function (scalar coherence), then the default bands
      const pwl::DHistogram hb = band ? pwl::record_dhistogram(w, f, wl, "test", i64{1} << w) : h;
      const pwl::DotWeights wt = pwl::dot_weights(hb, w, f);
      for (const std::string& delta : {"pwl:" + path.string(), std::string("mitchell"), std::string("lut:32"),
                                      std::string("exact")}) {
        CAPTURE(delta);
        CAPTURE(band);
        const BruteForce bf = brute_force(w, f, delta, wl);
        const MacConfig c = parse_spec(fmt::format("lns:w={},f={},delta={}", w, f, delta));
        const pwl::DotPrediction p = pwl::predict_dot(wt, c.delta_unit->plus, c.delta_unit->minus);
        // The weights and the error mapping are exact: per d, v g^2 and v g sum to the simulated eps^2 and s eps.
        CHECK(p.diagonal == doctest::Approx(bf.diagonal).epsilon(1e-9));
        CHECK(p.sum_vg == doctest::Approx(bf.sum_s_eps).epsilon(1e-9).scale(bf.diagonal));
        CHECK(hb.coherence() == doctest::Approx(bf.coherence).epsilon(1e-9));
        // The pair terms are a model: the prediction tracks the first-order error of the dot products ...
        const double model = p.diagonal + p.pairs;
        MESSAGE(fmt::format("{} band {}: predicted nrmse {:.4e}, first order {:.4e}, simulated {:.4e}", delta, band,
                            std::sqrt(model), std::sqrt(bf.first_order),
                            measure_accuracy(c, wl).arith_nrmse));
        CHECK(std::sqrt(model) == doctest::Approx(std::sqrt(bf.first_order)).epsilon(band ? 0.15 : 0.05));
        // ... and with one band per function its pair terms are those of the brute-force band sums.
        if (band) CHECK(p.pairs == doctest::Approx(bf.fn_pairs).epsilon(1e-9).scale(bf.diagonal));
      }
    }
    std::filesystem::remove(path);
  }

  TEST_CASE("lookup_of names the lookup the model's accumulate makes") {
    const MacConfig c = parse_spec("lns:w=10,f=3,delta=exact");
    const LnsMac m(c);
    Rng rng(5);
    int looked = 0;
    for (int i = 0; i < 200000; ++i) {
      const u64 acc = rng.below(u64{1} << 10), p = rng.below(u64{1} << 10);
      pwl::Lookup l;
      const u64 got = m.accumulate(acc, p);
      if (!pwl::lookup_of(m, acc, p, l)) {
        // No lookup: a zero operand passes the other through, a cancellation gives zero.
        CHECK((m.lf.is_zero(got) || got == acc || got == p));
        continue;
      }
      ++looked;
      const i64 big = std::max(m.lf.log(acc), m.lf.log(p));
      const auto& t = l.plus ? c.delta_unit->plus : c.delta_unit->minus;
      const i64 r = std::clamp<i64>(big + (l.d < static_cast<i64>(t.size()) ? t[l.d] : 0), -m.lf.max, m.lf.max);
      REQUIRE(m.lf.log(got) == r);
    }
    CHECK(looked > 40000);  // a quarter of random pairs has two nonzero operands
  }

  TEST_CASE("d-histogram files round-trip, merge, resample and reject bad input") {
    const pwl::DHistogram h = pwl::record_dhistogram(12, 4, make_nn_workload(200, 64, 3), "test");
    const std::string text = pwl::format_dhistogram(h);
    const pwl::DHistogram back = pwl::parse_dhistogram(text, "mem");
    auto data = [](const std::string& t) {  // without the comment lines (they name the source)
      std::string out;
      for (size_t i = 0; i < t.size();) {
        const size_t nl = t.find('\n', i);
        if (t[i] != '#') out += t.substr(i, nl - i + 1);
        i = nl + 1;
      }
      return out;
    };
    CHECK(data(pwl::format_dhistogram(back)) == data(text));
    CHECK(back.lookups() == h.lookups());
    CHECK(back.coherence() == doctest::Approx(h.coherence()).epsilon(1e-12));
    pwl::DHistogram twice = back;
    pwl::merge_dhistogram(twice, back);
    CHECK(twice.lookups() == 2 * h.lookups());
    CHECK(twice.coherence() == doctest::Approx(h.coherence()).epsilon(1e-12));  // same data twice: same coherence
    // Used at a finer and a coarser f, the total weight per dot product stays.
    const double total = pwl::dot_weights(h, 12, 4).v_total;
    CHECK(pwl::dot_weights(h, 14, 6).v_total == doctest::Approx(total).epsilon(1e-9));
    CHECK(pwl::dot_weights(h, 11, 3).v_total == doctest::Approx(total).epsilon(1e-9));
    const std::string head = "logmac-dhist 1 w=12 f=4 dot_products=10 band=4\nfn,d,count,sum_s2\n";
    CHECK_THROWS_WITH_AS(pwl::parse_dhistogram("logmac-dhist 2 w=12\n", "x"), doctest::Contains("x:1"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::parse_dhistogram(head + "plus,5000,1,1\n", "x"), doctest::Contains("x:3: d must"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::parse_dhistogram(head + "minus,0,1,1\n", "x"), doctest::Contains("d must"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::parse_dhistogram(head + "plus,3,1,-1\n", "x"), doctest::Contains("sum_s2"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::parse_dhistogram(head + "times,3,1,1\n", "x"), doctest::Contains("plus or minus"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::parse_dhistogram(head, "x"), doctest::Contains("no lookups"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::parse_dhistogram(head + "plus,3,1,1\nfn_a,band_a,fn_b,band_b,sum_ss\nplus,9999,plus,0,1\n", "x"),
                         doctest::Contains("bands must"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(pwl::read_dhistogram("/nonexistent/h.txt"), doctest::Contains("cannot read"),
                         std::invalid_argument);
  }

  TEST_CASE("the default table beats the published one on worst case and dot products (13/5, 16/8)") {
    check_default_beats_published(13, 5, true);
    check_default_beats_published(16, 8, true);
  }

  TEST_CASE("the dot objective is deterministic per seed, keeps its bounds, and honours given ones") {
    auto o = opts(12, 4, 6, pwl::Slopes::P2, pwl::Objective::Dot);
    const pwl::Result a = pwl::optimize(o), b = pwl::optimize(o, false);
    CHECK(format_pwl_csv(a.plus.segs, a.minus.segs) == format_pwl_csv(b.plus.segs, b.minus.segs));
    // No published table at 12/4: 1.5x the max objective's optimum, per measure.
    const pwl::WorstErrors opt = pwl::worst_errors(o, pwl::minimax_optimum(o, true).segs,
                                                   pwl::minimax_optimum(o, false).segs);
    CHECK(a.bounds.b.plus == doctest::Approx(1.5 * opt.plus));
    CHECK(a.bounds.b.minus == doctest::Approx(1.5 * opt.minus));
    const pwl::WorstErrors got = pwl::worst_errors(o, a.plus.segs, a.minus.segs);
    CHECK(got.plus <= a.bounds.b.plus);
    CHECK(got.minus <= a.bounds.b.minus);
    CHECK(got.minus_near <= a.bounds.b.minus_near);
    o.bounds.plus = opt.plus * 1.05;  // just above the optimum: still feasible, and kept
    const pwl::Result c = pwl::optimize(o);
    CHECK(pwl::worst_errors(o, c.plus.segs, c.minus.segs).plus <= opt.plus * 1.05);
    // A measured histogram as the only workload works like the generator it was recorded from.
    const auto path = std::filesystem::temp_directory_path() / fmt::format("logmac_test_dhist_{}.txt", std::rand());
    std::ofstream(path) << pwl::format_dhistogram(pwl::record_dhistogram(12, 4, pwl::fit_workloads(o)[0].data, "t"));
    auto from_file = opts(12, 4, 6, pwl::Slopes::P2, pwl::Objective::Dot);
    from_file.workload = "";
    from_file.dhist = {path.string()};
    const pwl::Result d = pwl::optimize(from_file);
    std::filesystem::remove(path);
    CHECK(d.workloads.size() == 1);
    CHECK(d.predicted.at(0).nrmse > 0);
  }

  TEST_CASE("report: rows, columns and the worst-case optimum on a small format") {
    pwl::ReportOptions ro;
    ro.formats = {{10, 3}};
    ro.segments = {4};
    ro.objectives = {pwl::Objective::Dot, pwl::Objective::Max};
    // A column added by a caller (as a network study adds accuracy) and the tables kept for it.
    ro.columns = {{"twice_dplus", [](const pwl::ReportRow& row) { return 2 * row.plus.max; }}};
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("logmac_test_report_{}", std::rand());
    ro.tables_dir = dir.string();
    const pwl::Report r = pwl::run_report(ro);
    REQUIRE(r.rows.size() == 3);  // exact, dot K=4, max K=4 (no published table at 10/3)
    for (const auto& row : r.rows) CHECK(row.columns.at(0) == 2 * row.plus.max);
    CHECK(std::filesystem::exists(dir / "lns_w10_f3_k4_p2_dot.csv"));
    CHECK(r.rows[1].spec == fmt::format("lns:w=10,f=3,delta=pwl:{}", (dir / "lns_w10_f3_k4_p2_dot.csv").string()));
    std::filesystem::remove_all(dir);
    CHECK(r.rows[0].kind == "exact");
    CHECK(r.rows[0].plus.max <= 0.5);
    CHECK(r.rows[0].nrmse.size() == r.workloads.size());
    for (const auto& row : r.rows) CHECK(row.nrmse.at(0) > 0);
    REQUIRE(r.bounds.size() == 2);
    CHECK(r.bounds[0].plus == doctest::Approx(r.rows[2].plus.max).epsilon(1e-9));  // max K=4 reaches the optimum
    const std::string csv = pwl::report_csv(r);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 3 + 2 + 2);
    CHECK(pwl::report_markdown(r).find("| 10/3 | dot K=4 |") != std::string::npos);
  }
}
