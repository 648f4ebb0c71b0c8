#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstring>
#include <thread>

#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "sim/gemm.hpp"
#include "sim/registry.hpp"
#include "util/text_io.hpp"
#include "sim/workload.hpp"

namespace logmac::cli {

namespace {

// A CSV field: quoted (specs contain commas), quotes doubled.
std::string csv_field(const std::string& s) {
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// CPU time of the whole process (every thread), in seconds: rates per CPU-second do not depend on how many
// other programs share the cores.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Rate {
  double wall = 0;  // M MAC/s, median over the runs
  double cpu = 0;   // M MAC per CPU-second, median over the runs
};

// Times `reps` runs of run(), each doing `macs` MACs.
template <class F>
Rate time_runs(int reps, double macs, F&& run) {
  std::vector<double> wall, cpu;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    run();
    const double c1 = cpu_seconds();
    wall.push_back(macs / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 1e6);
    cpu.push_back(macs / std::max(c1 - c0, 1e-9) / 1e6);
  }
  return {median(wall), median(cpu)};
}

// M MAC/s over `reps` timed runs of `dots` dot products of `terms` terms, one thread.
template <class M>
Rate bench_model(const M& m, const DotWorkload& wl, int reps, u64& sink) {
  std::vector<u64> qa(wl.a.size()), qb(wl.b.size());
  for (size_t i = 0; i < qa.size(); ++i) {
    qa[i] = m.encode_a(wl.a[i]);
    qb[i] = m.encode_b(wl.b[i]);
  }
  return time_runs(reps, static_cast<double>(wl.count) * wl.terms, [&] {
    for (int k = 0; k < wl.count; ++k)
      sink += run_dot(m, qa.data() + static_cast<size_t>(k) * wl.terms, qb.data() + static_cast<size_t>(k) * wl.terms,
                      wl.terms);
  });
}

struct GemmShape {
  i64 m = 0, n = 0, k = 0;
};

GemmShape parse_shape(const std::string& s) {
  GemmShape g;
  i64* dims[] = {&g.m, &g.n, &g.k};
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t end = s.find(',', pos);
    const std::string part = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(part, &used, 10);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != part.size() || v < 1 || v > (1 << 20) || (i < 2 && end == std::string::npos) ||
        (i == 2 && end != std::string::npos))
      throw UsageError(fmt::format("bench: --gemm {} is not M,N,K (three integers in 1..{})", s, 1 << 20));
    *dims[i] = v;
    pos = end + 1;
  }
  if (g.m * g.k + g.k * g.n + g.m * g.n > (i64{1} << 28))
    throw UsageError(fmt::format("bench: --gemm {} needs more than 2^28 codes; use smaller matrices", s));
  return g;
}

GemmKernel parse_kernel(const std::string& s) {
  for (GemmKernel k : {GemmKernel::Auto, GemmKernel::Avx512, GemmKernel::Avx2, GemmKernel::Portable,
                       GemmKernel::Reference})
    if (s == gemm_kernel_name(k)) {
      if (!gemm_kernel_supported(k))
        throw UsageError(fmt::format("bench: --kernel {} is not supported on this CPU (best here: {})", s,
                                     gemm_kernel_name(gemm_kernel_best())));
      return k;
    }
  throw UsageError(fmt::format("bench: --kernel {} is not one of auto, avx512, avx2, portable, reference", s));
}

// A x B of encoded neural-network-like data: A (m x k) activations, B (k x n) weights.
struct GemmData {
  std::vector<u64> a, b;
};

GemmData gemm_data(const MacConfig& c, const GemmShape& g) {
  const DotWorkload wa = make_nn_workload(static_cast<int>(g.m), static_cast<int>(g.k), 7);
  const DotWorkload wb = make_nn_workload(static_cast<int>(g.n), static_cast<int>(g.k), 8);
  GemmData d;
  d.a.resize(static_cast<size_t>(g.m * g.k));
  d.b.resize(static_cast<size_t>(g.k * g.n));
  with_model(c, [&](const auto& m) {
    for (size_t i = 0; i < d.a.size(); ++i) d.a[i] = m.encode_a(wa.a[i]);
    for (i64 j = 0; j < g.n; ++j)
      for (i64 t = 0; t < g.k; ++t) d.b[t * g.n + j] = m.encode_b(wb.b[j * g.k + t]);
  });
  return d;
}

