#include "pwl/pwl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
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
constexpr double kFeasibleSlack = 1e-9;  // LSB: rounding of the double residuals in feasibility tests

// Bounds come from measured errors (the published table's, an optimum's): keep strictly at or below them.
double strict(double bound) { return bound * (1 - 1e-12) - 2 * kFeasibleSlack; }

// The best slope and intercept of one segment and its cost.
struct SegFit {
  double cost = kInf;
  int cand = 0;
  i64 c = 0;
};

// Cost of a set of breakpoints: worst segment (or tail) and the sum over segments and tail.
struct Eval {
  double max = 0, sum = 0;
};

// What a segment's cost is:
//   Max:        max over d of wm(d) |error(d)| (evaluation only: the max objective is solved by greedy cover)
//   Sum:        sum of |error(d)|
//   BoundedSum: Sum, subject to |error(d)| <= limit(d) for every d (max objective, second phase)
//   Dot:        sum of v(d) error(d)^2, subject to |error(d)| <= limit(d) (the dot objective's variance part;
//               its bias part is set by the intercepts afterwards, see balance_intercepts)
enum class Mode { Max, Sum, BoundedSum, Dot };

// One function's fitting problem: exact values, weights, limits, slope candidates, a cache of segment fits.
class Problem {
 public:
  Problem(const Options& o, bool plus, Mode mode, std::vector<double> limit = {},
          const DotFamily* dot = nullptr)
      : plus_(plus), mode_(mode), f_(o.f), limit_(std::move(limit)) {
    dom = fit_domain(o, plus);
    const i64 n = dom.hi + 1;
    ex_.assign(n, 0.0);
    for (i64 d = dom.lo; d < n; ++d) ex_[d] = static_cast<double>(exact_value(plus, d, o.f));
    wm_ = error_weights(o, plus, dom.hi);
    if (limit_.empty()) limit_.assign(n, kInf);
    bounded_ = mode == Mode::BoundedSum || mode == Mode::Dot;
    ws_.assign(n, 1.0);
    if (mode == Mode::Dot) {
      const int fn = plus ? 0 : 1;
      ws_.assign(dot->v[fn].begin(), dot->v[fn].begin() + n);
      for (size_t i = 0; i < dot->parts.size(); ++i) {
        const DotWeights& part = dot->parts[i];
        Part pt;
        pt.offset = dot->offset[i];
        pt.v.assign(part.v[fn].begin(), part.v[fn].begin() + n);
        pt.band.assign(part.band[fn].begin(), part.band[fn].begin() + n);
        parts_.push_back(std::move(pt));
      }
    }
    for (i64 d = 0; d < dom.lo; ++d) ws_[d] = 0;
    total_weight = 0;
    for (double x : ws_) total_weight += x;
    if (total_weight <= 0) total_weight = 1;
    // Beyond the last breakpoint the table is 0: cost and feasibility of that tail from each d.
    tail_max_.assign(n + 1, 0.0);
    tail_sum_.assign(n + 1, 0.0);
    tail_excess_.assign(n + 1, -kInf);
    for (i64 d = n - 1; d >= dom.lo; --d) {
      tail_max_[d] = std::max(tail_max_[d + 1], wm_[d] * std::fabs(ex_[d]));
      tail_sum_[d] = tail_sum_[d + 1] + (mode == Mode::Dot ? ws_[d] * ex_[d] * ex_[d] : ws_[d] * std::fabs(ex_[d]));
      tail_excess_[d] = std::max(tail_excess_[d + 1], std::fabs(ex_[d]) - limit_[d]);
    }
    make_candidates(o);
    if (mode == Mode::Dot) make_prefix_sums();
    cache_.assign(size_t{1} << kCacheBits, {~u64{0}, SegFit{}});
  }

