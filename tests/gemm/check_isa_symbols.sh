#!/usr/bin/env bash
# The per-instruction-set GEMM objects (sim/gemm_isa_*.cpp) may export nothing but their kernel-set table:
# a shared (weak) symbol compiled for AVX-512 could be picked by the linker for every caller, and the
# binary would then fail on CPUs without AVX-512.
set -u
LIB=$1
out=$(nm -C --defined-only "$LIB" 2>&1) || { echo "FAIL: nm $LIB: $out"; exit 1; }
bad=$(echo "$out" | awk '/^gemm_isa_.*\.o:$/ {member=$1; next} /:$/ {member=""; next}
  member != "" && NF >= 3 && $2 ~ /^[A-Z]$/ && $3 !~ /^logmac::gemm_detail::kKernels(Portable|Avx2|Avx512)$/ {print member, $0}')
members=$(echo "$out" | grep -c '^gemm_isa_.*\.o:$')
if [ "$members" != 3 ]; then echo "FAIL: expected 3 gemm_isa_*.o members in $LIB, found $members"; exit 1; fi
if [ -n "$bad" ]; then echo "FAIL: symbols exported by the instruction-set objects:"; echo "$bad"; exit 1; fi
echo "ok: the 3 instruction-set objects export only their kernel sets"
