#!/usr/bin/env bash
# `cmake --install BUILD --prefix P`, P moved elsewhere, and the installed logmac run from a scratch directory:
# every command must work and show its evidence (vectors run, MACs checked) with caches under $XDG_CACHE_HOME.
# Usage: test_install.sh BUILD_DIR
set -u
B=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
say_fail() { echo "FAIL $1"; shift; for f in "$@"; do [ -f "$f" ] && cat "$f"; done; fail=1; }
has() {  # name file pattern
  grep -q -- "$3" "$2" || say_fail "$1: '$3' not in $2" "$2"
}
run() {  # name want_status command...: output in $T/out, $T/err
  local name=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  [ "$got" = "$want" ] || say_fail "$name: exit $got, want $want" "$T/out" "$T/err"
}

cmake --install "$B" --prefix "$T/prefix" >"$T/install.log" 2>&1 || say_fail "cmake --install" "$T/install.log"
mv "$T/prefix" "$T/moved"  # relocatable: nothing may point into the prefix it was installed to
L=$T/moved/bin/logmac
mkdir -p "$T/work"
cd "$T/work" || exit 1
export XDG_CACHE_HOME=$T/xdg
unset LOGMAC_CACHE_DIR LOGMAC_COSIM_CACHE

run rtl 0 "$L" rtl --mac fxp:w=8 -o rtl
[ -s rtl/logmac_fxp_w8_f7_wacc26_pipe1_sat.v ] || say_fail "rtl: no Verilog written"

run "cosim systemc" 0 "$L" cosim --mac fxp:w=8 --random 20000 --seed 3
has "cosim systemc" "$T/out" "^PASS fxp:.*: 20000 vectors"
has "cosim systemc" "$T/err" "harness $T/moved/lib"  # linked with the installed harness, not the build tree's
run "cosim lean" 0 "$L" cosim --mac fxp:w=6 --exhaustive --engine lean
has "cosim lean" "$T/out" "^PASS fxp:.*: 4096 vectors .*(lean)"
ls -d "$XDG_CACHE_HOME"/logmac/cosim-cache/logmac_fxp_w8_* >/dev/null 2>&1 || say_fail "cosim: no cache in \$XDG_CACHE_HOME"

# A table made by the installed pwl, named relative to the working directory, through the installed cosim.
run pwl 0 "$L" pwl --w 10 --f 3 --segments 4 -o table.csv
has pwl "$T/out" "wrote table.csv"
run "cosim pwl table" 0 "$L" cosim --mac lns:w=10,f=3,delta=pwl:table.csv --random 5000
has "cosim pwl table" "$T/out" "^PASS lns:.*: 5000 vectors"

run synth 0 "$L" synth --mac fxp:w=4 --dots 2
has synth "$T/out" "acc_o equals the model for all 512 MACs"
ls "$XDG_CACHE_HOME"/logmac/synth-cache/*/result.txt >/dev/null 2>&1 || say_fail "synth: no cache in \$XDG_CACHE_HOME"
run compare 0 "$L" compare --mac fxp:w=4 --dots 2 -o report
has compare report/compare.json '"gate_level_macs_checked": 512'

# Without its installed libraries the installed logmac says so (exit 2) instead of reaching into a build tree.
mv "$T/moved/lib" "$T/lib-away"
run "cosim without libraries" 2 "$L" cosim --mac fxp:w=5 --random 100
has "cosim without libraries" "$T/err" "cmake --install"
mv "$T/lib-away" "$T/moved/lib"

[ $fail = 0 ] && echo "PASS install: rtl, cosim (systemc, lean, pwl table), pwl, synth, compare from $T/work"
exit $fail
