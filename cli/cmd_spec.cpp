#include <fmt/format.h>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "sim/registry.hpp"
#include "util/text_io.hpp"

namespace logmac::cli {

int cmd_spec(int argc, char** argv) {
  Args args("spec", {{"--mac", "SPEC", "the MAC spec (or give it as the argument)"}, {"--list", nullptr, "list variants and keys"}},
            argc, argv, 1);
  if (args.help()) {
    fmt::print("logmac spec SPEC: print the canonical spec and derived widths as JSON\n{}", args.usage());
    return 0;
  }
  if (args.has("--list")) {
    if (!args.positional().empty())
      throw UsageError(fmt::format("spec: unexpected argument '{}' with --list", printable(args.positional()[0])));
    for (int i = 0; i < kNumVariants; ++i) {
      const auto& vi = variant_info(i);
      out(fmt::format("{}: {}\n", vi.name, vi.summary));
      for (const auto& k : vi.keys) {
        std::string range;
        if (k.kind == KeyKind::Int) range = fmt::format("{}..{}", k.lo, k.hi);
        if (k.kind == KeyKind::Choice) range = fmt::format("{}", fmt::join(k.choices, "|"));
        out(fmt::format("  {:<10} {:<14} {}\n", k.name, range, k.help));
      }
    }
    return 0;
  }
  if (args.has("--mac") && !args.positional().empty())
    throw UsageError(fmt::format("spec: unexpected argument '{}' (the spec is given by --mac)",
                                 printable(args.positional()[0])));
  if (!args.has("--mac") && args.positional().empty())
    throw UsageError("spec: give one MAC spec, e.g. logmac spec lns:w=16,f=8");
  const std::string spec = args.has("--mac") ? args.get("--mac") : args.positional()[0];
  out(parse_spec(spec).to_json());
  return 0;
}

}  // namespace logmac::cli
