// `logmac pwl`: argument parsing and printing; the optimizer and the report live in pwl/.
#include <fmt/format.h>

#include <cstdio>
#include <mutex>
#include <stdexcept>

#include "cli/cli.hpp"
#include "util/process.hpp"
#include "cli/synth_args.hpp"
#include "pwl/dhist.hpp"
#include "pwl/pwl.hpp"
#include "pwl/report.hpp"
#include "sim/config.hpp"
#include "util/text_io.hpp"
#include "synth/flow.hpp"

namespace logmac::cli {


namespace {

void write_file(const std::string& path, const std::string& text, const char* what) {
  std::string why;
  if (!write_file_atomic(path, text, why)) throw UsageError(fmt::format("pwl: {} {}: {}", what, path, why));
}

pwl::Slopes parse_slopes(const std::string& s) {
  if (s == "p2") return pwl::Slopes::P2;
  if (s == "p2x2") return pwl::Slopes::P2x2;
  throw UsageError(fmt::format("pwl: --slopes {} is not allowed (allowed: p2, p2x2)", s));
}

pwl::Objective parse_objective(const std::string& s, const char* opt) {
  if (s == "dot") return pwl::Objective::Dot;
  if (s == "max") return pwl::Objective::Max;
  if (s == "mean") return pwl::Objective::Mean;
  throw UsageError(fmt::format("pwl: {} {} is not allowed (allowed: dot, max, mean)", opt, s));
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t p = s.find(',', start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

int parse_int_item(const std::string& s, const char* opt, const std::string& whole) {
  size_t pos = 0;
  int v = 0;
  try {
    v = std::stoi(s, &pos);
  } catch (...) {
    pos = std::string::npos;
  }
  if (s.empty() || pos != s.size())
    throw UsageError(fmt::format("pwl: {} {}: '{}' is not an integer", opt, whole, s));
  return v;
}

// Options shared by a single optimization and the report.
void common_options(const Args& args, pwl::Options& o) {
  o.seed = static_cast<std::uint64_t>(args.get_int("--seed", 1, 0, 1LL << 62));
  o.effort = static_cast<int>(args.get_int("--effort", 1, 1, 100));
  o.slopes = parse_slopes(args.get("--slopes", "p2"));
  const std::string near_zero = args.get("--near-zero", "result");
  if (near_zero == "result") o.near_zero = pwl::NearZero::Result;
  else if (near_zero == "plain") o.near_zero = pwl::NearZero::Plain;
  else throw UsageError(fmt::format("pwl: --near-zero {} is not allowed (allowed: result, plain)", near_zero));
  // With --dhist only, the family is the files; --workload adds generated workloads to them.
  o.dhist = args.has("--dhist") ? args.all("--dhist") : std::vector<std::string>{};
  o.workload = args.get("--workload", o.dhist.empty() ? pwl::kDefaultFitWorkloads : "");
  for (const std::string& file : o.dhist)
    if (file.empty()) throw UsageError("pwl: --dhist needs a file");
  o.bounds.plus = args.get_double("--bound-plus", 0, 1e-6, 1e9);
  o.bounds.minus = args.get_double("--bound-minus", 0, 1e-6, 1e9);
  o.bounds.minus_near = args.get_double("--bound-minus-near", 0, 1e-6, 1e9);
}

int run_report(const Args& args, const std::string& command_line) {
  for (const char* one : {"--w", "--f", "--segments", "--dmax", "--objective", "-o", "--save-dhist", "--bound-plus",
                          "--bound-minus", "--bound-minus-near"})
    if (args.has(one))
      throw UsageError(fmt::format("pwl: {} is for one table, not --report (--report-formats, --report-segments, "
                                   "--report-objectives choose the rows; bounds are each format's defaults)",
                                   one));
  pwl::ReportOptions ro;
  pwl::Options o;
  common_options(args, o);
  ro.seed = o.seed;
  ro.effort = o.effort;
  ro.slopes = o.slopes;
  ro.dhist = o.dhist;
  ro.workload = o.workload;
  ro.command_line = command_line;
  ro.threads = static_cast<unsigned>(args.get_int("--jobs", 0, 0, 256));
  ro.tables_dir = args.get("--report-tables", "");
  if (args.has("--report-tables") && ro.tables_dir.empty()) throw UsageError("pwl: --report-tables needs a directory");
  if (args.has("--report-formats")) {
    ro.formats.clear();
    const std::string all = args.get("--report-formats");
    for (const std::string& item : split_list(all)) {
      const size_t slash = item.find('/');
      if (slash == std::string::npos)
        throw UsageError(fmt::format("pwl: --report-formats {}: '{}' is not W/F", all, item));
      ro.formats.push_back({parse_int_item(item.substr(0, slash), "--report-formats", all),
                            parse_int_item(item.substr(slash + 1), "--report-formats", all)});
    }
  }
  if (args.has("--report-segments")) {
    ro.segments.clear();
    const std::string all = args.get("--report-segments");
    for (const std::string& item : split_list(all)) ro.segments.push_back(parse_int_item(item, "--report-segments", all));
  }
  if (args.has("--report-objectives")) {
    ro.objectives.clear();
    for (const std::string& item : split_list(args.get("--report-objectives")))
      ro.objectives.push_back(parse_objective(item, "--report-objectives"));
  }
  if (args.has("--area")) {
    synth::FlowOptions flow = synth_flow_from(args, "pwl");
    if (!args.has("--sim")) flow.sim = "zero";  // only the area is used: no timed simulation
    ro.area = [flow](const MacConfig& cfg) {
      try {
        return synth::run_design(cfg, flow).area;
      } catch (const util::Interrupted&) {  // the report's threads take std::exceptions; main ends by the signal
        throw std::runtime_error("interrupted");
      }
    };
  }
  std::mutex mu;
  const bool quiet = args.has("--quiet");
  ro.progress = [&](const std::string& line) {
    if (quiet) return;
    std::lock_guard lock(mu);
    fmt::print(stderr, "{}\n", line);
  };
  pwl::Report rep;
  try {
    rep = pwl::run_report(ro);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  fmt::print("{}", pwl::report_markdown(rep));
  if (args.has("--report-csv")) write_file(args.get("--report-csv"), pwl::report_csv(rep), "report");
  if (args.has("--report-plot")) {
    try {
      pwl::write_report_plot(rep, args.get("--report-plot"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
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
             {"--objective", "dot|max|mean",
              "dot: the error of dot products (bias and variance of the accumulated result, weighted by how often "
              "and at what partial-sum size an LNS MAC looks up each d), within worst-case bounds (default); max: "
              "worst |error| (exact optimum); mean: mean |error|"},
             {"--bound-plus", "LSB", "dot: worst delta_plus |error| allowed (default: the published table's, else "
                                     "1.5x the max objective's optimum)"},
             {"--bound-minus", "LSB", "dot: worst delta_minus |error| for d >= 1.0 (default as --bound-plus)"},
             {"--bound-minus-near", "LSB", "dot: worst delta_minus |error| for d < 1.0 (default as --bound-plus)"},
             {"--workload", "KIND:TERMS,...", "dot: generated workloads the table must serve (KIND nn: ReLU "
                                              "activations x normal weights; heavy: signed Laplace x normal; pos: "
                                              "nn with |weights|; default nn:256,heavy:1024)"},
             {"--dhist", "FILE", "dot: a measured d-histogram as a workload (format: pwl/dhist.hpp)", true},
             {"--save-dhist", "FILE", "write the d-histogram of the first --workload at --w/--f (what --dhist reads)"},
             {"--near-zero", "result|plain", "max: delta_minus error below d = 1.0 counts scaled by the size of "
                                             "the sum (default) or plainly"},
             {"--seed", "S", "annealing seed; the fit workload's seed derives from it (default 1)"},
             {"--effort", "N", "multiply the annealing length by N (default 1)"},
             {"-o", "FILE", "write the table (CSV, integer LSB) to FILE"},
             {"--quiet", nullptr, "no progress lines"},
             {"--report", nullptr, "optimize several formats, objectives and K and print the comparison"},
             {"--report-formats", "W/F,...", "with --report (default 16/8,15/7,14/6,13/5,12/4,10/3)"},
             {"--report-segments", "K,...", "with --report (default 8,16)"},
             {"--report-objectives", "OBJ,...", "with --report (default dot,max)"},
             {"--report-csv", "FILE", "with --report: also write the tables as CSV"},
             {"--report-plot", "FILE", "with --report: PNG of the local mean errors over d of the first format's tables"},
             {"--report-tables", "DIR", "with --report: keep the optimized tables in DIR (the CSV's spec column "
                                        "names them)"},
             {"--jobs", "N", "with --report: parallel jobs (default: all cores)"},
             {"--area", nullptr, "with --report: synthesize the LNS MAC of every row (yosys, osu018; cached) for its area"}},
            argc, argv);
  if (args.help()) {
    fmt::print(
        "logmac pwl --w W --f F --segments K [--objective dot|max|mean] [--slopes p2|p2x2] [--seed S] -o FILE\n"
        "logmac pwl --report [--report-csv FILE] [--report-plot FILE.png] [--area]\n"
        "logmac pwl --w W --f F --save-dhist FILE [--workload KIND:TERMS]\n"
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
  for (const char* only : {"--report-csv", "--report-plot", "--report-formats", "--report-segments",
                           "--report-objectives", "--report-tables", "--jobs", "--area"})
    if (args.has(only)) throw UsageError(fmt::format("pwl: {} needs --report", only));

  pwl::Options o;
  common_options(args, o);
  o.w = static_cast<int>(args.get_int("--w", 16, -1000, 1000));
  o.f = static_cast<int>(args.get_int("--f", 8, -1000, 1000));
  if (args.has("--save-dhist")) {
    // The d-histogram the dot objective records on the first --workload: the --dhist format, for inspection
    // or to compare with a measured one.
    for (const char* req : {"--w", "--f"})
      if (!args.has(req)) throw UsageError(fmt::format("pwl: --save-dhist needs {}", req));
    for (const char* other : {"--dhist", "-o", "--segments"})
      if (args.has(other)) throw UsageError(fmt::format("pwl: --save-dhist does not take {}", other));
    std::vector<pwl::FitWorkload> fws;
    try {
      pwl::check_options(o);
      fws = pwl::fit_workloads(o);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    const pwl::FitWorkload& fw = fws.at(0);
    const pwl::DHistogram h = pwl::record_dhistogram(
        o.w, o.f, fw.data, fmt::format("{} ({} dot products, seed {})", fw.name, fw.data.count, fw.seed));
    write_file(args.get("--save-dhist"), pwl::format_dhistogram(h), "d-histogram");
    fmt::print("d-histogram of {}: {} lookups in {} dot products, coherence {:.2f}; wrote {}\n", fw.name, h.lookups(),
               h.dot_products, h.coherence(), args.get("--save-dhist"));
    return 0;
  }
  for (const char* req : {"--w", "--f", "--segments", "-o"})
    if (!args.has(req)) throw UsageError(fmt::format("pwl: {} is required (or --report)", req));
  o.k = static_cast<int>(args.get_int("--segments", 16, -1000000, 1000000));
  o.dmax = args.get_double("--dmax", 0, 1e-9, 1e9);
  o.objective = parse_objective(args.get("--objective", "dot"), "--objective");
  if (o.objective != pwl::Objective::Dot)
    for (const char* only : {"--bound-plus", "--bound-minus", "--bound-minus-near", "--dhist", "--workload"})
      if (args.has(only)) throw UsageError(fmt::format("pwl: {} applies to --objective dot only", only));
  pwl::Result r;
  try {
    pwl::check_options(o);
    for (const std::string& file : o.dhist) pwl::read_dhistogram(file);  // a bad file fails before the work
    const bool quiet = args.has("--quiet");
    r = pwl::optimize(o, true, [quiet](const std::string& line) {
      if (!quiet) fmt::print(stderr, "{}\n", line);
    });
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  write_file(args.get("-o"), pwl::table_file_text(r, command_line), "table");
  const i64 one = i64{1} << o.f;
  const auto far = pwl::table_error(r.minus.segs, false, o.f, std::min(one, r.dom_minus.hi), r.dom_minus.hi);
  fmt::print("plus : max {:.4f} mean {:.4f} LSB (d {}..{})\n", r.plus.err.max, r.plus.err.mean, r.dom_plus.lo,
             r.dom_plus.hi);
  fmt::print("minus: max {:.4f} mean {:.4f} LSB (d {}..{}); d >= 1.0: max {:.4f} mean {:.4f}\n", r.minus.err.max,
             r.minus.err.mean, r.dom_minus.lo, r.dom_minus.hi, far.max, far.mean);
  if (o.objective == pwl::Objective::Dot) {
    fmt::print("dot: bounds plus {:.4f}, minus d >= 1.0 {:.4f}, minus d < 1.0 {:.4f} LSB ({})\n", r.bounds.b.plus,
               r.bounds.b.minus, r.bounds.b.minus_near, r.bounds.source);
    for (size_t i = 0; i < r.workloads.size(); ++i)
      fmt::print("dot: {}: predicted nrmse {:.4e}, bias {:+.4f} LSB (plus {:+.4f}, minus {:+.4f}), weighted rms "
                 "{:.4f} LSB\n",
                 r.workloads[i], r.predicted[i].nrmse, r.predicted[i].bias, r.predicted[i].bias_plus,
                 r.predicted[i].bias_minus, r.predicted[i].rms);
  }
  if (o.objective == pwl::Objective::Dot)  // one objective over both functions (the predictions above)
    fmt::print("objective dot (worst |error|: plus {:.4f}, minus {:.4f} LSB); {:.1f} s; wrote {}\n", r.plus.err.max,
               r.minus.err.max, r.seconds, args.get("-o"));
  else
    fmt::print("objective {} (plus {:.4f}, minus {:.4f}); {:.1f} s; wrote {}\n", pwl::to_string(o.objective),
               r.plus.objective, r.minus.objective, r.seconds, args.get("-o"));
  return 0;
}

}  // namespace logmac::cli
