"""The study's MAC spec lists, and labels that name every key a spec sets away from its default.

Bit width b of a low-bit design = the width of both operands where the variant allows it:
  fxp:w=b                       a and b: b-bit two's complement
  pot:w=b,we=min(b-1,4)         a: b-bit fxp; weight: sign + we exponent bits (b bits up to b=5; `we` stops at 4,
                                so 6..8-bit pot designs have 5-bit weights: 16 exponents already span 2^0..2^-14)
  apot:w=b,we=max(1,(b-1)//2)   weight: sign + 2*we bits = b bits for odd b, b-1 bits for even b (2*we+1 is odd)
  log2lin:w=b,f=0 / f=1         sign + (b-1)-bit log code, base 2 / base sqrt(2)
LNS designs at w = 8..16 use the default f = max(1, w-8) (the published presets 16/8 .. 13/5).
The hybrid lns2lin accumulates in the accumulator of fxp:w=<w> (wacc = 2w+10 bits, the same facc = 2(w-1)),
its default since the study showed that a 62-bit default (1024 products of the whole LNS range, from w=10) made it
bigger and slower than the fxp MAC it is compared with.
"""
import json
import os
import re
import subprocess

LOW_BITS = range(3, 9)
LNS_BITS = range(8, 17)
FXP_BITS = range(3, 17)
QAA_PRESETS = {13: 5, 14: 6, 15: 7, 16: 8}  # w -> f of the published pwl:qaa tables
LUT_SIZES = (16, 64)
PWL_SEGMENTS = 16


def lns_f(w):
    return max(1, w - 8)


def pot_spec(b):
    return f"pot:w={b},we={min(b - 1, 4)}"


def apot_spec(b):
    return f"apot:w={b},we={max(1, (b - 1) // 2)}"


def weight_bits(variant, b):
    """Bits of the weight operand of the low-bit design of width b (pot/apot cannot always match b)."""
    if variant == "pot":
        return 1 + min(b - 1, 4)
    if variant == "apot":
        return 1 + 2 * max(1, (b - 1) // 2)
    return b


def pwl_table_path(tables_dir, w, segments):
    return os.path.join(tables_dir, f"lns_w{w}_f{lns_f(w)}_k{segments}_p2.csv")


def make_pwl_tables(logmac, tables_dir, widths, log=print):
    """The optimizer's own table per LNS width (`logmac pwl`, its defaults: p2 slopes, the bias-aware dot objective, seed 1): 16 segments,
    or 8 / 4 where the narrow format has fewer values of d than that (w=8,9: 6). Made once; `logmac pwl`
    writes atomically, so an existing file is a complete table. Returns {w: path}."""
    os.makedirs(tables_dir, exist_ok=True)
    out = {}
    for w in widths:
        for k in (PWL_SEGMENTS, 8, 4):
            path = pwl_table_path(tables_dir, w, k)
            if os.path.exists(path):
                out[w] = path
                break
            cmd = [logmac, "pwl", "--w", str(w), "--f", str(lns_f(w)), "--segments", str(k), "-o", path]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode == 0:
                log("logmac " + " ".join(cmd[1:]) + ": " + r.stdout.strip().splitlines()[-1])
                out[w] = path
                break
            if "exceeds" not in r.stderr:
                raise RuntimeError(f"{' '.join(cmd)} failed (exit {r.returncode}): {r.stderr.strip()}")
        else:
            raise RuntimeError(f"logmac pwl: no table for w={w} with 4..{PWL_SEGMENTS} segments")
    return out


def lns_deltas(w, tables):
    out = []
    if w in QAA_PRESETS:
        out.append("pwl:qaa")
    # lut:N splits dmax * 2^f LSB (dmax = 16) into N power-of-two steps: lut:64 needs f >= 2 (not w = 8, 9).
    out += ["exact", "mitchell"] + [f"lut:{n}" for n in LUT_SIZES if n <= 16 * 2 ** lns_f(w)]
    out.append("pwl:" + tables[w])
    return out


def inference_sweep(tables):
    """Every spec of the inference sweep: (family, bits, spec). tables: {w: optimizer table path}."""
    rows = []
    for b in FXP_BITS:
        rows.append(("fxp", b, f"fxp:w={b}"))
    for b in LOW_BITS:
        rows.append(("pot", b, pot_spec(b)))
        rows.append(("apot", b, apot_spec(b)))
        rows.append(("log2lin f=0", b, f"log2lin:w={b},f=0"))
        rows.append(("log2lin f=1", b, f"log2lin:w={b},f=1"))
    for w in LNS_BITS:
        for d in lns_deltas(w, tables):
            rows.append(("lns " + delta_family(d), w, f"lns:w={w},f={lns_f(w)},delta={d}"))
        for exp2 in ("table", "mitchell"):
            rows.append((f"lns2lin {exp2}", w, f"lns2lin:w={w},exp2={exp2}"))
    return rows


def delta_family(d):
    if d.startswith("pwl:") and d != "pwl:qaa":
        return "pwl:opt"
    return d


def parse_canonical(spec):
    """'variant:k=v,...' -> (variant, {key: value}); a pwl:FILE value keeps its colon."""
    variant, _, rest = spec.partition(":")
    keys = {}
    for part in rest.split(",") if rest else []:
        k, _, v = part.partition("=")
        keys[k] = v
    return variant, keys


def short_value(k, v):
    """A pwl:FILE delta by its file name; the study's optimizer tables as pwl:optK (K segments)."""
    if k == "delta" and v.startswith("pwl:") and v != "pwl:qaa":
        m = re.fullmatch(r"lns_w\d+_f\d+_k(\d+)_p2\.csv", os.path.basename(v))
        return f"pwl:opt{m.group(1)}" if m else "pwl:" + os.path.basename(v)
    return v


ALWAYS_NAMED = ("w", "delta")  # lns's default delta depends on w (pwl:qaa at 13..16, else exact): always say it


def label(canonical, canon):
    """The shortest spec naming every key that differs from its default (and w, delta): keys are dropped one at
    a time while canon(spec) -- the module's canonical form -- stays the same."""
    variant, keys = parse_canonical(canonical)
    order = [k for k in ALWAYS_NAMED if k in keys] + sorted(k for k in keys if k not in ALWAYS_NAMED)
    kept = dict(keys)
    for k in order:
        if k in ALWAYS_NAMED:
            continue
        trial = {x: kept[x] for x in order if x in kept and x != k}
        if canon(variant + ":" + ",".join(f"{x}={trial[x]}" for x in trial)) == canonical:
            kept = trial
    return variant + ":" + ",".join(f"{x}={short_value(x, kept[x])}" for x in order if x in kept)


def cli_canon(logmac):
    """canon(spec) through `logmac spec` (used where the Python module is not at hand), memoized."""
    memo = {}

    def canon(spec):
        if spec not in memo:
            r = subprocess.run([logmac, "spec", spec], capture_output=True, text=True)
            memo[spec] = json.loads(r.stdout)["spec"] if r.returncode == 0 else None
        return memo[spec]
    return canon
