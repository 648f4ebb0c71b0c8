// The energy estimator on circuits small enough to compute by hand from the osu018 liberty's numbers
// (copied here from the file: capacitances, internal_power table entries, leakage).
#include <doctest/doctest.h>

#include "synth/energy.hpp"
#include "synth/flow.hpp"
#include "synth/liberty.hpp"
#include "synth/netlist.hpp"

using namespace logmac::synth;

namespace {
const Library& osu018() {
  static const Library lib = read_liberty(kDefaultLiberty);
  return lib;
}
constexpr double kV2 = 1.8 * 1.8;

std::vector<Toggles> toggles_for(const Netlist& nl, const std::vector<std::pair<std::string, Toggles>>& t) {
  std::vector<Toggles> out(static_cast<size_t>(nl.num_nets()));
  for (const auto& [name, tg] : t) {
    const int n = nl.net_of(name);
    REQUIRE(n >= 0);
    out[static_cast<size_t>(n)] = tg;
  }
  return out;
}

// A flip-flop whose Q feeds back inverted to D: Q toggles on every rising clock edge.
const char* kToggleFf = R"(module tff(clk_i, q_o);
  input clk_i; output q_o;
  wire n;
  DFFPOSX1 r (.CLK(clk_i), .D(n), .Q(q_o));
  INVX1 u (.A(q_o), .Y(n));
endmodule)";
}  // namespace

TEST_SUITE("energy") {
  TEST_CASE("toggle flip-flop: equal to the hand calculation") {
    const Netlist nl = parse_netlist(kToggleFf, "tff.v");
    const int cycles = 1000;
    // Every cycle: clock rises and falls; Q and D each make one transition (half rising, half falling).
    const auto tg = toggles_for(nl, {{"clk_i", {1000, 1000}}, {"q_o", {500, 500}}, {"n", {500, 500}}});
    EnergyOptions o;
    o.slew_ns = 0.06;  // the first slew index of every osu018 power table: only loads are interpolated
    o.time_ns = cycles * 10.0;
    const EnergyResult r = estimate_energy(osu018(), nl, tg, o);

    // Hand calculation with the liberty's numbers.
    const double c_clk = 0.0279235;   // DFFPOSX1 CLK capacitance
    const double c_q = 0.00932456;    // INVX1 A capacitance (Q's only load)
    const double c_n = 0.00882947;    // DFFPOSX1 D capacitance
    const double switching = 0.5 * kV2 * (2000 * c_clk + 1000 * c_q + 1000 * c_n);
    const double clk_pin = 1000 * 0.006865 + 1000 * 0.11034;  // CLK rise/fall passive energy at 0.06 ns
    const double d_pin = 500 * 0.045424 + 500 * 0.08841;      // D rise/fall passive energy at 0.06 ns
    const double fq = (c_q - 0.005) / (0.0125 - 0.005);       // Q table: loads 0.005 / 0.0125, slew 0.06
    const double q_out = 500 * (0.040752 + (0.041217 - 0.040752) * fq) + 500 * (0.064773 + (0.063395 - 0.064773) * fq);
    const double fn = (c_n - 0.005) / (0.0125 - 0.005);       // INVX1 Y table
    const double inv_out = 500 * (0.023555 + (0.023165 - 0.023555) * fn) + 500 * (0.009213 + (0.009047 - 0.009213) * fn);
    const double leakage = (0.160725 + 0.0221741) * o.time_ns * 1e-6;  // nW * ns -> pJ

    CHECK(r.switching == doctest::Approx(switching).epsilon(0.01));
    CHECK(r.internal == doctest::Approx(clk_pin + d_pin + q_out + inv_out).epsilon(0.01));
    CHECK(r.leakage == doctest::Approx(leakage).epsilon(0.01));
    CHECK(r.total() == doctest::Approx(switching + clk_pin + d_pin + q_out + inv_out + leakage).epsilon(0.01));
    // By driver: the clock gets its net and the CLK pin energy.
    CHECK(r.by_kind.clock == doctest::Approx(0.5 * kV2 * 2000 * c_clk + clk_pin).epsilon(0.01));
    CHECK(r.area == 96 + 16);
  }

  TEST_CASE("inverter chain with a wire estimate, extrapolated below the smallest load") {
    const char* v = R"(module chain(a_i, y_o);
      input a_i; output y_o; wire n1, n2;
      INVX1 u1 (.A(a_i), .Y(n1));
      INVX1 u2 (.A(n1), .Y(n2));
      INVX1 u3 (.A(n2), .Y(y_o));
    endmodule)";
    const Netlist nl = parse_netlist(v, "chain.v");
    const auto tg = toggles_for(nl, {{"a_i", {10, 10}}, {"n1", {10, 10}}, {"n2", {10, 10}}, {"y_o", {10, 10}}});
    EnergyOptions o;
    o.slew_ns = 0.06;
    o.wire_cap_per_fanout = 0.002;  // pF per fanout pin
    o.time_ns = 0;
    const EnergyResult r = estimate_energy(osu018(), nl, tg, o);
    const double cin = 0.00932456 + 0.002;  // a_i, n1, n2: one INVX1 input each, plus the wire
    const double switching = 0.5 * kV2 * 20 * 3 * cin;  // y_o has no load
    // u1, u2 drive cin; u3 drives nothing (load 0: linear extrapolation from the first two load points).
    const double f = (cin - 0.005) / 0.0075, f0 = (0 - 0.005) / 0.0075;
    const double e_loaded = 10 * (0.023555 + (0.023165 - 0.023555) * f) + 10 * (0.009213 + (0.009047 - 0.009213) * f);
    const double e_open = 10 * (0.023555 + (0.023165 - 0.023555) * f0) + 10 * (0.009213 + (0.009047 - 0.009213) * f0);
    CHECK(r.switching == doctest::Approx(switching).epsilon(0.01));
    CHECK(r.internal == doctest::Approx(2 * e_loaded + e_open).epsilon(0.01));
    CHECK(r.leakage == 0);
    CHECK(r.by_kind.inputs == doctest::Approx(0.5 * kV2 * 20 * cin).epsilon(0.01));
  }

  TEST_CASE("no activity: only leakage") {
    const Netlist nl = parse_netlist(kToggleFf, "tff.v");
    EnergyOptions o;
    o.time_ns = 12345;
    const EnergyResult r = estimate_energy(osu018(), nl, std::vector<Toggles>(static_cast<size_t>(nl.num_nets())), o);
    CHECK(r.switching == 0);
    CHECK(r.internal == 0);
    CHECK(r.leakage > 0);
    CHECK(r.total() == doctest::Approx((0.160725 + 0.0221741) * 12345 * 1e-6));
  }

  TEST_CASE("a cell the library does not have is an error") {
    const Netlist nl = parse_netlist("module m(a, y); input a; output y; FOOX1 u (.A(a), .Y(y)); endmodule", "m.v");
    CHECK_THROWS_AS(estimate_energy(osu018(), nl, std::vector<Toggles>(2), EnergyOptions{}), std::invalid_argument);
  }
}
