// Per-design part of the SystemC testbench: compiled with each Verilated design (Vdut.h).
#include <verilated_vcd_sc.h>

#include "Vdut.h"
#include "cosim/harness/dut_api.hpp"

namespace logmac::cosim {

namespace {
Vdut* g_dut = nullptr;
VerilatedVcdSc* g_vcd = nullptr;  // registered with (and deleted by) the SystemC kernel
}  // namespace

void make_dut(const DutSignals& s, bool tracing) {
  if (tracing) Verilated::traceEverOn(true);
  g_dut = new Vdut("dut");  // owned by the SystemC hierarchy for the whole run
  g_dut->clk_i(s.clk);
  g_dut->rst_ni(s.rst_n);
  g_dut->en_i(s.en);
  g_dut->clr_i(s.clr);
  g_dut->a_i(s.a);
  g_dut->b_i(s.b);
  g_dut->acc_o(s.acc);
}

void dut_trace_open(const char* path) {
  g_vcd = new VerilatedVcdSc;
  g_dut->trace(g_vcd, 99);
  g_vcd->open(path);
}

void dut_trace_close() {
  if (g_vcd) g_vcd->close();
}

void dut_final() {
  if (g_dut) g_dut->final();
}

}  // namespace logmac::cosim
