#include "pwl/pwl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

#include "sim/config.hpp"
#include "sim/models/lns.hpp"
#include "sim/workload.hpp"

namespace logmac::pwl {

namespace {

[[noreturn]] void bad(const std::string& msg) { throw std::invalid_argument(msg); }

long double exact_value(bool plus, i64 d, int f) {
  return plus ? delta_plus_real(static_cast<long double>(d), f) : delta_minus_real(static_cast<long double>(d), f);
}

// The largest |X - Y| the accumulator of a w-bit LNS sees (the model's bound; f does not matter).
i64 largest_d(int w) { return LnsFormat(w, 0).max_d(); }

constexpr double kInf = std::numeric_limits<double>::infinity();

// The best slope and intercept of one segment and its cost (max: worst |error|; sum: sum of weighted |error|).
struct SegFit {
  double cost = kInf;
  int cand = 0;
  i64 c = 0;
};

// Cost of a set of breakpoints: worst segment (or tail) and the sum over segments and tail.
struct Eval {
  double max = 0, sum = 0;
};

// One function's fitting problem: exact values, weights, slope candidates and a cache of segment fits.
//   Max:        cost of a segment = max over d of wm(d) |error(d)|
//   Sum:        cost = sum of ws(d) |error(d)|
//   BoundedSum: Sum, subject to wm(d) |error(d)| <= bound for every d (second phase of the max objective:
//               among tables with the best worst error, the one with the smallest mean error)
enum class Mode { Max, Sum, BoundedSum };

class Problem {
 public:
  Problem(const Options& o, bool plus, Mode mode, double bound = 0)
      : plus_(plus), mode_(mode), f_(o.f), bound_(bound) {
    dom = fit_domain(o, plus);
    const i64 n = dom.hi + 1;
    ex_.resize(n);
    for (i64 d = dom.lo; d < n; ++d) ex_[d] = static_cast<double>(exact_value(plus, d, o.f));
    wm_ = error_weights(o, plus, dom.hi);
    relative_below_ = dom.lo;
    while (relative_below_ < n && wm_[relative_below_] < 1) ++relative_below_;
    if (o.objective == Objective::Workload) {
      ws_ = workload_histogram(o.w, o.f, plus, dom.hi, o.seed);
      weighted_sum_ = true;
    } else {
      ws_.assign(n, 1.0);
    }
    for (i64 d = 0; d < dom.lo; ++d) ws_[d] = 0;
    total_weight = 0;
    for (double x : ws_) total_weight += x;
    if (total_weight <= 0) total_weight = 1;
    // Beyond the last breakpoint the table is 0: cost of that tail from each d.
    tail_max_.assign(n + 1, 0.0);
    tail_sum_.assign(n + 1, 0.0);
    for (i64 d = n - 1; d >= dom.lo; --d) {
      tail_max_[d] = std::max(tail_max_[d + 1], wm_[d] * std::fabs(ex_[d]));
      tail_sum_[d] = tail_sum_[d + 1] + ws_[d] * std::fabs(ex_[d]);
    }
    make_candidates(o);
    cache_.assign(size_t{1} << kCacheBits, {~u64{0}, SegFit{}});
  }

  double tail_cost(i64 from) const {
    if (from > dom.hi) return 0.0;
    if (mode_ == Mode::Max) return tail_max_[from];
    if (mode_ == Mode::BoundedSum && tail_max_[from] > bound_) return kInf;
    return tail_sum_[from];
  }

  SegFit fit(i64 lo, i64 hi) {
    const u64 key = (static_cast<u64>(lo) << 32) | static_cast<u64>(hi);
    auto& e = cache_[(key * 0x9e3779b97f4a7c15ull) >> (64 - kCacheBits)];
    if (e.first != key) e = {key, compute(lo, hi)};
    return e.second;
  }

  Eval evaluate(const std::vector<i64>& bps) {
    Eval e;
    i64 lo = dom.lo;
    for (i64 ub : bps) {
      const double c = fit(lo, ub).cost;
      e.max = std::max(e.max, c);
      e.sum += c;
      lo = ub + 1;
    }
    const double t = tail_cost(lo);
    e.max = std::max(e.max, t);
    e.sum += t;
    return e;
  }

