// `logmac pwl --report`: optimizes tables for several formats, objectives and segment counts and measures each
// one next to the published table and the correctly rounded ROM (delta=exact): worst/mean/signed errors of both
// functions (bit-true, in LSB), the dot objective's bias on the NN-like workload, the dot-product NRMSE of an LNS
// MAC using the table on two workloads, optionally its area; and the exact optimum of the max objective (the
// bound any table of K segments meets) per format, K and slope kind.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pwl/pwl.hpp"
#include "sim/config.hpp"

namespace logmac::pwl {

// The workloads every table is judged on (never the fit workloads: those use other seeds).
struct ReportWorkload {
  std::string name;  // column name: nn256, heavy1024
  std::string description;
  DotWorkload data;
};
std::vector<ReportWorkload> report_workloads();

struct ReportRow;

struct ReportOptions {
  std::vector<std::pair<int, int>> formats = {{16, 8}, {15, 7}, {14, 6}, {13, 5}, {12, 4}, {10, 3}};
  std::vector<int> segments = {8, 16};
  std::vector<Objective> objectives = {Objective::Dot, Objective::Max};
  Slopes slopes = Slopes::P2;
  std::vector<Slopes> bound_slopes = {Slopes::P2, Slopes::P2x2};  // rows of the worst-case optimum table
  std::uint64_t seed = 1;
  int effort = 1;
  std::vector<std::string> dhist;               // dot objective: measured d-histograms (workloads)
  std::string workload = kDefaultFitWorkloads;  // dot objective: generated workloads
  std::string command_line;      // recorded in the tables' headers
  unsigned threads = 0;          // 0: all cores
  // Area of the LNS MAC using a table (um^2); empty: no area column. Called from several threads.
  std::function<double(const MacConfig&)> area;
  // More columns per row, e.g. the test accuracy of a network trained with the row's LNS MAC (row.spec) from a
  // study: each value function is called once per row, from several threads.
  struct Column {
    std::string name;
    std::function<double(const ReportRow&)> value;
  };
  std::vector<Column> columns;
  std::string tables_dir;        // keep the optimized tables here (row.spec names them); empty: a scratch dir
  ProgressFn progress;           // one line per finished job
};

struct ReportRow {
  int w = 0, f = 0;
  std::string table;  // "exact", "qaa (16)", "dot K=16", ...
  std::string kind;   // exact | qaa | dot | max | mean
  int k = 0;          // segments (0: not a PWL table of ours)
  std::string spec;   // the LNS MAC using the table
  ErrorStats plus, minus, minus_far, minus_near;  // bit-true over the fit domains (minus_far: d >= 1.0)
  DotPrediction predicted;                        // on the nn256 workload's d-histogram
  std::vector<double> nrmse;                      // arith nrmse per report workload
  double area = 0;
  std::vector<double> columns;  // ReportOptions::columns
  double seconds = 0;           // optimization time: CPU seconds of its thread
  std::vector<float> err_plus, err_minus;  // table - exact per d (LSB), first format only (the plot)
};

struct BoundRow {
  int w = 0, f = 0, k = 0;
  Slopes slopes = Slopes::P2;
  double plus = 0, minus = 0;  // exact optimum of the worst error (minus: result-scaled below d = 1.0)
  double plus_exact_shifts = 0, plus_real_intercepts = 0;  // delta_plus optimum under each Relaxation
  int k_plus_1lsb = 0;         // fewest segments for delta_plus max <= 1.0 LSB (0: more than kMaxSegments)
};

struct Report {
  ReportOptions opt;
  std::vector<std::string> workloads, workload_descriptions;
  std::vector<ReportRow> rows;
  std::vector<BoundRow> bounds;
  std::vector<double> v_plus, v_minus;  // nn256 lookup weights of the first format (the plot)
};

// Throws std::invalid_argument (bad options) or std::runtime_error (a failed step).
Report run_report(const ReportOptions& opt);
std::string report_markdown(const Report& r);
std::string report_csv(const Report& r);
// A gnuplot script drawing the error of delta_plus / delta_minus over d for every table of the first format
// with the nn256 lookup weight v(d) behind it; `data` is the path of report_plot_data's file.
std::string report_plot_data(const Report& r);
std::string report_plot_script(const Report& r, const std::string& data, const std::string& png);
// Runs gnuplot on them into `png` (throws std::runtime_error when it fails; no half-written file).
void write_report_plot(const Report& r, const std::string& png);

}  // namespace logmac::pwl
