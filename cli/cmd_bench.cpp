#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "sim/registry.hpp"
#include "sim/text_io.hpp"
#include "sim/workload.hpp"

namespace logmac::cli {

namespace {
// Median M MAC/s over `reps` timed runs of `dots` dot products of `terms` terms.
template <class M>
double bench_model(const M& m, const DotWorkload& wl, int reps, u64& sink) {
  std::vector<u64> qa(wl.a.size()), qb(wl.b.size());
  for (size_t i = 0; i < qa.size(); ++i) {
    qa[i] = m.encode_a(wl.a[i]);
    qb[i] = m.encode_b(wl.b[i]);
  }
  std::vector<double> rates;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < wl.count; ++k)
      sink += run_dot(m, qa.data() + static_cast<size_t>(k) * wl.terms, qb.data() + static_cast<size_t>(k) * wl.terms,
                      wl.terms);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(static_cast<double>(wl.count) * wl.terms / s / 1e6);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}
}  // namespace

int cmd_bench(int argc, char** argv) {
  Args args("bench",
            {{"--mac", "SPEC", "MAC spec to measure (default: one per variant)", true},
             {"--reps", "N", "timed repetitions per spec; the median is printed (default 7)"},
             {"--dots", "N", "dot products per repetition (default 4000)"}},
            argc, argv);
  if (args.help()) {
    fmt::print("logmac bench [--mac SPEC ...]: model throughput, single thread, 256-term dot products\n{}",
               args.usage());
    return 0;
  }
  std::vector<std::string> specs = args.all("--mac");
  if (specs.empty()) {
    specs = canonical_set();
    specs.push_back("lns:w=16,f=8,delta=exact");
    specs.push_back("lns:w=12,f=4,delta=lut:64");
  }
  std::vector<MacConfig> cfgs;
  for (const auto& s : specs) cfgs.push_back(parse_spec(s));
  const int reps = static_cast<int>(args.get_int("--reps", 7, 1, 1000));
  const int dots = static_cast<int>(args.get_int("--dots", 4000, 1, 1000000));
  const DotWorkload wl = make_nn_workload(dots, 256, 7);
  u64 sink = 0;
  fmt::print("{:<60} {:>10}\n", "spec", "M MAC/s");
  for (const auto& c : cfgs) {
    const double rate = with_model(c, [&](const auto& m) { return bench_model(m, wl, reps, sink); });
    fmt::print("{:<60} {:>10.1f}\n", c.canonical(), rate);
    if (!stdout_flush()) throw OutputClosed{};  // checked: a full disk is an error, a closed pipe ends the run
  }
  fmt::print("(median of {} runs of {} x 256-term dot products each; checksum {:x})\n", reps, dots, sink & 0xffff);
  return 0;
}

}  // namespace logmac::cli
