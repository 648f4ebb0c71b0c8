// The contract between `logmac cosim` (cosim/cosim.cpp) and the harness it builds and runs: exit status and
// clock timing. Included by both sides so that each value is written once. Plain constants, no includes:
// it is compiled into the CLI, the testbench objects and every per-design glue file.
#pragma once

namespace logmac::cosim::protocol {

// Harness exit status on a mismatch (SystemC itself exits 1 on its own errors, bad arguments exit 2).
inline constexpr int kMismatchStatus = 10;

// Clock of both engines (and their VCDs): period 10 ns, first rising edge at 5 ns (the SystemC clock's start
// time), so rising edge number n (0-based) is at kFirstRisingEdgeNs + n * kClockPeriodNs.
inline constexpr long long kClockPeriodNs = 10;
inline constexpr long long kFirstRisingEdgeNs = 5;
// The lean driver's VCD counts picoseconds, as the SystemC kernel's default time resolution.
inline constexpr long long kPsPerNs = 1000;

}  // namespace logmac::cosim::protocol
