// The seam between the design-independent testbench (compiled once) and one Verilated design (compiled
// per spec): the glue files implement these with the class Vdut that `verilator --prefix Vdut` generates
// for the wrapper logmac_cosim_top (64-bit a_i, b_i, acc_o; the real widths are checked by Verilator).
#pragma once
#include <cstdint>

#ifdef LOGMAC_COSIM_SYSTEMC
#include <systemc>

namespace logmac::cosim {
struct DutSignals {
  sc_core::sc_clock& clk;
  sc_core::sc_signal<bool>& rst_n;
  sc_core::sc_signal<bool>& en;
  sc_core::sc_signal<bool>& clr;
  sc_core::sc_signal<std::uint64_t>& a;
  sc_core::sc_signal<std::uint64_t>& b;
  sc_core::sc_signal<std::uint64_t>& acc;
};
// Instantiates the Verilated design bound to the signals (during elaboration).
void make_dut(const DutSignals& s, bool tracing);
// VCD of the design's ports and internals; open/close at any time after elaboration.
void dut_trace_open(const char* path);
void dut_trace_close();
void dut_final();
}  // namespace logmac::cosim

#else

namespace logmac::cosim {
// The Verilated model driven directly (no SystemC kernel): two evaluations per clock cycle.
class LeanDut {
 public:
  explicit LeanDut(bool tracing);
  ~LeanDut();
  LeanDut(const LeanDut&) = delete;
  LeanDut& operator=(const LeanDut&) = delete;
  // Applies the inputs with clk_i low (an asynchronous reset acts here), then the rising edge.
  void cycle(bool rst_n, bool en, bool clr, std::uint64_t a, std::uint64_t b);
  std::uint64_t acc() const;
  void trace_open(const char* path);
  void trace_close();

 private:
  struct Impl;
  Impl* impl_;
};
}  // namespace logmac::cosim
#endif
