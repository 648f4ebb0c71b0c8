#include <fmt/format.h>

#include <optional>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "util/text_io.hpp"
#include "sim/vectors.hpp"

namespace logmac::cli {

int cmd_vectors(int argc, char** argv) {
  Args args("vectors",
            {{"--mac", "SPEC", "the MAC spec"},
             {"--exhaustive", nullptr, "every operand pair (and for lns every pair through the accumulator)"},
             {"--random", "N", "N lines of seeded random dot-product streams"},
             {"--seed", "S", "random seed (default 1)"},
             {"-o", "FILE", "output file (default stdout)"}},
            argc, argv);
  if (args.help()) {
    fmt::print("logmac vectors --mac SPEC (--exhaustive | --random N [--seed S]) [-o FILE]\n"
               "Writes 'CLR A B ACC' lines (hex) with the golden model's accumulator after each line.\n{}",
               args.usage());
    return 0;
  }
  if (!args.has("--mac")) throw UsageError("vectors: --mac SPEC is required");
  if (args.has("--exhaustive") == args.has("--random"))
    throw UsageError("vectors: give exactly one of --exhaustive or --random N");
  const MacConfig c = parse_spec(args.get("--mac"));
  const long long n = args.get_int("--random", 0, 1, 1LL << 32);
  const auto seed = static_cast<std::uint64_t>(args.get_int("--seed", 1, 0, (1LL << 62)));
  if (args.has("--exhaustive") && c.input_bits() > kMaxExhaustiveBits)
    throw UsageError(fmt::format("vectors: --exhaustive needs at most {} input bits, {} has {}; use --random N",
                                 kMaxExhaustiveBits, c.canonical(), c.input_bits()));

  // Into a temporary file renamed onto FILE at the end (never half a file under FILE), or to stdout.
  const std::string path = args.get("-o");
  std::optional<AtomicFile> file;
  if (!path.empty()) file.emplace(path);
  auto emit = [&](std::string_view text) {
    if (file) file->write(text);
    else out(text);  // a closed pipe ends the command quietly (OutputClosed)
  };
  emit(vector_header(c));
  GoldenRunner run(c);
  std::string buf;
  auto sink = [&](const Stim& s) {
    const u64 acc = run.step(s);
    buf += fmt::format("{} {} {} {}\n", s.clr ? 1 : 0, hex(s.a, c.wa), hex(s.b, c.wb), hex(acc, c.wacc));
    if (buf.size() > (1 << 16)) {
      emit(buf);
      buf.clear();
    }
  };
  if (args.has("--exhaustive")) exhaustive_stimulus(c, sink);
  else random_stimulus(c, n, seed, sink);
  emit(buf);
  if (file) file->commit();
  return 0;
}

}  // namespace logmac::cli
