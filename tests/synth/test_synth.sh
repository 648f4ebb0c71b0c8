#!/usr/bin/env bash
# End-to-end checks of `logmac synth` / `logmac compare`. Usage: test_synth.sh MODE LOGMAC SRCDIR
set -u
MODE=$1 L=$2 SRC=$3
FIX=$SRC/fixtures/logmac_fxp_w4_f3_wacc18_pipe1_sat.v
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check_status() {  # name want got
  if [ "$3" != "$2" ]; then echo "FAIL $1: exit $3, want $2"; cat "$T/out" "$T/err"; fail=1; fi
}
has() {  # name file pattern
  if ! grep -q -- "$3" "$2"; then echo "FAIL $1: '$3' not in $2:"; cat "$2"; fail=1; fi
}
one_line_err() {  # name pattern
  if [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q -- "$2" "$T/err"; then echo "FAIL $1: stderr:"; cat "$T/err"; fail=1; fi
}
run() { "$L" "$@" >"$T/out" 2>"$T/err"; echo $?; }

case $MODE in
fixture)  # hand-written RTL: the flow without the generator; numbers must be plausible, never zero
  rc=$(run synth --mac fxp:w=4 --rtl "$FIX" --cache "$T/cache" --dots 40)
  check_status fixture 0 "$rc"
  has fixture "$T/out" "acc_o equals the model for all 10240 MACs"
  # area, fmax and energy are positive numbers
  awk '/^area/ {if ($2+0 <= 0) exit 1} /^energy/ {if ($2+0 <= 0) exit 1} /^timing/ {exit !($0 ~ /fmax [1-9]/)}' "$T/out" \
    || { echo "FAIL fixture: zero or missing numbers"; cat "$T/out"; fail=1; }
  # The second run comes from the cache.
  rc=$(run synth --mac fxp:w=4 --rtl "$FIX" --cache "$T/cache" --dots 40)
  check_status cached 0 "$rc"
  has cached "$T/out" "cached result"
  # A corrupt or truncated cache record is a cache miss (the tools run again), not bad input.
  rec=$(ls "$T"/cache/*/result.txt)
  sed -i 's/^area_um2 .*/area_um2 12x/' "$rec"
  rc=$(run synth --mac fxp:w=4 --rtl "$FIX" --cache "$T/cache" --dots 40)
  check_status "corrupt cache" 0 "$rc"
  has "corrupt cache" "$T/err" "unusable"
  grep -q "cached result" "$T/out" && { echo "FAIL corrupt cache: reported as cached"; fail=1; }
  head -c 200 "$rec" >"$T/trunc" && cp "$T/trunc" "$rec"
  rc=$(run synth --mac fxp:w=4 --rtl "$FIX" --cache "$T/cache" --dots 40)
  check_status "truncated cache" 0 "$rc"
  has "truncated cache" "$T/err" "missing field"
  ;;
generated)  # generated RTL through compare: baseline added, reports written
  rc=$(run compare --mac lns:w=6 --cache "$T/cache" --dots 40 --jobs 2 -o "$T/report")
  check_status compare 0 "$rc"
  has compare "$T/out" "| lns:"
  has compare "$T/out" "| fxp:f=5"   # the fxp baseline of the same width was added
  for f in compare.md compare.csv compare.json compare.png; do
    [ -s "$T/report/$f" ] || { echo "FAIL compare: $f missing"; fail=1; }
  done
  has compare "$T/report/compare.json" '"gate_level_equals_model": true'
  has compare "$T/report/compare.json" '"gate_level_macs_checked": 10240'
  has compare "$T/report/compare.json" '"accuracy_workload": "nn 2000x256 seed 1"'
  ;;
mismatch)  # RTL that differs from the model must fail loudly (clr selects the wrong operand)
  sed 's/wire \[17:0\] acc_d = clr_q ?/wire [17:0] acc_d = !clr_q ?/' "$FIX" >"$T/bad.v"
  rc=$(run synth --mac fxp:w=4 --rtl "$T/bad.v" --cache "$T/cache" --dots 2)
  check_status mismatch 1 "$rc"
  has mismatch "$T/err" "GATE-LEVEL OUTPUT DIFFERS FROM THE MODEL"
  ;;
