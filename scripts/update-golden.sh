#!/usr/bin/env bash
# Regenerates the golden RTL (rtl/golden: one Verilog file + JSON sidecar per spec of logmac::canonical_set())
# after an intended change of the generator. The test gen.golden runs the same command and diffs.
#   scripts/update-golden.sh [LOGMAC]     (default: build/logmac)
set -euo pipefail
cd "$(dirname "$0")/.."
L=${1:-build/logmac}
L=$(cd "$(dirname "$L")" && pwd)/$(basename "$L")
rm -rf rtl/golden.new
mkdir -p rtl/golden.new
# Generate under the fixed relative path rtl/golden (recorded in the headers), then swap the directory in.
T=$(mktemp -d)
trap 'rm -rf "$T" rtl/golden.new' EXIT
(cd "$T" && "$L" rtl --canonical-set -o rtl/golden >/dev/null)
cp "$T"/rtl/golden/* rtl/golden.new/
rm -rf rtl/golden
mv rtl/golden.new rtl/golden
ls rtl/golden
