#!/usr/bin/env bash
# The checked-in golden RTL (rtl/golden) is what the generator produces now for the canonical set.
#   check_golden.sh LOGMAC SOURCE_DIR        (refresh the files with scripts/update-golden.sh)
set -u
L=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The same command as scripts/update-golden.sh, from the same relative directory: the headers record it.
(cd "$T" && "$L" rtl --canonical-set -o rtl/golden >/dev/null) || { echo "FAIL: logmac rtl"; exit 1; }
if ! diff -r "$SRC/rtl/golden" "$T/rtl/golden" >"$T/diff"; then
  head -40 "$T/diff"
  echo "FAIL: rtl/golden differs from the generator's output; if the change is intended, run scripts/update-golden.sh"
  exit 1
fi
echo "ok: $(ls "$T/rtl/golden" | wc -l) golden files match"