short_clock)  # negative slack, zero delay: reported clearly, energy still reported, exit 3
  rc=$(run synth --mac fxp:w=4 --rtl "$FIX" --cache "$T/cache" --dots 4 --clock 0.5 --sim zero)
  check_status short_clock 3 "$rc"
  has short_clock "$T/err" "TIMING NOT MET"
  has short_clock "$T/out" "slack -"
  has short_clock "$T/out" "pJ/MAC"
  # Timed: the flip-flops sample values that have not arrived, so the output check fails loudly.
  rc=$(run synth --mac fxp:w=4 --rtl "$FIX" --cache "$T/cache" --dots 4 --clock 0.5 --sim timed)
  check_status "short clock timed" 1 "$rc"
  has "short clock timed" "$T/err" "TIMED GATE-LEVEL OUTPUT DIFFERS FROM THE MODEL"
  has "short clock timed" "$T/err" "critical path"
  ;;
glitch)  # the array multiplier glitches: more transitions and more energy in the timed simulation
  rc=$(run synth --mac fxp:w=8 --sim timed --cache "$T/cache" --dots 8)
  check_status glitch 0 "$rc"
  has glitch "$T/out" "zero-delay and timed simulation"
  dir=$(sed -n 's/^files *\([^ ]*\).*/\1/p' "$T/out")
  sum() { awk '!/^#/ {t += $2 + $3} END {print t}' "$1"; }
  z=$(sum "$dir/activity_zero.txt") t=$(sum "$dir/activity_timed.txt")
  ez=$(sed -n 's/^energy *\([0-9.]*\) pJ\/MAC zero-delay.*/\1/p' "$T/out")
  et=$(sed -n 's/^timed *\([0-9.]*\) pJ\/MAC.*/\1/p' "$T/out")
  echo "transitions zero-delay $z, timed $t; energy $ez / $et pJ/MAC"
  awk -v z="$z" -v t="$t" 'BEGIN {exit !(z > 10000 && t > 1.1 * z)}' || { echo "FAIL glitch: transitions $z vs $t"; fail=1; }
  awk -v z="$ez" -v t="$et" 'BEGIN {exit !(z > 0 && t > 1.05 * z)}' || { echo "FAIL glitch: energy $ez vs $et"; fail=1; }
  ;;
zeros)  # zero-valued operands: nothing but the clock and the first products moves, far below a uniform workload
  for w in zeros uniform; do
    rc=$(run synth --mac fxp:w=8 --sim timed --cache "$T/cache" --dots 8 --workload $w)
    check_status "workload $w" 0 "$rc"
    sed -n 's/^timed *\([0-9.]*\) pJ\/MAC.*/\1/p' "$T/out" >"$T/e_$w"
  done
  ez=$(cat "$T/e_zeros") eu=$(cat "$T/e_uniform")
  echo "timed energy: zeros $ez, uniform $eu pJ/MAC"
  awk -v z="$ez" -v u="$eu" 'BEGIN {exit !(z > 0 && u > 0 && z < 0.25 * u)}' || { echo "FAIL zeros: $ez vs $eu"; fail=1; }
  ;;