  // What annealing minimizes. For max, the worst segment alone gives no gradient to the others, so a
  // small share of the average pulls every segment down.
  double score(const Eval& e, int k) const {
    return mode_ == Mode::Max ? e.max + 0.05 * e.sum / (k + 1) : e.sum / total_weight;
  }
  // Strict improvement (polish, best-so-far): worst error first, then the sum.
  bool better(const Eval& a, const Eval& b) const {
    if (mode_ != Mode::Max) return a.sum < b.sum - 1e-12 * std::max(1.0, b.sum);
    if (a.max < b.max - 1e-12) return true;
    return a.max <= b.max + 1e-12 && a.sum < b.sum - 1e-12 * std::max(1.0, b.sum);
  }
  double objective(const Eval& e) const { return mode_ == Mode::Max ? e.max : e.sum / total_weight; }

  std::vector<PwlSegment> segments(const std::vector<i64>& bps) {
    std::vector<PwlSegment> out;
    i64 lo = dom.lo;
    for (i64 ub : bps) {
      const SegFit s = fit(lo, ub);
      PwlSegment seg = cands_[s.cand];
      seg.upper_bp = ub;
      seg.c = s.c;
      out.push_back(seg);
      lo = ub + 1;
    }
    return out;
  }

  Domain dom;
  double total_weight = 1;

 private:
  static constexpr int kCacheBits = 18;

  void make_candidates(const Options& o) {
    // plus: delta = c - (d >> s), s >= 0; minus: delta = c + (d << s) or (d >> -s). A right shift by
    // bit_length(hi) is the zero slope. p2x2 adds +-(d >> s2), s2 > s1 (the second term is the smaller).
    const int top = bit_length(static_cast<u64>(dom.hi));
    const int r_lo = plus_ ? 0 : -(f_ + 3);
    const int sign1 = plus_ ? -1 : 1;
    for (int r = r_lo; r <= top; ++r) add_candidate({0, r, sign1, 0, 0, 0});
    n_p2_ = static_cast<int>(cands_.size());
    if (o.slopes == Slopes::P2x2)
      for (int r1 = r_lo; r1 < top; ++r1)
        for (int r2 = r1 + 1; r2 < top; ++r2)
          for (int op : {1, -1}) add_candidate({0, r1, sign1, r2, sign1 * op, 0});
  }
  void add_candidate(const PwlSegment& s) {
    cands_.push_back(s);
    slope_.push_back(s.sign1 * std::ldexp(1.0, -s.r1) + (s.sign2 ? s.sign2 * std::ldexp(1.0, -s.r2) : 0.0));
  }

  SegFit compute(i64 lo, i64 hi) {
    SegFit best;
    // Local slope of the function (a single point uses its neighbour): p2x2 candidates are tried only
    // near it, and among equally good candidates the one nearest it wins (no odd shifts on tiny segments).
    const i64 a = hi > lo ? lo : (lo > dom.lo ? lo - 1 : lo), b = hi > lo ? hi : (hi < dom.hi ? hi + 1 : hi);
    const double chord = b > a ? (ex_[b] - ex_[a]) / static_cast<double>(b - a) : 0.0;
    const int nc = static_cast<int>(cands_.size());
    double best_dist = kInf;
    buf_.resize(static_cast<size_t>(hi - lo + 1));
    // Nearest slopes first: the best candidate is usually found early and prunes the others.
    order_.clear();
    for (int j = 0; j < nc; ++j) {
      const double ratio = slope_[j] / chord;
      if (j >= n_p2_ && (hi == lo || !(ratio >= 0.5 && ratio <= 2.0))) continue;
      order_.push_back({ratio > 0 ? std::fabs(std::log2(ratio)) : 1e9 - std::fabs(slope_[j]), j});
    }
    std::sort(order_.begin(), order_.end());
    for (const auto& [dist, j] : order_) {
      SegFit s = mode_ == Mode::Max ? fit_max(cands_[j], lo, hi, best.cost) : fit_sum(cands_[j], lo, hi);
      s.cand = j;
      if (s.cost < best.cost - 1e-9 || (s.cost <= best.cost + 1e-9 && dist < best_dist)) {
        best = s;
        best_dist = dist;
      }
    }
    return best;
  }

