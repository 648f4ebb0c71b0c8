// The generator part of each variant, and their table (it mirrors AllModels in sim/registry.hpp: adding a
// variant adds its model, one file gen/variants/NAME.cpp, and one line in the table in gen/rtl.cpp).
#pragma once
#include "gen/blocks.hpp"

namespace logmac::gen {

struct VariantRtl {
  const char* name;  // must equal variant_info(i).name of the same index
  // Combinational product of a_i and b_i: declares `prod` and returns its width.
  int (*product)(const MacConfig& c, Vout& v);
  // acc_d from acc_q, st_prod (pbits wide) and st_clr; linear_accumulate for linear accumulators.
  void (*accumulate)(const MacConfig& c, Vout& v, int pbits);
};

VariantRtl fxp_rtl();
VariantRtl pot_rtl();
VariantRtl apot_rtl();
VariantRtl log2lin_rtl();
VariantRtl lns_rtl();
VariantRtl lns2lin_rtl();

}  // namespace logmac::gen
