// The contract between `logmac cosim` (cosim/cosim.cpp) and the harness it builds and runs: exit status and
// clock timing. Included by both sides so that each value is written once. Plain constants, no includes:
// it is compiled into the CLI, the testbench objects and every per-design glue file.
#pragma once

namespace logmac::cosim::protocol {

// Harness exit status on a mismatch (SystemC itself exits 1 on its own errors, bad arguments exit 2).
inline constexpr int kMismatchStatus = 10;
// Harness exit status when its result record cannot be written.
inline constexpr int kRecordErrorStatus = 11;

// The result record the harness writes to --result FILE at the end of every run (pass or mismatch), the only
// evidence `logmac cosim` accepts for a pass: lines `KEY VALUE` in this order, the first naming the format and
// the last being kRecordEnd (so that a record cut short is recognised):
//   logmac-cosim-result 1 / spec CANONICAL / vectors N (en_i=1 cycles driven and compared) / cycles C /
//   mismatches M / first_mismatch CYCLE (-1 without) / end
inline constexpr const char* kRecordFormat = "logmac-cosim-result 1";
inline constexpr const char* kRecordEnd = "end";

// Clock of both engines (and their VCDs): period 10 ns, first rising edge at 5 ns (the SystemC clock's start
// time), so rising edge number n (0-based) is at kFirstRisingEdgeNs + n * kClockPeriodNs.
inline constexpr long long kClockPeriodNs = 10;
inline constexpr long long kFirstRisingEdgeNs = 5;
// The lean driver's VCD counts picoseconds, as the SystemC kernel's default time resolution.
inline constexpr long long kPsPerNs = 1000;

}  // namespace logmac::cosim::protocol
