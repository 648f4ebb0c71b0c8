#include "synth/timed_sim.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <sstream>
#include <thread>

#include "util/text_io.hpp"
#include "synth/vcd_toggles.hpp"
#include "util/file.hpp"
#include "util/process.hpp"

namespace logmac::synth {

namespace {

// Streams what a child writes into the FIFO `path` to `sink` while `run` runs the child, and after it ended until
// the FIFO is empty. The FIFO is held open for reading and writing here, so opening it never blocks the child
// and a child that never opens it cannot block this side.
template <class Run>
auto with_fifo_reader(const std::string& path, const std::function<void(const char*, std::size_t)>& sink, Run run) {
  std::remove(path.c_str());
  if (mkfifo(path.c_str(), 0600) != 0) throw TimedSimError(fmt::format("cannot create the FIFO {}", path));
  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw TimedSimError(fmt::format("cannot open the FIFO {}", path));
  std::atomic<bool> done{false};
  std::thread reader([&] {
    char buf[1 << 16];
    while (true) {
      pollfd p{fd, POLLIN, 0};
      const int r = poll(&p, 1, done ? 0 : 50);
      if (r > 0 && (p.revents & POLLIN)) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) sink(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (done) break;  // the child has ended and nothing is left in the FIFO
    }
  });
  auto finish = [&] {
    done = true;
    reader.join();
    close(fd);
    std::remove(path.c_str());
  };
  try {
    auto result = run();
    finish();
    return result;
  } catch (...) {
    finish();
    throw;
  }
}

std::string ns(std::uint64_t ps) { return fmt::format("{}.{:03}", ps / 1000, ps % 1000); }

const Netlist::Port& port(const Netlist& nl, const char* name) {
  for (const auto& p : nl.ports)
    if (p.name == name) return p;
  throw TimedSimError(fmt::format("netlist {} has no port {} (RTL contract: clk_i rst_ni en_i clr_i a_i b_i acc_o)",
                                  nl.top, name));
}

void write(const std::string& path, const std::string& text) {
  std::string why;
  if (!write_file_atomic(path, text, why)) throw TimedSimError(why);
}

// Runs a tool in `dir` with its output in `log`; anything but exit status 0 is a TimedSimError.
void run_checked(const std::vector<std::string>& argv, const std::string& dir, const std::string& log,
                 double time_limit_s) {
  std::remove(log.c_str());
  util::ProcessResult r;
  try {
    r = util::run_process(util::logged(argv, dir, log, time_limit_s));
  } catch (const util::ProcessError& e) {
    throw TimedSimError(e.what());
  }
  if (!r.ok())
    throw TimedSimError(fmt::format("{} failed ({}), log {}:\n{}", argv[0], r.describe(), log, util::tail_lines(log, 10)));
}

}  // namespace

Activity run_mac_timed(const Netlist& nl, const std::vector<MacVector>& stim, int latency, const TimedSimOptions& opt,
                       MacBenchResult& check, TimedSimInfo& info) {
  const int wa = port(nl, "a_i").width(), wb = port(nl, "b_i").width(), wacc = port(nl, "acc_o").width();
  for (const char* p : {"clk_i", "rst_ni", "en_i", "clr_i"}) (void)port(nl, p);
  if (stim.empty()) throw TimedSimError("no stimulus");
  const std::uint64_t period = static_cast<std::uint64_t>(opt.period_ns * 1000.0 + 0.5);
  if (period < 4) throw TimedSimError("clock period below 4 ps");
  const std::uint64_t half = period / 2, quarter = period / 4;
  const std::uint64_t t0 = 2 * period + half;  // edge 0 (mac_bench.hpp)
  const long long n = static_cast<long long>(stim.size());
  const std::uint64_t t_end = t0 + static_cast<std::uint64_t>(n + latency) * period;

  // Stimulus: one memory per column.
  std::string clr, a, b, acc;
  for (const auto& v : stim) {
    clr += v.clr ? "1\n" : "0\n";
    a += fmt::format("{:x}\n", v.a);
    b += fmt::format("{:x}\n", v.b);
    acc += fmt::format("{:x}\n", v.acc & (wacc >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << wacc) - 1));
  }
  write(opt.dir + "/stim_clr.hex", clr);
  write(opt.dir + "/stim_a.hex", a);
  write(opt.dir + "/stim_b.hex", b);
  write(opt.dir + "/stim_acc.hex", acc);

