// logmac gate-level harness for {{TOP}} (the flow substitutes {{...}}), compiled with the Verilated mapped
// netlist and cell models against the prebuilt Verilator runtime (synth/step_simulate_gates.cpp). It streams
// the stimulus through the netlist, checks acc_o against the model's accumulator after every MAC (RTL
// contract: inputs sampled at edge k show on acc_o after edge k + latency - 1), and counts the transitions of
// every top-level net from the VCD that Verilator produces (parsed in memory, never written to disk).
//
// usage: harness STIM TOGGLES RESULT
//   STIM:    first line "N LATENCY", then N lines "CLR A B ACC" (hex): operands and the expected accumulator
//   TOGGLES: written: "NET RISES FALLS" per bit of each top-level signal, counted after reset
//   RESULT:  written: "macs N", "cycles C", "mismatches M"
// Exit status: 0 all equal, 1 mismatch, 2 bad input.
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "V{{TOP}}.h"
#include "vcd_toggles.hpp"
#include "verilated.h"
#include "verilated_vcd_c.h"

namespace {

struct Line {
  std::uint64_t clr, a, b, acc;
};

// Hands the VCD text to the counter instead of a file.
class CountingFile : public VerilatedVcdFile {
 public:
  explicit CountingFile(logmac::synth::VcdToggles& t) : t_(t) {}
  bool open(const std::string&) override { return true; }
  void close() override { t_.finish(); }
  ssize_t write(const char* p, ssize_t n) override {
    t_.feed(p, static_cast<std::size_t>(n));
    return n;
  }

 private:
  logmac::synth::VcdToggles& t_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s STIM TOGGLES RESULT\n", argv[0]);
    return 2;
  }
  std::FILE* in = std::fopen(argv[1], "r");
  if (!in) {
    std::fprintf(stderr, "harness: cannot read %s\n", argv[1]);
    return 2;
  }
  long n = 0;
  int latency = 0;
  if (std::fscanf(in, "%ld %d", &n, &latency) != 2 || n <= 0 || latency < 1) {
    std::fprintf(stderr, "harness: %s: bad header\n", argv[1]);
    return 2;
  }
  std::vector<Line> lines(static_cast<std::size_t>(n));
  for (auto& l : lines)
    if (std::fscanf(in, "%" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64, &l.clr, &l.a, &l.b, &l.acc) != 4) {
      std::fprintf(stderr, "harness: %s: short or malformed\n", argv[1]);
      return 2;
    }
  std::fclose(in);

  auto ctx = std::make_unique<VerilatedContext>();
  ctx->traceEverOn(true);
  auto top = std::make_unique<V{{TOP}}>(ctx.get());
  logmac::synth::VcdToggles toggles;
  CountingFile sink(toggles);
  VerilatedVcdC vcd(&sink);
  top->trace(&vcd, 99);
  vcd.open("toggles");
  std::uint64_t t = 0;
  auto step = [&] {
    top->eval();
    vcd.dump(t++);
  };

  // Reset: two clock cycles with rst_ni low, then release while the clock is low.
  top->clk_i = 0;
  top->rst_ni = 0;
  top->en_i = 0;
  top->clr_i = 0;
  top->a_i = 0;
  top->b_i = 0;
  step();
  for (int k = 0; k < 2; ++k) {
    top->clk_i = 1;
    step();
    top->clk_i = 0;
    step();
  }
  top->rst_ni = 1;
  step();
  toggles.count_from(t);

  // One MAC per cycle; after the last one the inputs hold and en_i drops while the pipeline drains.
  long mismatches = 0;
  const long cycles = n + latency - 1;
  for (long k = 0; k < cycles; ++k) {
    top->clk_i = 0;
    if (k < n) {
      const Line& l = lines[static_cast<std::size_t>(k)];
      top->en_i = 1;
      top->clr_i = l.clr & 1;
      top->a_i = l.a;
      top->b_i = l.b;
    } else {
      top->en_i = 0;
      top->clr_i = 0;
    }
    step();
    top->clk_i = 1;
    step();
    const long j = k - (latency - 1);
    if (j >= 0) {
      const std::uint64_t got = top->acc_o;
      const std::uint64_t want = lines[static_cast<std::size_t>(j)].acc;
      if (got != want && mismatches++ < 5)
        std::fprintf(stderr, "harness: MAC %ld (stimulus line %ld): acc_o = %" PRIx64 ", model = %" PRIx64 "\n", j,
                     j + 2, got, want);
    }
  }
  top->clk_i = 0;
  step();
  vcd.close();
  top->final();
  if (!toggles.error().empty()) {
    std::fprintf(stderr, "harness: malformed VCD line '%s'\n", toggles.error().c_str());
    return 2;
  }

  std::ofstream tf(argv[2]);
  toggles.write_counts(tf, "TOP.{{TOP}}");
  std::ofstream rf(argv[3]);
  rf << "macs " << n << "\ncycles " << cycles << "\nmismatches " << mismatches << "\n";
  tf.close();
  rf.close();
  if (!tf || !rf) {
    std::fprintf(stderr, "harness: cannot write %s or %s\n", argv[2], argv[3]);
    return 2;
  }
  if (mismatches) std::fprintf(stderr, "harness: %ld of %ld MACs differ from the model\n", mismatches, n);
  return mismatches ? 1 : 0;
}
