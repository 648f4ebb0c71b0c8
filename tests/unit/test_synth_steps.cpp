// The synthesis flow's steps, each on its own: the report parsers on hand-written tool output, the cache record
// and the cache, the stimulus against hand-computed accumulators, the energy step's bookkeeping, and (suite
// synth_steps_tools) synthesize -> simulate gates -> STA on a hand-written design with the real tools.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sim/config.hpp"
#include "synth/cache.hpp"
#include "synth/step_energy.hpp"
#include "synth/step_simulate_gates.hpp"
#include "synth/step_sta.hpp"
#include "synth/step_synthesize.hpp"
#include "synth/stimulus.hpp"
#include "temp_dir.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"

using namespace logmac;
using namespace logmac::synth;
namespace fs = std::filesystem;

namespace {
const Library& osu018() {
  static const Library lib = read_liberty(kDefaultLiberty);
  return lib;
}

DesignResult sample_result() {
  DesignResult r;
  r.spec = "fxp:f=3,pipe=1,w=4";
  r.module = "logmac_fxp_w4_f3_wacc18_pipe1_sat";
  r.area = 1234.5;
  r.macs = 10240;
  r.critical_from = "a_i[0] (input port clocked by clk)";
  r.cells = 25;
  r.cell_types = {{"INVX1", 3}, {"DFFPOSX1", 22}};
  r.block_area = {{"sub unit", 12.5}};
  r.block_energy = {{"sub unit", 1.5, 1.75}};
  r.accuracy_workload = "nn 2000x256 seed 1";
  return r;
}
}  // namespace

