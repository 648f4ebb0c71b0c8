// Bitwidth-specific piece-wise-linear tables for the LNS addition functions delta_plus / delta_minus,
// with power-of-two slopes (p2: one shift; p2x2: two shifts and an add).
//
// Everything is in integer LSB units of the log (d_lsb = d * 2^f). A table is a list of PwlSegment with the
// conventions of sim/delta.hpp (first segment with upper_bp >= d, truncating shifts, integer intercepts;
// none -> 0), so the error measured here is exactly the error of the model and the RTL.
//
// Objectives (Options::objective):
//   dot  (default) the error of dot products (pwl/dhist.hpp): the variance sum_d v(d) e(d)^2 plus the coherent
//        pair terms (bias) of a family of workloads, v(d) = how often an LNS MAC looks up d times the squared
//        size of the partial sum that lookup makes; subject to worst-case bounds (Bounds: the published table's,
//        else 1.5x the optimum of the max objective);
//   max  the worst |error| (exact optimum by greedy covering + bisection), then the smallest mean |error|
//        that keeps it;
//   mean the mean |error| over d.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pwl/dhist.hpp"
#include "sim/delta.hpp"

namespace logmac::pwl {

enum class Slopes { P2, P2x2 };
enum class Objective { Dot, Max, Mean };
// How the error of delta_minus below d = 1.0 (where it diverges) counts in the max objective (and in the
// default bounds of the dot objective where no published table exists). Result: scaled by 2 (1 - 2^-d) < 1,
// the magnitude of the sum x (+) y relative to its value at d = 1.0, i.e. the error of the sum rather than of
// its log (a plain max is set by d = 1..3 LSB alone and spreads that error over every d). Plain: |error|.
enum class NearZero { Result, Plain };

// Worst-case limits of the dot objective, in LSB; a value <= 0 takes the default.
struct Bounds {
  double plus = 0;        // |error| of delta_plus, every d
  double minus = 0;       // |error| of delta_minus for d >= 1.0
  double minus_near = 0;  // |error| of delta_minus for d < 1.0
};

// The dot objective's default family (pwl/dhist.hpp DotFamily): forward-pass-like (ReLU activations x weights,
// 256 terms) and backward-pass-like (signed heavy-tailed x weights, 1024 terms) dot products.
constexpr const char* kDefaultFitWorkloads = "nn:256,heavy:1024";

struct Options {
  int w = 16, f = 8;
  int k = 16;                       // segments per function
  double dmax = 0;                  // span of d in units of 1.0; 0: where the function rounds to 0
  Slopes slopes = Slopes::P2;
  Objective objective = Objective::Dot;
  std::uint64_t seed = 1;
  int effort = 1;                   // multiplies the annealing length
  NearZero near_zero = NearZero::Result;
  // dot objective
  Bounds bounds;
  std::vector<std::string> dhist;   // d-histogram files (each one a workload of the family)
  std::string workload = kDefaultFitWorkloads;  // generated workloads of the family (see fit_workloads)
};

constexpr int kMaxSegments = 64;

// Throws std::invalid_argument with one line naming the bad option and what is allowed.
void check_options(const Options& o);

const char* to_string(Slopes s);
const char* to_string(Objective o);
const char* to_string(NearZero n);

// Integer d range a function is fitted and measured on: [lo, hi] (lo = 0 for plus, 1 for minus).
struct Domain {
  i64 lo = 0, hi = 0;
};
// The smallest d_lsb from which the exact function rounds to 0 for every larger d.
i64 rounds_to_zero_from(bool plus, int f);
Domain fit_domain(const Options& o, bool plus);

// Bit-true value of a table at d: the model's own definition (sim/delta.hpp).
inline i64 table_value(const std::vector<PwlSegment>& segs, i64 d) { return pwl_value(segs, d); }

// Absolute error in LSB against the exact function (long double) over every integer d in [lo, hi].
struct ErrorStats {
  double max = 0, mean = 0;
  double signed_mean = 0;  // mean of (table - exact): the plain bias over d
  i64 argmax = -1;
};
ErrorStats table_error(const std::vector<PwlSegment>& segs, bool plus, int f, i64 lo, i64 hi);

// Per-d weight of |error| in the max objective (see NearZero), index 0..hi.
std::vector<double> error_weights(const Options& o, bool plus, i64 hi);

// The worst-case measures the dot objective bounds, of one table (LSB).
struct WorstErrors {
  double plus = 0, minus = 0, minus_near = 0;  // delta_plus; delta_minus d >= 1.0; delta_minus d < 1.0
};
WorstErrors worst_errors(const Options& o, const std::vector<PwlSegment>& plus, const std::vector<PwlSegment>& minus);

// The exact optimum of the max objective for one function: the smallest worst (weighted) error any table of
// o.k segments with o.slopes reaches, with a table that reaches it (greedy covering is optimal because a
// segment's best error only grows with its range; bisection on the error). Every shift (pair) is tried.
struct MinimaxOptimum {
  double error = 0;               // worst weighted |error| of `breakpoints` (LSB)
  std::vector<i64> breakpoints;   // upper_bp per segment
  std::vector<PwlSegment> segs;
};
// Relaxations that show what sets the optimum (with either, `segs` stays empty and `error` is a bound to 1e-12):
// exact_shifts: the slope terms are slope * d, not truncating shifts; real_intercepts: c need not be an integer.
struct Relaxation {
  bool exact_shifts = false, real_intercepts = false;
};
MinimaxOptimum minimax_optimum(const Options& o, bool plus, const Relaxation& relax = {});
// The fewest segments with which a worst weighted |error| <= limit is reachable (0: unreachable with
// kMaxSegments).
int segments_needed(const Options& o, bool plus, double limit);

// Bounds with defaults filled in, per function: the published table's worst errors where one exists (w/f 16/8,
// 15/7, 14/6, 13/5) and K segments can keep them; else 1.5x the worst errors of the max objective's optimum
// at the same K and slopes (each of the three measures). `source` says which.
struct ResolvedBounds {
  Bounds b;
  std::string source;
};
ResolvedBounds resolve_bounds(const Options& o);

struct FnResult {
  std::vector<PwlSegment> segs;
  double objective = 0;  // the optimized objective of this function alone (LSB or LSB^2)
  ErrorStats err;        // bit-true max/mean over the fit domain
};

struct Result {
  Options opt;
  Domain dom_plus, dom_minus;
  FnResult plus, minus;
  ResolvedBounds bounds;                 // dot objective
  std::vector<DotPrediction> predicted;  // dot objective: its own estimate on each workload of the family
  std::vector<std::string> workloads;    // dot objective: what the weights came from
  double seconds = 0;
};

// Progress of a long optimization: one line per finished step (thread-safe calls).
using ProgressFn = std::function<void(const std::string&)>;

// Anneal one function for the max or mean objective (deterministic for o.seed). The dot objective couples
// the two functions (their biases add), so it runs through optimize().
FnResult optimize_fn(const Options& o, bool plus);
// Both functions (plus and minus on two threads when `threads`).
Result optimize(const Options& o, bool threads = true, const ProgressFn& progress = {});

// Dot-product data by kind: nn (make_nn_workload: ReLU activations x N(0, 0.25^2) weights), heavy
// (make_heavy_workload: signed Laplace x normal, like a backward pass), pos (nn with |weights|: every term
// positive, only delta_plus lookups, like norms or pooling sums).
DotWorkload make_workload(const std::string& kind, int count, int terms, std::uint64_t seed);
// The workloads of the dot objective: o.workload, a list of KIND:TERMS (TERMS 16..4096), each about 2^20 MACs
// (x 2^(f-8) above f = 8), seeds derived from o.seed (never the report's seed 7).
struct FitWorkload {
  std::string name;  // "nn:256"
  DotWorkload data;
  std::uint64_t seed = 0;
};
std::vector<FitWorkload> fit_workloads(const Options& o);
// The weights of the dot objective for o: one part per o.dhist file and per fit workload (returned in
// `generated` when given).
DotFamily objective_family(const Options& o, std::vector<FitWorkload>* generated = nullptr);

// The CSV file `logmac pwl -o` writes: `#` header (command, options, achieved errors), then format_pwl_csv.
std::string table_file_text(const Result& r, const std::string& command_line);

}  // namespace logmac::pwl
