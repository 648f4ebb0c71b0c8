#include <fmt/format.h>

#include <iostream>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "sim/registry.hpp"
#include "sim/vectors.hpp"

namespace logmac::cli {

int cmd_eval(int argc, char** argv) {
  Args args("eval", {{"--mac", "SPEC", "the MAC spec"}}, argc, argv);
  if (args.help()) {
    fmt::print(
        "logmac eval --mac SPEC < lines\n"
        "Golden model. Each input line 'CLR A B' (hex bit patterns; CLR 0/1) applies one MAC step,\n"
        "acc = CLR ? A*B : acc + A*B, and prints 'ACC VALUE' (accumulator bits in hex, decoded value).\n"
        "A fourth column ACC is checked: mismatches are reported on stderr and the exit status is 1.\n{}",
        args.usage());
    return 0;
  }
  if (!args.has("--mac")) throw UsageError("eval: --mac SPEC is required");
  const MacConfig c = parse_spec(args.get("--mac"));
  const AnyModel model = make_model(c);
  GoldenRunner run(c);
  std::string line, out;
  long long lineno = 0, mismatches = 0;
  std::ios::sync_with_stdio(false);
  while (std::getline(std::cin, line)) {
    ++lineno;
    VectorLine v;
    try {
      if (!parse_vector_line(line, c, v)) continue;
    } catch (const VectorError& e) {
      std::fflush(stdout);
      fmt::print(stdout, "{}", out);
      throw VectorError(fmt::format("stdin:{}: {}", lineno, e.what()));
    }
    const u64 acc = run.step(v.stim);
    const double value = std::visit([&](const auto& m) { return m.value_acc(acc); }, model);
    out += fmt::format("{} {:.17g}\n", hex(acc, c.wacc), value);
    if (v.has_expected && v.expected != acc && ++mismatches <= 10)
      fmt::print(stderr, "stdin:{}: expected {} got {}\n", lineno, hex(v.expected, c.wacc), hex(acc, c.wacc));
    if (out.size() > (1 << 16)) {
      fmt::print(stdout, "{}", out);
      out.clear();
    }
  }
  fmt::print(stdout, "{}", out);
  if (mismatches) {
    fmt::print(stderr, "eval: {} of the checked lines differ from the model\n", mismatches);
    return 1;
  }
  return 0;
}

}  // namespace logmac::cli
