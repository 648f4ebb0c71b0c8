#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "sim/text_io.hpp"
#include "cli/cli.hpp"
#include "sim/config.hpp"
#include "synth/flow.hpp"
#include "pwl/pwl.hpp"
#include "sim/workload.hpp"

namespace logmac::cli {

synth::FlowOptions synth_flow_from(const Args& args, const char* sub);  // cmd_synth.cpp

namespace {

void write_file(const std::string& path, const std::string& text, const char* what) {
  std::string why;
  if (!write_file_atomic(path, text, why)) throw UsageError(fmt::format("pwl: {} {}: {}", what, path, why));
}

// One row of the report: errors in LSB of both functions, and the dot-product error of an LNS MAC.
struct Row {
  int w = 0, f = 0;
  std::string table;  // "K=16" / "qaa" / "exact"
  pwl::ErrorStats plus, minus, minus_far;
  double nrmse = 0;   // arith nrmse of the dot products (table error alone, not input quantization)
  double seconds = 0;
  bool has_errors = true;
  std::string spec;  // the LNS MAC using the table
  double area = 0;   // um^2 of that MAC (--area)
};

constexpr int kReportCount = 1000, kReportTerms = 256;
constexpr std::uint64_t kReportSeed = 7;  // the workload the tables are evaluated on (not fitted on)

Row measure(int w, int f, const std::string& name, const std::vector<PwlSegment>* plus,
            const std::vector<PwlSegment>* minus, const std::string& delta, const DotWorkload& wl) {
  Row r;
  r.w = w;
  r.f = f;
  r.table = name;
  pwl::Options o;
  o.w = w;
  o.f = f;
  if (plus) {
    const auto dp = pwl::fit_domain(o, true), dm = pwl::fit_domain(o, false);
    r.plus = pwl::table_error(*plus, true, f, dp.lo, dp.hi);
    r.minus = pwl::table_error(*minus, false, f, dm.lo, dm.hi);
    r.minus_far = pwl::table_error(*minus, false, f, std::min(i64{1} << f, dm.hi), dm.hi);
  } else {
    r.has_errors = false;
  }
  r.spec = fmt::format("lns:w={},f={},delta={}", w, f, delta);
  r.nrmse = measure_accuracy(parse_spec(r.spec), wl).arith_nrmse;
  return r;
}

int run_report(const Args& args, const std::string& command_line) {
  const std::vector<std::pair<int, int>> formats = {{16, 8}, {14, 6}, {12, 4}, {10, 3}};
  const std::vector<int> ks = {4, 8, 16};
  const auto seed = static_cast<std::uint64_t>(args.get_int("--seed", 1, 0, 1LL << 62));
  const int effort = static_cast<int>(args.get_int("--effort", 1, 1, 100));
  const DotWorkload wl = make_nn_workload(kReportCount, kReportTerms, kReportSeed);
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("logmac_pwl_report_{}", std::chrono::steady_clock::now().time_since_epoch().count());
  std::filesystem::create_directories(dir);

  struct Job {
    int w, f, k;  // k = 0: the reference rows (qaa, exact)
  };
  std::vector<Job> jobs;
  for (auto [w, f] : formats) {
    jobs.push_back({w, f, 0});
    for (int k : ks) jobs.push_back({w, f, k});
  }
  // Longest first so the threads finish together.
  std::stable_sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.f * a.k > b.f * b.k; });
  std::vector<std::vector<Row>> rows(jobs.size());
  std::atomic<size_t> next{0};
  std::atomic<int> done{0};
  std::mutex mu;
  std::string error;
  auto work = [&] {
    for (size_t i; (i = next++) < jobs.size();) {
      const Job j = jobs[i];
      try {
        if (j.k == 0) {
          rows[i].push_back(measure(j.w, j.f, "exact", nullptr, nullptr, "exact", wl));
          if (qaa_table_exists(j.w, j.f)) {
            // The published table exactly as the lns model builds it.
            const auto u = parse_spec(fmt::format("lns:w={},f={},delta=pwl:qaa", j.w, j.f)).delta_unit;
            rows[i].push_back(measure(j.w, j.f, fmt::format("qaa ({})", u->seg_plus.size()), &u->seg_plus,
                                      &u->seg_minus, "pwl:qaa", wl));
          }
        } else {
          pwl::Options o;
          o.w = j.w;
          o.f = j.f;
          o.k = j.k;
          o.seed = seed;
          o.effort = effort;
          const pwl::Result res = pwl::optimize(o, false);
          const auto path = dir / fmt::format("w{}_f{}_k{}.csv", j.w, j.f, j.k);
          write_file(path.string(), pwl::table_file_text(res, command_line), "table");
          Row r = measure(j.w, j.f, fmt::format("K={}", j.k), &res.plus.segs, &res.minus.segs,
                          "pwl:" + path.string(), wl);
          r.seconds = res.seconds;
          rows[i].push_back(r);
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mu);
        if (error.empty()) error = e.what();
      }
      std::lock_guard lock(mu);
      fmt::print(stderr, "pwl report: [{}/{}] w={} f={} {}\n", ++done, jobs.size(), j.w, j.f,
                 j.k ? fmt::format("K={} ({:.1f} s)", j.k, rows[i].empty() ? 0.0 : rows[i][0].seconds)
                     : std::string("references"));
    }
  };
  std::vector<std::thread> pool;
  const unsigned nt = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < nt; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  if (!error.empty()) {
    std::filesystem::remove_all(dir);
    throw UsageError(fmt::format("pwl: report failed: {}", error));
  }
  if (args.has("--area")) {
    // Area of the whole LNS MAC with each table (yosys on the liberty, cached like `logmac synth`): at a
    // fixed w/f everything but the delta unit is the same, so the differences are the delta unit's.
    synth::FlowOptions opt = synth_flow_from(args, "pwl");
    if (!args.has("--sim")) opt.sim = "zero";  // only the area is used: no timed simulation
    std::vector<Row*> todo;
    for (auto& rs : rows)
      for (auto& r : rs) todo.push_back(&r);
    next = 0;
    done = 0;
    auto synth_work = [&] {
      for (size_t i; (i = next++) < todo.size();) {
        try {
          todo[i]->area = synth::run_design(parse_spec(todo[i]->spec), opt).area;
        } catch (const std::exception& e) {
          std::lock_guard lock(mu);
          if (error.empty()) error = e.what();
        }
        std::lock_guard lock(mu);
        fmt::print(stderr, "pwl report: area [{}/{}] {}\n", ++done, todo.size(), todo[i]->spec);
      }
    };
    std::vector<std::thread> spool;
    for (unsigned t = 0; t < nt; ++t) spool.emplace_back(synth_work);
    for (auto& t : spool) t.join();
    if (!error.empty()) {
      std::filesystem::remove_all(dir);
      throw UsageError(fmt::format("pwl: report failed: {}", error));
    }
  }
  std::filesystem::remove_all(dir);

