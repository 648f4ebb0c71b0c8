#include "sim/models/lns.hpp"

#include <fmt/format.h>

#include <cmath>

namespace logmac {

double LnsFormat::value(u64 x) const {
  if (is_zero(x)) return 0.0;
  const double v = std::exp2(std::ldexp(static_cast<double>(log(x)), -f));
  return sign(x) ? -v : v;
}

u64 LnsFormat::encode(double x) const {
  if (x == 0 || std::isnan(x)) return zero();  // ±inf saturates at ±MAX below, like any value beyond it
  const double l = std::nearbyint(std::ldexp(std::log2(std::fabs(x)), f));
  if (l < static_cast<double>(-max)) return zero();
  return make(x < 0, l > static_cast<double>(max) ? max : static_cast<i64>(l));
}

LnsMac::LnsMac(const MacConfig& c)
    : lf(c.w, c.f), flush(c.underflow == kUnderFlush), delta_unit(c.delta_unit), plus(delta_unit->plus.data()),
      minus(delta_unit->minus.data()), dsize(static_cast<i64>(delta_unit->plus.size())) {}

void derive_lns_format(MacConfig& c) {
  if (c.f < 0) c.f = std::min(std::max(1, c.w - 8), c.w - 3);
  require_range(c, "f", c.f, 0, std::min(16, c.w - 3));
  c.wa = c.wb = c.w;
}

static void derive_lns(MacConfig& c) {
  derive_lns_format(c);
  c.wacc = c.w;
  c.facc = c.f;
  if (c.delta.empty()) c.delta = qaa_table_exists(c.w, c.f) ? "pwl:qaa" : "exact";
  const i64 dlimit = (i64{1} << (c.w - 2));  // |X - Y| over every pair of log codes
  try {
    c.delta_unit = std::make_shared<const DeltaUnit>(make_delta_unit(c.delta, c.w, c.f, c.dmax, dlimit));
  } catch (const std::invalid_argument& e) {
    spec_fail(c, e.what());
  }
}

const VariantInfo& LnsMac::info() {
  static const VariantInfo vi{
      "lns",
      "full LNS MAC: log-add multiply, log-domain accumulation with a delta(d) approximation (Hamad et al.)",
      {int_key("w", &MacConfig::w, 4, 24, "width: sign + zero flag + (w-2)-bit log"),
       int_key("f", &MacConfig::f, 0, 16, "log fraction bits (default max(1, w-8))"),
       text_key("delta", &MacConfig::delta,
                "pwl:qaa | pwl:FILE | lut:N | mitchell | exact (default pwl:qaa where published, else exact)"),
       int_key("dmax", &MacConfig::dmax, 1, 1024, "span of d covered by lut:N, in units of 1.0", 16),
       choice_key("underflow", &MacConfig::underflow, {"sat", "flush"}, "a sum below -MAX saturates or becomes 0"),
       pipe_key()},
      derive_lns};
  return vi;
}

}  // namespace logmac
