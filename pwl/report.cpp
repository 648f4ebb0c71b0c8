#include "pwl/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>

#include <time.h>
#include <unistd.h>

#include "util/file.hpp"
#include "util/parallel.hpp"
#include "util/process.hpp"
#include "util/text_io.hpp"
#include "sim/workload.hpp"

namespace logmac::pwl {

namespace {

constexpr std::uint64_t kReportSeed = 7;

// The last non-empty line of a (log) file, for a one-line error message (gnuplot ends with its error).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

constexpr double kPlotTimeLimitS = 300;  // gnuplot draws one PNG in well under a second

std::string read_tail(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return "no log";
  std::string last;
  char buf[400];
  while (std::fgets(buf, sizeof buf, f)) {
    std::string line = buf;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) last = line;
  }
  std::fclose(f);
  return last.empty() ? "no output" : last;
}  // the workloads the tables are judged on (not fitted on)

// Error statistics of a flattened table (value per d, 0 beyond), as the model evaluates it.
ErrorStats flat_error(const std::vector<std::int32_t>& flat, bool plus, int f, i64 lo, i64 hi) {
  ErrorStats e;
  long double sum = 0, signed_sum = 0;
  for (i64 d = lo; d <= hi; ++d) {
    const long double exact = plus ? delta_plus_real(static_cast<long double>(d), f)
                                   : delta_minus_real(static_cast<long double>(d), f);
    const long double diff = static_cast<long double>(d < static_cast<i64>(flat.size()) ? flat[d] : 0) - exact;
    sum += std::fabs(diff);
    signed_sum += diff;
    if (static_cast<double>(std::fabs(diff)) > e.max) {
      e.max = static_cast<double>(std::fabs(diff));
      e.argmax = d;
    }
  }
  if (hi >= lo) {
    e.mean = static_cast<double>(sum / static_cast<long double>(hi - lo + 1));
    e.signed_mean = static_cast<double>(signed_sum / static_cast<long double>(hi - lo + 1));
  }
  return e;
}

std::string objective_label(Objective o) { return to_string(o); }

// Per format: the evaluation workloads' nn256 d-histogram weights (bias columns).
struct FormatContext {
  int w = 0, f = 0;
  DotWeights nn_weights;
};

}  // namespace

std::vector<ReportWorkload> report_workloads() {
  // About 2^20 MACs each; seed 7, which no fit workload uses (pwl::fit_workloads).
  return {{"nn256", "4000 dot products of 256 terms, kind nn (ReLU activations x N(0, 0.25^2) weights)",
           make_workload("nn", 4000, 256, kReportSeed)},
          {"heavy1024", "1000 of 1024 terms, kind heavy (Laplace(0, 1/8) x N(0, 0.25^2): signed, heavy-tailed)",
           make_workload("heavy", 1000, 1024, kReportSeed)},
          {"pos256", "4000 of 256 terms, kind pos (nn with |weights|: only delta_plus lookups)",
           make_workload("pos", 4000, 256, kReportSeed)}};
}

