// The log-addition functions of the LNS MAC, in integer LSB units of the log:
//   delta_plus(d)  ~ 2^f * log2(1 + 2^(-d / 2^f))   (operands of equal sign)
//   delta_minus(d) ~ 2^f * log2(1 - 2^(-d / 2^f))   (opposite signs, d > 0)
// Each kind has a bit-true definition (eval_*), and is flattened once into a table for the hot path.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/bits.hpp"

namespace logmac {

// One PWL segment. Delta = c + t1 + t2 with t = sign * shift_r(d, r) (truncating shifts, as in RTL);
// r < 0 is a left shift. sign2 == 0 means no second slope term (p2 slopes); +-1 gives p2x2 slopes.
struct PwlSegment {
  i64 upper_bp = 0;  // segment applies to d <= upper_bp (first match wins)
  int r1 = 0, sign1 = 0;
  int r2 = 0, sign2 = 0;
  i64 c = 0;
  i64 eval(i64 d) const { return c + sign1 * shift_r(d, r1) + (sign2 ? sign2 * shift_r(d, r2) : 0); }
};

// A PWL table's value at d, bit-true: the first segment with upper_bp >= d, 0 beyond the last. The one
// definition the model, the generator's tables and the PWL optimizer evaluate.
i64 pwl_value(const std::vector<PwlSegment>& segs, i64 d);

enum class DeltaKind { Pwl, Lut, Mitchell, Exact };

struct DeltaUnit {
  DeltaKind kind = DeltaKind::Exact;
  int f = 0;
  std::string source;  // "qaa", a file path, "lut:N", ...
  // Pwl
  std::vector<PwlSegment> seg_plus, seg_minus;
  // Lut: entry i covers d in [i << lut_shift, (i+1) << lut_shift)
  int lut_shift = 0;
  std::vector<i64> lut_plus, lut_minus;
  // Flattened: value at d for d < size(), 0 beyond. minus[0] is unused (d = 0 cancels exactly).
  std::vector<std::int32_t> plus, minus;

  // Bit-true definitions, per kind (not the hot path).
  i64 eval_plus(i64 d) const;
  i64 eval_minus(i64 d) const;
};

// Parse the `delta=` value for an LNS of width w with f fraction bits; d ranges over [0, dlimit].
// `dmax` is the lut span in units of 1.0. Throws std::invalid_argument with a one-line message.
DeltaUnit make_delta_unit(std::string_view delta, int w, int f, int dmax, i64 dlimit);

// Whether a published (QAA) table exists for w/f.
bool qaa_table_exists(int w, int f);

// Parse a PWL table in CSV form (columns fn,seg,upper_bp,shift,intercept, optionally w,f; `#` comments).
// real_values: the published form (multiply by 2^f, truncate toward zero). Rows with w/f columns
// that do not match are skipped. Throws std::invalid_argument naming the line.
void parse_pwl_csv(std::string_view text, std::string_view name, int w, int f, bool real_values,
                   std::vector<PwlSegment>& plus, std::vector<PwlSegment>& minus);

// Write a table in the integer CSV form that parse_pwl_csv reads back.
std::string format_pwl_csv(const std::vector<PwlSegment>& plus, const std::vector<PwlSegment>& minus);

// Exact functions in LSB units (long double), for table construction and references.
long double delta_plus_real(long double d_lsb, int f);
long double delta_minus_real(long double d_lsb, int f);

}  // namespace logmac
