#!/usr/bin/env bash
# Co-simulation must catch a wrong design: a copy of the generated RTL with one operator changed
# (the first ' + ' outside comments becomes ' - ') fails with exit 1, prints the failing cycles, and
# --trace writes a VCD.
set -u
L=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for spec in fxp:w=8 lns:w=16,f=8,delta=pwl:qaa; do
  mkdir -p "$T/gen"  # generated with `-o .` so that the file (and the cache key) is the same on every run
  (cd "$T/gen" && "$L" rtl --mac "$spec" -o . >/dev/null) || { echo "FAIL: logmac rtl --mac $spec"; exit 1; }
  mod=$("$L" spec "$spec" | sed -n 's/.*"module": "\(.*\)".*/\1/p')
  line=$(grep -n ' + ' "$T/gen/$mod.v" | grep -v '^[0-9]*: *//' | head -n 1 | cut -d: -f1)  # code, not a comment
  sed "${line:-0}s/ + / - /" "$T/gen/$mod.v" >"$T/broken.v"
  if cmp -s "$T/gen/$mod.v" "$T/broken.v"; then echo "FAIL $spec: no ' + ' to break in $mod.v"; fail=1; continue; fi
  "$L" cosim --mac "$spec" --rtl "$T/broken.v" --random 20000 --trace --trace-file "$T/broken.vcd" >"$T/out" 2>"$T/err"
  st=$?
  if [ "$st" != 1 ]; then
    echo "FAIL $spec: broken RTL gave exit $st, want 1"; cat "$T/out" "$T/err"; fail=1; continue
  fi
  if ! grep -q '^MISMATCH cycle' "$T/out"; then echo "FAIL $spec: no MISMATCH report"; cat "$T/out"; fail=1; fi
  if ! grep -q '^\$enddefinitions' "$T/broken.vcd" 2>/dev/null; then echo "FAIL $spec: no VCD written"; fail=1; fi
  head -n 2 "$T/out"
  # The unmodified generated design passes the same run (a cached build, shared with cosim.random.*).
  if ! "$L" cosim --mac "$spec" --random 20000 >"$T/out" 2>"$T/err"; then
    echo "FAIL $spec: unmodified generated RTL does not pass"; cat "$T/out" "$T/err"; fail=1
  fi
  rm -rf "$T/gen" "$T/broken.vcd"
done
[ "$fail" = 0 ] && echo "cosim catches broken RTL: ok"
[ "$fail" = 0 ]