Report run_report(const ReportOptions& opt) {
  if (opt.formats.empty() || opt.segments.empty()) throw std::invalid_argument("pwl: the report needs formats and K");
  Report rep;
  rep.opt = opt;
  const std::vector<ReportWorkload> wls = report_workloads();
  for (const auto& w : wls) {
    rep.workloads.push_back(w.name);
    rep.workload_descriptions.push_back(w.description);
  }
  // Check every optimization's options up front: a bad format fails before hours of work.
  for (auto [w, f] : opt.formats)
    for (int k : opt.segments) {
      Options o;
      o.w = w, o.f = f, o.k = k, o.slopes = opt.slopes, o.seed = opt.seed, o.effort = opt.effort;
      o.dhist = opt.dhist, o.workload = opt.workload;
      check_options(o);
    }
  std::vector<FormatContext> ctx;
  for (auto [w, f] : opt.formats)
    ctx.push_back({w, f, dot_weights(record_dhistogram(w, f, wls[0].data, wls[0].name), w, f)});
  rep.v_plus = ctx[0].nn_weights.v[0];
  rep.v_minus = ctx[0].nn_weights.v[1];

  const bool keep = !opt.tables_dir.empty();
  const std::filesystem::path dir =
      keep ? std::filesystem::path(opt.tables_dir)
           : std::filesystem::temp_directory_path() /
                 fmt::format("logmac_pwl_report_{}_{}", ::getpid(),
                             std::chrono::steady_clock::now().time_since_epoch().count());
  {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir))
      throw std::invalid_argument(fmt::format("pwl: cannot create the tables directory {} ({})", dir.string(),
                                              ec ? ec.message() : "not a directory"));
  }
  struct DirGuard {
    std::filesystem::path p;
    ~DirGuard() {
      std::error_code ec;
      if (!p.empty()) std::filesystem::remove_all(p, ec);
    }
  } guard{keep ? std::filesystem::path() : dir};

  // Measures a table through the model exactly as an LNS MAC uses it.
  auto measure = [&](size_t fi, const std::string& name, const std::string& kind, int k, const std::string& delta) {
    const FormatContext& c = ctx[fi];
    ReportRow r;
    r.w = c.w;
    r.f = c.f;
    r.table = name;
    r.kind = kind;
    r.k = k;
    r.spec = fmt::format("lns:w={},f={},delta={}", c.w, c.f, delta);
    const MacConfig cfg = parse_spec(r.spec);
    const DeltaUnit& u = *cfg.delta_unit;
    Options o;
    o.w = c.w, o.f = c.f;
    const Domain dp = fit_domain(o, true), dm = fit_domain(o, false);
    const i64 one = i64{1} << c.f;
    r.plus = flat_error(u.plus, true, c.f, dp.lo, dp.hi);
    r.minus = flat_error(u.minus, false, c.f, dm.lo, dm.hi);
    r.minus_far = flat_error(u.minus, false, c.f, std::min(one, dm.hi), dm.hi);
    r.minus_near = flat_error(u.minus, false, c.f, dm.lo, std::min(one - 1, dm.hi));
    r.predicted = predict_dot(c.nn_weights, u.plus, u.minus);
    for (const auto& wl : wls) r.nrmse.push_back(measure_accuracy(cfg, wl.data).arith_nrmse);
    for (const auto& col : opt.columns) r.columns.push_back(col.value(r));
    if (fi == 0) {
      const i64 top = std::max(dp.hi, dm.hi);
      for (i64 d = 0; d <= top; ++d) {
        const auto at = [&](const std::vector<std::int32_t>& t) { return d < static_cast<i64>(t.size()) ? t[d] : 0; };
        r.err_plus.push_back(static_cast<float>(at(u.plus) - delta_plus_real(static_cast<long double>(d), c.f)));
        r.err_minus.push_back(
            d ? static_cast<float>(at(u.minus) - delta_minus_real(static_cast<long double>(d), c.f)) : 0.0f);
      }
    }
    return r;
  };

  struct Job {
    size_t fi;
    int k;            // 0: the reference rows (exact, qaa)
    Objective obj;
  };
  std::vector<Job> jobs;
  for (size_t fi = 0; fi < opt.formats.size(); ++fi) {
    jobs.push_back({fi, 0, Objective::Max});
    for (Objective obj : opt.objectives)
      for (int k : opt.segments) jobs.push_back({fi, k, obj});
  }
  // Longest first so the threads finish together (dot and mean anneal longer than max).
  auto weight = [&](const Job& j) {
    return static_cast<double>(ctx[j.fi].f) * j.k * (j.obj == Objective::Max ? 1 : 3) + (j.k ? 0 : 1);
  };
  std::stable_sort(jobs.begin(), jobs.end(), [&](const Job& a, const Job& b) { return weight(a) > weight(b); });
  std::vector<std::vector<ReportRow>> rows(jobs.size());
  std::vector<std::string> whats(jobs.size());
  std::mutex mu;
  std::string error;
  auto say = [&](const std::string& line) {
    if (opt.progress) opt.progress(line);
  };
  const int nt = opt.threads ? static_cast<int>(opt.threads) : util::hardware_jobs();
  // Every item runs (failures are collected, the first one reported after all have finished).
  auto work = [&](size_t i) {
      const Job j = jobs[i];
      const FormatContext& c = ctx[j.fi];
      std::string what;
      try {
        if (j.k == 0) {
          what = "references (exact, published)";
          rows[i].push_back(measure(j.fi, "exact", "exact", 0, "exact"));
          if (qaa_table_exists(c.w, c.f)) {
            const auto u = parse_spec(fmt::format("lns:w={},f={},delta=pwl:qaa", c.w, c.f)).delta_unit;
            rows[i].push_back(measure(j.fi, fmt::format("qaa ({})", u->seg_plus.size()), "qaa",
                                      static_cast<int>(u->seg_plus.size()), "pwl:qaa"));
          }
        } else {
          Options o;
          o.w = c.w, o.f = c.f, o.k = j.k, o.slopes = opt.slopes, o.objective = j.obj, o.seed = opt.seed;
          o.effort = opt.effort, o.dhist = opt.dhist, o.workload = opt.workload;
          const double cpu0 = thread_cpu_seconds();
          const Result res = optimize(o, false);
          const double cpu = thread_cpu_seconds() - cpu0;
          const auto path = dir / fmt::format("lns_w{}_f{}_k{}_{}_{}.csv", c.w, c.f, j.k, to_string(opt.slopes),
                                              to_string(j.obj));
          std::string why;
          if (!write_file_atomic(path.string(), table_file_text(res, opt.command_line), why))
            throw std::runtime_error(fmt::format("table {}: {}", path.string(), why));
          ReportRow r = measure(j.fi, fmt::format("{} K={}", objective_label(j.obj), j.k), to_string(j.obj), j.k,
                                "pwl:" + path.string());
          r.seconds = cpu;
          rows[i].push_back(std::move(r));
          what = fmt::format("{} K={} ({:.1f} s CPU)", to_string(j.obj), j.k, cpu);
        }
      } catch (const std::exception& e) {
        what = fmt::format("failed: {}", e.what());
        std::lock_guard lock(mu);
        if (error.empty()) error = fmt::format("w={} f={}: {}", c.w, c.f, e.what());
      }
      whats[i] = std::move(what);
  };
  util::parallel_for(jobs.size(), nt, work, [&](size_t i, size_t finished) {
    const FormatContext& c = ctx[jobs[i].fi];
    say(fmt::format("pwl report: [{}/{}] w={} f={} {}", finished, jobs.size(), c.w, c.f, whats[i]));
  });
  if (!error.empty()) throw std::runtime_error(fmt::format("report failed: {}", error));

  if (opt.area) {
    // Area of the whole LNS MAC with each table: at a fixed w/f everything but the delta unit is the same,
    // so the differences are the delta unit's.
    std::vector<ReportRow*> todo;
    for (auto& rs : rows)
      for (auto& r : rs) todo.push_back(&r);
    util::parallel_for(
        todo.size(), nt,
        [&](size_t i) {
          try {
            todo[i]->area = opt.area(parse_spec(todo[i]->spec));
          } catch (const std::exception& e) {
            std::lock_guard lock(mu);
            if (error.empty()) error = e.what();
          }
        },
        [&](size_t i, size_t finished) {
          say(fmt::format("pwl report: area [{}/{}] w={} f={} {}", finished, todo.size(), todo[i]->w, todo[i]->f,
                          todo[i]->table));
        });
    if (!error.empty()) throw std::runtime_error(fmt::format("report failed: {}", error));
  }

  // Rows in format order: references first, then per objective K ascending.
  for (size_t fi = 0; fi < opt.formats.size(); ++fi) {
    for (size_t i = 0; i < jobs.size(); ++i)
      if (jobs[i].fi == fi && jobs[i].k == 0) rep.rows.insert(rep.rows.end(), rows[i].begin(), rows[i].end());
    for (Objective obj : opt.objectives)
      for (int k : opt.segments)
        for (size_t i = 0; i < jobs.size(); ++i)
          if (jobs[i].fi == fi && jobs[i].k == k && jobs[i].obj == obj)
            rep.rows.insert(rep.rows.end(), rows[i].begin(), rows[i].end());
  }

  // The exact optimum of the worst error per format, K and slope kind (greedy cover: fast).
  for (auto [w, f] : opt.formats)
    for (int k : opt.segments)
      for (Slopes sl : opt.bound_slopes) {
        Options o;
        o.w = w, o.f = f, o.k = k, o.slopes = sl;
        BoundRow b;
        b.w = w, b.f = f, b.k = k, b.slopes = sl;
        b.plus = minimax_optimum(o, true).error;
        b.minus = minimax_optimum(o, false).error;
        b.plus_exact_shifts = minimax_optimum(o, true, {true, false}).error;
        b.plus_real_intercepts = minimax_optimum(o, true, {false, true}).error;
        b.k_plus_1lsb = segments_needed(o, true, 1.0);
        rep.bounds.push_back(b);
      }
  say("pwl report: worst-case optima done");
  return rep;
}

