// The liberty reader on the Debian osu018 library: numbers checked against the file by other means (a plain
// text count, values read by hand from the file), units, and errors.
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "synth/flow.hpp"
#include "synth/liberty.hpp"
#include "synth/netlist.hpp"
#include "synth/report.hpp"
#include "synth/vcd_toggles.hpp"

using namespace logmac::synth;

namespace {
std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_SUITE("liberty") {
  TEST_CASE("osu018: cell count equals the number of cell groups in the text") {
    const std::string text = slurp(kDefaultLiberty);
    REQUIRE(!text.empty());
    // Independent count: every line that opens a cell group, `cell (NAME) {`.
    const std::regex re(R"(^\s*cell\s*\(\s*[A-Za-z0-9_]+\s*\)\s*\{)", std::regex::multiline);
    const auto n = std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator());
    const Library lib = read_liberty(kDefaultLiberty);
    CHECK(n == 32);  // read by hand: 32 cells, AND2X1 .. XOR2X1
    CHECK(static_cast<long>(lib.cells.size()) == n);
    CHECK(lib.voltage == doctest::Approx(1.8));
  }

  TEST_CASE("osu018: known cells (values read by hand from the file)") {
    const Library lib = read_liberty(kDefaultLiberty);
    const LibCell* inv = lib.cell("INVX1");
    REQUIRE(inv);
    CHECK(inv->area == 16);
    CHECK(inv->leakage == doctest::Approx(0.0221741));  // nW
    REQUIRE(inv->pin("A"));
    CHECK(inv->pin("A")->cap == doctest::Approx(0.00932456));       // pF
    CHECK(inv->pin("A")->rise_cap == doctest::Approx(0.00932196));
    CHECK(inv->pin("Y")->function == "(!A)");
    CHECK(inv->pin("Y")->dir == PinDir::Output);
    // internal_power of Y related to A, rise_power at the first index point and between four points.
    REQUIRE(inv->pin("Y")->power.size() == 1);
    const InternalPower& ip = inv->pin("Y")->power[0];
    CHECK(ip.related_pin == "A");
    CHECK(ip.rise.lookup(0.005, 0.06) == doctest::Approx(0.023555));
    CHECK(ip.fall.lookup(0.15, 1.2) == doctest::Approx(0.020842));
    CHECK(ip.rise.lookup(0.00875, 0.12) ==
          doctest::Approx((0.023555 + 0.029044 + 0.023165 + 0.028621) / 4));

    const LibCell* ff = lib.cell("DFFPOSX1");
    REQUIRE(ff);
    CHECK(ff->area == 96);
    CHECK(ff->sequential());
    CHECK(ff->seq[0].next_state == "D");
    CHECK(ff->seq[0].clocked_on == "CLK");
    CHECK(ff->pin("CLK")->clock);
    CHECK(ff->pin("CLK")->cap == doctest::Approx(0.0279235));
    CHECK(ff->pin("D")->cap == doctest::Approx(0.00882947));
    // The clock pin's passive table (input_transition_time only).
    CHECK(ff->pin("CLK")->power[0].fall.lookup(0, 0.48) == doctest::Approx(0.160216));
    const LibCell* sr = lib.cell("DFFSR");
    REQUIRE(sr);
    CHECK(sr->area == 176);
    CHECK(sr->seq[0].clear == "(!R)");
    CHECK(lib.cell("FAX1")->pin("YS")->power.size() == 3);
  }

