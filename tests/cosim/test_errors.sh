#!/usr/bin/env bash
# `logmac cosim` bad input: exit 2 and exactly one error line (progress lines start with "cosim:").
set -u
L=$1 FIX=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
MOD=logmac_fxp_w8_f7_wacc26_pipe1_sat
check() {  # name pattern command...: exit 2, one "logmac:" line on stderr containing pattern
  local name=$1 pat=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  local errs; errs=$(grep -c '^logmac:' "$T/err")
  if [ "$got" != 2 ] || [ "$errs" != 1 ] || ! grep '^logmac:' "$T/err" | grep -q -- "$pat"; then
    echo "FAIL $name: exit $got (want 2), stderr:"; cat "$T/err"; fail=$((fail+1))
  else
    pass=$((pass+1))
  fi
}
check "unknown spec" "unknown variant 'foo'" "$L" cosim --mac foo:w=8 --random 10
check "no mode" "exactly one of" "$L" cosim --mac fxp:w=8
check "both modes" "exactly one of" "$L" cosim --mac fxp:w=8 --exhaustive --random 5
check "too wide" "use --random" "$L" cosim --mac fxp:w=16 --exhaustive
check "bad engine" "allowed: systemc, lean" "$L" cosim --mac fxp:w=8 --random 5 --engine verilog
check "missing rtl" "does not exist" "$L" cosim --mac fxp:w=8 --rtl "$T/none.v" --random 10
sed "s/module $MOD/module other_name/" "$FIX" >"$T/name.v"
check "wrong module name" "$MOD" "$L" cosim --mac fxp:w=8 --rtl "$T/name.v" --random 10
sed 's/en_i/enable_i/' "$FIX" >"$T/port.v"
check "wrong port name" "en_i" "$L" cosim --mac fxp:w=8 --rtl "$T/port.v" --random 10
sed 's/output wire \[25:0\] acc_o/output wire [24:0] acc_o/' "$FIX" >"$T/width.v"
check "wrong port width" "acc_o" "$L" cosim --mac fxp:w=8 --rtl "$T/width.v" --random 10
sed 's/endmodule/endmodul/' "$FIX" >"$T/syntax.v"
check "verilator fails" "verilator rejected" "$L" cosim --mac fxp:w=8 --rtl "$T/syntax.v" --random 10
# The fixture is right for fxp:w=8 only: another spec expects another module.
check "other spec" "logmac_fxp_w8_f7_wacc30_pipe1_sat" "$L" cosim --mac fxp:w=8,wacc=30 --rtl "$FIX" --random 10
echo "cosim errors: $pass passed, $fail failed"
[ "$fail" = 0 ]
