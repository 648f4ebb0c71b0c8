// Lean driver: the same stimulus, golden model and scoreboard around a Verilated design built with
// `verilator --cc`, without the SystemC kernel (for long exhaustive runs).
#include "cosim/harness/dut_api.hpp"
#include "cosim/harness/tb_common.hpp"

int main(int argc, char** argv) {
  using namespace logmac::cosim;
  HarnessArgs h;
  logmac::MacConfig c;
  if (!read_command_line(argc, argv, h, c)) return 2;
  LeanDut dut(!h.trace.empty());
  Golden golden(c);
  Scoreboard board(c, h);
  dut.cycle(false, false, false, 0, 0);  // one edge in reset
  golden.reset();
  long long cycle = 0;
  bool stop = false, tracing = false;
  auto step = [&](const CycleIn& in) {
    if (stop || (h.trace_to >= 0 && cycle > h.trace_to)) return false;
    if (!h.trace.empty() && !tracing && cycle >= h.trace_from) {
      dut.trace_open(h.trace.c_str());
      tracing = true;
    }
    dut.cycle(in.rst_n, in.en, in.clr, in.a, in.b);
    golden.edge(in);
    stop = !board.check(cycle, in, golden.acc(), dut.acc());
    board.progress(cycle);
    ++cycle;
    return true;
  };
  drive_stimulus(c, h, step);
  for (int i = 0; i < c.latency; ++i) step({true, false, false, 0, 0});  // flush the pipeline
  dut.trace_close();
  return board.finish("lean");
}