  // Minimax intercept. Unweighted: the integer nearest the middle of the residual range. Weighted
  // (minus near 0): max over d of wm |c - r| is convex in c; bisect on its slope.
  SegFit fit_max(const PwlSegment& s, i64 lo, i64 hi, double best_cost) {
    double rmin = kInf, rmax = -kInf, rmin1 = kInf, rmax1 = -kInf;  // all d; the d with weight 1
    const double limit = 2 * best_cost + 1;
    for (i64 d = lo; d <= hi; ++d) {
      const double r = ex_[d] - static_cast<double>(s.eval(d));
      buf_[d - lo] = r;
      rmin = std::min(rmin, r);
      rmax = std::max(rmax, r);
      if (d >= relative_below_) {
        rmin1 = std::min(rmin1, r);
        rmax1 = std::max(rmax1, r);
        if (rmax1 - rmin1 > limit) return {};  // cannot beat the best candidate
      }
    }
    if (lo >= relative_below_) {
      const i64 c = std::llround((rmin + rmax) / 2);
      return {std::max(static_cast<double>(c) - rmin, rmax - static_cast<double>(c)), 0, c};
    }
    auto up = [&](i64 c) {  // max wm (c - r): increasing in c
      double m = -kInf;
      for (i64 d = lo; d <= hi; ++d) m = std::max(m, wm_[d] * (static_cast<double>(c) - buf_[d - lo]));
      return m;
    };
    auto down = [&](i64 c) {  // max wm (r - c): decreasing
      double m = -kInf;
      for (i64 d = lo; d <= hi; ++d) m = std::max(m, wm_[d] * (buf_[d - lo] - static_cast<double>(c)));
      return m;
    };
    i64 a = static_cast<i64>(std::floor(rmin)), b = static_cast<i64>(std::ceil(rmax));
    while (a < b) {  // smallest c with up(c) >= down(c)
      const i64 m = a + (b - a) / 2;
      const double u = up(m), v = down(m);
      // The optimum is at least min(u, v) (one side only grows away from m): prune.
      if (std::min(u, v) > best_cost + 1) return {};
      if (u >= v) b = m;
      else a = m + 1;
    }
    const double g1 = std::max(up(a), down(a)), g0 = std::max(up(a - 1), down(a - 1));
    return g0 < g1 ? SegFit{g0, 0, a - 1} : SegFit{g1, 0, a};
  }

  // Weighted-median intercept: the sum of ws |c - r| is convex in c, minimal at the weighted median;
  // BoundedSum clamps it into the integers where every wm |c - r| <= bound.
  SegFit fit_sum(const PwlSegment& s, i64 lo, i64 hi) {
    double rmin = kInf, rmax = -kInf, wsum = 0, lo_c = -kInf, hi_c = kInf;
    for (i64 d = lo; d <= hi; ++d) {
      const double r = ex_[d] - static_cast<double>(s.eval(d));
      buf_[d - lo] = r;
      rmin = std::min(rmin, r);
      rmax = std::max(rmax, r);
      wsum += ws_[d];
      if (mode_ == Mode::BoundedSum) {
        lo_c = std::max(lo_c, r - bound_ / wm_[d]);
        hi_c = std::min(hi_c, r + bound_ / wm_[d]);
        if (lo_c > hi_c) return {};  // no intercept keeps the worst error
      }
    }
    i64 cmin = std::numeric_limits<i64>::min(), cmax = std::numeric_limits<i64>::max();
    if (mode_ == Mode::BoundedSum) {
      cmin = static_cast<i64>(std::ceil(lo_c - 1e-9));
      cmax = static_cast<i64>(std::floor(hi_c + 1e-9));
      if (cmin > cmax) return {};
    }
    auto cost_at = [&](i64 c) {
      double t = 0;
      for (i64 d = lo; d <= hi; ++d) t += ws_[d] * std::fabs(static_cast<double>(c) - buf_[d - lo]);
      return t;
    };
    i64 c;
    if (wsum <= 0) {
      c = std::llround((rmin + rmax) / 2);
    } else if (!weighted_sum_) {
      // unweighted: the median, by selection
      med_.assign(buf_.begin(), buf_.begin() + (hi - lo + 1));
      auto mid = med_.begin() + static_cast<long>(med_.size() / 2);
      std::nth_element(med_.begin(), mid, med_.end());
      c = static_cast<i64>(std::floor(*mid));
      if (cost_at(c + 1) < cost_at(c)) ++c;
    } else {
      // smallest integer c with weight(r <= c) >= wsum / 2
      i64 a = static_cast<i64>(std::floor(rmin)), b = static_cast<i64>(std::ceil(rmax));
      while (a < b) {
        const i64 m = a + (b - a) / 2;
        double below = 0;
        for (i64 d = lo; d <= hi; ++d)
          if (buf_[d - lo] <= static_cast<double>(m)) below += ws_[d];
        if (below >= wsum / 2) b = m;
        else a = m + 1;
      }
      c = a;
      if (cost_at(c - 1) < cost_at(c)) --c;
    }
    c = std::clamp(c, cmin, cmax);
    return {cost_at(c), 0, c};
  }

