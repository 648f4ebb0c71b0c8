#include "sim/models/linear_acc.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace logmac {

u64 encode_fixed(double x, int w, int f) {
  const double q = std::nearbyint(std::ldexp(x, f));
  const double hi = static_cast<double>(smax(w)), lo = static_cast<double>(smin(w));
  return static_cast<u64>(static_cast<i64>(q > hi ? hi : (q < lo ? lo : q))) & mask(w);
}

void derive_shifted_product_acc(MacConfig& c, int mant_frac, i64 kmin, i64 kmax, i64 kfull, long double max_mant) {
  // As fine as the fxp MAC of the same width relative to full scale 2^kfull, no finer than the smallest
  // product needs, and representable.
  const i64 want = std::max<i64>(0, 2 * (c.w - 1) - kfull), exact = std::max<i64>(0, mant_frac - kmin);
  if (c.facc < 0) c.facc = static_cast<int>(std::min<i64>({want, exact, i64{kMaxLinearWacc - 2}}));
  const long double maxp = std::ldexp(max_mant, static_cast<int>(kmax + c.facc - mant_frac));
  if (c.wacc < 0) c.wacc = std::min(kMaxLinearWacc, std::max(c.facc + 2, linear_wacc_for(maxp)));
  require_range(c, "wacc", c.wacc, 2, kMaxLinearWacc);
  if (c.facc > c.wacc - 2) spec_fail(c, fmt::format("facc={} must be below wacc-1={}", c.facc, c.wacc - 1));
}

}  // namespace logmac