namespace {
std::string num(double v, int prec = 3) { return fmt::format("{:.{}f}", v, prec); }
std::string signed_num(double v) { return fmt::format("{:+.3f}", v); }
}  // namespace

std::string report_markdown(const Report& r) {
  std::string s;
  s += "| w/f | table | D+ max | D+ mean | D- max d>=1 | D- mean d>=1 | D- max d<1 | bias+ | bias- | bias |";
  for (const auto& w : r.workloads) s += fmt::format(" nrmse {} |", w);
  for (const auto& c : r.opt.columns) s += fmt::format(" {} |", c.name);
  if (r.opt.area) s += " area |";
  s += " cpu s |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|";
  for (size_t i = 0; i < r.workloads.size() + r.opt.columns.size(); ++i) s += "--:|";
  if (r.opt.area) s += "--:|";
  s += "--:|\n";
  for (const ReportRow& row : r.rows) {
    s += fmt::format("| {}/{} | {} | {} | {} | {} | {} | {} | {} | {} | {} |", row.w, row.f, row.table,
                     num(row.plus.max), num(row.plus.mean), num(row.minus_far.max), num(row.minus_far.mean),
                     num(row.minus_near.max), signed_num(row.predicted.bias_plus),
                     signed_num(row.predicted.bias_minus), signed_num(row.predicted.bias));
    for (double v : row.nrmse) s += fmt::format(" {:.3e} |", v);
    for (double v : row.columns) s += fmt::format(" {:.4g} |", v);
    if (r.opt.area) s += fmt::format(" {:.0f} |", row.area);
    s += row.seconds > 0 ? fmt::format(" {:.1f} |\n", row.seconds) : std::string(" - |\n");
  }
  s += fmt::format(
      "(errors in LSB of the log, bit-true, d from 0 (D-: 1) to where the function rounds to 0; {} slopes, seed {}; "
      "bias: the mean error weighted by v(d) = lookups x squared partial sum on nn256 (pwl/dhist.hpp): plus, minus, "
      "both (the term the dot objective drives to 0); nrmse: arith nrmse of the dot products through the LNS MAC "
      "using the table:",
      to_string(r.opt.slopes), r.opt.seed);
  for (size_t i = 0; i < r.workloads.size(); ++i)
    s += fmt::format(" {}: {}{}", r.workloads[i], r.workload_descriptions[i], i + 1 < r.workloads.size() ? ";" : "");
  if (r.opt.area) s += "; area: um^2 of the whole LNS MAC with the table, osu018";
  s += ")\n\n";
  s += "Worst-case optimum (max objective, exact: greedy cover + bisection over every shift or shift pair):\n\n";
  s += "| w/f | K | slopes | D+ max optimum | D+ opt., exact shifts | D+ opt., real intercepts | D- max optimum | "
       "K for D+ max <= 1.0 |\n|---|--:|---|--:|--:|--:|--:|--:|\n";
  for (const BoundRow& b : r.bounds)
    s += fmt::format("| {}/{} | {} | {} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {} |\n", b.w, b.f, b.k,
                     to_string(b.slopes), b.plus, b.plus_exact_shifts, b.plus_real_intercepts, b.minus,
                     b.k_plus_1lsb ? std::to_string(b.k_plus_1lsb) : fmt::format("> {}", kMaxSegments));
  s += "(no table of K segments of that slope kind has a smaller worst error; the relaxations show what sets it: "
       "slope terms slope*d instead of truncating shifts, or intercepts that need not be integers; D- max "
       "optimum: result-scaled below d = 1.0, see --near-zero)\n";
  return s;
}

