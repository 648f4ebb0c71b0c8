#include <fmt/format.h>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "sim/registry.hpp"

namespace logmac::cli {

int cmd_spec(int argc, char** argv) {
  Args args("spec", {{"--mac", "SPEC", "the MAC spec (or give it as the argument)"}, {"--list", nullptr, "list variants and keys"}},
            argc, argv);
  if (args.help()) {
    fmt::print("logmac spec SPEC: print the canonical spec and derived widths as JSON\n{}", args.usage());
    return 0;
  }
  if (args.has("--list")) {
    for (int i = 0; i < kNumVariants; ++i) {
      const auto& vi = variant_info(i);
      fmt::print("{}: {}\n", vi.name, vi.summary);
      for (const auto& k : vi.keys) {
        std::string range;
        if (k.kind == KeyKind::Int) range = fmt::format("{}..{}", k.lo, k.hi);
        if (k.kind == KeyKind::Choice) range = fmt::format("{}", fmt::join(k.choices, "|"));
        fmt::print("  {:<10} {:<12} {}\n", k.name, range, k.help);
      }
    }
    return 0;
  }
  std::string spec = args.get("--mac");
  if (spec.empty() && args.positional().size() == 1) spec = args.positional()[0];
  if (spec.empty() || args.positional().size() > (args.has("--mac") ? 0u : 1u))
    throw UsageError("spec: give exactly one MAC spec, e.g. logmac spec lns:w=16,f=8");
  fmt::print("{}", parse_spec(spec).to_json());
  return 0;
}

}  // namespace logmac::cli