std::vector<unsigned char> to_bytes(const std::vector<u64>& v, CodeType t) {
  std::vector<unsigned char> out(v.size() * code_bytes(t));
  for (size_t i = 0; i < v.size(); ++i) std::memcpy(out.data() + i * code_bytes(t), &v[i], code_bytes(t));
  return out;
}

u64 code_of(const std::vector<unsigned char>& bytes, CodeType t, i64 i) {
  u64 v = 0;
  std::memcpy(&v, bytes.data() + i * code_bytes(t), code_bytes(t));
  return v;
}

struct GemmResult {
  Rate rate;
  GemmReport report;
};

// Median M MAC/s of `reps` GEMMs; checks `checks` outputs against the scalar model (exit 1 on a difference).
GemmResult bench_gemm(const MacConfig& c, const ArrayMac& am, const GemmData& d, const GemmShape& g, GemmOptions opt,
                      int reps, long long& checked) {
  const auto a = to_bytes(d.a, am.type_a()), b = to_bytes(d.b, am.type_b());
  std::vector<unsigned char> out(static_cast<size_t>(g.m * g.n) * code_bytes(am.type_acc()));
  GemmResult r;
  r.rate = time_runs(reps, static_cast<double>(g.m) * g.n * g.k, [&] {
    r.report = am.matmul(static_cast<const void*>(a.data()), static_cast<const void*>(b.data()),
                         static_cast<void*>(out.data()), g.m, g.n, g.k, opt);
  });
  // Positive evidence that the fast path computed the model's results: a sample of outputs, one dot product each.
  with_model(c, [&](const auto& m) {
    Rng rng(1);
    std::vector<u64> col(static_cast<size_t>(g.k));
    const int samples = static_cast<int>(std::min<i64>(64, g.m * g.n));
    for (int s = 0; s < samples; ++s) {
      const i64 i = static_cast<i64>(rng.below(static_cast<u64>(g.m))), j = static_cast<i64>(rng.below(static_cast<u64>(g.n)));
      for (i64 t = 0; t < g.k; ++t) col[t] = d.b[t * g.n + j];
      const u64 want = run_dot(m, d.a.data() + i * g.k, col.data(), static_cast<int>(g.k));
      const u64 got = code_of(out, am.type_acc(), i * g.n + j);
      if (got != want)
        throw std::runtime_error(fmt::format("GEMM DIFFERS FROM THE MODEL: {} c[{}, {}] = {:#x}, model {:#x}",
                                             c.canonical(), i, j, got, want));
      ++checked;
    }
  });
  return r;
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  Args args("bench",
            {{"--mac", "SPEC", "MAC spec to measure (default: one per variant)", true},
             {"--reps", "N", "timed repetitions per spec; the median is printed (default 7)"},
             {"--dots", "N", "dot products per repetition of the scalar benchmark (default 4000)"},
             {"--gemm", "M,N,K", "also time the GEMM C = A.B (A: MxK, B: KxN) next to the scalar figure"},
             {"--threads", "T", "GEMM threads (default: all cores); a 1-thread GEMM is always timed too"},
             {"--kernel", "NAME", "GEMM kernel set: auto, avx512, avx2, portable, reference (default auto)"},
             {"--csv", "FILE", "also write the table as CSV"}},
            argc, argv);
  if (args.help()) {
    fmt::print(
        "logmac bench [--mac SPEC ...] [--gemm M,N,K [--threads T]]: model throughput in M MAC/s.\n"
        "Scalar: one thread, 256-term dot products through the model. GEMM: the bit-true matrix multiply\n"
        "(sim/gemm.hpp) on neural-network-like data, with 1 and T threads; a sample of its outputs is\n"
        "checked against the scalar model (exit 1 on a difference).\n{}",
        args.usage());
    return 0;
  }
  if (!args.positional().empty())
    throw UsageError(fmt::format("bench: unexpected argument '{}'", args.positional()[0]));
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
  const bool gemm = args.has("--gemm");
  if (!gemm && (args.has("--threads") || args.has("--kernel")))
    throw UsageError("bench: --threads and --kernel apply to --gemm M,N,K");
  const GemmShape shape = gemm ? parse_shape(args.get("--gemm")) : GemmShape{};
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const int threads = static_cast<int>(args.get_int("--threads", hw, 1, 1024));
  const GemmKernel kernel = parse_kernel(args.get("--kernel", "auto"));
  const DotWorkload wl = make_nn_workload(dots, 256, 7);
  u64 sink = 0;
  long long checked = 0;

  std::string csv = gemm ? "spec,scalar_mmacs,gemm_1t_mmacs,gemm_mmacs,threads,ratio,scalar_mmacs_per_cpu_s,"
                           "gemm_mmacs_per_cpu_s,kernel,path,m,n,k\n"
                         : "spec,scalar_mmacs,scalar_mmacs_per_cpu_s\n";
  if (gemm)
    fmt::print("{:<60} {:>9} {:>9} {:>9} {:>7} | {:>9} {:>9}  {}\n", "spec", "scalar", "gemm 1T",
               fmt::format("gemm {}T", threads), "ratio", "scalar", fmt::format("gemm {}T", threads), "path");
  else
    fmt::print("{:<60} {:>10} | {:>10}\n", "spec", "M MAC/s", "per CPU-s");
  for (const auto& c : cfgs) {
    const Rate rate = with_model(c, [&](const auto& m) { return bench_model(m, wl, reps, sink); });
    if (!gemm) {
      fmt::print("{:<60} {:>10.1f} | {:>10.1f}\n", c.canonical(), rate.wall, rate.cpu);
      csv += fmt::format("{},{:.1f},{:.1f}\n", csv_field(c.canonical()), rate.wall, rate.cpu);
      if (!stdout_flush()) throw OutputClosed{};  // checked: a full disk is an error, a closed pipe ends the run
      continue;
    }
    const ArrayMac am(c);
    const GemmData d = gemm_data(c, shape);
    const GemmResult one = bench_gemm(c, am, d, shape, {1, kernel}, reps, checked);
    const GemmResult all = bench_gemm(c, am, d, shape, {threads, kernel}, reps, checked);
    const std::string path = fmt::format("{} {}{}", gemm_kernel_name(all.report.kernel), all.report.path,
                                         all.report.clamped ? "+clamp" : "");
    fmt::print("{:<60} {:>9.1f} {:>9.1f} {:>9.1f} {:>6.1f}x | {:>9.1f} {:>9.1f}  {}\n", c.canonical(), rate.wall,
               one.rate.wall, all.rate.wall, all.rate.wall / rate.wall, rate.cpu, all.rate.cpu, path);
    csv += fmt::format("{},{:.1f},{:.1f},{:.1f},{},{:.2f},{:.1f},{:.1f},{},{}{},{},{},{}\n", csv_field(c.canonical()),
                       rate.wall, one.rate.wall, all.rate.wall, all.report.threads, all.rate.wall / rate.wall, rate.cpu,
                       all.rate.cpu, gemm_kernel_name(all.report.kernel), all.report.path,
                       all.report.clamped ? "+clamp" : "", shape.m, shape.n, shape.k);
    if (!stdout_flush()) throw OutputClosed{};
  }
  fmt::print("(scalar: median of {} runs of {} x 256-term dot products, one thread; checksum {:x})\n", reps, dots,
             sink & 0xffff);
  if (gemm)
    fmt::print("(GEMM: M={} N={} K={}, median of {} runs, M MAC/s = M*N*K / wall time; ratio = gemm {}T / scalar; "
               "after '|': M MAC per CPU-second of all threads, which other load does not change; {} outputs "
               "checked against the scalar model)\n",
               shape.m, shape.n, shape.k, reps, threads, checked);
  else
    fmt::print("(after '|': M MAC per CPU-second, which other load does not change)\n");
  if (args.has("--csv")) {
    std::string why;
    if (!write_file_atomic(args.get("--csv"), csv, why)) throw UsageError("bench: " + why);
  }
  return 0;
}

}  // namespace logmac::cli
