// Gate-level simulation units against independent references: liberty expressions against hand-written truth
// tables; the cell models against the ones yosys writes from the same liberty (both simulated in Icarus); the
// in-process zero-delay simulator against Icarus; Icarus' treatment of path delays (inertial: the experiment
// the README cites); timed simulation of glitch-free fixtures (same count as zero delay) and of broken SDF
// files and clocks (must fail loudly); hierarchical netlists; SAIF output.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "util/text_io.hpp"
#include "synth/cell_models.hpp"
#include "synth/flow.hpp"
#include "synth/gate_sim.hpp"
#include "synth/liberty.hpp"
#include "synth/liberty_expr.hpp"
#include "synth/netlist.hpp"
#include "synth/saif.hpp"
#include "synth/step_sta.hpp"
#include "synth/timed_sim.hpp"
#include "synth/vcd_toggles.hpp"
#include "util/process.hpp"

using namespace logmac::synth;
namespace fs = std::filesystem;

namespace {

const Library& osu018() {
  static const Library lib = read_liberty(kDefaultLiberty);
  return lib;
}

struct TempDir {
  fs::path p;
  TempDir() {
    static int k = 0;
    p = fs::temp_directory_path() / fmt::format("logmac-gatesim-{}-{}", getpid(), k++);
    fs::create_directories(p);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
  std::string operator/(const std::string& f) const { return (p / f).string(); }
};

void put(const std::string& path, const std::string& text) {
  std::ofstream o(path);
  o << text;
  REQUIRE(o.good());
}

std::string get(const std::string& path) {
  std::ifstream i(path);
  std::ostringstream s;
  s << i.rdbuf();
  return s.str();
}

int tool(const std::vector<std::string>& argv, const TempDir& d, const std::string& log) {
  return logmac::util::run_process(logmac::util::logged(argv, d.p.string(), d / log, 600)).status();
}

// Every MAC vector's expected accumulator is the a operand of that MAC (the fixtures below pass a_i through).
std::vector<MacVector> pass_through_stimulus(int n, int bits, std::uint64_t seed) {
  std::vector<MacVector> v(static_cast<size_t>(n));
  std::uint64_t x = seed;
  for (auto& m : v) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    m.a = (x >> 33) & ((1u << bits) - 1);
    m.b = (x >> 20) & 3;
    m.acc = m.a;
  }
  return v;
}

// Register-only "MAC" (latency 2): acc_o = a_i delayed by two flip-flop stages; en_i, clr_i, b_i, rst_ni unused
// except for a reset flip-flop that keeps them loaded. No logic: nothing can glitch.
const char* kRegisterOnly = R"(module regs(clk_i, rst_ni, en_i, clr_i, a_i, b_i, acc_o);
  input clk_i, rst_ni, en_i, clr_i;
  input [1:0] a_i, b_i;
  output [1:0] acc_o;
  wire [1:0] s;
  wire v;
  DFFPOSX1 r0 (.CLK(clk_i), .D(a_i[0]), .Q(s[0]));
  DFFPOSX1 r1 (.CLK(clk_i), .D(a_i[1]), .Q(s[1]));
  DFFPOSX1 q0 (.CLK(clk_i), .D(s[0]), .Q(acc_o[0]));
  DFFPOSX1 q1 (.CLK(clk_i), .D(s[1]), .Q(acc_o[1]));
  DFFSR rv (.CLK(clk_i), .D(en_i), .R(rst_ni), .S(1'b1), .Q(v));
endmodule
)";

// One inverter pair between registers (single-input gates: they cannot glitch either).
const char* kSingleGate = R"(module inv2(clk_i, rst_ni, en_i, clr_i, a_i, b_i, acc_o);
  input clk_i, rst_ni, en_i, clr_i;
  input [1:0] a_i, b_i;
  output [1:0] acc_o;
  wire [1:0] s, n;
  wire m;
  DFFPOSX1 r0 (.CLK(clk_i), .D(a_i[0]), .Q(s[0]));
  DFFPOSX1 r1 (.CLK(clk_i), .D(a_i[1]), .Q(s[1]));
  INVX1 i0 (.A(s[0]), .Y(n[0]));
  INVX1 i1 (.A(n[0]), .Y(n[1]));
  DFFPOSX1 q0 (.CLK(clk_i), .D(n[1]), .Q(acc_o[0]));
  BUFX2 b1 (.A(s[1]), .Y(m));
  DFFPOSX1 q1 (.CLK(clk_i), .D(m), .Q(acc_o[1]));
endmodule
)";

// OpenSTA's SDF for a netlist at a clock period.
std::string sdf_of(const TempDir& d, const std::string& netlist, const std::string& top, double period) {
  put(d / "sdf.tcl", fmt::format("read_liberty {}\nread_verilog {}\nlink_design {}\n"
                                 "create_clock -name clk -period {} [get_ports clk_i]\n"
                                 "write_sdf -divider . -digits 4 {}\n",
                                 kDefaultLiberty, netlist, top, period, d / "design.sdf"));
  REQUIRE(tool({"sta", "-no_splash", "-exit", d / "sdf.tcl"}, d, "sta.log") == 0);
  REQUIRE(get(d / "sta.log").find("Error") == std::string::npos);
  return d / "design.sdf";
}

// A fixture netlist in `d` with our cell models and OpenSTA's SDF at 10 ns: the options of a timed run.
TimedSimOptions timed_fixture(const TempDir& d, const char* netlist, Netlist& nl) {
  put(d / "net.v", netlist);
  nl = read_netlist(d / "net.v");
  put(d / "cells.v", write_cell_models(osu018()));
  TimedSimOptions to;
  to.dir = d.p.string();
  to.netlist = d / "net.v";
  to.cells = d / "cells.v";
  to.sdf = sdf_of(d, d / "net.v", nl.top, 10.0);
  return to;
}

std::uint64_t total(const Activity& a) {
  std::uint64_t t = 0;
  for (const auto& n : a.nets) t += n.transitions();
  return t;
}

}  // namespace

