#!/usr/bin/env bash
# Synthesizability of generated RTL: yosys `synth` must succeed with no latch, and `check -assert` must find
# no undriven, multiply-driven or combinationally looping net.
#   check_synth.sh LOGMAC SPEC|FILE.v...
set -u
. "$(dirname "$0")/rtl_of.sh"
L=$1
shift
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for spec in "$@"; do
  if ! rtl_of "$L" "$spec" "$T"; then
    echo "FAIL $spec: logmac rtl"; fail=1; continue
  fi
  top=$(basename "$v" .v)
  if yosys -q -l "$T/log" -p "read_verilog $v; hierarchy -check -top $top; proc; check -assert; synth -flatten -top $top; check -assert;
      select -assert-none t:\$dlatch t:\$adlatch t:\$dlatchsr t:\$_DLATCH_* t:\$_DLATCHSR_* t:\$_SR_*; stat" \
      >/dev/null 2>"$T/err"; then
    echo "ok   $spec: $(grep -m1 'Number of cells' "$T/log" | tr -s ' ')"
  else
    echo "FAIL $spec"; tail -n 5 "$T/err" "$T/log"; fail=1
  fi
done
exit $fail