std::string report_csv(const Report& r) {
  std::string s =
      "w,f,table,kind,k,plus_max,plus_mean,plus_signed_mean,minus_max,minus_mean,minus_signed_mean,minus_far_max,"
      "minus_far_mean,minus_near_max,bias_plus,bias_minus,bias,weighted_rms,predicted_nrmse_nn256";
  for (const auto& w : r.workloads) s += ",nrmse_" + w;
  for (const auto& c : r.opt.columns) s += "," + c.name;
  s += ",area,cpu_seconds,spec\n";
  for (const ReportRow& row : r.rows) {
    s += fmt::format("{},{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},"
                     "{:.6f},{:.6e}",
                     row.w, row.f, row.table, row.kind, row.k, row.plus.max, row.plus.mean, row.plus.signed_mean,
                     row.minus.max, row.minus.mean, row.minus.signed_mean, row.minus_far.max, row.minus_far.mean,
                     row.minus_near.max, row.predicted.bias_plus, row.predicted.bias_minus, row.predicted.bias,
                     row.predicted.rms, row.predicted.nrmse);
    for (double v : row.nrmse) s += fmt::format(",{:.6e}", v);
    for (double v : row.columns) s += fmt::format(",{:.6g}", v);
    s += row.area > 0 ? fmt::format(",{:.0f}", row.area) : std::string(",");
    s += fmt::format(",{:.2f},{}\n", row.seconds, row.spec);
  }
  s += "\nw,f,k,slopes,plus_max_optimum,plus_optimum_exact_shifts,plus_optimum_real_intercepts,minus_max_optimum,"
       "k_for_plus_max_1lsb\n";
  for (const BoundRow& b : r.bounds)
    s += fmt::format("{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{}\n", b.w, b.f, b.k, to_string(b.slopes), b.plus,
                     b.plus_exact_shifts, b.plus_real_intercepts, b.minus, b.k_plus_1lsb);
  return s;
}

