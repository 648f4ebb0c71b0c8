#include <fmt/format.h>
#include <unistd.h>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "sim/registry.hpp"
#include "util/text_io.hpp"
#include "sim/vectors.hpp"

namespace logmac::cli {

namespace {
constexpr long long kMismatchesShown = 10;
}

int cmd_eval(int argc, char** argv) {
  Args args("eval", {{"--mac", "SPEC", "the MAC spec"}}, argc, argv);
  if (args.help()) {
    fmt::print(
        "logmac eval --mac SPEC < lines\n"
        "Golden model. Each input line 'CLR A B' (hex bit patterns; CLR 0/1) applies one MAC step,\n"
        "acc = CLR ? A*B : acc + A*B, and prints 'ACC VALUE' (accumulator bits in hex, decoded value).\n"
        "A fourth column ACC is checked: mismatches are reported on stderr ('model X, file Y') and the exit\n"
        "status is 1. A '# logmac vectors spec=...' header for another spec is refused (exit 2). Lines are at\n"
        "most {} bytes. If stdout is closed early (| head), printing stops; input with ACC columns is still\n"
        "checked to the end (the exit status stays the verdict), other input ends there with status 0.\n{}",
        kMaxLineBytes, args.usage());
    return 0;
  }
  if (!args.has("--mac")) throw UsageError("eval: --mac SPEC is required");
  const MacConfig c = parse_spec(args.get("--mac"));
  const AnyModel model = make_model(c);
  GoldenRunner run(c);
  LineReader in(STDIN_FILENO, "stdin");
  std::string line, out;
  long long mismatches = 0;
  std::string reports;  // the first mismatches, printed at the end: bad input later on is exit 2, one line
  // Once the reader of stdout is gone (| head), printing stops. Input that carries ACC columns is still
  // checked to the end, so the exit status stays the verdict; plain input ends there (status 0).
  bool printing = true, checking = false;
  auto flush = [&] {
    if (printing && !stdout_write(out)) printing = false;
    out.clear();
    if (!printing && !checking) throw OutputClosed{};
  };
  try {
    while (in.next(line)) {
      if (const auto spec = vector_header_spec(line)) check_vector_header(*spec, c);
      VectorLine v;
      if (!parse_vector_line(line, c, v)) continue;
      checking |= v.has_expected;
      const u64 acc = run.step(v.stim);
      if (printing) {
        const double value = std::visit([&](const auto& m) { return m.value_acc(acc); }, model);
        out += fmt::format("{} {:.17g}\n", hex(acc, c.wacc), value);
        if (out.size() > (1 << 16)) flush();
      }
      if (v.has_expected && v.expected != acc && ++mismatches <= kMismatchesShown)
        reports += fmt::format("stdin:{}: model {}, file {}\n", in.line_number(), hex(acc, c.wacc),
                               hex(v.expected, c.wacc));
    }
  } catch (const VectorError& e) {
    if (printing) stdout_write(out);  // the lines before the bad one were processed: their output stands
    throw VectorError(fmt::format("stdin:{}: {}", in.line_number(), e.what()));
  } catch (const InputError& e) {  // a read error or an overlong line: already names stdin
    if (printing) stdout_write(out);
    throw VectorError(e.what());
  }
  flush();
  if (mismatches) {
    fmt::print(stderr, "{}eval: {} of the checked lines differ from the model{}\n", reports, mismatches,
               mismatches > kMismatchesShown ? fmt::format(" (the first {} shown)", kMismatchesShown) : "");
    return 1;
  }
  return 0;
}

}  // namespace logmac::cli
