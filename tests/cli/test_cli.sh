#!/usr/bin/env bash
# Command-line behaviour: documented errors (exit 2, one line), files not half-written, vectors round trip.
set -u
L=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
check() {  # name expected_status command...
  local name=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  if [ "$got" != "$want" ]; then echo "FAIL $name: exit $got, want $want"; cat "$T/err"; fail=$((fail+1)); else pass=$((pass+1)); fi
}
one_line_err() {  # name: stderr has exactly one line naming $2
  if [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q -- "$2" "$T/err"; then echo "FAIL $1: stderr:"; cat "$T/err"; fail=$((fail+1)); else pass=$((pass+1)); fi
}
check "help" 0 "$L" --help
check "sub help" 0 "$L" eval --help
check "unknown sub" 2 "$L" frobnicate; one_line_err "unknown sub" "unknown subcommand 'frobnicate'"
check "unknown variant" 2 "$L" spec foo:w=8; one_line_err "unknown variant" "unknown variant 'foo'"
check "unknown key" 2 "$L" spec lns:w=16,q=1; one_line_err "unknown key" "unknown key 'q'"
check "missing value" 2 "$L" spec lns:w=16,f=; one_line_err "missing value" "key 'f' has no value"
check "width range" 2 "$L" spec fxp:w=99; one_line_err "width range" "w=99"
check "inconsistent f" 2 "$L" spec fxp:w=8,f=9; one_line_err "inconsistent f" "f=9"
check "no qaa table" 2 "$L" spec lns:w=12,f=4,delta=pwl:qaa; one_line_err "no qaa table" "no published table"
check "bad delta" 2 "$L" spec lns:w=12,delta=cubic; one_line_err "bad delta" "delta='cubic'"
check "missing table file" 2 "$L" spec lns:w=12,delta=pwl:/nonexistent.csv; one_line_err "missing table file" "cannot read"
check "bad option" 2 "$L" vectors --mac fxp:w=4 --bogus; one_line_err "bad option" "unknown option '--bogus'"
check "bad eval line" 2 bash -c "printf '1 3 3\n1 zz 3\n' | '$L' eval --mac fxp:w=4"; one_line_err "bad eval line" "stdin:2"
check "eval clr value" 2 bash -c "printf '7 3 3\n' | '$L' eval --mac fxp:w=4"; one_line_err "eval clr value" "CLR must be 0 or 1"
check "eval too wide" 2 bash -c "printf '1 1f 3\n' | '$L' eval --mac fxp:w=4"; one_line_err "eval too wide" "at most 4 bits"
check "exhaustive too wide" 2 "$L" vectors --mac fxp:w=16 --exhaustive -o "$T/v.txt"; one_line_err "exhaustive too wide" "--random"
[ -e "$T/v.txt" ] && { echo "FAIL: half-written vector file"; fail=$((fail+1)); }
# pwl optimizer options
check "pwl bad K" 2 "$L" pwl --w 16 --f 8 --segments 0 -o "$T/p.csv"; one_line_err "pwl bad K" "segments"
check "pwl bad objective" 2 "$L" pwl --w 16 --f 8 --segments 4 --objective best -o "$T/p.csv"; one_line_err "pwl bad objective" "objective"
check "pwl bad f" 2 "$L" pwl --w 8 --f 6 --segments 4 -o "$T/p.csv"; one_line_err "pwl bad f" "f"
check "pwl bad workload" 2 "$L" pwl --w 12 --f 4 --segments 4 --workload nn:3 -o "$T/p.csv"; one_line_err "pwl bad workload" "TERMS 16..4096"
check "pwl missing dhist" 2 "$L" pwl --w 12 --f 4 --segments 4 --dhist /nonexistent/h.txt -o "$T/p.csv"; one_line_err "pwl missing dhist" "cannot read"
check "pwl bound too tight" 2 "$L" pwl --w 12 --f 4 --segments 4 --bound-plus 0.1 --quiet -o "$T/p.csv"; one_line_err "pwl bound too tight" "keeps the plus bound"
check "pwl bound with max" 2 "$L" pwl --w 12 --f 4 --segments 4 --objective max --bound-plus 2 -o "$T/p.csv"; one_line_err "pwl bound with max" "dot only"
check "pwl report with w" 2 "$L" pwl --report --w 12; one_line_err "pwl report with w" "not --report"
check "pwl report-csv alone" 2 "$L" pwl --w 12 --f 4 --segments 4 --report-csv "$T/r.csv" -o "$T/p.csv"; one_line_err "pwl report-csv alone" "needs --report"
printf 'logmac-dhist 1 w=10 f=3 dot_products=5 band=2\nfn,d,count,sum_s2\nplus,x,1,1\n' >"$T/bad.txt"
check "pwl bad dhist" 2 "$L" pwl --w 10 --f 3 --segments 4 --dhist "$T/bad.txt" -o "$T/p.csv"; one_line_err "pwl bad dhist" "bad.txt:3: d must"
[ -e "$T/p.csv" ] && { echo "FAIL: pwl wrote a file on bad input"; fail=$((fail+1)); }
# the dot objective's input format: written by --save-dhist, read by --dhist; the table works in the model
check "pwl save dhist" 0 "$L" pwl --w 10 --f 3 --save-dhist "$T/h.txt"
check "pwl from dhist" 0 "$L" pwl --w 10 --f 3 --segments 4 --dhist "$T/h.txt" --quiet -o "$T/t.csv"
check "pwl table in model" 0 "$L" spec "lns:w=10,f=3,delta=pwl:$T/t.csv"
# vectors -> eval round trip: eval checks the ACC column and exits 0 only if all lines agree.
for spec in fxp:w=5 pot:w=6 apot:w=5,we=2 log2lin:w=6,f=1 lns:w=7 lns:w=16,f=8,delta=pwl:qaa lns2lin:w=8; do
  check "vectors $spec" 0 "$L" vectors --mac "$spec" --random 3000 --seed 5 -o "$T/v.txt"
  check "eval $spec" 0 bash -c "'$L' eval --mac '$spec' < '$T/v.txt'"
done
# A corrupted expected value is caught (exit 1).
"$L" vectors --mac fxp:w=5 --random 20 --seed 2 -o "$T/v.txt"
sed -i '5s/ [0-9a-f]*$/ 1/' "$T/v.txt"
check "eval catches mismatch" 1 bash -c "'$L' eval --mac fxp:w=5 < '$T/v.txt'"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