  bool plus_;
  Mode mode_;
  int f_;
  double bound_;
  i64 relative_below_ = 0;  // wm(d) < 1 for d < this
  bool weighted_sum_ = false;
  std::vector<std::pair<double, int>> order_;
  std::vector<double> ex_, wm_, ws_, tail_max_, tail_sum_, slope_, buf_, med_;
  std::vector<PwlSegment> cands_;
  int n_p2_ = 0;
  std::vector<std::pair<u64, SegFit>> cache_;
};

std::vector<i64> uniform_breakpoints(const Domain& dom, int k) {
  std::vector<i64> b(k);
  const i64 n = dom.hi - dom.lo + 1;
  for (int i = 0; i < k; ++i) b[i] = dom.lo + (n * (i + 1)) / k - 1;
  return b;
}

// Simulated annealing over the breakpoints; each segment's shift(s) and intercept are the exact optimum
// for its d range (Problem::fit), so a state is just the sorted breakpoint list.
std::vector<i64> anneal(Problem& p, std::vector<i64> cur, std::uint64_t seed, long iterations) {
  Rng rng(seed);
  const Domain dom = p.dom;
  const int k = static_cast<int>(cur.size());
  std::vector<i64> best = cur, next;
  Eval ce = p.evaluate(cur), be = ce;
  double cs = p.score(ce, k), bs = cs;
  const double t_hi = 0.05, t_lo = 2e-5;  // temperature, relative to the best score so far
  for (long it = 0; it < iterations; ++it) {
    const double frac = static_cast<double>(it) / static_cast<double>(iterations);
    const double temp = bs * t_hi * std::pow(t_lo / t_hi, frac);
    next = cur;
    if (k > 1 && rng.below(5) == 0) {
      // Move one breakpoint anywhere: shifts a segment from one region of d to another.
      next.erase(next.begin() + static_cast<long>(rng.below(k)));
      const i64 x = dom.lo + static_cast<i64>(rng.below(static_cast<u64>(dom.hi - dom.lo + 1)));
      if (std::find(next.begin(), next.end(), x) != next.end()) continue;
      next.insert(std::upper_bound(next.begin(), next.end(), x), x);
    } else {
      const int i = static_cast<int>(rng.below(k));
      const i64 lo = i ? cur[i - 1] + 1 : dom.lo, hi = i + 1 < k ? cur[i + 1] - 1 : dom.hi;
      if (lo >= hi) continue;
      const i64 reach = std::max<i64>(1, static_cast<i64>(static_cast<double>(hi - lo) * 0.5 * (1 - frac)));
      const i64 step = 1 + static_cast<i64>(rng.below(static_cast<u64>(reach)));
      next[i] = std::clamp(cur[i] + (rng.below(2) ? step : -step), lo, hi);
      if (next[i] == cur[i]) continue;
    }
    const Eval ne = p.evaluate(next);
    const double ns = p.score(ne, k);
    if (ns <= cs || rng.uniform() < std::exp((cs - ns) / temp)) {
      cur.swap(next);
      ce = ne;
      cs = ns;
      if (p.better(ce, be)) {
        best = cur;
        be = ce;
        bs = std::min(bs, cs);
      }
    }
  }
  return best;
}

// Deterministic local polish: move single breakpoints by up to +-radius while that strictly improves.
void polish(Problem& p, std::vector<i64>& b, int radius) {
  const int k = static_cast<int>(b.size());
  Eval be = p.evaluate(b);
  for (bool improved = true; improved;) {
    improved = false;
    for (int i = 0; i < k; ++i) {
      const i64 lo = i ? b[i - 1] + 1 : p.dom.lo, hi = i + 1 < k ? b[i + 1] - 1 : p.dom.hi;
      for (int step = 1; step <= radius; ++step)
        for (int sgn : {-1, 1}) {
          const i64 x = b[i] + sgn * step;
          if (x < lo || x > hi) continue;
          const i64 old = b[i];
          b[i] = x;
          const Eval e = p.evaluate(b);
          if (p.better(e, be)) {
            be = e;
            improved = true;
          } else {
            b[i] = old;
          }
        }
    }
  }
}

}  // namespace

const char* to_string(Slopes s) { return s == Slopes::P2 ? "p2" : "p2x2"; }
const char* to_string(Objective o) {
  return o == Objective::Max ? "max" : (o == Objective::Mean ? "mean" : "workload");
}

i64 rounds_to_zero_from(bool plus, int f) {
  // |delta| decreases monotonically in d: binary search the first d where it is below 1/2 LSB.
  i64 a = plus ? 0 : 1, b = i64{1} << (f + 8);
  while (a < b) {
    const i64 m = a + (b - a) / 2;
    if (std::fabs(exact_value(plus, m, f)) < 0.5L) b = m;
    else a = m + 1;
  }
  return a;
}

void check_options(const Options& o) {
  // --w/--f must be an lns format: the lns variant's own checks decide (delta=mitchell: a cheap table).
  try {
    parse_spec(fmt::format("lns:w={},f={},delta=mitchell", o.w, o.f));
  } catch (const SpecError& e) {
    bad(fmt::format("pwl: --w {} --f {} is not an lns format: {}", o.w, o.f, e.what()));
  }
  if (o.k < 1 || o.k > kMaxSegments) bad(fmt::format("pwl: --segments {} is not in 1..{}", o.k, kMaxSegments));
  if (o.effort < 1 || o.effort > 100) bad(fmt::format("pwl: --effort {} is not in 1..100", o.effort));
  if (o.dmax < 0 || !std::isfinite(o.dmax)) bad("pwl: --dmax must be a positive number (units of 1.0 of the log)");
  if (o.dmax > 0 && std::ldexp(o.dmax, o.f) > static_cast<double>(largest_d(o.w)))
    bad(fmt::format("pwl: --dmax {} exceeds the largest d of w={} f={} ({})", o.dmax, o.w, o.f,
                    std::ldexp(static_cast<double>(largest_d(o.w)), -o.f)));
  for (bool plus : {true, false}) {
    const Domain d = fit_domain(o, plus);
    if (d.hi - d.lo + 1 < o.k)
      bad(fmt::format("pwl: --segments {} exceeds the {} values of d the {} function is fitted on", o.k,
                      d.hi - d.lo + 1, plus ? "plus" : "minus"));
  }
}

Domain fit_domain(const Options& o, bool plus) {
  Domain d;
  d.lo = plus ? 0 : 1;
  d.hi = o.dmax > 0 ? static_cast<i64>(std::floor(std::ldexp(o.dmax, o.f))) : rounds_to_zero_from(plus, o.f);
  d.hi = std::max(d.lo, std::min(d.hi, largest_d(o.w)));
  return d;
}

ErrorStats table_error(const std::vector<PwlSegment>& segs, bool plus, int f, i64 lo, i64 hi) {
  ErrorStats e;
  long double sum = 0;
  for (i64 d = lo; d <= hi; ++d) {
    const long double err = std::fabs(static_cast<long double>(table_value(segs, d)) - exact_value(plus, d, f));
    sum += err;
    if (static_cast<double>(err) > e.max) {
      e.max = static_cast<double>(err);
      e.argmax = d;
    }
  }
  if (hi >= lo) e.mean = static_cast<double>(sum / static_cast<long double>(hi - lo + 1));
  return e;
}

std::vector<double> workload_histogram(int w, int f, bool plus, i64 hi, std::uint64_t seed) {
  const MacConfig cfg = parse_spec(fmt::format("lns:w={},f={},delta=exact", w, f));
  const LnsMac m(cfg);
  const DotWorkload wl = make_nn_workload(400, 256, seed);
  std::vector<double> h(static_cast<size_t>(hi + 1), 0.0);
  for (int k = 0; k < wl.count; ++k) {
    u64 acc = 0;
    for (int i = 0; i < wl.terms; ++i) {
      const size_t j = static_cast<size_t>(k) * wl.terms + i;
      const u64 p = m.product(m.encode_a(wl.a[j]), m.encode_b(wl.b[j]));
      if (i == 0) {
        acc = m.first(p);
        continue;
      }
      // The d and function this accumulate step looks up (as LnsMac::accumulate).
      if (!m.lf.is_zero(p) && !m.lf.is_zero(acc) && (m.lf.sign(p) == m.lf.sign(acc)) == plus) {
        const i64 d = std::abs(m.lf.log(acc) - m.lf.log(p));
        if (d <= hi) h[d] += 1;
      }
      acc = m.accumulate(acc, p);
    }
  }
  return h;
}

FnResult optimize_fn(const Options& o, bool plus) {
  const Mode mode = o.objective == Objective::Max ? Mode::Max : Mode::Sum;
  Problem p(o, plus, mode);
  // Annealing length: enough moves per segment and per d value; several chains from the uniform
  // breakpoints, the best one polished.
  const i64 n = p.dom.hi - p.dom.lo + 1;
  const long per_chain = std::min<long>(200000, 3000L * o.k + 30L * static_cast<long>(n)) * o.effort;
  constexpr int kChains = 3;
  std::vector<i64> best;
  Eval be{kInf, kInf};
  for (int ch = 0; ch < kChains; ++ch) {
    const std::uint64_t seed = o.seed * 1000003u + static_cast<u64>(ch) * 2 + (plus ? 0 : 1);
    std::vector<i64> b = anneal(p, uniform_breakpoints(p.dom, o.k), seed, per_chain);
    polish(p, b, 16);
    const Eval e = p.evaluate(b);
    if (best.empty() || p.better(e, be)) {
      best = b;
      be = e;
    }
  }
  FnResult r;
  r.objective = p.objective(be);
  if (mode == Mode::Max) {
    // Second phase: keep the worst error, lower the mean error (a shorter anneal from the best table).
    Problem q(o, plus, Mode::BoundedSum, be.max * (1 + 1e-12) + 1e-12);
    std::vector<i64> b = anneal(q, best, o.seed * 1000003u + 7 + (plus ? 0 : 1), per_chain / 2);
    polish(q, b, 16);
    if (q.evaluate(b).sum <= q.evaluate(best).sum) best = b;
    r.segs = q.segments(best);
  } else {
    r.segs = p.segments(best);
  }
  r.err = table_error(r.segs, plus, o.f, p.dom.lo, p.dom.hi);
  return r;
}

std::vector<double> error_weights(const Options& o, bool plus, i64 hi) {
  std::vector<double> w(static_cast<size_t>(hi + 1), 1.0);
  if (!plus && o.near_zero == NearZero::Result)
    for (i64 d = 1; d <= hi && d < (i64{1} << o.f); ++d)
      w[d] = static_cast<double>(-2 * std::expm1(-std::ldexp(static_cast<long double>(d), -o.f) * std::log(2.0L)));
  return w;
}

Result optimize(const Options& o, bool threads) {
  check_options(o);
  const auto t0 = std::chrono::steady_clock::now();
  Result r;
  r.opt = o;
  r.dom_plus = fit_domain(o, true);
  r.dom_minus = fit_domain(o, false);
  if (threads) {
    std::thread t([&] { r.minus = optimize_fn(o, false); });
    r.plus = optimize_fn(o, true);
    t.join();
  } else {
    r.plus = optimize_fn(o, true);
    r.minus = optimize_fn(o, false);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::string table_file_text(const Result& r, const std::string& command_line) {
  const Options& o = r.opt;
  const i64 one = i64{1} << o.f;
  const ErrorStats far = table_error(r.minus.segs, false, o.f, std::min(one, r.dom_minus.hi), r.dom_minus.hi);
  std::string s;
  s += "# logmac pwl: LNS delta tables in integer LSB of the log (conventions: sim/delta.hpp, parse_pwl_csv)\n";
  s += fmt::format("# command: {}\n", command_line);
  s += fmt::format("# w={} f={} segments={} slopes={} objective={} near_zero={} seed={} effort={}\n", o.w, o.f, o.k,
                   to_string(o.slopes), to_string(o.objective),
                   o.near_zero == NearZero::Result ? "result" : "plain", o.seed, o.effort);
  s += fmt::format("# error in LSB vs log2 in long double, bit-true; beyond the last breakpoint delta = 0\n");
  s += fmt::format("# plus  d in {}..{}: max {:.4f} mean {:.4f}\n", r.dom_plus.lo, r.dom_plus.hi, r.plus.err.max,
                   r.plus.err.mean);
  s += fmt::format("# minus d in {}..{}: max {:.4f} mean {:.4f}; d >= 1.0 ({}..{}): max {:.4f} mean {:.4f}\n",
                   r.dom_minus.lo, r.dom_minus.hi, r.minus.err.max, r.minus.err.mean, one, r.dom_minus.hi, far.max,
                   far.mean);
  s += format_pwl_csv(r.plus.segs, r.minus.segs);
  return s;
}

}  // namespace logmac::pwl