  // Print in format order: references first, then K ascending.
  std::vector<Row> all;
  for (auto [w, f] : formats) {
    for (size_t i = 0; i < jobs.size(); ++i)
      if (jobs[i].w == w && jobs[i].k == 0) all.insert(all.end(), rows[i].begin(), rows[i].end());
    for (int k : ks)
      for (size_t i = 0; i < jobs.size(); ++i)
        if (jobs[i].w == w && jobs[i].k == k) all.insert(all.end(), rows[i].begin(), rows[i].end());
  }
  auto cell = [](const Row& r, double v) { return r.has_errors ? fmt::format("{:.3f}", v) : std::string("-"); };
  fmt::print("| w/f | table | D+ max | D+ mean | D- max | D- mean | D- max d>=1 | D- mean d>=1 | dot nrmse | "
             "area | s |\n");
  fmt::print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
  std::string csv =
      "w,f,table,plus_max,plus_mean,minus_max,minus_mean,minus_far_max,minus_far_mean,dot_arith_nrmse,area,seconds\n";
  for (const Row& r : all) {
    const std::string area = r.area > 0 ? fmt::format("{:.0f}", r.area) : std::string("-");
    fmt::print("| {}/{} | {} | {} | {} | {} | {} | {} | {} | {:.3e} | {} | {} |\n", r.w, r.f, r.table,
               cell(r, r.plus.max), cell(r, r.plus.mean), cell(r, r.minus.max), cell(r, r.minus.mean),
               cell(r, r.minus_far.max), cell(r, r.minus_far.mean), r.nrmse, area,
               r.seconds > 0 ? fmt::format("{:.1f}", r.seconds) : std::string("-"));
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{:.6e},{},{:.2f}\n", r.w, r.f, r.table, cell(r, r.plus.max),
                       cell(r, r.plus.mean), cell(r, r.minus.max), cell(r, r.minus.mean), cell(r, r.minus_far.max),
                       cell(r, r.minus_far.mean), r.nrmse, r.area > 0 ? area : std::string(), r.seconds);
  }
  fmt::print("(errors in LSB of the log, bit-true, d from 0 (D-: 1) to where the function rounds to 0; p2 slopes, "
             "objective max, seed {}; dot nrmse: arith nrmse of {} dot products of {} terms, workload seed {}; "
             "area: um^2 of the whole LNS MAC with the table, osu018, with --area)\n",
             seed, kReportCount, kReportTerms, kReportSeed);
  if (args.has("--report-csv")) write_file(args.get("--report-csv"), csv, "report");
  return 0;
}

}  // namespace

