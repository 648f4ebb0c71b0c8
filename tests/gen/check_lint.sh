#!/usr/bin/env bash
# Lint of generated RTL: `verilator --lint-only -Wall` (as Verilog-2005) must print nothing, `iverilog -g2005` must compile it.
#   check_lint.sh LOGMAC SPEC|FILE.v...
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
  if ! verilator --lint-only -Wall --default-language 1364-2005 "$v" >"$T/out" 2>&1 || [ -s "$T/out" ]; then
    echo "FAIL $spec: verilator -Wall"; head -20 "$T/out"; fail=1
  elif ! iverilog -g2005 -o "$T/a.out" "$v" >"$T/out" 2>&1 || [ -s "$T/out" ]; then
    echo "FAIL $spec: iverilog -g2005"; head -20 "$T/out"; fail=1
  else
    echo "ok   $spec"
  fi
done
exit $fail
