// SystemC testbench: stimulus generator, the C++ model as an sc_module, and a scoreboard around one
// Verilated design (bound through dut_api.hpp). Clock (protocol.hpp): inputs change at the falling edge,
// the design and the model sample at the rising edge, the scoreboard compares at the next falling edge.
#include <fmt/format.h>

#include <cstdio>
#include <systemc>

#include "cosim/harness/dut_api.hpp"
#include "cosim/harness/tb_common.hpp"

namespace logmac::cosim {
namespace {

using sc_core::sc_signal;

struct Ports {
  sc_core::sc_clock clk{"clk", sc_core::sc_time(protocol::kClockPeriodNs, sc_core::SC_NS), 0.5,
                        sc_core::sc_time(protocol::kFirstRisingEdgeNs, sc_core::SC_NS), true};
  sc_signal<bool> rst_n{"rst_n", false}, en{"en"}, clr{"clr"};
  sc_signal<std::uint64_t> a{"a"}, b{"b"}, acc{"acc"}, expected{"expected"};
};

// The golden model wrapped as a module: the C++ model behind the contract's pipeline, clocked like the RTL.
struct GoldenModule : sc_core::sc_module {
  SC_HAS_PROCESS(GoldenModule);
  Ports& p;
  Golden golden;
  long long edges = 0;
  CycleIn sampled;
  GoldenModule(sc_core::sc_module_name n, Ports& ports, const MacConfig& c) : sc_module(n), p(ports), golden(c) {
    SC_METHOD(on_event);
    sensitive << p.clk.posedge_event() << p.rst_n.negedge_event();
    dont_initialize();
  }
  long long cycle() const { return edges - 2; }  // edge 1 samples the initial reset
  void on_event() {
    if (p.clk.posedge()) {
      ++edges;
      sampled = {p.rst_n.read(), p.en.read(), p.clr.read(), p.a.read(), p.b.read()};
      golden.edge(sampled);
    } else {
      golden.reset();  // asynchronous, as rst_ni in the RTL
    }
    p.expected.write(golden.acc());
  }
};

struct ScoreboardModule : sc_core::sc_module {
  SC_HAS_PROCESS(ScoreboardModule);
  Ports& p;
  GoldenModule& model;
  Scoreboard board;
  bool stop = false;
  ScoreboardModule(sc_core::sc_module_name n, Ports& ports, GoldenModule& m, const MacConfig& c, const HarnessArgs& h)
      : sc_module(n), p(ports), model(m), board(c, h) {
    SC_METHOD(compare);
    sensitive << p.clk.negedge_event();
    dont_initialize();
  }
  void compare() {
    const long long cycle = model.cycle();
    if (cycle < 0) return;
    if (!board.check(cycle, model.sampled, p.expected.read(), p.acc.read())) stop = true;
    board.progress(cycle);
  }
};

struct StimulusModule : sc_core::sc_module {
  SC_HAS_PROCESS(StimulusModule);
  Ports& p;
  const MacConfig& c;
  const HarnessArgs& h;
  ScoreboardModule& score;
  StimulusModule(sc_core::sc_module_name n, Ports& ports, const MacConfig& cfg, const HarnessArgs& args,
                 ScoreboardModule& s)
      : sc_module(n), p(ports), c(cfg), h(args), score(s) {
    SC_THREAD(run);
  }
  void apply(const CycleIn& in) {
    p.rst_n.write(in.rst_n);
    p.en.write(in.en);
    p.clr.write(in.clr);
    p.a.write(in.a);
    p.b.write(in.b);
  }
  void run() {
    wait(p.clk.negedge_event());  // one edge in reset
    long long cycle = 0;
    bool tracing = false;
    auto drive = [&](const CycleIn& in) {
      if (score.stop || (h.trace_to >= 0 && cycle > h.trace_to)) return false;
      if (!h.trace.empty() && !tracing && cycle >= h.trace_from) {
        dut_trace_open(h.trace.c_str());
        tracing = true;
      }
      apply(in);
      ++cycle;
      wait(p.clk.negedge_event());
      return true;
    };
    drive_stimulus(c, h, drive);
    // Flush the pipeline with bubbles so that the last vectors reach acc_o and are compared.
    for (int i = 0; i < c.latency && !score.stop; ++i) {
      apply({true, false, false, 0, 0});
      wait(p.clk.negedge_event());
    }
    if (tracing) dut_trace_close();
    sc_core::sc_stop();
  }
};

}  // namespace
}  // namespace logmac::cosim

int sc_main(int argc, char** argv) {
  using namespace logmac::cosim;
  HarnessArgs h;
  logmac::MacConfig c;
  if (!read_command_line(argc, argv, h, c)) return 2;
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  Ports ports;
  make_dut({ports.clk, ports.rst_n, ports.en, ports.clr, ports.a, ports.b, ports.acc}, !h.trace.empty());
  GoldenModule model("model", ports, c);
  ScoreboardModule score("scoreboard", ports, model, c, h);
  StimulusModule stim("stimulus", ports, c, h, score);
  sc_core::sc_start();
  dut_final();
  return score.board.finish("systemc");
}
