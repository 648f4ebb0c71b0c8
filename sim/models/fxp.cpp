#include "sim/models/fxp.hpp"

namespace logmac {


constexpr int kMinW = 2;  // the listed range of w; the exact product needs 2w accumulator bits

static void derive_fxp(MacConfig& c) {
  if (c.f < 0) c.f = c.w - 1;
  require_range(c, "f", c.f, 0, c.w - 1);
  c.wa = c.wb = c.w;
  c.facc = 2 * c.f;
  if (c.wacc < 0) c.wacc = linear_wacc_for(std::ldexp(1.0L, 2 * c.w - 2));
  require_range(c, "wacc", c.wacc, 2 * c.w, kMaxLinearWacc);
}

const VariantInfo& FxpMac::info() {
  static const VariantInfo vi{
      "fxp",
      "linear fixed-point MAC (the baseline): exact w x w product, two's-complement accumulator",
      {int_key("w", &MacConfig::w, kMinW, 24, "operand width"),
       int_key("f", &MacConfig::f, 0, 23, "fraction bits of a and b (default w-1); the accumulator has 2f"),
       wacc_key(2 * kMinW, "accumulator width, at least 2w (default: no overflow in a 1024-term sum)"), pipe_key(),
       ovf_key()},
      derive_fxp};
  return vi;
}

}  // namespace logmac
