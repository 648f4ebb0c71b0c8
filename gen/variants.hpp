// The generator part of each variant, and their table (it mirrors AllModels in sim/registry.hpp: adding a
// variant adds its model, one file gen/variants/NAME.cpp, and one line in the table in gen/rtl.cpp).
#pragma once
#include "gen/blocks.hpp"

namespace logmac::gen {

struct VariantRtl {
  const char* name;  // must equal variant_info(i).name of the same index
  // The product block: a module with inputs a_i, b_i (declared by the shell); drives kProdOut with the
  // combinational product, notes the block's comment and returns the product width.
  int (*product)(const MacConfig& c, Module& m);
  // The accumulator block: acc_d from acc_q, kProdIn (pbits wide) and kClrIn; linear_accumulate for linear
  // accumulators. Submodules it instantiates go to `sub`.
  void (*accumulate)(const MacConfig& c, Module& m, int pbits, std::vector<Module>& sub);
};

// For the table: the accumulators of the linear variants.
inline void linear_accumulator(const MacConfig& c, Module& m, int pbits, std::vector<Module>&) {
  linear_accumulate(c, m, pbits);
}

VariantRtl fxp_rtl();
VariantRtl pot_rtl();
VariantRtl apot_rtl();
VariantRtl log2lin_rtl();
VariantRtl lns_rtl();
VariantRtl lns2lin_rtl();

}  // namespace logmac::gen