  std::string dumps = "    $dumpvars(1, dut);\n";
  for (const auto& inst : nl.instances) dumps += fmt::format("    $dumpvars(1, dut.{});\n", inst);
  const std::string tb = fmt::format(
      R"(// logmac gate-level bench of {top} (mac_bench.hpp): one MAC per cycle, acc_o checked against the model.
`timescale 1ns/1ps
module logmac_tb;
  localparam integer N = {n}, LAT = {lat};
  reg clk_i = 1'b0, rst_ni = 1'b0, en_i = 1'b0, clr_i = 1'b0;
  reg [{wa1}:0] a_i = {wa}'d0;
  reg [{wb1}:0] b_i = {wb}'d0;
  wire [{wacc1}:0] acc_o;
  {top} dut (.clk_i(clk_i), .rst_ni(rst_ni), .en_i(en_i), .clr_i(clr_i), .a_i(a_i), .b_i(b_i), .acc_o(acc_o));
  reg clr_v [0:N-1];
  reg [{wa1}:0] a_v [0:N-1];
  reg [{wb1}:0] b_v [0:N-1];
  reg [{wacc1}:0] acc_v [0:N-1];
  integer k, checked, mismatches;
  initial begin
    $readmemh("stim_clr.hex", clr_v);
    $readmemh("stim_a.hex", a_v);
    $readmemh("stim_b.hex", b_v);
    $readmemh("stim_acc.hex", acc_v);
{sdf}    checked = 0;
    mismatches = 0;
    #{half} clk_i = 1'b1;
    #{rest} clk_i = 1'b0;
    #{half} clk_i = 1'b1;
    #{rest} clk_i = 1'b0;
    #{quarter} rst_ni = 1'b1;
    $dumpfile("vcd_pipe.vcd");
{dumps}    #{to_edge};
    for (k = 0; k <= N + LAT; k = k + 1) begin
      if (k > LAT) begin
        checked = checked + 1;
        if (acc_o !== acc_v[k - LAT - 1]) begin
          mismatches = mismatches + 1;
          if (mismatches <= 5)
            $display("logmac-mismatch MAC %0d (stimulus line %0d): acc_o = %h, model = %h", k - LAT - 1, k - LAT + 1,
                     acc_o, acc_v[k - LAT - 1]);
        end
      end
      if (k < N + LAT) begin
        clk_i = 1'b1;
        if (k < N) begin
          en_i <= 1'b1;
          clr_i <= clr_v[k];
          a_i <= a_v[k];
          b_i <= b_v[k];
        end else begin
          en_i <= 1'b0;
          clr_i <= 1'b0;
        end
        #{half} clk_i = 1'b0;
        #{rest};
      end
    end
    $display("logmac-bench checked %0d mismatches %0d", checked, mismatches);
    $dumpflush;
    $finish;
  end
endmodule
)",
      fmt::arg("top", nl.top), fmt::arg("n", n), fmt::arg("lat", latency), fmt::arg("wa", wa), fmt::arg("wa1", wa - 1),
      fmt::arg("wb", wb), fmt::arg("wb1", wb - 1), fmt::arg("wacc1", wacc - 1), fmt::arg("half", ns(half)),
      fmt::arg("rest", ns(period - half)), fmt::arg("quarter", ns(quarter)), fmt::arg("to_edge", ns(half - quarter)),
      fmt::arg("dumps", dumps),
      fmt::arg("sdf", opt.sdf.empty() ? std::string() : fmt::format("    $sdf_annotate(\"{}\", dut);\n", opt.sdf)));
  write(opt.dir + "/tb.v", tb);

  // -Tmax: OpenSTA writes (min::max) triples with no typical value, which -Ttyp would silently leave at 0.
  run_checked({"iverilog", "-g2005", "-gspecify", "-Tmax", "-o", "bench.vvp", "tb.v", opt.netlist, opt.cells}, opt.dir,
              opt.dir + "/iverilog.log", opt.time_limit_s);
  // The VCD goes to a FIFO read here ($dumpfile wants a name with an extension), never to disk.
  VcdToggles vcd;
  vcd.count_from(t0);
  info.log = opt.dir + "/vvp.log";
  with_fifo_reader(opt.dir + "/vcd_pipe.vcd", [&](const char* p, std::size_t k) { vcd.feed(p, k); }, [&] {
    run_checked({"vvp", "-n", "bench.vvp"}, opt.dir, info.log, opt.time_limit_s);
    return 0;
  });
  vcd.finish();
  vcd.close_window(t_end);

  const std::string log = util::read_file(info.log).value_or("");
  check = {};
  bool have_result = false;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    // Any SDF message but the informational ones: a warning, an error, "Unable to open SDF file".
    if (line.find("SDF") != std::string::npos && line.find("SDF INFO") == std::string::npos)
      throw TimedSimError(fmt::format("the SDF {} did not annotate cleanly ({}): {}", opt.sdf, info.log, line));
    if (line.rfind("logmac-mismatch ", 0) == 0) check.report += line.substr(16) + "\n";
    if (line.rfind("logmac-bench ", 0) == 0) {
      std::istringstream ls(line.substr(13));
      std::string k1, k2;
      have_result = static_cast<bool>(ls >> k1 >> check.macs_checked >> k2 >> check.mismatches);
    }
  }
  if (!have_result || check.macs_checked != n)
    throw TimedSimError(fmt::format("the bench did not report {} checked MACs ({})", n, info.log));
  if (!vcd.error().empty()) throw TimedSimError(fmt::format("malformed VCD line '{}'", vcd.error()));
  if (vcd.timescale_fs() != 1000)
    throw TimedSimError(fmt::format("VCD timescale {} fs, expected 1 ps", vcd.timescale_fs()));

  // Per net: the design's modules are scopes logmac_tb.dut[.instance]; the netlist names their nets
  // "instance.name".
  Activity act;
  act.nets.assign(static_cast<size_t>(nl.num_nets()), {});
  std::vector<bool> seen(act.nets.size(), false);
  auto take = [&](const std::string& scope, const std::string& prefix) {
    vcd.visit(scope, [&](std::string name, std::uint64_t r, std::uint64_t f, std::uint64_t t1, std::uint64_t tx) {
      if (!name.empty() && name[0] == '\\') name.erase(0, 1);
      const int net = nl.net_of(prefix + name);
      if (net < 0 || seen[static_cast<size_t>(net)]) return;  // constants; aliases of a net already counted
      seen[static_cast<size_t>(net)] = true;
      act.nets[static_cast<size_t>(net)] = {r, f, t1, tx};
    });
  };
  take("logmac_tb.dut", "");
  for (const auto& inst : nl.instances) take("logmac_tb.dut." + inst, inst + ".");
  for (size_t k = 0; k < seen.size(); ++k)
    if (!seen[k])
      throw TimedSimError(fmt::format("net {} of the netlist is not in the simulation's VCD", nl.net_bits[k][0]));
  act.window_ps = t_end - t0;
  act.cycles = n + latency;
  act.macs = check.macs_checked;
  act.simulator = opt.sdf.empty() ? "Icarus, zero delay" : "timed (Icarus, SDF)";
  info.event_times = vcd.times_counted();
  // Positive evidence that the delays were applied: with them, cells switch between the clock edges (the only
  // times a zero-delay run has, two per cycle, and perhaps the end of the run).
  if (!opt.sdf.empty()) {
    std::uint64_t logic = 0;
    const int clk = nl.net_of("clk_i");
    for (size_t k = 0; k < act.nets.size(); ++k)
      if (static_cast<int>(k) != clk) logic += act.nets[k].transitions();
    if (logic > 0 && info.event_times <= static_cast<std::uint64_t>(2 * act.cycles + 1))
      throw TimedSimError(fmt::format("the SDF {} was read but no net switched between clock edges: its delays were "
                                      "not applied ({})",
                                      opt.sdf, info.log));
  }
  return act;
}

}  // namespace logmac::synth
