// The table of MAC variants. Adding a variant: its model (sim/models/), its generator part, one line here.
#pragma once
#include <tuple>
#include <variant>

#include "sim/models/fxp.hpp"
#include "sim/models/lns.hpp"
#include "sim/models/lns2lin.hpp"
#include "sim/models/log2lin.hpp"
#include "sim/models/pot.hpp"

namespace logmac {

using AllModels = std::tuple<FxpMac, PotMac, ApotMac, Log2LinMac, LnsMac, Lns2LinMac>;
constexpr int kNumVariants = std::tuple_size_v<AllModels>;

const VariantInfo& variant_info(int index);

namespace detail {
template <int I, class F>
decltype(auto) with_model_at(const MacConfig& c, F&& f) {
  if constexpr (I + 1 == kNumVariants) {
    return f(std::tuple_element_t<I, AllModels>(c));
  } else {
    if (c.variant_index == I) return f(std::tuple_element_t<I, AllModels>(c));
    return with_model_at<I + 1>(c, std::forward<F>(f));
  }
}
}  // namespace detail

// Calls f(model) with the concrete model type of c: one dispatch per call, none per operation.
template <class F>
decltype(auto) with_model(const MacConfig& c, F&& f) {
  return detail::with_model_at<0>(c, std::forward<F>(f));
}

template <class T>
struct VariantOf;
template <class... Ts>
struct VariantOf<std::tuple<Ts...>> {
  using type = std::variant<Ts...>;
};
// A model held by value, for streaming interfaces (vectors, co-simulation) that visit once per line.
using AnyModel = VariantOf<AllModels>::type;
inline AnyModel make_model(const MacConfig& c) {
  return with_model(c, [](auto m) { return AnyModel(std::move(m)); });
}

}  // namespace logmac