TEST_SUITE("gatesim") {
  TEST_CASE("liberty expressions: precedence, operators, errors") {
    // Truth tables written out by hand: row k has variable i = bit i of k.
    auto tt = [](const char* f) { return LibExpr::parse(f, "test").truth_table(); };
    CHECK(LibExpr::parse("(!((A B)+C))", "t").vars() == std::vector<std::string>{"A", "B", "C"});
    CHECK(tt("(!((A B)+C))") == 0b00000111);  // rows 0,1,2 (C=0, not A&B) are 1
    CHECK(tt("A+B C") == 0b11101010);         // A | (B & C)
    CHECK(tt("A^B C") == 0b01100000);         // (A ^ B) & C: XOR binds tighter than AND
    CHECK(tt("A' B") == 0b0100);              // !A & B
    CHECK(tt("A*B|!A&!B") == 0b1001);         // XNOR
    CHECK(tt("1") == 1);                       // no variables: one row
    CHECK(tt("((S A) + (!S B))") == 0b11011000);  // S ? A : B over (S, A, B)
    bool inv = false;
    CHECK(LibExpr::parse("(!R)", "t").single_var(inv) == 0);
    CHECK(inv);
    CHECK(LibExpr::parse("CLK", "t").single_var(inv) == 0);
    CHECK(!inv);
    CHECK(LibExpr::parse("A B", "t").single_var(inv) == -1);
    CHECK(LibExpr::parse("!(A B)", "t").verilog() == "~(A & B)");
    for (const char* bad : {"(A", "A+", "", "A + ) B", "3A"}) CHECK_THROWS_AS(LibExpr::parse(bad, "t"), LibExprError);
  }

  TEST_CASE("cell models equal yosys' models of the same liberty, every input combination") {
    TempDir d;
    CellModelOptions o;
    o.specify = true;
    put(d / "ours.v", write_cell_models(osu018(), o));
    REQUIRE(tool({"yosys", "-q", "-p", fmt::format("read_liberty {}; write_verilog -noattr {}", kDefaultLiberty,
                                                    d / "yosys.v")},
                 d, "yosys.log") == 0);
    // One bench per model file: every combinational cell, every input combination, outputs printed.
    std::string tb = "module tb;\n", body;
    int cells = 0;
    for (const auto& c : osu018().cells) {
      if (c.sequential()) continue;
      std::vector<std::string> in, out;
      for (const auto& p : c.pins) (p.dir == PinDir::Input ? in : out).push_back(p.name);
      if (in.empty() || out.empty()) continue;
      ++cells;
      tb += fmt::format("  reg [{}:0] i_{};\n", in.size() - 1, c.name);
      for (const auto& p : out) tb += fmt::format("  wire o_{}_{};\n", c.name, p);
      tb += fmt::format("  {} u_{} (", c.name, c.name);
      for (size_t k = 0; k < in.size(); ++k) tb += fmt::format(".{}(i_{}[{}]), ", in[k], c.name, k);
      for (size_t k = 0; k < out.size(); ++k)
        tb += fmt::format(".{}(o_{}_{}){}", out[k], c.name, out[k], k + 1 < out.size() ? ", " : ");\n");
      body += fmt::format("    for (k = 0; k < {}; k = k + 1) begin i_{} = k; #1 $display(\"{} %0d", 1 << in.size(),
                          c.name, c.name);
      for (size_t k = 0; k < out.size(); ++k) body += " %b";
      body += "\", k";
      for (const auto& p : out) body += fmt::format(", o_{}_{}", c.name, p);
      body += "); end\n";
    }
    tb += "  integer k;\n  initial begin\n" + body + "  end\nendmodule\n";
    put(d / "tb.v", tb);
    for (const char* m : {"ours", "yosys"}) {
      REQUIRE(tool({"iverilog", "-g2005", "-gspecify", "-o", d / (std::string(m) + ".vvp"), d / "tb.v",
                    d / (std::string(m) + ".v")},
                   d, std::string(m) + ".clog") == 0);
      REQUIRE(tool({"vvp", "-n", d / (std::string(m) + ".vvp")}, d, std::string(m) + ".out") == 0);
    }
    const std::string ours = get(d / "ours.out"), theirs = get(d / "yosys.out");
    CHECK(cells >= 20);
    CHECK(ours.size() > 500);
    CHECK(ours == theirs);
  }

  TEST_CASE("zero-delay simulator equals Icarus on a synthesized MAC, net by net") {
    TempDir d;
    // A small generated-style design with a hierarchy: the test fixture of the synthesis tests (fxp:w=4).
    const std::string rtl = std::string(LOGMAC_TEST_DIR) + "/fixtures/logmac_fxp_w4_f3_wacc18_pipe1_sat.v";
    const std::string top = "logmac_fxp_w4_f3_wacc18_pipe1_sat";
    REQUIRE(tool({"yosys", "-q", "-p",
                  fmt::format("read_verilog {}; hierarchy -check -top {}; synth -top {}; dfflibmap -liberty {}; "
                              "abc -liberty {}; opt_clean -purge; setundef -zero; opt_clean -purge; "
                              "write_verilog -noattr -noexpr {}",
                              rtl, top, top, kDefaultLiberty, kDefaultLiberty, d / "net.v")},
                 d, "yosys.log") == 0);
    const Netlist nl = read_netlist(d / "net.v", top);
    CHECK(nl.instances == std::vector<std::string>{"u_mul"});
    // Stimulus: random 4-bit operands; the expected accumulator from an independent reference (saturating
    // 18-bit sum of 4 x 4 two's-complement products, clr starts a sum).
    std::vector<MacVector> st(600);
    std::uint64_t x = 7;
    std::int64_t acc = 0;
    for (size_t k = 0; k < st.size(); ++k) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      st[k].clr = k % 37 == 0;
      st[k].a = (x >> 30) & 15;
      st[k].b = (x >> 40) & 15;
      const std::int64_t p = (static_cast<std::int64_t>(st[k].a ^ 8) - 8) * (static_cast<std::int64_t>(st[k].b ^ 8) - 8);
      acc = st[k].clr ? p : std::min<std::int64_t>(std::max<std::int64_t>(acc + p, -(1 << 17)), (1 << 17) - 1);
      st[k].acc = static_cast<std::uint64_t>(acc) & ((1u << 18) - 1);
    }
    MacBenchResult zc, ic, yc;
    const Activity z = run_mac_zero_delay(osu018(), nl, st, 2, 10.0, zc);
    CHECK(zc.macs_checked == 600);
    CHECK(zc.mismatches == 0);
    // Icarus with our models and no SDF: the same semantics, so every net's count must agree exactly.
    CellModelOptions o;
    put(d / "cells.v", write_cell_models(osu018(), o));
    TimedSimOptions to;
    to.dir = d.p.string();
    to.netlist = d / "net.v";
    to.cells = d / "cells.v";
    TimedSimInfo info;
    const Activity i = run_mac_timed(nl, st, 2, to, ic, info);
    CHECK(ic.mismatches == 0);
    int differ = 0;
    for (int n = 0; n < nl.num_nets(); ++n) {
      differ += z.nets[n].rises != i.nets[n].rises || z.nets[n].falls != i.nets[n].falls ||
                z.nets[n].t1_ps != i.nets[n].t1_ps;
    }
    CHECK(differ == 0);
    CHECK(total(z) > 10000);
    CHECK(z.window_ps == i.window_ps);
    // Icarus with yosys' models (flip-flops power up at x, not 0): the registers without reset and the logic after
    // them miss their first x -> value transition, nothing else.
    to.cells = (d / "ycells.v");
    REQUIRE(tool({"yosys", "-q", "-p", fmt::format("read_liberty {}; write_verilog -noattr {}", kDefaultLiberty,
                                                    d / "ycells.v")},
                 d, "yosys2.log") == 0);
    const Activity y = run_mac_timed(nl, st, 2, to, yc, info);
    CHECK(yc.mismatches == 0);
    for (int n = 0; n < nl.num_nets(); ++n) {
      const auto zt = z.nets[n].transitions(), yt = y.nets[n].transitions();
      CHECK_MESSAGE(zt - yt <= 1, nl.net_bits[n][0]);
      CHECK_MESSAGE(yt <= zt, nl.net_bits[n][0]);
    }
  }

  TEST_CASE("Icarus path delays are inertial: a pulse narrower than the delay is swallowed") {
    // a -> INVX1 (0.1) -> INVX1 (0.1) -> INVX1 (0.1) -> n3. y = XOR(a, n3) sees a 0.3 ns pulse per edge of a,
    // z = XOR(a, n1) a 0.1 ns one; both XORs have a 0.2 ns path delay.
    TempDir d;
    put(d / "net.v", R"(module top(a, y, z);
  input a; output y, z;
  wire n1, n2, n3;
  INVX1 u1 (.A(a), .Y(n1));
  INVX1 u2 (.A(n1), .Y(n2));
  INVX1 u3 (.A(n2), .Y(n3));
  XOR2X1 ux (.A(a), .B(n3), .Y(y));
  XOR2X1 uz (.A(a), .B(n1), .Y(z));
endmodule
)");
    std::string sdf = "(DELAYFILE (SDFVERSION \"3.0\") (DESIGN \"top\") (DIVIDER .) (TIMESCALE 1ns)\n";
    for (const char* i : {"u1", "u2", "u3"})
      sdf += fmt::format(" (CELL (CELLTYPE \"INVX1\") (INSTANCE {}) (DELAY (ABSOLUTE (IOPATH A Y (0.1::0.1) (0.1::0.1)))))\n", i);
    for (const char* i : {"ux", "uz"})
      sdf += fmt::format(" (CELL (CELLTYPE \"XOR2X1\") (INSTANCE {}) (DELAY (ABSOLUTE (IOPATH A Y (0.2::0.2) (0.2::0.2)) "
                         "(IOPATH B Y (0.2::0.2) (0.2::0.2)))))\n", i);
    put(d / "top.sdf", sdf + ")\n");
    put(d / "tb.v", R"(`timescale 1ns/1ps
module tb;
  reg a = 1'b0;
  wire y, z;
  top dut (.a(a), .y(y), .z(z));
  initial begin
    $sdf_annotate("top.sdf", dut);
    $dumpfile("out.vcd");
    $dumpvars(1, dut);
    #5 a = 1'b1;
    #5 a = 1'b0;
    #5 $finish;
  end
endmodule
)");
    put(d / "cells.v", write_cell_models(osu018()));
    REQUIRE(tool({"iverilog", "-g2005", "-gspecify", "-Tmax", "-o", d / "sim.vvp", d / "tb.v", d / "net.v", d / "cells.v"},
                 d, "c.log") == 0);
    REQUIRE(tool({"vvp", "-n", d / "sim.vvp"}, d, "r.log") == 0);
    CHECK(get(d / "r.log").find("SDF WARNING") == std::string::npos);
    VcdToggles t;
    t.count_from(1000);  // after the initial settling (x at 0)
    const std::string vcd = get(d / "out.vcd");
    t.feed(vcd.data(), vcd.size());
    t.finish();
    std::map<std::string, std::uint64_t> n;
    t.visit("tb.dut", [&](const std::string& name, std::uint64_t r, std::uint64_t f, std::uint64_t, std::uint64_t) {
      n[name] = r + f;
    });
    CHECK(n["n3"] == 2);  // the chain follows a
    CHECK(n["y"] == 4);   // two 0.3 ns pulses pass a 0.2 ns gate
    CHECK(n["z"] == 0);   // two 0.1 ns pulses do not
  }

  TEST_CASE("glitch-free fixtures: timed and zero-delay counts are equal") {
    for (const char* fixture : {kRegisterOnly, kSingleGate}) {
      TempDir d;
      Netlist nl;
      const TimedSimOptions to = timed_fixture(d, fixture, nl);
      const auto st = pass_through_stimulus(500, 2, 3);
      MacBenchResult zc, tc;
      const Activity z = run_mac_zero_delay(osu018(), nl, st, 2, 10.0, zc);
      TimedSimInfo info;
      const Activity t = run_mac_timed(nl, st, 2, to, tc, info);
      CHECK(zc.mismatches == 0);
      CHECK(tc.mismatches == 0);
      CHECK(info.event_times > static_cast<std::uint64_t>(2 * t.cycles + 1));  // the delays were applied
      CHECK(total(z) > 1000);
      for (int n = 0; n < nl.num_nets(); ++n) CHECK_MESSAGE(z.nets[n].transitions() == t.nets[n].transitions(), nl.net_bits[n][0]);
    }
  }

  TEST_CASE("a wrong SDF or a clock shorter than the critical path fails loudly") {
    TempDir d;
    Netlist nl;
    TimedSimOptions to = timed_fixture(d, kSingleGate, nl);
    const auto st = pass_through_stimulus(200, 2, 5);
    const std::string good = get(to.sdf);
    MacBenchResult c;
    TimedSimInfo info;
    // SDF of another design: instances that do not exist.
    std::string other = good;
    for (size_t p; (p = other.find("(INSTANCE i0)")) != std::string::npos;) other.replace(p, 13, "(INSTANCE x9)");
    put(d / "other.sdf", other);
    to.sdf = d / "other.sdf";
    CHECK_THROWS_WITH_AS(run_mac_timed(nl, st, 2, to, c, info), doctest::Contains("did not annotate cleanly"),
                         TimedSimError);
    // An SDF that does not exist.
    to.sdf = d / "missing.sdf";
    CHECK_THROWS_WITH_AS(run_mac_timed(nl, st, 2, to, c, info), doctest::Contains("did not annotate cleanly"),
                         TimedSimError);
    // An SDF whose delays are all 0: read without complaint, but nothing switches between the clock edges.
    const std::string none = std::regex_replace(good, std::regex(R"(\([0-9.]+::[0-9.]+\))"), "(0::0)");
    REQUIRE(none != good);
    put(d / "none.sdf", none);
    to.sdf = d / "none.sdf";
    CHECK_THROWS_WITH_AS(run_mac_timed(nl, st, 2, to, c, info), doctest::Contains("not applied"), TimedSimError);
    // Delays far longer than the clock: the sampled outputs are wrong.
    to.sdf = d / "design.sdf";
    to.period_ns = 0.2;  // below the flip-flops' clock-to-Q delay
    run_mac_timed(nl, st, 2, to, c, info);
    CHECK(c.mismatches > 0);
    CHECK(c.report.find("acc_o =") != std::string::npos);
  }

  TEST_CASE("hierarchical netlists flatten with instance paths; SAIF lists every name with its activity") {
    const Netlist nl = parse_netlist(R"(module sub(a, y);
  input [1:0] a; output y;
  wire t;
  AND2X1 g (.A(a[0]), .B(a[1]), .Y(t));
  INVX1 i (.A(t), .Y(y));
endmodule
module top(x, z);
  input [1:0] x; output z;
  sub u_s (.a(x), .y(z));
endmodule
)", "h.v");
    CHECK(nl.top == "top");
    CHECK(nl.instances == std::vector<std::string>{"u_s"});
    REQUIRE(nl.cells.size() == 2);
    CHECK(nl.cells[0].name == "u_s.g");
    CHECK(nl.cells[0].block == "u_s");
    CHECK(nl.net_of("u_s.a[1]") == nl.net_of("x[1]"));
    CHECK(nl.net_of("u_s.y") == nl.net_of("z"));
    CHECK(nl.net_of("u_s.t") >= 0);
    Activity a;
    a.window_ps = 1000;
    a.nets.assign(static_cast<size_t>(nl.num_nets()), {});
    a.nets[static_cast<size_t>(nl.net_of("z"))] = {3, 2, 400, 0};
    const std::string s = write_saif(nl, a, {});
    CHECK(s.find("(SAIFVERSION \"2.0\")") != std::string::npos);
    CHECK(s.find("(DURATION 1000)") != std::string::npos);
    CHECK(s.find("(z (T0 600) (T1 400) (TX 0) (TC 5))") != std::string::npos);
    CHECK(s.find("(INSTANCE u_s") != std::string::npos);
    CHECK(s.find("(y (T0 600) (T1 400) (TX 0) (TC 5))") != std::string::npos);
    CHECK(s.find("(x\\[1\\] (T0 1000) (T1 0) (TX 0) (TC 0))") != std::string::npos);
  }

  TEST_CASE("critical path by block and signal from OpenSTA's report") {
    const std::string log = R"(Startpoint: u_acc/_774_ (rising edge-triggered flip-flop clocked by clk)
Endpoint: u_acc/_770_ (rising edge-triggered flip-flop clocked by clk)
Path Group: clk
Path Type: max

Fanout     Delay      Time   Description
------------------------------------------------------------------
         0.0000    0.0000   clock clk (rise edge)
         0.0000    0.0000   clock network delay (ideal)
         0.0000    0.0000 ^ u_acc/_774_/CLK (DFFSR)
         0.2233    0.2233 ^ u_acc/_774_/Q (DFFSR)
    2                       acc_o[4] (net)
         1.0000    1.2233 v u_acc/_393_/Y (INVX1)
    5                       u_acc/lns_d[7] (net)
         0.5000    1.7233 v u_acc/u_delta/_1_/Y (INVX1)
    1                       u_acc/u_delta/_9_ (net)
         0.2500    1.9733 v u_acc/u_delta/_2_/Y (INVX1)
    1                       u_acc/lns_dm[1] (net)
         0.1000    2.0733 ^ u_acc/_647_/Y (MUX2X1)
    3                       u_acc/_266_ (net)
         0.0000    2.0733 ^ u_acc/_770_/D (DFFSR)
                   2.0733   data arrival time

        10.0000   10.0000   clock clk (rise edge)
------------------------------------------------------------------
                   7.8000   slack (MET)

worst slack 7.8000
)";
    const Timing t = parse_sta_report(log, 10.0);
    CHECK(t.slack_ns == doctest::Approx(7.8));
    CHECK(t.critical_from == "acc_o[4] (u_acc/_774_/Q)");
    CHECK(t.critical_to == "u_acc/_770_/D");
    CHECK(t.critical_path == "u_acc 1.22 ns -> u_acc/lns_d[7] | u_acc.u_delta 0.75 ns -> u_acc/lns_dm[1] | "
                             "u_acc 0.10 ns -> u_acc/_770_/D");
  }
}
