# Sourced by the gen checks: rtl_of LOGMAC SPEC|FILE.v DIR sets v to the Verilog to check (FILE.v as given,
# else what `logmac rtl` generates for SPEC into DIR/rtl); fails when logmac rtl does.
rtl_of() {
  rm -rf "$3/rtl"
  if [ "${2%.v}" != "$2" ]; then
    v=$2  # an existing file (the golden RTL)
  elif "$1" rtl --mac "$2" -o "$3/rtl" >/dev/null; then
    v=$(ls "$3"/rtl/*.v)
  else
    return 1
  fi
}