int cmd_pwl(int argc, char** argv) {
  Args args("pwl",
            {{"--w", "W", "LNS width (sign + zero flag + (w-2)-bit log)"},
             {"--f", "F", "log fraction bits"},
             {"--segments", "K", "segments per function (1..64)"},
             {"--dmax", "X", "fit d up to X (units of 1.0; default: where the function rounds to 0)"},
             {"--slopes", "p2|p2x2", "one power-of-two slope per segment, or a sum/difference of two (default p2)"},
             {"--objective", "max|mean|workload", "worst |error|, mean |error|, or mean |error| weighted by how "
                                                  "often an NN dot product looks up each d (default max)"},
             {"--near-zero", "result|plain", "delta_minus error below d = 1.0 counts scaled by the size of the sum "
                                             "(default) or plainly"},
             {"--seed", "S", "annealing seed (default 1)"},
             {"--effort", "N", "multiply the annealing length by N (default 1)"},
             {"-o", "FILE", "write the table (CSV, integer LSB) to FILE"},
             {"--report", nullptr, "optimize w/f 16/8 14/6 12/4 10/3 at K 4 8 16 and print the error table"},
             {"--report-csv", "FILE", "with --report: also write the table as CSV"},
             {"--area", nullptr, "with --report: synthesize the LNS MAC of every row (yosys, osu018; cached) for its area"}},
            argc, argv);
  if (args.help()) {
    fmt::print(
        "logmac pwl --w W --f F --segments K [--dmax X] [--slopes p2|p2x2] [--objective max|mean|workload]\n"
        "           [--seed S] -o FILE\n"
        "logmac pwl --report [--report-csv FILE]\n"
        "Piece-wise-linear tables for the LNS delta functions (plus: c - slope(d), minus: c + slope(d)) with\n"
        "power-of-two slopes, breakpoints placed by simulated annealing, each segment's shifts and intercept\n"
        "fitted exactly, errors evaluated bit-true against log2 in long double. Use the table with\n"
        "--mac lns:w=W,f=F,delta=pwl:FILE.\n{}",
        args.usage());
    return 0;
  }
  std::string command_line = "logmac";
  for (int i = 0; i < argc; ++i) command_line += std::string(" ") + argv[i];
  if (!args.positional().empty()) throw UsageError(fmt::format("pwl: unexpected argument '{}'", args.positional()[0]));
  if (args.has("--report")) return run_report(args, command_line);
  if (args.has("--report-csv")) throw UsageError("pwl: --report-csv needs --report");

  for (const char* req : {"--w", "--f", "--segments", "-o"})
    if (!args.has(req)) throw UsageError(fmt::format("pwl: {} is required (or --report)", req));
  pwl::Options o;
  o.w = static_cast<int>(args.get_int("--w", 16, -1000, 1000));
  o.f = static_cast<int>(args.get_int("--f", 8, -1000, 1000));
  o.k = static_cast<int>(args.get_int("--segments", 16, -1000000, 1000000));
  o.dmax = args.get_double("--dmax", 0, 1e-9, 1e9);
  o.seed = static_cast<std::uint64_t>(args.get_int("--seed", 1, 0, 1LL << 62));
  o.effort = static_cast<int>(args.get_int("--effort", 1, 1, 100));
  const std::string slopes = args.get("--slopes", "p2"), objective = args.get("--objective", "max");
  if (slopes == "p2") o.slopes = pwl::Slopes::P2;
  else if (slopes == "p2x2") o.slopes = pwl::Slopes::P2x2;
  else throw UsageError(fmt::format("pwl: --slopes {} is not allowed (allowed: p2, p2x2)", slopes));
  const std::string near_zero = args.get("--near-zero", "result");
  if (near_zero == "result") o.near_zero = pwl::NearZero::Result;
  else if (near_zero == "plain") o.near_zero = pwl::NearZero::Plain;
  else throw UsageError(fmt::format("pwl: --near-zero {} is not allowed (allowed: result, plain)", near_zero));
  if (objective == "max") o.objective = pwl::Objective::Max;
  else if (objective == "mean") o.objective = pwl::Objective::Mean;
  else if (objective == "workload") o.objective = pwl::Objective::Workload;
  else throw UsageError(fmt::format("pwl: --objective {} is not allowed (allowed: max, mean, workload)", objective));
  try {
    pwl::check_options(o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const pwl::Result r = pwl::optimize(o);
  write_file(args.get("-o"), pwl::table_file_text(r, command_line), "table");
  const i64 one = i64{1} << o.f;
  const auto far = pwl::table_error(r.minus.segs, false, o.f, std::min(one, r.dom_minus.hi), r.dom_minus.hi);
  fmt::print("plus : max {:.4f} mean {:.4f} LSB (d {}..{})\n", r.plus.err.max, r.plus.err.mean, r.dom_plus.lo,
             r.dom_plus.hi);
  fmt::print("minus: max {:.4f} mean {:.4f} LSB (d {}..{}); d >= 1.0: max {:.4f} mean {:.4f}\n", r.minus.err.max,
             r.minus.err.mean, r.dom_minus.lo, r.dom_minus.hi, far.max, far.mean);
  fmt::print("objective {} (plus {:.4f}, minus {:.4f}); {:.1f} s; wrote {}\n", pwl::to_string(o.objective),
             r.plus.objective, r.minus.objective, r.seconds, args.get("-o"));
  return 0;
}

}  // namespace logmac::cli