  TEST_CASE("units are converted (ff, ps, pW) and templates may list slew first") {
    const char* text = R"(library (t) {
      time_unit : "1ps"; capacitive_load_unit (1, ff); leakage_power_unit : "1pW"; voltage_unit : "1V";
      nom_voltage : 1.2;
      power_lut_template (e2) { variable_1 : input_transition_time; variable_2 : total_output_net_capacitance;
        index_1 ("10, 20"); index_2 ("1, 3"); }
      cell (INV) { area : 2.5; cell_leakage_power : 1500;
        pin (A) { direction : input; capacitance : 2; }
        pin (Y) { direction : output; function : "!A";
          internal_power () { related_pin : "A";
            rise_power (e2) { values ("1, 3", \
                                      "5, 7"); }
            fall_power (scalar) { values ("4"); } } } }
    })";
    const Library lib = parse_liberty(text, "t.lib");
    const LibCell& c = *lib.cell("INV");
    CHECK(c.leakage == doctest::Approx(1.5));          // 1500 pW
    CHECK(c.pin("A")->cap == doctest::Approx(0.002));  // 2 fF in pF
    const Lut& r = c.pin("Y")->power[0].rise;
    // energy unit = 1 fF * 1 V^2 = 1e-3 pJ; slew 15 ps = 0.015 ns, load 2 fF = 0.002 pF: mean of 4 corners.
    CHECK(r.lookup(0.002, 0.015) == doctest::Approx(4e-3));
    CHECK(r.lookup(0.001, 0.020) == doctest::Approx(5e-3));
    CHECK(c.pin("Y")->power[0].fall.lookup(1, 1) == doctest::Approx(4e-3));
  }

  TEST_CASE("pin capacitance without `capacitance`: from rise/fall_capacitance") {
    const char* text = R"(library (t) {
      capacitive_load_unit (1, pf); nom_voltage : 1.0;
      cell (C) { area : 1;
        pin (A) { direction : input; rise_capacitance : 0.004; fall_capacitance : 0.002; }
        pin (B) { direction : input; rise_capacitance : 0.003; }
        pin (D) { direction : input; fall_capacitance : 0.005; }
        pin (E) { direction : input; capacitance : 0.007; fall_capacitance : 0.001; }
        pin (Y) { direction : output; function : "A&B&D&E"; } }
    })";
    const Library lib = parse_liberty(text, "t.lib");
    const LibCell& c = *lib.cell("C");
    CHECK(c.pin("A")->cap == doctest::Approx(0.003));  // mean of 0.004 and 0.002
    CHECK(c.pin("B")->cap == doctest::Approx(0.003));  // only rise given: not 0
    CHECK(c.pin("B")->fall_cap == doctest::Approx(0.003));
    CHECK(c.pin("D")->cap == doctest::Approx(0.005));  // only fall given
    CHECK(c.pin("D")->rise_cap == doctest::Approx(0.005));
    CHECK(c.pin("E")->cap == doctest::Approx(0.007));  // `capacitance` wins
    CHECK(c.pin("E")->fall_cap == doctest::Approx(0.001));
    CHECK(c.pin("E")->rise_cap == doctest::Approx(0.007));
    CHECK(c.pin("Y")->cap == 0);
  }

  TEST_CASE("result records: round trip; incomplete or malformed records are rejected") {
    DesignResult r;
    r.spec = "fxp:f=3,pipe=1,w=4";
    r.area = 1234.5;
    r.macs = 10240;
    r.nrmse = 1.5e-3;
    r.cells = 3;
    r.cell_types = {{"INVX1", 3}};
    r.block_area = {{"top", 1234.5}};
    r.block_energy = {{"top", 1.0, 1.0}};
    r.accuracy_workload = "nn 2000x256 seed 1";
    const std::string text = r.to_text();
    const DesignResult back = DesignResult::from_text(text);
    CHECK(back.spec == r.spec);
    CHECK(back.area == 1234.5);
    CHECK(back.macs == 10240);
    CHECK(back.nrmse == 1.5e-3);
    CHECK(back.accuracy_workload == r.accuracy_workload);
    REQUIRE(back.cell_types.size() == 1);
    CHECK(back.cell_types[0].second == 3);
    // Truncated after the first half: a missing field is an error, not 0.
    CHECK_THROWS_AS(DesignResult::from_text(text.substr(0, text.size() / 2)), FlowError);
    std::string bad = text;
    const auto p = bad.find("area_um2 ");
    REQUIRE(p != std::string::npos);
    bad.replace(p, bad.find('\n', p) - p, "area_um2 12x");
    CHECK_THROWS_AS(DesignResult::from_text(bad), FlowError);
    CHECK_THROWS_AS(DesignResult::from_text(""), FlowError);
  }

  TEST_CASE("compare plot labels are unique and name what differs") {
    std::vector<DesignResult> all(5);
    all[0].spec = "lns:delta=exact,dmax=16,f=3,pipe=1,underflow=sat,w=8";
    all[1].spec = "lns:delta=pwl:qaa,dmax=16,f=3,pipe=1,underflow=sat,w=8";
    all[2].spec = "lns:delta=pwl:qaa,dmax=16,f=3,pipe=1,underflow=zero,w=8";  // old labels: all "lns w=8 ..."
    all[3].spec = "fxp:f=7,pipe=1,w=8";
    all[4].spec = "fxp:f=7,pipe=1,w=8";  // a duplicate still gets its own label
    const std::vector<std::string> l = plot_labels(all);
    REQUIRE(l.size() == 5);
    CHECK(l[0] == "lns w=8 delta=exact underflow=sat");
    CHECK(l[1] == "lns w=8 delta=pwl:qaa underflow=sat");
    CHECK(l[2] == "lns w=8 delta=pwl:qaa underflow=zero");
    CHECK(l[3] == "fxp w=8");
    CHECK(l[4] == "fxp w=8 #2");
  }

  TEST_CASE("missing and malformed libraries are errors naming the file and line") {
    CHECK_THROWS_AS(read_liberty("/nonexistent/x.lib"), LibertyError);
    try {
      parse_liberty("library (x) {\n  cell (A) {\n    area : 3;\n", "bad.lib");
      FAIL("no error");
    } catch (const LibertyError& e) {
      CHECK(std::string(e.what()).find("bad.lib:2") != std::string::npos);
    }
    CHECK_THROWS_AS(parse_liberty("module foo;", "v.lib"), LibertyError);
    CHECK_THROWS_AS(parse_liberty("library (x) { nom_voltage : 1.8; cell (A) { area : abc; } }", "n.lib"), LibertyError);
  }

  TEST_CASE("netlist reader: aliases, constants, buses") {
    const char* v = R"(module m(clk_i, a_i, y_o);
      input clk_i; input [1:0] a_i; output [2:0] y_o;
      wire _1_; wire [1:0] _2_;
      INVX1 u0 (.A(a_i[0]), .Y(_1_));
      NAND2X1 u1 (.A(_1_), .B(a_i[1]), .Y(_2_[1]));
      DFFPOSX1 r (.CLK(clk_i), .D(_2_[1]), .Q(y_o[0]));
      assign { y_o[2], y_o[1] } = { 1'h0, _1_ };
      assign _2_[0] = y_o[0];
    endmodule)";
    const Netlist nl = parse_netlist(v, "t.v");
    CHECK(nl.top == "m");
    CHECK(nl.ports.size() == 3);
    CHECK(nl.cells.size() == 3);
    CHECK(nl.net_of("y_o[2]") == kConst0);
    CHECK(nl.net_of("y_o[1]") == nl.net_of("_1_"));
    CHECK(nl.net_of("_2_[0]") == nl.net_of("y_o[0]"));
    CHECK(nl.net_of("a_i[0]") != nl.net_of("a_i[1]"));
    CHECK(nl.num_nets() == 6);  // clk_i, a_i[0], a_i[1], _1_, _2_[1], y_o[0]
    CHECK_THROWS_AS(parse_netlist("module m(a); input a; FOO u (.A(b)); endmodule", "u.v"), NetlistError);
  }

  TEST_CASE("VCD transition counter") {
    VcdToggles t;
    // Codes of one and two characters ("!" and "!!" must not collide); a vector written short.
    const std::string vcd =
        "$scope module TOP $end\n$scope module m $end\n"
        "$var wire 1 ! clk $end\n$var wire 4 !! v [3:0] $end\n$var wire 1 \" q $end\n"
        "$upscope $end\n$upscope $end\n$enddefinitions $end\n"
        "#0\n$dumpvars\n0!\nb0000 !!\n1\"\n$end\n#1\n1!\nb101 !!\n#2\n0!\n0\"\n#3\n1!\nb1010 !!\n#4\n0!\n";
    t.count_from(1);
    t.feed(vcd.data(), 20);  // in pieces, split mid-line
    t.feed(vcd.data() + 20, vcd.size() - 20);
    t.finish();
    CHECK(t.error().empty());
    std::ostringstream os;
    t.write_counts(os, "TOP.m");
    CHECK(os.str() == "clk 2 2\nv[0] 1 1\nv[1] 1 0\nv[2] 1 1\nv[3] 1 0\nq 0 1\n");
  }
}
