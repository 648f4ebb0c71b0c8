// Per-design part of the lean C++ driver: compiled with each Verilated design (Vdut.h, verilator --cc).
#include <verilated_vcd_c.h>

#include <memory>

#include "Vdut.h"
#include "cosim/harness/dut_api.hpp"
#include "cosim/harness/protocol.hpp"

namespace logmac::cosim {

namespace {
// Inputs change at the start of each period (clk_i low), the rising edge follows as in the SystemC clock.
constexpr std::uint64_t kPeriodPs = protocol::kClockPeriodNs * protocol::kPsPerNs;
constexpr std::uint64_t kRisePs = protocol::kFirstRisingEdgeNs * protocol::kPsPerNs;
static_assert(kRisePs < kPeriodPs);
}  // namespace

struct LeanDut::Impl {
  VerilatedContext ctx;
  std::unique_ptr<Vdut> top;
  std::unique_ptr<VerilatedVcdC> vcd;
  std::uint64_t time = 0;  // ps, as the SystemC testbench's VCD; clock from protocol.hpp
};

LeanDut::LeanDut(bool tracing) : impl_(new Impl) {
  impl_->ctx.traceEverOn(tracing);
  impl_->top = std::make_unique<Vdut>(&impl_->ctx, "dut");
  impl_->top->clk_i = 0;
  impl_->top->rst_ni = 1;
  impl_->top->eval();
}

LeanDut::~LeanDut() {
  trace_close();
  impl_->top->final();
  delete impl_;
}

void LeanDut::cycle(bool rst_n, bool en, bool clr, std::uint64_t a, std::uint64_t b) {
  Vdut& t = *impl_->top;
  t.clk_i = 0;
  t.rst_ni = rst_n;
  t.en_i = en;
  t.clr_i = clr;
  t.a_i = a;
  t.b_i = b;
  t.eval();
  if (impl_->vcd) impl_->vcd->dump(impl_->time);
  t.clk_i = 1;
  t.eval();
  if (impl_->vcd) impl_->vcd->dump(impl_->time + kRisePs);
  impl_->time += kPeriodPs;
}

std::uint64_t LeanDut::acc() const { return impl_->top->acc_o; }

void LeanDut::trace_open(const char* path) {
  impl_->vcd = std::make_unique<VerilatedVcdC>();
  impl_->top->trace(impl_->vcd.get(), 99);
  impl_->vcd->open(path);
}

void LeanDut::trace_close() {
  if (impl_->vcd) impl_->vcd->close();
  impl_->vcd.reset();
}

}  // namespace logmac::cosim