namespace {
// The tables of the plot: the published one and ours at the largest K (first format).
std::vector<const ReportRow*> plot_rows(const Report& r) {
  int kmax = 0;
  for (int k : r.opt.segments) kmax = std::max(kmax, k);
  std::vector<const ReportRow*> rows;
  for (const ReportRow& row : r.rows)
    if (!row.err_plus.empty() && (row.kind == "qaa" || (row.kind != "exact" && row.k == kmax))) rows.push_back(&row);
  return rows;
}
}  // namespace

std::string report_plot_data(const Report& r) {
  // Columns: d (units of 1.0), v_plus, v_minus (smoothed, peak 1), then the local mean error of plus and minus
  // per table of the plot.
  const std::vector<const ReportRow*> rows = plot_rows(r);
  if (rows.empty()) return {};
  const int f = rows[0]->f;
  // v(d) averaged over 1/16 of 1.0 (single d values are noisy), normalized to a peak of 1; the errors averaged
  // over the same window: their systematic part, what accumulates (the sawtooth of the truncating shifts
  // averages out; the worst errors are in the report's columns).
  const i64 half = std::max<i64>(1, (i64{1} << f) / 32);
  auto local_mean = [&](const auto& v) {
    std::vector<double> out(v.size(), 0.0);
    for (size_t d = 0; d < v.size(); ++d) {
      const size_t a = d >= static_cast<size_t>(half) ? d - half : 0, b = std::min(v.size() - 1, d + half);
      double t = 0;
      for (size_t x = a; x <= b; ++x) t += v[x];
      out[d] = t / static_cast<double>(b - a + 1);
    }
    return out;
  };
  auto peak_one = [](std::vector<double> v) {
    const double peak = v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
    if (peak > 0)
      for (double& x : v) x /= peak;
    return v;
  };
  const std::vector<double> sp = peak_one(local_mean(r.v_plus)), sm = peak_one(local_mean(r.v_minus));
  std::vector<std::vector<double>> mp, mm;
  for (const auto* row : rows) mp.push_back(local_mean(row->err_plus)), mm.push_back(local_mean(row->err_minus));
  std::string s = "# d v_plus v_minus";
  for (const auto* row : rows) s += fmt::format(" \"{}\"+ \"{}\"-", row->table, row->table);
  s += "\n";
  const size_t n = rows[0]->err_plus.size();
  for (size_t d = 0; d < n; ++d) {
    s += fmt::format("{:.6f} {:.6g} {:.6g}", std::ldexp(static_cast<double>(d), -f), d < sp.size() ? sp[d] : 0.0,
                     d < sm.size() ? sm[d] : 0.0);
    for (size_t i = 0; i < rows.size(); ++i) s += fmt::format(" {:.5g} {:.5g}", mp[i][d], mm[i][d]);
    s += "\n";
  }
  return s;
}

