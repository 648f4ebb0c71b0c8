#include "synth/timed_sim.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <functional>
#include <sstream>

#include "sim/text_io.hpp"
#include "synth/process.hpp"
#include "synth/vcd_toggles.hpp"

namespace logmac::synth {

namespace {

// Runs argv in `dir`, stdin /dev/null, stdout+stderr appended to `log`, and the write end of a pipe as file
// descriptor 3; everything written there goes to `sink` while the child runs. Returns the exit status
// (128 + signal if killed, -1 if it could not start).
int run_with_pipe(const std::vector<std::string>& argv, const std::string& dir, const std::string& log,
                  const std::function<void(const char*, std::size_t)>& sink) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;  // close-on-exec: other children of this process never hold it
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {  // child: only async-signal-safe calls before exec
    if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(127);
    const int in = open("/dev/null", O_RDONLY);
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (dup2(fds[1], 3) < 0) _exit(127);  // dup2 clears close-on-exec on fd 3
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[1 << 16];
  while (true) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      sink(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
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

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
  const std::string clog = opt.dir + "/iverilog.log";
  std::remove(clog.c_str());
  const int crc = run_process({"iverilog", "-g2005", "-gspecify", "-Tmax", "-o", "bench.vvp", "tb.v", opt.netlist,
                               opt.cells},
                              opt.dir, clog);
  if (crc != 0)
    throw TimedSimError(fmt::format("iverilog failed (exit {}), log {}:\n{}", crc, clog, tail_of(clog, 10)));

  // The VCD goes to file descriptor 3 of vvp, a pipe read here ($dumpfile insists on an extension: a link).
  const std::string link = opt.dir + "/vcd_pipe.vcd";
  std::remove(link.c_str());
  if (symlink("/dev/fd/3", link.c_str()) != 0) throw TimedSimError(fmt::format("cannot create the link {}", link));
  VcdToggles vcd;
  vcd.count_from(t0);
  info.log = opt.dir + "/vvp.log";
  std::remove(info.log.c_str());
  const int rc = run_with_pipe({"vvp", "-n", "bench.vvp"}, opt.dir, info.log,
                               [&](const char* p, std::size_t k) { vcd.feed(p, k); });
  vcd.finish();
  vcd.close_window(t_end);
  if (rc != 0) throw TimedSimError(fmt::format("vvp failed (exit {}), log {}:\n{}", rc, info.log, tail_of(info.log, 10)));

  const std::string log = read_text(info.log);
  check = {};
  bool have_result = false;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("SDF WARNING") != std::string::npos || line.find("SDF ERROR") != std::string::npos)
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
