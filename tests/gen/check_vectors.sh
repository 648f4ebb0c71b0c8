#!/usr/bin/env bash
# Bit-exactness of generated RTL against the C++ model, in Icarus Verilog:
#   check_vectors.sh LOGMAC MODE SPEC...     MODE = exhaustive | random:N[:SEED]
# SPEC may be RTLSPEC~VECSPEC: vectors of another spec (a negative test: the bench must report FAIL).
# For each spec: `logmac rtl`, `logmac vectors` (the model's expected accumulator after every line), then
# tb_vectors.v streams the vectors through the design with en_i = 1 every cycle, and for random vectors
# a second time with idle cycles (en_i = 0, operands x) that must hold the accumulator.
set -u
L=$1 MODE=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
json_int() { sed -n "s/^ *\"$1\": \\([0-9-]*\\),\\?$/\\1/p" "$2" | head -1; }
for arg in "$@"; do
  spec=${arg%%~*} vspec=${arg#*~}
  rm -rf "$T/rtl"
  if ! "$L" rtl --mac "$spec" -o "$T/rtl" >/dev/null; then echo "FAIL $spec: logmac rtl"; fail=1; continue; fi
  json=$(ls "$T"/rtl/*.json)
  top=$(basename "$json" .json)
  case $MODE in
    exhaustive) "$L" vectors --mac "$vspec" --exhaustive -o "$T/v.txt" ;;
    random:*) IFS=: read -r _ n seed <<<"$MODE"; "$L" vectors --mac "$vspec" --random "$n" --seed "${seed:-1}" -o "$T/v.txt" ;;
    *) echo "unknown mode $MODE"; exit 2 ;;
  esac
  params=(-Ptb.WA="$(json_int wa "$json")" -Ptb.WB="$(json_int wb "$json")" -Ptb.WACC="$(json_int wacc "$json")"
          -Ptb.PIPE="$(json_int pipe "$json")" -Ptb.RESET="$(json_int acc_reset "$json")")
  bubble_runs=0; [ "${MODE%%:*}" = random ] && bubble_runs='0 1'  # idle cycles: random streams only
  for bubbles in $bubble_runs; do
    if ! iverilog -g2005 -o "$T/sim" -DDUT="$top" -DVECTORS="\"$T/v.txt\"" "${params[@]}" -Ptb.BUBBLES=$bubbles \
        "$HERE/tb_vectors.v" "$T/rtl/$top.v" 2>"$T/err"; then
      echo "FAIL $spec: iverilog"; cat "$T/err"; fail=1; continue
    fi
    out=$(vvp -n "$T/sim" | grep -E '^(PASS|FAIL)')
    echo "$arg ($MODE, bubbles=$bubbles): $out"
    case $out in PASS*) ;; *) fail=1 ;; esac
  done
done
exit $fail