std::string report_plot_script(const Report& r, const std::string& data, const std::string& png) {
  const std::vector<const ReportRow*> rows = plot_rows(r);
  if (rows.empty()) return {};
  const int w = rows[0]->w, f = rows[0]->f;
  double ylim = 0;
  for (const auto* row : rows) ylim = std::max({ylim, row->plus.max, row->minus_far.max});
  ylim = std::min(3.0, std::ceil(ylim + 0.5));
  std::string s;
  s += "set terminal pngcairo size 1400,900 font \"sans,10\" noenhanced\n";
  s += fmt::format("set output '{}'\n", png);
  s += "set multiplot layout 2,1\n";
  s += "set grid\nset key outside right top\nset xlabel 'd = |X - Y| (units of 1.0 of the log)'\n";
  s += fmt::format("set yrange [{}:{}]\nset y2range [0:1]\nset y2tics 0.25\nset ytics nomirror\n", -ylim, ylim);
  s += "set y2label 'lookup weight v(d) on nn256 (smoothed, peak = 1)'\n";
  for (int fn = 0; fn < 2; ++fn) {
    s += fmt::format("set title 'w/f {}/{}: error of delta_{} (table - exact), mean over 1/16 of 1.0 around d; shaded: "
                     "how much the error of a dot product depends on d (lookups x squared partial sum)'\n",
                     w, f, fn ? "minus" : "plus");
    s += fmt::format("set ylabel 'local mean error of delta_{} (LSB)'\n", fn ? "minus" : "plus");
    s += fmt::format("plot '{}' using 1:{} axes x1y2 with filledcurves y1=0 fs transparent solid 0.25 noborder "
                     "lc rgb '#888888' title 'v(d)'",
                     data, 2 + fn);
    for (size_t i = 0; i < rows.size(); ++i)
      s += fmt::format(", '' using 1:{} with lines lw 1.5 title '{}'", 4 + 2 * i + fn, rows[i]->table);
    s += "\n";
  }
  s += "unset multiplot\n";
  return s;
}

void write_report_plot(const Report& r, const std::string& png) {
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("logmac_pwl_plot_{}_{}", ::getpid(),
                               std::chrono::steady_clock::now().time_since_epoch().count());
  std::filesystem::create_directories(dir);
  struct DirGuard {
    std::filesystem::path p;
    ~DirGuard() {
      std::error_code ec;
      std::filesystem::remove_all(p, ec);
    }
  } guard{dir};
  const std::string data = (dir / "errors.dat").string(), script = (dir / "plot.gp").string();
  const std::string tmp_png = (dir / "plot.png").string();
  const std::string text = report_plot_data(r);
  if (text.empty()) throw std::invalid_argument("pwl: --report-plot: nothing to plot (no table of the first format)");
  std::string why;
  if (!write_file_atomic(data, text, why) || !write_file_atomic(script, report_plot_script(r, data, tmp_png), why))
    throw std::runtime_error(fmt::format("plot files in {}: {}", dir.string(), why));
  // gnuplot writes into the scratch directory (a child with a time limit, killed on an interrupt); the result is
  // copied into place with a checked atomic write only when it succeeded.
  const std::string log = (dir / "gnuplot.log").string();
  std::string failure;
  try {
    const util::ProcessResult drawn =
        util::run_process(util::logged({"gnuplot", script}, dir.string(), log, kPlotTimeLimitS));
    if (!drawn.ok()) failure = fmt::format("failed ({}): {}", drawn.describe(), read_tail(log));
  } catch (const util::ProcessError& e) {
    failure = fmt::format("could not be started: {}", e.what());
  }
  if (failure.empty() && !std::filesystem::exists(tmp_png)) failure = "wrote no PNG: " + read_tail(log);
  if (!failure.empty()) throw std::runtime_error(fmt::format("the plot {} was not made (gnuplot {})", png, failure));
  const auto image = util::read_file(tmp_png);
  if (!image) throw std::runtime_error(fmt::format("the plot {} was not made (cannot read {})", png, tmp_png));
  write_file_atomic(png, *image);  // WriteError (exit 2) if it cannot be written
}

}  // namespace logmac::pwl
