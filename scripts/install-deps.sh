#!/usr/bin/env bash
# Installs the Debian packages logmac needs (as root), or prints the exact command when not root.
# Usage: scripts/install-deps.sh [--check]   (--check: only report, exit 1 if something is missing)
set -euo pipefail
PKGS=(cmake g++ make pkg-config libfmt-dev doctest-dev verilator libsystemc-dev yosys opensta
      qflow-tech-osu018 iverilog gnuplot-nox pybind11-dev python3-numpy python3-dev python3-pytest python3)
PKGS+=(python3-torch dataset-fashion-mnist)  # the network study (study/): PyTorch and the real data
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${1:-}" = "--check" ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "logmac needs these Debian packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