saif)  # --saif: an independent parser reads it; its counts are the estimator's
  rc=$(run synth --mac lns:w=6 --sim timed --cache "$T/cache" --dots 4 --saif "$T/a.saif")
  check_status saif 0 "$rc"
  dir=$(sed -n 's/^files *\([^ ]*\).*/\1/p' "$T/out")
  act=$(sed -n 's/^timed .*(activity \([0-9.]*\)).*/\1/p' "$T/out")
  /usr/bin/python3 "$SRC/check_saif.py" "$T/a.saif" "$dir/activity_timed.txt" "$act" || fail=1
  rc=$(run synth --mac lns:w=6 --sim zero --cache "$T/cache" --dots 4 --saif "$T/z.saif")
  check_status "saif zero" 0 "$rc"
  act=$(sed -n 's/^energy .*(.*activity \([0-9.]*\) transitions.*/\1/p' "$T/out")
  zdir=$(sed -n 's/^files *\([^ ]*\).*/\1/p' "$T/out")
  /usr/bin/python3 "$SRC/check_saif.py" "$T/z.saif" "$zdir/activity_zero.txt" "$act" || fail=1
  # The parser can fail: a count changed by one.
  sed '0,/(TC [1-9]/s/(TC \([1-9]\)/(TC 1\1/' "$T/a.saif" >"$T/bad.saif"
  /usr/bin/python3 "$SRC/check_saif.py" "$T/bad.saif" "$dir/activity_timed.txt" 0 >/dev/null &&
    { echo "FAIL saif: the checker accepted a wrong count"; fail=1; }
  ;;
errors)  # bad input: exit 2 and one line naming the problem, before any tool runs
  rc=$(run synth --mac fxp:w=4 --liberty /nonexistent.lib); check_status "missing liberty" 2 "$rc"
  one_line_err "missing liberty" "cannot read"
  printf 'library (x) {\n cell (A) {\n' >"$T/bad.lib"
  rc=$(run synth --mac fxp:w=4 --liberty "$T/bad.lib"); check_status "bad liberty" 2 "$rc"
  one_line_err "bad liberty" "bad.lib:"
  rc=$(run synth --mac foo:w=4); check_status "unknown spec" 2 "$rc"
  one_line_err "unknown spec" "unknown variant 'foo'"
  rc=$(run synth --mac fxp:w=4 --clock 0); check_status "zero clock" 2 "$rc"
  one_line_err "zero clock" "--clock"
  rc=$(run synth --mac fxp:w=4 --workload /nonexistent.txt); check_status "bad workload" 2 "$rc"
  one_line_err "bad workload" "--workload"
  rc=$(run synth --mac fxp:w=4 --sim fast); check_status "bad sim" 2 "$rc"
  one_line_err "bad sim" "--sim 'fast': zero or timed"
  rc=$(run synth --mac fxp:w=4 --saif /nonexistent/dir/a.saif); check_status "bad saif" 2 "$rc"
  one_line_err "bad saif" "--saif"
  rc=$(run synth); check_status "no spec" 2 "$rc"
  one_line_err "no spec" "--mac SPEC is required"
  rc=$(run compare --mac fxp:w=4); check_status "no -o" 2 "$rc"
  one_line_err "no -o" "-o DIR is required"
  rc=$(run compare --mac lns:w=8 --mac bogus -o "$T/r"); check_status "compare bad spec" 2 "$rc"
  [ -e "$T/r" ] && { echo "FAIL: report dir created for bad input"; fail=1; }
  # Unusable --cache / -o: one line, exit 2, before any tool runs (compare used to find out after synthesis).
  rc=$(run synth --mac fxp:w=2 --cache /proc/nope/x); check_status "bad cache dir" 2 "$rc"
  one_line_err "bad cache dir" "--cache /proc/nope/x"
  : >"$T/file"
  rc=$(run synth --mac fxp:w=2 --cache "$T/file"); check_status "cache is a file" 2 "$rc"
  one_line_err "cache is a file" "--cache"
  rc=$(run compare --mac fxp:w=2 --cache "$T/cache" -o /proc/nope/x); check_status "bad -o" 2 "$rc"
  one_line_err "bad -o" "-o /proc/nope/x"
  [ -e "$T/cache" ] && [ -n "$(ls -A "$T/cache")" ] && { echo "FAIL bad -o: a tool ran"; fail=1; }
  ;;
*) echo "unknown mode $MODE"; exit 2 ;;
esac
[ $fail = 0 ] && echo "PASS synth $MODE"
exit $fail
