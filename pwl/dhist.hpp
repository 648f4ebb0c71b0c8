// What a dot product sees of the delta functions: the weights of the dot objective and its error model.
//
// Step k of an LNS accumulation adds the product p_k to the partial sum; the exact sum s_k = acc + p_k is
// stored as its log, max(X, Y) + delta(d_k). A delta error of e LSB stores s_k * 2^(e / 2^f): an absolute
// error s_k g(e), g(e) = 2^(e / 2^f) - 1, which later steps carry unchanged into the result. So a dot product
// is off by E = sum_k s_k g(e(d_k)) and
//   E[E^2] = sum_d v(d) g(e(d))^2 + (the terms of pairs of lookups k != j),
//   v(d) = E[sum of s_k^2 over the lookups at d] (per dot product, s in units of the RMS result R).
// The pair terms are those of a random walk: the partial sums keep their sign for long stretches, so errors
// add up coherently. Measured (NN-like data, 16/8), the pairs matrix is close to rank one along v (cosine
// 0.999): a constant error g costs g^2 E[(sum_k s_k)^2 - sum_k s_k^2], 1 + coherence times what an error that
// averages out costs, coherence = E[(sum_k s_k)^2] / E[sum_k s_k^2] - 1 (84 at 256 terms). What remains is
// how the coherence differs between regions of d (minus at small d: up to 5x). So the model is banded: with
// bands a of d per function, mean errors ebar_a = sum_{d in a} v e / V_a, V_a = sum_{d in a} v,
//   E[E^2] ~ sum_d v(d) g(e(d))^2 + sum_{a,b} C_ab gbar_a gbar_b,   C_ab = E[S_a S_b] - [a = b] V_a,
// S_a = sum of s_k over the lookups in band a (one dot product). It predicts the simulated dot-product NRMSE
// of the exact, published and optimized 16/8 tables within a few percent. The bias a table should not have
// is its v-weighted mean error; the rest of its error should average out.
//
// A d-histogram holds v per function and d, and E[S_a S_b]. File format (`logmac pwl --dhist`):
//   logmac-dhist 1 w=W f=F dot_products=N band=B
//   fn,d,count,sum_s2
//   plus,0,COUNT,SUM                  one line per (function, d) with lookups
//   ...
//   fn_a,band_a,fn_b,band_b,sum_ss
//   plus,4,minus,6,SUM                one line per pair of bands, (fn_a, band_a) <= (fn_b, band_b), plus < minus
//   ...
// `#` lines are comments; missing lines are zero. d: integer |X - Y| in LSB of the w/f format the lookups were
// made at (minus: d >= 1; a cancellation, minus at d = 0, is no lookup). count: lookups at d. sum_s2: the sum
// over those lookups of (s / R)^2, s = the exact sum of the step's two operands (acc + p), R = the RMS of the
// exact results of the dot products the lookups come from (each GEMM by its own R, so forward and backward
// GEMMs of very different scales can be merged by adding lines). N: number of dot products. Band b of a
// function covers d in [b B, (b + 1) B). sum_ss: the sum over dot products of S_a S_b with S_a = the sum of
// s / R over the dot product's lookups in band a (the diagonal includes each lookup with itself). One band
// (B > 2^(W-2)) gives the scalar coherence model. Used at another f, d is resampled (spread or merged).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/bits.hpp"
#include "sim/models/lns.hpp"
#include "sim/workload.hpp"

namespace logmac::pwl {

struct DHistogram {
  int w = 0, f = 0;                       // format of the lookups (d in its LSB)
  i64 band = 1;                           // band width B (LSB)
  long long dot_products = 0;
  std::vector<long long> count[2];        // [0] plus, [1] minus: lookups per d
  std::vector<double> sum_s2[2];          // sum of (s / R)^2 per d
  std::map<std::pair<i64, i64>, double> sum_ss;  // keys: fn * band_stride() + band, first <= second
  std::string source;                     // what it was recorded from (a file, a generator)

