// Bitwidth-specific piece-wise-linear tables for the LNS addition functions delta_plus / delta_minus,
// with power-of-two slopes (p2: one shift; p2x2: two shifts and an add), tuned by simulated annealing.
//
// Everything is in integer LSB units of the log (d_lsb = d * 2^f). A table is a list of PwlSegment with the
// conventions of sim/delta.hpp (first segment with upper_bp >= d, truncating shifts, integer intercepts;
// none -> 0), so the error measured here is exactly the error of the model and the RTL.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/delta.hpp"

namespace logmac::pwl {

enum class Slopes { P2, P2x2 };
enum class Objective { Max, Mean, Workload };
// How the error of delta_minus below d = 1.0 (where it diverges) counts in the max and workload objectives.
// Result: scaled by 2 (1 - 2^-d) < 1, the magnitude of the sum x (+) y relative to its value at d = 1.0, i.e.
// the error of the sum rather than of its log (a plain max is set by d = 1..3 LSB alone and spreads that
// error over every d). Plain: |error| everywhere. Delta_plus and d >= 1.0 always count |error|.
enum class NearZero { Result, Plain };

struct Options {
  int w = 16, f = 8;
  int k = 16;                       // segments per function
  double dmax = 0;                  // span of d in units of 1.0; 0: where the function rounds to 0
  Slopes slopes = Slopes::P2;
  Objective objective = Objective::Max;
  std::uint64_t seed = 1;
  int effort = 1;                   // multiplies the annealing length
  NearZero near_zero = NearZero::Result;
};

constexpr int kMaxSegments = 64;

// Throws std::invalid_argument with one line naming the bad option and what is allowed.
void check_options(const Options& o);

const char* to_string(Slopes s);
const char* to_string(Objective o);

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
  i64 argmax = -1;
};
ErrorStats table_error(const std::vector<PwlSegment>& segs, bool plus, int f, i64 lo, i64 hi);

// Per-d weight of |error| in the max objective (see NearZero), index 0..hi.
std::vector<double> error_weights(const Options& o, bool plus, i64 hi);

// How often each d in [0, hi] occurs in the accumulations of an LNS MAC (exact delta) on
// make_nn_workload data: the weights of the workload objective.
std::vector<double> workload_histogram(int w, int f, bool plus, i64 hi, std::uint64_t seed);

struct FnResult {
  std::vector<PwlSegment> segs;
  double objective = 0;  // the optimized objective (LSB)
  ErrorStats err;        // bit-true max/mean over the fit domain
};

struct Result {
  Options opt;
  Domain dom_plus, dom_minus;
  FnResult plus, minus;
  double seconds = 0;
};

// Anneal one function (deterministic for o.seed).
FnResult optimize_fn(const Options& o, bool plus);
// Both functions (plus and minus on two threads when `threads`).
Result optimize(const Options& o, bool threads = true);

// The CSV file `logmac pwl -o` writes: `#` header (command, options, achieved errors), then format_pwl_csv.
std::string table_file_text(const Result& r, const std::string& command_line);

}  // namespace logmac::pwl
