#include "synth/compare.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "sim/workload.hpp"
#include "util/parallel.hpp"

namespace logmac::synth {

CompareSet compare_set(const std::vector<std::string>& specs) {
  CompareSet set;
  auto add = [&](MacConfig c) {
    for (const auto& x : set.designs)
      if (x.canonical() == c.canonical()) return;
    set.designs.push_back(std::move(c));
  };
  for (const auto& s : specs.empty() ? default_sweep() : specs) add(parse_spec(s));
  set.given = set.designs.size();
  for (std::size_t i = 0; i < set.given; ++i) add(parse_spec(fmt::format("fxp:w={}", set.designs[i].w)));
  return set;
}

std::vector<DesignOutcome> run_designs(const std::vector<MacConfig>& designs, const FlowOptions& opt, int jobs,
                                       const std::function<void(std::size_t, std::size_t, const DesignOutcome&)>& on_done) {
  std::vector<DesignOutcome> out(designs.size());
  util::parallel_for(
      designs.size(), jobs,
      [&](std::size_t i) {
        const auto start = std::chrono::steady_clock::now();
        try {
          out[i].result = run_design(designs[i], opt);
        } catch (const std::exception& e) {  // reported with the others' results
          out[i].error = e.what();
        }
        out[i].seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      },
      [&](std::size_t i, std::size_t finished) {
        if (on_done) on_done(i, finished, out[i]);
      });
  return out;
}

}  // namespace logmac::synth