  double tail_cost(i64 from) const {
    if (from > dom.hi) return 0.0;
    if (mode_ == Mode::Max) return tail_max_[from];
    if (bounded_ && tail_excess_[from] > kFeasibleSlack) return kInf;
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

  double score(const Eval& e) const { return mode_ == Mode::Max ? e.max : e.sum / total_weight; }
  // Strict improvement (polish, best-so-far): worst error first for max, else the sum.
  bool better(const Eval& a, const Eval& b) const {
    if (mode_ != Mode::Max) return a.sum < b.sum - 1e-12 * std::max(1.0, std::fabs(b.sum));
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

  // Greedy cover: each segment extended while some candidate (every shift or pair, not only those near the
  // chord) keeps |error(d)| <= scale * lim(d); the rest left to the zero tail as soon as the tail meets it.
  // Optimal: a segment's best error only grows with its range. False if more than k segments are needed.
  // With a relaxation (bounds, not tables): exact shifts use slope * d instead of truncating shifts, real
  // intercepts drop the integer constraint.
  bool cover(const std::vector<double>& lim, double scale, int k, std::vector<i64>& bps,
             const Relaxation& relax = {}) const {
    bps.clear();
    std::vector<double> tail_excess(dom.hi + 2, -kInf);
    for (i64 d = dom.hi; d >= dom.lo; --d)
      tail_excess[d] = std::max(tail_excess[d + 1], std::fabs(ex_[d]) - scale * lim[d]);
    const int nc = static_cast<int>(cands_.size());
    std::vector<double> lo_c(nc), hi_c(nc);
    std::vector<int> alive(nc), next_alive;
    i64 lo = dom.lo;
    while (lo <= dom.hi && tail_excess[lo] > kFeasibleSlack) {
      if (static_cast<int>(bps.size()) == k) return false;
      alive.resize(nc);
      for (int j = 0; j < nc; ++j) alive[j] = j, lo_c[j] = -kInf, hi_c[j] = kInf;
      i64 last = lo - 1;
      for (i64 d = lo; d <= dom.hi && !alive.empty(); ++d) {
        next_alive.clear();
        const double l = scale * lim[d];
        for (int j : alive) {
          const double t = relax.exact_shifts ? slope_[j] * static_cast<double>(d) : static_cast<double>(cands_[j].eval(d));
          const double r = ex_[d] - t;
          const double a = std::max(lo_c[j], r - l), b = std::min(hi_c[j], r + l);
          if (relax.real_intercepts ? a <= b + 2 * kFeasibleSlack
                                    : std::ceil(a - kFeasibleSlack) <= std::floor(b + kFeasibleSlack)) {
            lo_c[j] = a;
            hi_c[j] = b;
            next_alive.push_back(j);
          }
        }
        if (next_alive.empty()) break;
        alive.swap(next_alive);
        last = d;
      }
      if (last < lo) return false;  // a single d cannot be met (a limit below its rounding error)
      bps.push_back(last);
      lo = last + 1;
    }
    // Exactly k segments: split the longest range (a zero tail counts as one); a split never adds error.
    while (static_cast<int>(bps.size()) < k) {
      i64 best_len = 0, at = -1, prev = dom.lo;
      for (size_t i = 0; i <= bps.size(); ++i) {
        const i64 end = i < bps.size() ? bps[i] : dom.hi;
        if (end - prev + 1 > best_len) best_len = end - prev + 1, at = prev + (end - prev) / 2;
        prev = end + 1;
      }
      if (best_len < 2 && (bps.empty() || bps.back() >= dom.hi)) return false;
      bps.insert(std::upper_bound(bps.begin(), bps.end(), at), at);
    }
    return true;
  }

  // For the intercept balancing of the dot objective: per segment, the integer intercepts near its fitted one
  // that keep the limits, with the cost sum v e^2 and the band sums B_a = sum_{d in a} v e at each.
  struct InterceptChoices {
    i64 c0 = 0;                  // intercept of choice 0
    std::vector<double> var;     // per choice: sum v e^2
    std::vector<int> bands;      // the bands the segment's d fall in
    std::vector<double> bsum;    // per choice, per band (choices x bands)
  };
  std::vector<InterceptChoices> intercept_choices(const std::vector<i64>& bps, int window) {
    std::vector<InterceptChoices> out;
    i64 lo = dom.lo;
    for (i64 ub : bps) {
      const SegFit s = fit(lo, ub);
      const PwlSegment& cand = cands_[s.cand];
      double a = -kInf, b = kInf;
      InterceptChoices ch;
      for (i64 d = lo; d <= ub; ++d) {
        const double r = ex_[d] - static_cast<double>(cand.eval(d));
        a = std::max(a, r - limit_[d]);
        b = std::min(b, r + limit_[d]);
        for (const Part& pt : parts_) {
          const int bd = pt.band[d] < 0 ? -1 : pt.offset + pt.band[d];
          if (bd >= 0 && std::find(ch.bands.begin(), ch.bands.end(), bd) == ch.bands.end()) ch.bands.push_back(bd);
        }
      }
      const i64 cmin = std::max(s.c - window, static_cast<i64>(std::ceil(a - kFeasibleSlack)));
      const i64 cmax = std::min(s.c + window, static_cast<i64>(std::floor(b + kFeasibleSlack)));
      ch.c0 = cmin;
      const size_t nb = ch.bands.size();
      for (i64 c = cmin; c <= cmax; ++c) {
        double var = 0;
        ch.bsum.resize(ch.bsum.size() + nb, 0.0);
        double* bs = &ch.bsum[ch.bsum.size() - nb];
        for (i64 d = lo; d <= ub; ++d) {
          if (ws_[d] == 0) continue;
          const double e = static_cast<double>(c + cand.eval(d)) - ex_[d];
          var += ws_[d] * e * e;
          for (const Part& pt : parts_)
            if (pt.v[d] > 0)
              bs[std::find(ch.bands.begin(), ch.bands.end(), pt.offset + pt.band[d]) - ch.bands.begin()] += pt.v[d] * e;
        }
        ch.var.push_back(var);
      }
      out.push_back(std::move(ch));
      lo = ub + 1;
    }
    return out;
  }
  // The band sums of the zero tail from `from` to the end of the domain, added into `bands` (its sum v e^2 is
  // fixed: no intercept changes it).
  void tail_bands(i64 from, std::vector<double>& bands) const {
    for (i64 d = from; d <= dom.hi; ++d)
      for (const Part& pt : parts_)
        if (pt.v[d] > 0) bands[pt.offset + pt.band[d]] -= pt.v[d] * ex_[d];
  }

  Domain dom;
  double total_weight = 1;

 private:
  static constexpr int kCacheBits = 18;
  static constexpr i64 kMaxPrefixEntries = i64{8} << 20;  // above: sums by scanning (memory)

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

  // Dot: prefix sums over d of v, v r, v r^2 (r = exact - slope term, per candidate): O(1) segment moments.
  void make_prefix_sums() {
    const i64 n = dom.hi + 1;
    p0_.assign(n + 1, 0.0);
    for (i64 d = 0; d < n; ++d) p0_[d + 1] = p0_[d] + ws_[d];
    if (static_cast<i64>(cands_.size()) * (n + 1) > kMaxPrefixEntries) return;
    p1_.assign(cands_.size(), {});
    p2_.assign(cands_.size(), {});
    for (size_t j = 0; j < cands_.size(); ++j) {
      auto& a = p1_[j];
      auto& b = p2_[j];
      a.assign(n + 1, 0.0);
      b.assign(n + 1, 0.0);
      for (i64 d = 0; d < n; ++d) {
        const double r = ex_[d] - static_cast<double>(cands_[j].eval(d));
        a[d + 1] = a[d] + ws_[d] * r;
        b[d + 1] = b[d] + ws_[d] * r * r;
      }
    }
  }
  void moments(int j, i64 lo, i64 hi, double& s1, double& s2) const {
    if (!p1_.empty()) {
      s1 = p1_[j][hi + 1] - p1_[j][lo];
      s2 = p2_[j][hi + 1] - p2_[j][lo];
      return;
    }
    s1 = s2 = 0;
    for (i64 d = lo; d <= hi; ++d) {
      const double r = ex_[d] - static_cast<double>(cands_[j].eval(d));
      s1 += ws_[d] * r;
      s2 += ws_[d] * r * r;
    }
  }

  SegFit compute(i64 lo, i64 hi) {
    SegFit best = compute_from(lo, hi, true);
    // Bounded modes: when no slope near the chord keeps the limits, try every one.
    if (bounded_ && best.cost == kInf && static_cast<int>(cands_.size()) > n_p2_) best = compute_from(lo, hi, false);
    return best;
  }

  SegFit compute_from(i64 lo, i64 hi, bool near_chord) {
    SegFit best;
    // Local slope of the function (a single point uses its neighbour): p2x2 candidates are tried only
    // near it, and among equally good candidates the one nearest it wins (no odd shifts on tiny segments).
    const i64 a = hi > lo ? lo : (lo > dom.lo ? lo - 1 : lo), b = hi > lo ? hi : (hi < dom.hi ? hi + 1 : hi);
    const double chord = b > a ? (ex_[b] - ex_[a]) / static_cast<double>(b - a) : 0.0;
    const int nc = static_cast<int>(cands_.size());
    double best_dist = kInf;
    buf_.resize(static_cast<size_t>(hi - lo + 1));
    order_.clear();
    for (int j = 0; j < nc; ++j) {
      const double ratio = slope_[j] / chord;
      // (Max evaluates what the greedy cover found with every candidate.)
      if (near_chord && mode_ != Mode::Max && j >= n_p2_ && (hi == lo || !(ratio >= 0.5 && ratio <= 2.0))) continue;
      order_.push_back({ratio > 0 ? std::fabs(std::log2(ratio)) : 1e9 - std::fabs(slope_[j]), j});
    }
    if (mode_ == Mode::Dot) return fit_dot(lo, hi);
    // Nearest slopes first: the best candidate is usually found early and prunes the others.
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
    double rmin = kInf, rmax = -kInf;
    bool weighted = false;
    const double limit = 2 * best_cost + 1;
    for (i64 d = lo; d <= hi; ++d) {
      const double r = ex_[d] - static_cast<double>(s.eval(d));
      buf_[d - lo] = r;
      rmin = std::min(rmin, r);
      rmax = std::max(rmax, r);
      weighted |= wm_[d] < 1;
      if (!weighted && rmax - rmin > limit) return {};  // cannot beat the best candidate
    }
    if (!weighted) {
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
      if (std::min(u, v) > best_cost + 1) return {};
      if (u >= v) b = m;
      else a = m + 1;
    }
    const double g1 = std::max(up(a), down(a)), g0 = std::max(up(a - 1), down(a - 1));
    return g0 < g1 ? SegFit{g0, 0, a - 1} : SegFit{g1, 0, a};
  }

  // Median intercept: the sum of |c - r| is minimal at the median; BoundedSum clamps it into the integers
  // where every |c - r| <= limit.
  SegFit fit_sum(const PwlSegment& s, i64 lo, i64 hi) {
    double rmin = kInf, rmax = -kInf, lo_c = -kInf, hi_c = kInf;
    for (i64 d = lo; d <= hi; ++d) {
      const double r = ex_[d] - static_cast<double>(s.eval(d));
      buf_[d - lo] = r;
      rmin = std::min(rmin, r);
      rmax = std::max(rmax, r);
      if (bounded_) {
        lo_c = std::max(lo_c, r - limit_[d]);
        hi_c = std::min(hi_c, r + limit_[d]);
        if (lo_c > hi_c + 2 * kFeasibleSlack) return {};  // no intercept keeps the limits
      }
    }
    i64 cmin = std::numeric_limits<i64>::min(), cmax = std::numeric_limits<i64>::max();
    if (bounded_) {
      cmin = static_cast<i64>(std::ceil(lo_c - kFeasibleSlack));
      cmax = static_cast<i64>(std::floor(hi_c + kFeasibleSlack));
      if (cmin > cmax) return {};
    }
    auto cost_at = [&](i64 c) {
      double t = 0;
      for (i64 d = lo; d <= hi; ++d) t += std::fabs(static_cast<double>(c) - buf_[d - lo]);
      return t;
    };
    med_.assign(buf_.begin(), buf_.begin() + (hi - lo + 1));
    auto mid = med_.begin() + static_cast<long>(med_.size() / 2);
    std::nth_element(med_.begin(), mid, med_.end());
    i64 c = static_cast<i64>(std::floor(*mid));
    if (cost_at(c + 1) < cost_at(c)) ++c;
    c = std::clamp(c, cmin, cmax);
    return {cost_at(c), 0, c};
  }

  // Dot: sum v (c - r)^2 = s2 - 2 c s1 + c^2 s0, minimal at c = s1 / s0, clamped into the integers that keep
  // the limits. Candidates in order of their unconstrained optimum (a lower bound): most are never scanned.
  SegFit fit_dot(i64 lo, i64 hi) {
    const double s0 = p0_[hi + 1] - p0_[lo];
    dot_order_.clear();
    for (const auto& [dist, j] : order_) {
      double s1, s2;
      moments(j, lo, hi, s1, s2);
      const double lb = s0 > 0 ? std::max(0.0, s2 - s1 * s1 / s0) : 0.0;
      dot_order_.push_back({lb, dist, j, s1, s2});
    }
    std::sort(dot_order_.begin(), dot_order_.end(), [](const DotCand& x, const DotCand& y) {
      return x.lb != y.lb ? x.lb < y.lb : (x.dist != y.dist ? x.dist < y.dist : x.j < y.j);
    });
    SegFit best;
    double best_dist = kInf;
    for (const DotCand& dc : dot_order_) {
      if (dc.lb > best.cost + 1e-12 * std::max(1.0, best.cost)) break;
      double lo_c = -kInf, hi_c = kInf, rmin = kInf, rmax = -kInf;
      bool ok = true;
      for (i64 d = lo; d <= hi && ok; ++d) {
        const double r = ex_[d] - static_cast<double>(cands_[dc.j].eval(d));
        rmin = std::min(rmin, r);
        rmax = std::max(rmax, r);
        lo_c = std::max(lo_c, r - limit_[d]);
        hi_c = std::min(hi_c, r + limit_[d]);
        ok = lo_c <= hi_c + 2 * kFeasibleSlack;
      }
      const i64 cmin = static_cast<i64>(std::ceil(lo_c - kFeasibleSlack));
      const i64 cmax = static_cast<i64>(std::floor(hi_c + kFeasibleSlack));
      if (!ok || cmin > cmax) continue;
      // No weight on the segment: the minimax intercept (the table stays sane where no workload looks).
      const double target = s0 > 0 ? dc.s1 / s0 : (rmin + rmax) / 2;
      for (i64 c : {static_cast<i64>(std::floor(target)), static_cast<i64>(std::floor(target)) + 1}) {
        const i64 cc = std::clamp(c, cmin, cmax);
        const double x = static_cast<double>(cc);
        const double cost = s0 > 0 ? std::max(0.0, dc.s2 - 2 * x * dc.s1 + x * x * s0) : 0.0;
        const double tie = s0 > 0 ? 0.0 : std::fabs(x - target);
        if (cost < best.cost - 1e-12 * std::max(1.0, best.cost) ||
            (cost <= best.cost + 1e-12 * std::max(1.0, best.cost) && dc.dist + tie < best_dist)) {
          best = {cost, dc.j, cc};
          best_dist = dc.dist + tie;
        }
      }
    }
    return best;
  }

  struct DotCand {
    double lb, dist;
    int j;
    double s1, s2;
  };

  bool plus_;
  Mode mode_;
  int f_;
  bool bounded_ = false;
  std::vector<double> limit_;
  std::vector<std::pair<double, int>> order_;
  std::vector<DotCand> dot_order_;
  std::vector<double> ex_, wm_, ws_, tail_max_, tail_sum_, tail_excess_, slope_, buf_, med_, p0_;
  std::vector<std::vector<double>> p1_, p2_;
  struct Part {  // Dot: one workload of the family: its weights and the (family) band of each d
    int offset = 0;
    std::vector<double> v;
    std::vector<int> band;
  };
  std::vector<Part> parts_;
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
  double cs = p.score(ce), bs = cs;
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
    const double ns = p.score(ne);
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

long chain_length(const Options& o, const Domain& dom) {
  const i64 n = dom.hi - dom.lo + 1;
  // The dot objective's segment fits are O(1) (prefix sums) and its landscape is flatter: 3x longer chains.
  const long factor = o.objective == Objective::Dot ? 3 : 1;
  return std::min<long>(200000, 3000L * o.k + 30L * static_cast<long>(n)) * o.effort * factor;
}
constexpr int kChains = 3;

// Per-d limit |error(d)| <= limit(d) of the max objective at worst weighted error `e`.
std::vector<double> weighted_limit(const Options& o, bool plus, const Domain& dom, double e) {
  const auto wm = error_weights(o, plus, dom.hi);
  std::vector<double> lim(dom.hi + 1, kInf);
  for (i64 d = dom.lo; d <= dom.hi; ++d) lim[d] = e / wm[d];
  return lim;
}

// Per-d limits of the dot objective.
std::vector<double> bound_limit(const Options& o, bool plus, const Domain& dom, const Bounds& b) {
  std::vector<double> lim(dom.hi + 1, kInf);
  const i64 one = i64{1} << o.f;
  for (i64 d = dom.lo; d <= dom.hi; ++d)
    lim[d] = strict(plus ? b.plus : (d >= one ? b.minus : b.minus_near));
  return lim;
}

std::string fn_name(bool plus) { return plus ? "plus" : "minus"; }

std::string fmt_seconds(std::chrono::steady_clock::time_point t0) {
  return fmt::format("{:.1f} s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// One function of the dot objective: annealed breakpoints and, for the bias stage, the choices of intercept.
struct DotFn {
  FnResult res;
  std::vector<i64> bps;
  std::vector<Problem::InterceptChoices> choices;
  std::vector<double> tail_bands;  // band sums of the zero tail inside the fit domain
};

// Every chain's table is kept: which one is best depends on the bias stage, which couples the two functions.
std::vector<DotFn> optimize_dot_fn(const Options& o, bool plus, const DotFamily& wt, const Bounds& bounds,
                                   const ProgressFn& progress) {
  const Domain dom = fit_domain(o, plus);
  const std::vector<double> lim = bound_limit(o, plus, dom, bounds);
  Problem p(o, plus, Mode::Dot, lim, &wt);
  // Start: the most even feasible cover (the smallest scale of the limits a greedy cover meets).
  std::vector<i64> start;
  if (!p.cover(lim, 1.0, o.k, start))
    bad(fmt::format("pwl: no table of {} {} segments with {} slopes keeps the {} bound{} (the max objective's "
                    "optimum is {:.4f} LSB; see --bound-*)",
                    o.k, fn_name(plus), to_string(o.slopes), fn_name(plus),
                    plus ? fmt::format(" {:.4f}", bounds.plus)
                         : fmt::format("s {:.4f} (d >= 1.0) / {:.4f} (d < 1.0)", bounds.minus, bounds.minus_near),
                    minimax_optimum(o, plus).error));
  double a = 0, b = 1;
  for (int it = 0; it < 40; ++it) {
    const double m = (a + b) / 2;
    std::vector<i64> t;
    (p.cover(lim, m, o.k, t) ? b : a) = m;
  }
  p.cover(lim, b, o.k, start);
  const auto t0 = std::chrono::steady_clock::now();
  const long per_chain = chain_length(o, dom);
  std::vector<DotFn> out;
  for (int ch = 0; ch < kChains; ++ch) {
    const std::uint64_t seed = o.seed * 1000003u + static_cast<u64>(ch) * 2 + (plus ? 0 : 1);
    std::vector<i64> bp = anneal(p, start, seed, per_chain);
    polish(p, bp, 16);
    const Eval e = p.evaluate(bp);
    DotFn r;
    r.bps = bp;
    r.res.segs = p.segments(bp);
    r.res.objective = std::sqrt(p.objective(e));
    r.choices = p.intercept_choices(bp, 3);
    r.tail_bands.assign(static_cast<size_t>(wt.bands), 0.0);
    p.tail_bands(bp.empty() ? dom.lo : bp.back() + 1, r.tail_bands);
    out.push_back(std::move(r));
    if (progress)
      progress(fmt::format("pwl: {} chain {}/{} done ({}, weighted rms {:.4f} LSB)", fn_name(plus), ch + 1, kChains,
                           fmt_seconds(t0), r.res.objective));
  }
  return out;
}

// The bias stage of the dot objective: the integer intercepts (within +-3 of each segment's own optimum,
// inside the limits) that minimize  sum_s var_s(c_s) + sum_ab G_ab B_a B_b,  B = fixed + sum_s B_s(c_s)
// (pwl/dhist.hpp). A Lagrangian scan along the total bias (each segment minimizes var + t sum_a B_a for a grid
// of t), then single +-1 moves and pairs of opposite moves while they lower the cost.
// var + B^T G B of a choice of intercepts, updated incrementally as single intercepts change.
class BiasState {
 public:
  BiasState(const DotFamily& fam, const std::vector<double>& fixed) : g_(&fam.g), n_(fam.bands), b_(fixed), gb_(n_) {
    for (int i = 0; i < n_; ++i)
      for (int j = 0; j < n_; ++j) gb_[i] += (*g_)[static_cast<size_t>(i) * n_ + j] * b_[j];
  }
  void add(const Problem::InterceptChoices& ch, int pick, double sign) {
    var_ += sign * ch.var[pick];
    const size_t nb = ch.bands.size();
    for (size_t j = 0; j < nb; ++j) {
      const double delta = sign * ch.bsum[pick * nb + j];
      const int a = ch.bands[j];
      b_[a] += delta;
      const double* col = &(*g_)[static_cast<size_t>(a) * n_];  // G is symmetric: row a = column a
      for (int k = 0; k < n_; ++k) gb_[k] += col[k] * delta;
    }
  }
  void move(const Problem::InterceptChoices& ch, int from, int to) {
    add(ch, from, -1);
    add(ch, to, 1);
  }
  double cost() const {
    double q = 0;
    for (int k = 0; k < n_; ++k) q += b_[k] * gb_[k];
    return var_ + q;
  }

 private:
  const std::vector<double>* g_;
  int n_;
  std::vector<double> b_, gb_;
  double var_ = 0;
};

// The bias stage of the dot objective: the integer intercepts (within +-3 of each segment's own optimum,
// inside the limits) that minimize  sum_s var_s(c_s) + B^T G B,  B = fixed + sum_s B_s(c_s)
// (pwl/dhist.hpp). A Lagrangian scan along the total bias (each segment minimizes var + t sum_a B_a for a grid
// of t), then single +-1 moves and pairs of opposite moves while they lower the cost. Returns the cost.
double balance_intercepts(std::vector<DotFn*> fns, const std::vector<double>& fixed, const DotFamily& wt) {
  std::vector<Problem::InterceptChoices*> segs;
  std::vector<PwlSegment*> out;
  std::vector<int> best;
  for (DotFn* fn : fns)
    for (size_t i = 0; i < fn->choices.size(); ++i) {
      auto& ch = fn->choices[i];
      if (ch.var.empty()) continue;
      segs.push_back(&ch);
      out.push_back(&fn->res.segs[i]);
      best.push_back(std::clamp(static_cast<int>(fn->res.segs[i].c - ch.c0), 0, static_cast<int>(ch.var.size()) - 1));
    }
  const size_t n = segs.size();
  auto fresh = [&](const std::vector<int>& pick) {
    BiasState st(wt, fixed);
    for (size_t i = 0; i < n; ++i) st.add(*segs[i], pick[i], 1);
    return st;
  };
  std::vector<std::vector<double>> seg_bias(n);  // total bias of each choice
  for (size_t i = 0; i < n; ++i) {
    const size_t nb = segs[i]->bands.size();
    for (size_t c = 0; c < segs[i]->var.size(); ++c) {
      double t = 0;
      for (size_t j = 0; j < nb; ++j) t += segs[i]->bsum[c * nb + j];
      seg_bias[i].push_back(t);
    }
  }
  BiasState st = fresh(best);
  double best_cost = st.cost();
  std::vector<int> pick = best;
  for (int g = -350; g <= 350; ++g) {
    const double t = g * 0.02;  // d var / d bias of a +-1 step is 2 delta + 1: at most 7 in a +-3 window
    for (size_t i = 0; i < n; ++i) {
      int bi = 0;
      double bv = kInf;
      for (int c = 0; c < static_cast<int>(segs[i]->var.size()); ++c) {
        const double v = segs[i]->var[c] + t * seg_bias[i][c];
        if (v < bv) bv = v, bi = c;
      }
      if (bi != pick[i]) st.move(*segs[i], pick[i], bi), pick[i] = bi;
    }
    const double cost = st.cost();
    if (cost < best_cost) best_cost = cost, best = pick;
  }
  st = fresh(best);
  best_cost = st.cost();
  for (bool improved = true; improved;) {
    improved = false;
    for (size_t i = 0; i < n; ++i)
      for (int di : {-1, 1}) {
        const int ci = best[i] + di;
        if (ci < 0 || ci >= static_cast<int>(segs[i]->var.size())) continue;
        st.move(*segs[i], best[i], ci);
        double cost = st.cost();
        if (cost < best_cost * (1 - 1e-12)) {
          best_cost = cost, best[i] = ci, improved = true;
          continue;
        }
        bool taken = false;
        for (size_t j = 0; j < n && !taken; ++j) {
          const int cj = best[j] - di;
          if (j == i || cj < 0 || cj >= static_cast<int>(segs[j]->var.size())) continue;
          st.move(*segs[j], best[j], cj);
          cost = st.cost();
          if (cost < best_cost * (1 - 1e-12)) {
            best_cost = cost, best[i] = ci, best[j] = cj, improved = taken = true;
          } else {
            st.move(*segs[j], cj, best[j]);
          }
        }
        if (!taken) st.move(*segs[i], ci, best[i]);
      }
  }
  for (size_t i = 0; i < n; ++i) out[i]->c = segs[i]->c0 + best[i];
  return fresh(best).cost();
}

// Flattened table values for d in 0..dlimit (as the model's DeltaUnit, 0 beyond the last breakpoint).
std::vector<std::int32_t> flatten(const std::vector<PwlSegment>& segs, i64 dlimit) {
  std::vector<std::int32_t> v(static_cast<size_t>(dlimit + 1));
  for (i64 d = 0; d <= dlimit; ++d) v[d] = static_cast<std::int32_t>(table_value(segs, d));
  return v;
}

// A fit workload quantized once for the format (the candidates differ only in their delta tables), with the
// exact sums of the quantized operands: arith nrmse as measure_accuracy computes it, without re-encoding.
struct Quantized {
  int count = 0, terms = 0;
  std::vector<u64> a, b;
  std::vector<double> exact;
  double rms = 0;
};
Quantized quantize(const LnsMac& m, const DotWorkload& wl) {
  Quantized q;
  q.count = wl.count;
  q.terms = wl.terms;
  double r2 = 0;
  for (int k = 0; k < wl.count; ++k) {
    double sum = 0;
    for (int i = 0; i < wl.terms; ++i) {
      const size_t j = static_cast<size_t>(k) * wl.terms + i;
      q.a.push_back(m.encode_a(wl.a[j]));
      q.b.push_back(m.encode_b(wl.b[j]));
      sum += m.value_a(q.a.back()) * m.value_b(q.b.back());
    }
    q.exact.push_back(sum);
    r2 += sum * sum;
  }
  q.rms = std::sqrt(r2 / std::max(1, wl.count));
  return q;
}
double arith_nrmse(const LnsMac& m, const Quantized& q) {
  double se = 0;
  for (int k = 0; k < q.count; ++k) {
    const size_t at = static_cast<size_t>(k) * q.terms;
    const double e = m.value_acc(run_dot(m, &q.a[at], &q.b[at], q.terms)) - q.exact[k];
    se += e * e;
  }
  return q.rms > 0 ? std::sqrt(se / q.count) / q.rms : 0.0;
}

// The lns MAC of format o with a candidate table, in memory: what delta=pwl:FILE would build from the table's
// file (the flattened values are the segments' bit-true values, as the round-trip test checks).
MacConfig config_with_table(const Options& o, const std::vector<PwlSegment>& plus,
                            const std::vector<PwlSegment>& minus) {
  MacConfig c = parse_spec(fmt::format("lns:w={},f={},delta=exact", o.w, o.f));
  DeltaUnit u;
  u.kind = DeltaKind::Pwl;
  u.f = o.f;
  u.source = "candidate";
  u.seg_plus = plus;
  u.seg_minus = minus;
  const i64 dl = i64{1} << (o.w - 2);
  u.plus = flatten(plus, dl);
  u.minus = flatten(minus, dl);
  u.minus[0] = 0;  // d = 0 with opposite signs cancels exactly (never looked up)
  c.delta_unit = std::make_shared<const DeltaUnit>(std::move(u));
  return c;
}

}  // namespace

const char* to_string(Slopes s) { return s == Slopes::P2 ? "p2" : "p2x2"; }
const char* to_string(Objective o) {
  return o == Objective::Dot ? "dot" : (o == Objective::Max ? "max" : "mean");
}
const char* to_string(NearZero n) { return n == NearZero::Result ? "result" : "plain"; }

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
  for (double b : {o.bounds.plus, o.bounds.minus, o.bounds.minus_near})
    if (!std::isfinite(b)) bad("pwl: a --bound-* must be a finite number of LSB");
  if (o.objective == Objective::Dot && o.workload.empty() && o.dhist.empty())
    bad("pwl: the dot objective needs a workload (--workload or --dhist)");
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
  long double sum = 0, signed_sum = 0;
  for (i64 d = lo; d <= hi; ++d) {
    const long double diff = static_cast<long double>(table_value(segs, d)) - exact_value(plus, d, f);
    const long double err = std::fabs(diff);
    sum += err;
    signed_sum += diff;
    if (static_cast<double>(err) > e.max) {
      e.max = static_cast<double>(err);
      e.argmax = d;
    }
  }
  if (hi >= lo) {
    e.mean = static_cast<double>(sum / static_cast<long double>(hi - lo + 1));
    e.signed_mean = static_cast<double>(signed_sum / static_cast<long double>(hi - lo + 1));
  }
  return e;
}

std::vector<double> error_weights(const Options& o, bool plus, i64 hi) {
  std::vector<double> w(static_cast<size_t>(hi + 1), 1.0);
  if (!plus && o.near_zero == NearZero::Result)
    for (i64 d = 1; d <= hi && d < (i64{1} << o.f); ++d)
      w[d] = static_cast<double>(-2 * std::expm1(-std::ldexp(static_cast<long double>(d), -o.f) * std::log(2.0L)));
  return w;
}

WorstErrors worst_errors(const Options& o, const std::vector<PwlSegment>& plus, const std::vector<PwlSegment>& minus) {
  const Domain dp = fit_domain(o, true), dm = fit_domain(o, false);
  const i64 one = i64{1} << o.f;
  WorstErrors w;
  w.plus = table_error(plus, true, o.f, dp.lo, dp.hi).max;
  w.minus = one <= dm.hi ? table_error(minus, false, o.f, one, dm.hi).max : 0.0;
  w.minus_near = table_error(minus, false, o.f, dm.lo, std::min(one - 1, dm.hi)).max;
  return w;
}

MinimaxOptimum minimax_optimum(const Options& o, bool plus, const Relaxation& relax) {
  Options q = o;
  q.objective = Objective::Max;
  Problem p(q, plus, Mode::Max);
  const std::vector<double> unit = weighted_limit(q, plus, p.dom, 1.0);
  // Bisection on the worst weighted error; the zero table (all tail) bounds it from above.
  double a = 0, b = p.tail_cost(p.dom.lo) + 1;
  std::vector<i64> bps;
  for (int it = 0; it < 60 && b - a > 1e-12 * std::max(1.0, b); ++it) {
    const double m = (a + b) / 2;
    (p.cover(unit, m, q.k, bps, relax) ? b : a) = m;
  }
  MinimaxOptimum r;
  p.cover(unit, b, q.k, r.breakpoints, relax);
  if (relax.exact_shifts || relax.real_intercepts) {
    r.error = b;  // a bound: no bit-true table to measure
    return r;
  }
  r.error = p.evaluate(r.breakpoints).max;
  r.segs = p.segments(r.breakpoints);
  return r;
}

int segments_needed(const Options& o, bool plus, double limit) {
  Options q = o;
  q.objective = Objective::Max;
  q.k = 1;
  Problem p(q, plus, Mode::Max);
  const std::vector<double> lim = weighted_limit(q, plus, p.dom, limit);
  std::vector<i64> bps;
  for (int k = 1; k <= kMaxSegments; ++k)
    if (p.cover(lim, 1.0, k, bps)) return k;
  return 0;
}

ResolvedBounds resolve_bounds(const Options& o) {
  ResolvedBounds r;
  // Per function: the published table's worst errors where one exists and K segments can keep them (the
  // published tables have 16; at K = 8 no table keeps 16/8's); else 1.5x those of the max objective's optimum
  // (the published tables sit 1.6-2x above it at K = 16).
  const bool published = qaa_table_exists(o.w, o.f);
  WorstErrors pub;
  if (published) {
    const DeltaUnit u = make_delta_unit("pwl:qaa", o.w, o.f, 16, i64{1} << (o.w - 2));
    pub = worst_errors(o, u.seg_plus, u.seg_minus);
  }
  std::string why[2];
  for (bool plus : {true, false}) {
    const Domain dom = fit_domain(o, plus);
    bool use_published = published;
    if (published) {
      Bounds given = {pub.plus, pub.minus, pub.minus_near};
      if (o.bounds.plus > 0) given.plus = o.bounds.plus;
      if (o.bounds.minus > 0) given.minus = o.bounds.minus;
      if (o.bounds.minus_near > 0) given.minus_near = o.bounds.minus_near;
      const std::vector<double> lim = bound_limit(o, plus, dom, given);
      Problem p(o, plus, Mode::Max);
      std::vector<i64> bps;
      use_published = p.cover(lim, 1.0, o.k, bps);
    }
    WorstErrors ref = pub;
    if (use_published) {
      why[plus ? 0 : 1] = "the published table's";
    } else {
      const MinimaxOptimum m = minimax_optimum(o, plus);
      ref = plus ? worst_errors(o, m.segs, {}) : worst_errors(o, {}, m.segs);
      ref.plus *= 1.5, ref.minus *= 1.5, ref.minus_near *= 1.5;
      why[plus ? 0 : 1] = published ? fmt::format("1.5x the max objective's optimum (no {} segments keep the "
                                                  "published table's)", o.k)
                                    : "1.5x the max objective's optimum";
    }
    if (plus) {
      r.b.plus = o.bounds.plus > 0 ? o.bounds.plus : ref.plus;
    } else {
      r.b.minus = o.bounds.minus > 0 ? o.bounds.minus : ref.minus;
      r.b.minus_near = o.bounds.minus_near > 0 ? o.bounds.minus_near : ref.minus_near;
    }
  }
  r.source = why[0] == why[1] ? why[0] : fmt::format("plus: {}; minus: {}", why[0], why[1]);
  if (o.bounds.plus > 0 || o.bounds.minus > 0 || o.bounds.minus_near > 0) r.source = "given; others: " + r.source;
  return r;
}

DotWorkload make_workload(const std::string& kind, int count, int terms, std::uint64_t seed) {
  if (kind == "heavy") return make_heavy_workload(count, terms, seed);
  DotWorkload wl = make_nn_workload(count, terms, seed);
  if (kind == "pos")
    for (double& b : wl.b) b = std::fabs(b);
  else if (kind != "nn")
    bad(fmt::format("pwl: workload kind '{}' is not one of nn, heavy, pos", kind));
  return wl;
}

std::vector<FitWorkload> fit_workloads(const Options& o) {
  std::vector<FitWorkload> out;
  if (o.workload.empty()) return out;
  size_t start = 0;
  for (int index = 0;; ++index) {
    const size_t comma = o.workload.find(',', start);
    const std::string item = o.workload.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t colon = item.find(':');
    const std::string kind = item.substr(0, colon);
    int terms = 0;
    size_t pos = 0;
    try {
      if (colon != std::string::npos) terms = std::stoi(item.substr(colon + 1), &pos);
    } catch (...) {
      pos = 0;
    }
    if ((kind != "nn" && kind != "heavy" && kind != "pos") || colon == std::string::npos || pos == 0 ||
        pos != item.size() - colon - 1 || terms < 16 || terms > 4096)
      bad(fmt::format("pwl: --workload {}: '{}' is not KIND:TERMS (KIND nn, heavy or pos; TERMS 16..4096)",
                      o.workload, item));
    // About 2^20 MACs, more at f > 8 (the same number of lookups per d value).
    const long macs = std::min<long>(long{1} << 23, long{1} << (20 + std::max(0, o.f - 8)));
    const int count = static_cast<int>(std::max<long>(16, macs / terms));
    FitWorkload fw;
    fw.name = item;
    fw.seed = o.seed * 1000003u + 17 + static_cast<std::uint64_t>(index) * 101;
    fw.data = make_workload(kind, count, terms, fw.seed);
    out.push_back(std::move(fw));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

DotFamily objective_family(const Options& o, std::vector<FitWorkload>* generated) {
  std::vector<DotWeights> parts;
  for (const std::string& file : o.dhist) parts.push_back(dot_weights(read_dhistogram(file), o.w, o.f));
  std::vector<FitWorkload> fws = fit_workloads(o);
  for (const FitWorkload& fw : fws) {
    const std::string name = fmt::format("{} ({} dot products, seed {})", fw.name, fw.data.count, fw.seed);
    parts.push_back(dot_weights(record_dhistogram(o.w, o.f, fw.data, name), o.w, o.f));
  }
  if (parts.empty()) bad("pwl: the dot objective needs a workload (--workload or --dhist)");
  if (generated) *generated = std::move(fws);
  return DotFamily(std::move(parts));
}

FnResult optimize_fn(const Options& o, bool plus) {
  const Domain dom = fit_domain(o, plus);
  if (o.objective == Objective::Dot) {
    const DotFamily wt = objective_family(o);
    std::vector<DotFn> rs = optimize_dot_fn(o, plus, wt, resolve_bounds(o).b, {});
    double best = kInf;
    FnResult out;
    for (DotFn& r : rs) {
      const double cost = balance_intercepts({&r}, r.tail_bands, wt);
      if (cost < best) best = cost, out = r.res;
    }
    out.err = table_error(out.segs, plus, o.f, dom.lo, dom.hi);
    return out;
  }
  FnResult r;
  if (o.objective == Objective::Max) {
    // Exact worst error by greedy cover; then, keeping it, the smallest mean error (annealing from there).
    const MinimaxOptimum opt = minimax_optimum(o, plus);
    Problem q(o, plus, Mode::BoundedSum, weighted_limit(o, plus, dom, opt.error * (1 + 1e-12) + 1e-12));
    std::vector<i64> best = opt.breakpoints;
    Eval be = q.evaluate(best);
    const long per_chain = chain_length(o, dom) / 2;
    for (int ch = 0; ch < 2; ++ch) {
      std::vector<i64> b = anneal(q, opt.breakpoints, o.seed * 1000003u + 7 + 2 * ch + (plus ? 0 : 1), per_chain);
      polish(q, b, 16);
      const Eval e = q.evaluate(b);
      if (q.better(e, be)) best = b, be = e;
    }
    r.segs = q.segments(best);
    r.objective = opt.error;
  } else {
    Problem p(o, plus, Mode::Sum);
    const long per_chain = chain_length(o, dom);
    std::vector<i64> best;
    Eval be{kInf, kInf};
    for (int ch = 0; ch < kChains; ++ch) {
      const std::uint64_t seed = o.seed * 1000003u + static_cast<u64>(ch) * 2 + (plus ? 0 : 1);
      std::vector<i64> b = anneal(p, uniform_breakpoints(p.dom, o.k), seed, per_chain);
      polish(p, b, 16);
      const Eval e = p.evaluate(b);
      if (best.empty() || p.better(e, be)) best = b, be = e;
    }
    r.segs = p.segments(best);
    r.objective = p.objective(be);
  }
  r.err = table_error(r.segs, plus, o.f, dom.lo, dom.hi);
  return r;
}

Result optimize(const Options& o, bool threads, const ProgressFn& progress) {
  check_options(o);
  const auto t0 = std::chrono::steady_clock::now();
  Result r;
  r.opt = o;
  r.dom_plus = fit_domain(o, true);
  r.dom_minus = fit_domain(o, false);
  std::mutex mu;
  const ProgressFn locked = [&](const std::string& line) {
    if (!progress) return;
    std::lock_guard lock(mu);
    progress(line);
  };
  auto run_both = [&](auto&& fn_plus, auto&& fn_minus) {
    if (threads) {
      std::exception_ptr err;
      std::thread t([&] {
        try {
          fn_minus();
        } catch (...) {
          err = std::current_exception();
        }
      });
      try {
        fn_plus();
      } catch (...) {
        t.join();
        throw;
      }
      t.join();
      if (err) std::rethrow_exception(err);
    } else {
      fn_plus();
      fn_minus();
    }
  };
  if (o.objective == Objective::Dot) {
    r.bounds = resolve_bounds(o);
    std::vector<FitWorkload> generated;
    const DotFamily wt = objective_family(o, &generated);
    for (const DotWeights& part : wt.parts) {
      r.workloads.push_back(part.source);
      locked(fmt::format("pwl: dot objective: {}: {} lookups, coherence {:.1f}", part.source, part.lookups,
                         part.coherence));
    }
    locked(fmt::format("pwl: bounds plus {:.4f}, minus d >= 1.0 {:.4f}, minus d < 1.0 {:.4f} LSB ({})",
                       r.bounds.b.plus, r.bounds.b.minus, r.bounds.b.minus_near, r.bounds.source));
    std::vector<DotFn> plus, minus;
    run_both([&] { plus = optimize_dot_fn(o, true, wt, r.bounds.b, locked); },
             [&] { minus = optimize_dot_fn(o, false, wt, r.bounds.b, locked); });
    // The error beyond the fit domain (table 0 there, the exact value rounds to 0) is fixed: part of the bias.
    std::vector<double> fixed(static_cast<size_t>(wt.bands), 0.0);
    for (int fn = 0; fn < 2; ++fn) {
      const Domain dom = fn ? r.dom_minus : r.dom_plus;
      for (size_t i = 0; i < wt.parts.size(); ++i) {
        const DotWeights& part = wt.parts[i];
        for (i64 d = dom.hi + 1; d < static_cast<i64>(part.v[fn].size()); ++d)
          if (part.v[fn][d] > 0)
            fixed[wt.offset[i] + part.band[fn][d]] -= part.v[fn][d] * static_cast<double>(exact_value(fn == 0, d, o.f));
      }
    }
    // Candidates: every pair of chains through the bias stage, and the max objective's optimum where it keeps
    // the bounds (at small f it is exact rounding, which the first-order model cannot tell apart).
    struct Candidate {
      std::vector<PwlSegment> plus, minus;
      std::string what;
      double model = 0, simulated = 0;
    };
    std::vector<Candidate> cands;
    for (size_t i = 0; i < plus.size(); ++i)
      for (size_t j = 0; j < minus.size(); ++j) {
        DotFn pp = plus[i], mm = minus[j];
        std::vector<double> all = fixed;
        for (size_t b = 0; b < all.size(); ++b) all[b] += pp.tail_bands[b] + mm.tail_bands[b];
        balance_intercepts({&pp, &mm}, all, wt);
        cands.push_back({pp.res.segs, mm.res.segs, fmt::format("chains {}/{}", i + 1, j + 1)});
      }
    {
      const MinimaxOptimum mp = minimax_optimum(o, true), mm = minimax_optimum(o, false);
      const WorstErrors we = worst_errors(o, mp.segs, mm.segs);
      if (we.plus <= r.bounds.b.plus && we.minus <= r.bounds.b.minus && we.minus_near <= r.bounds.b.minus_near)
        cands.push_back({mp.segs, mm.segs, "the max objective's optimum"});
    }
    // Ranked by the model (the sum over the family of predicted nrmse^2 relative to the correctly rounded
    // table's) and, when every workload is generated, by simulating them bit-true through the LNS MAC.
    const i64 dlimit = i64{1} << (o.w - 2);
    const bool simulate = o.dhist.empty();
    std::vector<double> rom;
    std::vector<Quantized> quantized;
    if (simulate) {
      const MacConfig exact_cfg = parse_spec(fmt::format("lns:w={},f={},delta=exact", o.w, o.f));
      const LnsMac exact(exact_cfg);
      for (const FitWorkload& fw : generated) {
        quantized.push_back(quantize(exact, fw.data));
        rom.push_back(arith_nrmse(exact, quantized.back()));
      }
    }
    size_t best = 0;
    for (size_t i = 0; i < cands.size(); ++i) {
      Candidate& c = cands[i];
      const auto fp = flatten(c.plus, dlimit), fm = flatten(c.minus, dlimit);
      for (const DotWeights& part : wt.parts) c.model += std::pow(predict_dot(part, fp, fm).nrmse, 2);
      if (simulate) {
        const MacConfig cfg = config_with_table(o, c.plus, c.minus);
        const LnsMac m(cfg);
        for (size_t w = 0; w < quantized.size(); ++w) c.simulated += std::pow(arith_nrmse(m, quantized[w]) / rom[w], 2);
      }
      const double key = simulate ? c.simulated : c.model, best_key = simulate ? cands[best].simulated : cands[best].model;
      if (key < best_key) best = i;
    }
    locked(fmt::format("pwl: chose {} of {} candidates: {} ({} {:.4f})", best + 1, cands.size(), cands[best].what,
                       simulate ? "simulated sum of (nrmse / rounded nrmse)^2" : "model", 
                       simulate ? cands[best].simulated : cands[best].model));
    r.plus.segs = cands[best].plus;
    r.minus.segs = cands[best].minus;
    const i64 dl = i64{1} << (o.w - 2);
    const auto fp = flatten(r.plus.segs, dl), fm = flatten(r.minus.segs, dl);
    for (const DotWeights& part : wt.raw) r.predicted.push_back(predict_dot(part, fp, fm));
  } else {
    run_both([&] { r.plus = optimize_fn(o, true); }, [&] { r.minus = optimize_fn(o, false); });
  }
  r.plus.err = table_error(r.plus.segs, true, o.f, r.dom_plus.lo, r.dom_plus.hi);
  r.minus.err = table_error(r.minus.segs, false, o.f, r.dom_minus.lo, r.dom_minus.hi);
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
                   to_string(o.slopes), to_string(o.objective), to_string(o.near_zero), o.seed, o.effort);
  if (o.objective == Objective::Dot) {
    s += fmt::format("# dot objective bounds: plus {:.4f}, minus d >= 1.0 {:.4f}, minus d < 1.0 {:.4f} LSB ({})\n",
                     r.bounds.b.plus, r.bounds.b.minus, r.bounds.b.minus_near, r.bounds.source);
    for (size_t i = 0; i < r.workloads.size(); ++i)
      s += fmt::format("# predicted on {}: dot-product nrmse {:.4e}, bias {:+.4f} LSB (plus {:+.4f}, minus {:+.4f}), "
                       "weighted rms {:.4f} LSB\n",
                       r.workloads[i], r.predicted[i].nrmse, r.predicted[i].bias, r.predicted[i].bias_plus,
                       r.predicted[i].bias_minus, r.predicted[i].rms);
  }
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