TEST_SUITE("synth_steps") {
  TEST_CASE("parse_yosys_stat: area, cells and cells by type of a flat netlist") {
    const YosysStat s = parse_yosys_stat(
        "\n=== logmac_x ===\n\n"
        "   Number of wires:                 10\n"
        "   Number of wire bits:             20\n"
        "   Number of cells:                 12\n"
        "     AND2X2                          3\n"
        "     DFFPOSX1                        4\n"
        "     INVX1                           5\n\n"
        "   Chip area for module '\\logmac_x': 1234.500000\n");
    CHECK(s.cells == 12);
    CHECK(s.area == 1234.5);
    REQUIRE(s.cell_types.size() == 3);
    CHECK(s.cell_types[1].first == "DFFPOSX1");
    CHECK(s.cell_types[1].second == 4);
  }

  TEST_CASE("parse_yosys_stat: a hierarchical report counts the design's totals (its last section)") {
    const YosysStat s = parse_yosys_stat(
        "=== sub ===\n   Number of cells: 2\n     INVX1 2\n   Chip area for module '\\sub': 100.0\n\n"
        "=== top ===\n   Number of cells: 3\n     sub 2\n     INVX1 1\n   Chip area for module '\\top': 50.0\n\n"
        "=== design hierarchy ===\n\n   top                               1\n     sub                             2\n\n"
        "   Number of cells: 5\n     INVX1 5\n\n   Chip area for top module '\\top': 250.0\n");
    CHECK(s.cells == 5);
    CHECK(s.area == 250.0);
    REQUIRE(s.cell_types.size() == 1);
    CHECK(s.cell_types[0].second == 5);
  }

  TEST_CASE("parse_sta_report: slack, path, fmax, leakage and power; no slack is an error") {
    const std::string log =
        "Startpoint: a_i[0] (input port clocked by clk)\n"
        "Endpoint: _5_ (rising edge-triggered flip-flop clocked by clk)\n"
        "Startpoint: b_i[1] (input port clocked by clk)\n"
        "worst slack 4.2310\n"
        "Group                  Internal  Switching    Leakage      Total\n"
        "Total               1.000000e-04 2.000000e-04 5.000000e-08 3.000500e-04 100.0%\n";
    const Timing t = parse_sta_report(log, 10.0);
    CHECK(t.slack_ns == doctest::Approx(4.231));
    CHECK(t.critical_ns == doctest::Approx(5.769));
    CHECK(t.fmax_mhz == doctest::Approx(1000.0 / 5.769));
    CHECK(t.critical_from == "a_i[0] (input port clocked by clk)");  // the first path: the critical one
    CHECK(t.critical_to == "_5_ (rising edge-triggered flip-flop clocked by clk)");
    CHECK(t.sta_leakage_nw == doctest::Approx(50.0));
    CHECK(t.sta_power_uw == doctest::Approx(300.05));
    CHECK_THROWS_AS(parse_sta_report("Startpoint: x\n", 10.0), FlowError);
  }

  TEST_CASE("cache record: round trip; an altered, truncated or extended record is rejected") {
    const DesignResult r = sample_result();
    const std::string text = r.to_text();
    const DesignResult back = DesignResult::from_text(text);
    CHECK(back.to_text() == text);
    CHECK(back.critical_from == r.critical_from);
    CHECK(back.block_area == r.block_area);
    std::string altered = text;  // a well-formed but changed value: only the checksum notices
    altered.replace(altered.find("area_um2 1234.5"), 15, "area_um2 1235.5");
    CHECK_THROWS_WITH_AS(DesignResult::from_text(altered), doctest::Contains("checksum"), FlowError);
    const std::string no_sum = text.substr(0, text.find("checksum "));
    CHECK_THROWS_WITH_AS(DesignResult::from_text(no_sum), doctest::Contains("checksum"), FlowError);
    CHECK_THROWS_AS(DesignResult::from_text(text.substr(0, text.size() - 1)), FlowError);  // last newline cut
    CHECK_THROWS_AS(DesignResult::from_text(text + "area_um2 1\n"), FlowError);
  }

  TEST_CASE("cache record: edits that keep a valid checksum are still rejected (non-finite, lists cut short)") {
    // Re-sealed with a fresh checksum, as a tool (or a person) editing the file could do.
    auto resealed = [](std::string text, const std::string& from, const std::string& to) {
      text = text.substr(0, text.find("checksum "));
      const auto at = text.find(from);
      REQUIRE(at != std::string::npos);
      text.replace(at, from.size(), to);
      return text + "checksum " + logmac::util::Hasher().add(text).hex() + "\n";
    };
    const std::string text = sample_result().to_text();
    CHECK_NOTHROW(DesignResult::from_text(resealed(text, "area_um2 1234.5", "area_um2 1235.5")));  // the control
    CHECK_THROWS_WITH_AS(DesignResult::from_text(resealed(text, "energy_pj_per_mac 0\n", "energy_pj_per_mac nan\n")),
                         doctest::Contains("finite"), FlowError);
    CHECK_THROWS_WITH_AS(DesignResult::from_text(resealed(text, "slack_ns 0\n", "slack_ns -inf\n")),
                         doctest::Contains("finite"), FlowError);
    CHECK_THROWS_WITH_AS(DesignResult::from_text(resealed(text, "cell INVX1 3\n", "")),
                         doctest::Contains("add up"), FlowError);
    CHECK_THROWS_WITH_AS(DesignResult::from_text(resealed(text, "area_um2 1234.5", "area_um2 0")),
                         doctest::Contains("area"), FlowError);
    CHECK_THROWS_WITH_AS(DesignResult::from_text(resealed(text, "block 12.5\tsub unit\n", "")),
                         doctest::Contains("per-block"), FlowError);
  }

  TEST_CASE("cache key: changes with every input; a pwl table counts by content, not by path") {
    TempDir t;
    const std::string table = LOGMAC_SOURCE_DIR "/pwl/tables/lns_w12_f4_k16_p2.csv";
    fs::copy_file(table, t.path / "a.csv");
    fs::copy_file(table, t.path / "b.csv");
    auto key = [&](const std::string& file, const FlowOptions& o, const std::string& rtl, const std::string& stim) {
      return cache_key_text(parse_spec("lns:w=12,f=4,delta=pwl:" + file), o, rtl, stim);
    };
    const FlowOptions opt;
    const std::string a = (t.path / "a.csv").string(), b = (t.path / "b.csv").string();
    const std::string base = key(a, opt, "module m; // pwl:" + a + "\n", "1 2\n");
    CHECK(base == key(b, opt, "module m; // pwl:" + b + "\n", "1 2\n"));  // same table, other path
    CHECK(base != key(a, opt, "module m2; // pwl:" + a + "\n", "1 2\n"));
    CHECK(base != key(a, opt, "module m; // pwl:" + a + "\n", "1 3\n"));
    FlowOptions slower = opt;
    slower.clock_ns = 20;
    CHECK(base != key(a, slower, "module m; // pwl:" + a + "\n", "1 2\n"));
    std::ofstream(b, std::ios::app) << "# edited\n";
    CHECK(base != key(b, opt, "module m; // pwl:" + b + "\n", "1 2\n"));
  }

  TEST_CASE("ResultCache: miss, store, hit; a record whose key file differs is a miss") {
    TempDir t;
    const std::string dir = (t.path / "cache").string();
    std::vector<std::string> notes;
    auto note = [&](const std::string& s) { notes.push_back(s); };
    std::string stored;
    {
      ResultCache c(dir, "");
      CHECK_FALSE(c.open("m", "key one\n", note).has_value());
      CHECK(fs::is_directory(c.work_dir()));
      std::ofstream(c.work_dir() + "/netlist.v") << "x";
      stored = c.store(sample_result());
    }
    CHECK(fs::exists(stored + "/netlist.v"));
    {
      ResultCache c(dir, "");
      const auto hit = c.open("m", "key one\n", note);
      REQUIRE(hit.has_value());
      CHECK(hit->cached);
      CHECK(hit->dir == stored);
      CHECK(hit->area == 1234.5);
    }
    {
      ResultCache c(dir, "");
      CHECK_FALSE(c.open("m", "key two\n", note).has_value());
    }
    std::ofstream(stored + "/key.txt") << "another key\n";
    ResultCache c(dir, "");
    CHECK_FALSE(c.open("m", "key one\n", note).has_value());
    REQUIRE_FALSE(notes.empty());
    CHECK(notes.back().find("unusable") != std::string::npos);
  }

  TEST_CASE("ResultCache: a second run of the same entry waits for the first") {
    TempDir t;
    const std::string dir = (t.path / "cache").string();
    auto first = std::make_unique<ResultCache>(dir, "");
    REQUIRE_FALSE(first->open("m", "k\n", {}).has_value());
    std::atomic<bool> waited{false}, hit{false};
    std::thread second([&] {
      ResultCache c(dir, "");
      hit = c.open("m", "k\n", [&](const std::string& s) { waited = s.find("waiting") != std::string::npos; })
                .has_value();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    first->store(sample_result());
    first.reset();  // releases the lock
    second.join();
    CHECK(waited.load());
    CHECK(hit.load());  // reused what the first stored
  }

  TEST_CASE("checked stimulus: the model's accumulator after each line, by hand") {
    // fxp:w=4 (f=3): codes are integers, a product has 6 fraction bits: the accumulator is the integer sum.
    const MacConfig c = parse_spec("fxp:w=4");
    const CheckedStimulus s = check_against_model(c, {{true, 3, 2}, {false, 1, 1}, {true, 0xf, 2}});
    REQUIRE(s.expected.size() == 3);
    CHECK(s.expected[0] == 6);
    CHECK(s.expected[1] == 7);
    CHECK(s.expected[2] == ((1u << c.wacc) - 2));  // -1 * 2, two's complement in wacc bits
    CHECK(s.file_text() == fmt::format("3 {}\n1 3 2 6\n0 1 1 7\n1 f 2 {:x}\n", c.latency, (1u << c.wacc) - 2));
    FlowOptions o;
    o.dots = 2;
    o.terms = 8;
    const auto lines = make_stimulus(c, o);
    CHECK(lines.size() == 16);
    CHECK(lines[0].clr);
    CHECK(lines[8].clr);
    CHECK_FALSE(lines[1].clr);
    o.workload = "/nonexistent.txt";
    CHECK_THROWS_AS(make_stimulus(c, o), std::invalid_argument);
  }

  TEST_CASE("estimate_design_energy: counts mapped to nets once, per MAC, activity; every loaded net counted") {
    // The toggle flip-flop of test_energy: q_o toggles every cycle, n is its inverse.
    const Netlist nl = parse_netlist(R"(module tff(clk_i, q_o);
  input clk_i; output q_o;
  wire n;
  DFFPOSX1 r (.CLK(clk_i), .D(n), .Q(q_o));
  INVX1 u (.A(q_o), .Y(n));
endmodule)",
                                     "tff.v");
    GateActivity act;
    act.macs_checked = 10;
    act.cycles = 20;
    act.toggles = {{"clk_i", {20, 20}}, {"q_o", {10, 10}}, {"n", {10, 10}}, {"q_o", {99, 99}}};  // a repeat: ignored
    const DesignEnergy e = estimate_design_energy(osu018(), nl, act, 10.0, 0.1);
    std::vector<Toggles> per_net(static_cast<size_t>(nl.num_nets()));
    per_net[nl.net_of("clk_i")] = {20, 20};
    per_net[nl.net_of("q_o")] = {10, 10};
    per_net[nl.net_of("n")] = {10, 10};
    EnergyOptions eo;
    eo.wire_cap_per_fanout = default_wire_cap_per_fanout(osu018(), nl);
    eo.time_ns = 200;
    const EnergyResult whole = estimate_energy(osu018(), nl, per_net, eo);
    CHECK(e.energy_pj == doctest::Approx(whole.total() / 10));
    CHECK(e.leakage_pj == doctest::Approx(whole.leakage / 10));
    CHECK(e.power_uw == doctest::Approx(whole.total() / 200 * 1e3));
    CHECK(e.activity == doctest::Approx((20.0 + 20.0) / 2 / 20));  // q_o and n, not the clock
    CHECK(e.seq_cells == 1);
    act.toggles.pop_back();
    act.toggles.erase(act.toggles.begin() + 2);  // n (loads the flip-flop's D) has no count
    CHECK_THROWS_WITH_AS(estimate_design_energy(osu018(), nl, act, 10.0, 0.1), doctest::Contains("n"), FlowError);
    act.macs_checked = 0;
    CHECK_THROWS_AS(estimate_design_energy(osu018(), nl, act, 10.0, 0.1), FlowError);
  }
}

TEST_SUITE("synth_steps_tools") {
  TEST_CASE("synthesize, simulate gates, STA: a hand-written design on its own; a wrong expectation fails") {
    TempDir t;
    const std::string dir = t.path.string();
    const MacConfig c = parse_spec("fxp:w=4");
    const std::string top = c.module_name();
    const std::string rtl = LOGMAC_SOURCE_DIR "/tests/synth/fixtures/logmac_fxp_w4_f3_wacc18_pipe1_sat.v";
    const Synthesis syn = synthesize({top, rtl, kDefaultLiberty, 10.0}, osu018(), dir);
    CHECK(syn.stat.cells > 0);
    CHECK(syn.stat.area > 0);
    CHECK(syn.seq_area > 0);
    CHECK(syn.seq_area < syn.stat.area);
    CHECK(syn.mapped.cells.size() == static_cast<size_t>(syn.stat.cells));

    FlowOptions o;
    o.dots = 1;
    const CheckedStimulus stim = check_against_model(c, make_stimulus(c, o));
    const GateActivity act = simulate_gates_zero_delay(osu018(), syn.mapped, stim, 10.0);
    CHECK(act.macs_checked == 256);
    CHECK(act.cycles >= 256);
    CHECK_FALSE(act.toggles.empty());

    CheckedStimulus wrong = stim;
    wrong.expected[100] ^= 1;
    CHECK_THROWS_WITH_AS(simulate_gates_zero_delay(osu018(), syn.mapped, wrong, 10.0),
                         doctest::Contains("GATE-LEVEL OUTPUT DIFFERS FROM THE MODEL"), FlowError);

    const Timing tim = run_sta({top, syn.netlist, kDefaultLiberty, 10.0, 0.2, ""}, dir);
    CHECK(tim.critical_ns > 0);
    CHECK(tim.critical_ns < 10);
    CHECK(tim.slack_ns == doctest::Approx(10 - tim.critical_ns));
    CHECK(tim.sta_leakage_nw > 0);
  }
}