  i64 band_stride() const { return (i64{1} << (w - 2)) / band + 1; }  // bands per function
  double total_s2() const;
  long long lookups() const;
  double coherence() const;  // E[(sum_k s_k)^2] / E[sum_k s_k^2] - 1
};
// Default band width of record_dhistogram: a quarter of 1.0 (2^(f-2) LSB, at least 1).
i64 default_band(int f);

// Records the lookups of an LNS MAC (w/f, delta=exact) on the dot products of wl.
DHistogram record_dhistogram(int w, int f, const DotWorkload& wl, const std::string& source, i64 band = 0);
// Adds `from` into `into` (same w/f; throws std::invalid_argument otherwise).
void merge_dhistogram(DHistogram& into, const DHistogram& from);

std::string format_dhistogram(const DHistogram& h);
// Throws std::invalid_argument with one line naming the file, the line and what is allowed.
DHistogram parse_dhistogram(std::string_view text, std::string_view name);
DHistogram read_dhistogram(const std::string& path);

// The weights of the dot objective for format w/f, per dot product: v[fn][d] for d in 0..2^(w-2), the band
// of each d (an index into g, -1: none) and G_ab = C_ab / (V_a V_b), so that the pair terms are
// sum_ab G_ab B_a B_b with B_a = sum_{d in a} v(d) g(d).
struct DotWeights {
  int w = 0, f = 0;
  std::vector<double> v[2];
  std::vector<int> band[2];
  int bands = 0;
  std::vector<int> band_fn;  // function of each band (0 plus, 1 minus)
  std::vector<double> g;  // bands x bands, row-major
  double v_total = 0, coherence = 0;
  long long dot_products = 0, lookups = 0;
  std::string source;
  // The pair terms for band sums b (size bands).
  double pair_terms(const std::vector<double>& b) const;
};
DotWeights dot_weights(const DHistogram& h, int w, int f);

// The dot objective over a family of workloads: the sum over them of the predicted NRMSE^2 relative to that of
// the correctly rounded table (delta=exact) on the same workload, so a table must be unbiased for every
// d-distribution of the family, not only on average over one (errors that cancel for 256-term dot products
// need not cancel for 1024-term ones), and no workload dominates for having larger errors anyway. Bands are
// numbered across the parts.
struct DotFamily {
  std::vector<DotWeights> raw;    // as recorded (predictions)
  std::vector<DotWeights> parts;  // weighted: each part's cost relative to the correctly rounded table's on it
  std::vector<double> scale;
  std::vector<double> v[2];     // sum of the parts' v
  std::vector<int> offset;      // first band of each part
  int bands = 0;
  std::vector<double> g;        // the parts' G as one block-diagonal matrix (bands x bands)
  std::string source;
  explicit DotFamily(std::vector<DotWeights> p);
  double pair_terms(const std::vector<double>& b) const;  // b: all bands
};

// The dot objective's estimate for one table (value per d, 0 beyond the vector), both functions.
struct DotPrediction {
  double bias_plus = 0, bias_minus = 0;  // v-weighted mean error of each function over its own lookups (LSB)
  double bias = 0;                       // over all lookups: the term the coherence multiplies (LSB)
  double rms = 0;                        // v-weighted RMS error (LSB)
  double nrmse = 0;                      // predicted arith NRMSE of the dot products
  // Its parts, per dot product in units of R^2 (nrmse^2 = diagonal + pairs): sum v g^2 (each lookup's error
  // with itself), the pair terms, and sum v g (the mean of the errors the lookups add, the relative bias).
  double diagonal = 0, pairs = 0, sum_vg = 0;
};
DotPrediction predict_dot(const DotWeights& wt, const std::vector<std::int32_t>& plus,
                          const std::vector<std::int32_t>& minus);

// The delta lookup an LNS accumulate step makes (as LnsMac::accumulate): false when it makes none (a zero
// operand, or opposite signs at d = 0).
struct Lookup {
  bool plus = true;
  i64 d = 0;
};
bool lookup_of(const LnsMac& m, u64 acc, u64 p, Lookup& out);

}  // namespace logmac::pwl
