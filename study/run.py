#!/usr/bin/python3
"""logmac network study: what each MAC does to real networks (Fashion-MNIST), next to what it costs.

Run with Debian's interpreter (it has numpy and torch): /usr/bin/python3 study/run.py [options] COMMAND
  fp32     train (or load from the cache) the FP32 reference networks
  infer    bit-true post-training-quantized inference over the sweep (or --spec ...)
  train    LNS training (QAA-LNS style) against FP32 training with the same seed, order and epochs
  cost     `logmac compare` (synthesis, timing, energy) of the sweep's designs into build/study/compare
  all      all of the above, then `logmac compare` (synthesis, timing, energy) of the sweep's designs and the
           report: tables (Markdown, CSV, JSON) and plots in build/study/ (`make study`; cached stages are reused)
  demo     the MLP's accuracy for the designs of build/report/compare.json, joined (`make demo`)
Every result is cached under build/study/cache/ (keyed by spec, weights, code and module version).
"""
import argparse
import hashlib
import inspect
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import bittrue  # noqa: E402
import cache  # noqa: E402
import fmnist  # noqa: E402
import report  # noqa: E402
import specs  # noqa: E402

T_START = time.time()


def log(msg):
    print(msg, flush=True)


def elapsed():
    s = int(time.time() - T_START)
    return f"{s // 60}m{s % 60:02d}s"


class UsageError(Exception):
    pass


# ---------------------------------------------------------------------------------------------- environment
class Env:
    def __init__(self, args):
        self.build = os.path.abspath(args.build)
        self.out = os.path.join(self.build, "study")
        self.cache_root = os.path.join(self.out, "cache")
        self.tables_dir = os.path.join(self.out, "tables")
        self.logmac_cli = os.path.join(self.build, "logmac")
        self.seed = args.seed
        self.threads = args.threads or bittrue.threads()
        self._mod = None
        self._data = {}

    @property
    def logmac(self):
        if self._mod is None:
            pydir = os.path.join(self.build, "python")
            sys.path.insert(0, pydir)
            try:
                import logmac as mod
            except ImportError as e:
                raise UsageError(f"cannot import the logmac Python module from {pydir} ({e}); run `make build` first")
            self._mod = mod
            self.module_hash = model_hash(mod)
        return self._mod

    def mac(self, spec):
        return self.logmac.Mac(spec)

    def data(self, split):
        if split not in self._data:
            self._data[split] = fmnist.load(split)
        return self._data[split]

    def canon(self, spec):
        try:
            return self.mac(spec).canonical
        except ValueError:
            return None


def model_hash(mod):
    """The version of the arithmetic a result depends on: the sources that define the models' semantics (sim/models,
    the delta tables and units, the spec language) and the module's version. Not the GEMM's implementation: its
    tests hold it bit-equal to the models, so a faster GEMM keeps every cached result valid."""
    root = os.path.join(os.path.dirname(HERE), "sim")
    files = [os.path.join(root, "models", f) for f in os.listdir(os.path.join(root, "models"))]
    files += [os.path.join(root, "tables", f) for f in os.listdir(os.path.join(root, "tables"))]
    files += [os.path.join(root, f) for f in ("bits.hpp", "config.hpp", "config.cpp", "delta.hpp", "delta.cpp")]
    return cache.source_hash(files) + "-" + mod.__version__


def table_hash(canonical):
    """Content hash of a pwl:FILE table named in a spec (the path alone does not identify it)."""
    for part in canonical.split(","):
        if part.startswith("delta=pwl:") and part != "delta=pwl:qaa":
            return cache.sha256_file(part[len("delta=pwl:"):])
    return None


# ----------------------------------------------------------------------------------------------------- FP32
def fp32_references(env, nets_):
    import nets
    out = {}
    for name in nets_:
        state, record = nets.reference(name, env.seed, env.cache_root, log)
        weights_hash = record["files"]["weights.npz"]
        out[name] = (state, record, weights_hash)
    return out


def fp32_float_accuracy(net, state):
    """Accuracy of the float64 inference path of bittrue on the FP32 weights (equals torch's, checked)."""
    xt, yt = fmnist.load("test")
    pred = bittrue.predict(net, state, fmnist.as_float(xt), bittrue.float_gemm)
    return float(np.mean(pred == yt)), pred


# ------------------------------------------------------------------------------------------------ inference
INFER_SOURCES = ("bittrue.py", "fmnist.py")


def calib_images(env):
    if "calib" not in env._data:
        env._data["calib"] = bittrue.calibration_images(env.data("train")[0], env.seed)
    return env._data["calib"]


def infer_meta(env, net, canonical, weights_hash):
    return {"kind": "infer", "net": net, "spec": canonical, "table": table_hash(canonical), "weights": weights_hash,
            "code": cache.source_hash([os.path.join(HERE, s) for s in INFER_SOURCES]), "module": env.module_hash,
            "seed": env.seed, "calib": bittrue.CALIB_IMAGES, "shifts": bittrue.SHIFTS}


def infer_one(env, net, state, canonical, fp32_pred):
    mac = env.mac(canonical)
    t0 = time.time()
    q = bittrue.QuantGemm(mac, net, state, calib_images(env), env.threads)
    xt, yt = env.data("test")
    pred = bittrue.predict(net, state, fmnist.as_float(xt), q)
    seconds = time.time() - t0
    macs = bittrue.macs_per_image(net, state) * len(xt)
    return {"accuracy": float(np.mean(pred == yt)), "correct": int(np.sum(pred == yt)), "images": int(len(yt)),
            "agree_fp32": float(np.mean(pred == fp32_pred)),
            "predictions_sha256": hashlib.sha256(pred.astype(np.int8).tobytes()).hexdigest()[:16],
            "shifts": {k: list(v) for k, v in q.shifts.items()},
            "rel_rms_quant_error": {k: [round(e, 6) for e in v] for k, v in q.rel_err.items()},
            "seconds": round(seconds, 2), "macs": macs, "mac_per_s": macs / seconds}


def probe_rate(env, canonical, m, k, n):
    """MAC/s of this spec's GEMM of shape (m, k) x (k, n) on this machine now (for time estimates)."""
    mac = env.mac(canonical)
    rng = np.random.default_rng(0)
    a = mac.encode_a(np.abs(rng.normal(0, 0.3, (m, k))))
    b = mac.encode_b(rng.normal(0, 0.1, (k, n)))
    t0 = time.time()
    mac.matmul(a, b, threads=env.threads)
    return m * k * n / max(time.time() - t0, 1e-6)


def probe_seconds(env, net, state, canonical, images=200):
    """Estimated seconds of one inference run: the scale rule plus `images` test images, timed now."""
    t0 = time.time()
    q = bittrue.QuantGemm(env.mac(canonical), net, state, calib_images(env), env.threads)
    t1 = time.time()
    xt, _ = env.data("test")
    bittrue.predict(net, state, fmnist.as_float(xt[:images]), q)
    return (t1 - t0) + (time.time() - t1) * len(xt) / images


def run_inference(env, refs, sweep):
    """Bit-true inference of every (net, spec); returns {net: [result row]} (cached per spec)."""
    c = cache.Cache(env.cache_root, "infer")
    jobs = []
    for net, (state, record, wh) in refs.items():
        for fam, bits, spec in sweep:
            canonical = env.canon(spec)
            if canonical is None:
                raise UsageError(f"sweep spec {spec} does not parse")
            meta = infer_meta(env, net, canonical, wh)
            jobs.append((net, fam, bits, spec, canonical, meta, c.load(meta)[0]))
    pending = [j for j in jobs if j[6] is None]
    calib_images(env), env.data("test")  # loaded before anything is timed
    probes = {}
    est = 0.0
    for net, fam, bits, spec, canonical, meta, rec in pending:
        key = (net, canonical.split(":")[0])
        if key not in probes:
            probes[key] = probe_seconds(env, net, refs[net][0], canonical)
        est += probes[key]
    log(f"inference: {len(jobs)} runs ({len(jobs) - len(pending)} cached); estimated {est / 60:.1f} min for the rest "
        "(seconds per run, from 200 images of each network and variant now: "
        + ", ".join(f"{n} {v} {s:.0f}" for (n, v), s in probes.items()) + ")")
    fp32_preds = {net: fp32_float_accuracy(net, refs[net][0])[1] for net in refs}
    out = {net: [] for net in refs}
    # Time left: the probes' estimates of the remaining runs, scaled by how the finished runs compared with theirs.
    est_left, done_s, done_est = est, 0.0, 0.0
    for i, (net, fam, bits, spec, canonical, meta, rec) in enumerate(jobs):
        if rec is None:
            result = infer_one(env, net, refs[net][0], canonical, fp32_preds[net])
            rec = c.store(meta, result, lambda tmp: None)
            job_est = probes[(net, canonical.split(":")[0])]
            done_s, done_est, est_left = done_s + result["seconds"], done_est + job_est, est_left - job_est
            left = est_left * done_s / done_est
            log(f"  [{i + 1}/{len(jobs)}] {net:5s} {specs.label(canonical, env.canon):44s} {100 * result['accuracy']:6.2f} %  "
                f"({result['seconds']:.1f} s, {result['mac_per_s'] / 1e6:.0f} M MAC/s; {elapsed()} elapsed, "
                f"about {left / 60:.1f} min left)")
        r = dict(rec["result"])
        r.update({"net": net, "family": fam, "bits": bits, "spec": spec, "canonical": canonical})
        out[net].append(r)
    return out


# ------------------------------------------------------------------------------------------------- training
TRAIN = {"epochs": 5, "batch": 64, "lr": 0.1, "momentum": 0.0, "schedule": "cosine per epoch"}
TRAIN_SPECS = {
    "mlp": ["lns:w=16,f=8,delta=pwl:qaa", "lns:w=16,f=8,delta=exact", "lns:w=16,f=8,delta=pwl:opt",
            "lns:w=14,f=6,delta=pwl:qaa", "lns:w=14,f=6,delta=exact", "lns:w=13,f=5,delta=pwl:qaa",
            "lns:w=12,f=4,delta=exact"],
    "lenet": ["lns:w=16,f=8,delta=pwl:qaa"],
}
TRAIN_EPOCHS = {"mlp": 5, "lenet": 3}
TRAIN_SOURCES = ("lns_train.py", "fmnist.py", "nets.py")  # + the one function of bittrue it uses


def resolve_opt(spec, tables):
    """'delta=pwl:opt' in a training spec names the optimizer's table of that width."""
    if "delta=pwl:opt" in spec:
        w = int(spec.split("w=")[1].split(",")[0])
        return spec.replace("delta=pwl:opt", "delta=pwl:" + tables[w])
    return spec


def train_meta(env, net, canonical, hp):
    return {"kind": "train", "net": net, "arith": canonical, "table": table_hash(canonical) if canonical != "fp32"
            else None, "seed": env.seed, "hyper": hp,
            "code": cache.source_hash([os.path.join(HERE, s) for s in TRAIN_SOURCES]),
            "im2col": cache.sha256_bytes(inspect.getsource(bittrue.im2col).encode())[:32],
            "module": env.module_hash if canonical != "fp32" else None}


def run_training(env, nets_, tables, spec_filter=None, epochs=None):
    import nets
    import torch
    import lns_train
    c = cache.Cache(env.cache_root, "train")
    xi, yi = env.data("train")
    xt, yt = env.data("test")
    data = (fmnist.as_float(xi), yi, fmnist.as_float(xt), yt)
    results = {}
    for net in nets_:
        hp = dict(TRAIN, epochs=epochs or TRAIN_EPOCHS[net])
        torch.manual_seed(env.seed)
        init = {k: v.detach().numpy().copy() for k, v in nets.make(net).state_dict().items()}
        orders = nets.epoch_orders(env.seed, hp["epochs"], len(xi))
        configs = ["fp32"] + [resolve_opt(s, tables) for s in TRAIN_SPECS[net]]
        if spec_filter:
            configs = ["fp32"] + [resolve_opt(s, tables) for s in spec_filter]
        results[net] = []
        macs_step = 3 * bittrue.macs_per_image(net, init) * hp["batch"]
        for cfg in configs:
            canonical = "fp32" if cfg == "fp32" else env.canon(cfg)
            if canonical is None:
                raise UsageError(f"training spec {cfg} does not parse")
            meta = train_meta(env, net, canonical, hp)
            rec, _ = c.load(meta)
            if rec is None:
                if canonical == "fp32":
                    ar, ref = lns_train.Fp32Arith(), None
                    log(f"train {net} fp32: {hp['epochs']} epochs")
                else:
                    mac = env.mac(canonical)
                    ar = lns_train.LnsArith(mac, env.threads)
                    ref = None
                    if "delta=exact" not in canonical:
                        ref = lns_train.LnsArith(env.mac(canonical.replace(
                            "delta=" + canonical.split("delta=")[1].split(",")[0], "delta=exact")), env.threads)
                    rate = probe_rate(env, canonical, 64, 785, 256)
                    steps = hp["epochs"] * math.ceil(len(xi) / hp["batch"])
                    log(f"train {net} {canonical}: {hp['epochs']} epochs, estimated "
                        f"{steps * macs_step / rate * 1.5 / 60:.0f} min (GEMM {rate / 1e6:.0f} M MAC/s now)")
                t0 = time.time()
                history, _ = lns_train.train(net, init, ar, data, orders, hp["batch"], hp["lr"], hp["momentum"],
                                             exact_ref=ref, log=log, label=f"{net} {specs_label(env, canonical)}")
                rec = c.store(meta, {"history": history, "seconds": round(time.time() - t0, 1)}, lambda tmp: None)
            else:
                log(f"train {net} {canonical}: cached (final test accuracy "
                    f"{100 * rec['result']['history'][-1]['test_accuracy']:.2f} %)")
            results[net].append({"arith": canonical, "label": specs_label(env, canonical), **rec["result"],
                                 "hyper": hp})
    return results


def specs_label(env, canonical):
    if canonical == "fp32":
        return "FP32"
    return specs.label(canonical, env.canon)


# ------------------------------------------------------------------------------------------------- cost
COST_FLOOR_POINTS = 10.0   # designs further below FP32 than this on every network are not synthesized
SATURATION_POINTS = 0.1   # a family has saturated at the first width within this of its best, on every network


ALWAYS_SYNTHESIZED = ("lns:w=16,f=8,delta=pwl:qaa", "lns:w=16,f=8,delta=exact")  # the QAA-LNS headline designs


def cost_set(results, fp32_acc, canon=None):
    """The designs worth synthesizing: ({canonical}, {canonical: reason skipped}). Per family, widths beyond the
    first at which every network is within SATURATION_POINTS of the family's best accuracy are skipped (a wider
    design of a family is assumed to cost at least as much: they cannot be cheaper at equal accuracy), and so
    are designs more than COST_FLOOR_POINTS below FP32 on every network (they cannot answer the question, and
    the plot draws them at its bottom edge anyway)."""
    fams = {}
    for net, rows in results.items():
        for r in rows:
            fams.setdefault(r["family"], {}).setdefault(r["bits"], {})[net] = r
    keep, skipped = set(), {}
    for fam, by_bits in fams.items():
        widths = sorted(by_bits)
        nets_ = {n for b in widths for n in by_bits[b]}
        best = {net: max(by_bits[b][net]["accuracy"] for b in widths if net in by_bits[b]) for net in nets_}
        sat = next((b for b in widths if all(by_bits[b][n]["accuracy"] >= best[n] - SATURATION_POINTS / 100
                                              for n in by_bits[b])), widths[-1])
        for b in widths:
            canonical = next(iter(by_bits[b].values()))["canonical"]
            if b > sat:
                skipped[canonical] = f"{fam}: no more accurate than at w={sat}"
            elif all(r["accuracy"] < fp32_acc[n] - COST_FLOOR_POINTS / 100 for n, r in by_bits[b].items()):
                skipped[canonical] = f"more than {COST_FLOOR_POINTS:.0f} points below FP32 on every network"
            else:
                keep.add(canonical)
    for spec in ALWAYS_SYNTHESIZED:
        c = canon(spec) if canon else spec
        if any(r["canonical"] == c for rows in results.values() for r in rows):
            keep.add(c)
            skipped.pop(c, None)
    return keep, skipped


def run_compare(env, canonicals, outdir, jobs):
    """`logmac compare` of the designs (cached by the synthesis flow); returns the compare.json path."""
    cmd = [env.logmac_cli, "compare", "--jobs", str(jobs), "-o", outdir]
    for s in canonicals:
        cmd += ["--mac", s]
    os.makedirs(outdir, exist_ok=True)
    log(f"cost: logmac compare of {len(canonicals)} designs into {outdir} (synthesis is cached in "
        f"{env.build}/synth-cache; first run: about 40 s per design and core on a quiet machine)")
    with open(os.path.join(outdir, "compare.log"), "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=True)
        try:
            for line in p.stderr:
                line = line.split("\r")[-1].rstrip("\n")
                if line.startswith("[") or "FAIL" in line or "logmac:" in line:
                    log("  " + line)
            rc = p.wait()
        finally:
            if p.poll() is None:  # interrupted: do not leave the syntheses running
                p.terminate()
                p.wait()
    if rc == 2:
        raise UsageError(f"logmac compare rejected its input (see {outdir}/compare.log)")
    if rc != 0:
        log(f"cost: logmac compare exit {rc}: a design failed (see {outdir}/compare.log); the others are joined")
    return os.path.join(outdir, "compare.json")


def join_cost(env, rows, compare):
    """Rows of one network with their design's synthesis results (rows without a design are dropped)."""
    out = []
    for r in rows:
        d = compare.get(r["canonical"])
        if d is None:
            continue
        energy, energy_sim = report.energy_of(d)
        out.append({**r, "label": specs.label(r["canonical"], env.canon), "area": d["area_um2"],
                    "energy": energy, "energy_sim": energy_sim, "energy_zero": d["energy_pj_per_mac"],
                    "fmax": d["fmax_mhz"], "slack": d["slack_ns"],
                    "clock": d["clock_ns"], "timing_met": d["slack_ns"] >= 0,
                    "gate_level_ok": d["gate_level_equals_model"]})
    return out


# ------------------------------------------------------------------------------------------------- reports
LOW_FAMILIES = ["fxp", "pot", "apot", "log2lin f=0", "log2lin f=1"]
LNS_FAMILIES = ["fxp", "lns pwl:qaa", "lns exact", "lns pwl:opt", "lns mitchell", "lns lut:16", "lns lut:64",
                "lns2lin table", "lns2lin mitchell"]


def cell_note(fam, bits):
    if fam == "pot" and specs.weight_bits("pot", bits) != bits:
        return "*"
    if fam == "apot" and specs.weight_bits("apot", bits) != bits:
        return "+"
    return ""


def pivot(rows, families, bit_range):
    by = {(r["family"], r["bits"]): r for r in rows}
    out = []
    for fam in families:
        line = [fam]
        for b in bit_range:
            r = by.get((fam, b))
            line.append("n/a" if r is None else f"{100 * r['accuracy']:.2f}{cell_note(fam, b)}")
        out.append(line)
    return out


def claims(rows):
    """The papers' qualitative claims, checked on one network's sweep: [(claim, verdict, evidence)]."""
    a = {(r["family"], r["bits"]): 100 * r["accuracy"] for r in rows}
    out = []
    ev, holds = [], []
    for b in (3, 4):
        lin, l0, l1 = a.get(("fxp", b)), a.get(("log2lin f=0", b)), a.get(("log2lin f=1", b))
        if None in (lin, l0, l1):
            continue
        ev.append(f"{b} bits: fxp {lin:.2f}, log2lin base 2 {l0:.2f}, base sqrt2 {l1:.2f}")
        holds.append((l0 > lin, l1 > lin))
    v = ("holds" if all(x and y for x, y in holds) else "holds for base sqrt2 only" if all(y for _, y in holds)
         else "holds for base 2 only" if all(x for x, _ in holds) else "partly" if any(x or y for x, y in holds)
         else "does not hold")
    out.append(("log codes lose less than linear at 3-4 bits (Miyashita et al.)", v, "; ".join(ev)))
    wins = [(b, a[("log2lin f=1", b)], a[("log2lin f=0", b)]) for b in specs.LOW_BITS
            if ("log2lin f=1", b) in a and ("log2lin f=0", b) in a]
    n = sum(1 for _, x, y in wins if x > y)
    out.append(("base sqrt2 beats base 2 at equal bits (Miyashita et al.)",
                f"holds at {n} of {len(wins)} widths",
                ", ".join(f"{b}: {x:.2f} vs {y:.2f}" for b, x, y in wins)))
    wins = [(b, a[("apot", b)], a[("pot", b)]) for b in specs.LOW_BITS if ("apot", b) in a and ("pot", b) in a]
    n = sum(1 for _, x, y in wins if x > y)
    out.append(("APoT beats PoT at equal bits (Przewlocka-Rus et al.)", f"holds at {n} of {len(wins)} widths",
                ", ".join(f"{b}: {x:.2f} vs {y:.2f} (weights {specs.weight_bits('apot', b)} vs "
                          f"{specs.weight_bits('pot', b)} bits)" for b, x, y in wins)))
    return out


def inference_report(env, refs, results, fp32_acc):
    md = ["## Bit-true post-training-quantized inference (10,000 test images)\n",
          "Accuracy in %; `*` pot with 5-bit weights (`we` <= 4), `+` apot with (b-1)-bit weights (sign + 2*we); "
          "n/a: no such design (pwl:qaa is published for w = 13..16 only). LNS widths use f = max(1, w-8); "
          "lns2lin accumulates in fxp:w's accumulator (its default wacc = 2w+10). Scale rule: study/bittrue.py.\n"]
    rows_csv = []
    for net, rows in results.items():
        md.append(f"### {net}: FP32 {100 * fp32_acc[net]:.2f} %\n")
        md.append(md_pivot(rows, LOW_FAMILIES, specs.LOW_BITS))
        md.append(md_pivot(rows, LNS_FAMILIES, specs.LNS_BITS))
        md.append("Claims of the papers on this network:\n")
        for claim, verdict, ev in claims(rows):
            md.append(f"- {claim}: **{verdict}** ({ev})")
        md.append("")
        for r in rows:
            rows_csv.append([net, r["family"], r["bits"], specs.label(r["canonical"], env.canon), r["canonical"],
                             f"{r['accuracy']:.4f}", f"{100 * (r['accuracy'] - fp32_acc[net]):.2f}",
                             f"{r['agree_fp32']:.4f}", json.dumps(r["shifts"], sort_keys=True),
                             json.dumps(r["rel_rms_quant_error"], sort_keys=True), r["seconds"]])
    header = ["net", "family", "bits", "label", "spec", "accuracy", "delta_points", "agree_fp32",
              "scale_shifts_a_b", "rel_rms_quant_error_a_b", "seconds"]
    report.write_text(os.path.join(env.out, "inference.csv"), report.csv_text(header, rows_csv))
    return "\n".join(md)


def md_pivot(rows, families, bit_range):
    return report.md_table(["family \\ bits"] + [str(b) for b in bit_range], pivot(rows, families, bit_range))


def training_report(env, train_results):
    md = ["## Training with every MAC on the LNS MAC (QAA-LNS style) against FP32\n",
          f"Same initial weights (torch seed {env.seed}), data order, batch {TRAIN['batch']}, plain SGD, learning rate "
          f"{TRAIN['lr']} annealed per epoch on a half cosine; FP32 = the same engine in numpy float32. Rules: "
          "study/lns_train.py.\n"]
    csv_rows = []
    series_by_net = {}
    for net, runs in train_results.items():
        fp = next(r for r in runs if r["arith"] == "fp32")
        fp_final = fp["history"][-1]["test_accuracy"]
        epochs = len(fp["history"])
        md.append(f"### {net} ({epochs} epochs)\n")
        header = ["arithmetic"] + [f"ep {e + 1}" for e in range(epochs)] + [
            "vs FP32", "updates lost", "update applied/intended", "delta bias [LSB]", "at +MAX", "at -MAX",
            "grad underflow", "time"]
        lines = []
        for r in runs:
            h = r["history"]
            st = h[-1].get("stats")
            line = [r["label"]] + [f"{100 * x['test_accuracy']:.2f}" for x in h] + [
                f"{100 * (h[-1]['test_accuracy'] - fp_final):+.2f}"]
            if st:
                line += [f"{100 * st['update_lost_frac']:.1f} %", f"{st['update_ratio']:.3f}",
                         "-" if "delta=exact" in r["arith"] else f"{st['delta_bias_lsb']:+.3f}",
                         f"{100 * st['sat_hi_frac']:.3f} %", f"{100 * st['sat_lo_frac']:.3f} %",
                         f"{100 * st['grad_underflow_frac']:.3f} %"]
            else:
                line += ["-"] * 6
            line.append(f"{r['seconds'] / 60:.1f} min")
            lines.append(line)
            for x in h:
                s = x.get("stats", {})
                csv_rows.append([net, r["label"], r["arith"], x["epoch"], f"{x['test_accuracy']:.4f}",
                                 f"{x['train_loss']:.5f}"] + [s.get(k, "") for k in (
                                     "update_lost_frac", "update_ratio", "delta_bias_lsb", "delta_abs_lsb",
                                     "sat_hi_frac", "sat_lo_frac", "grad_underflow_frac")])
        md.append(report.md_table(header, lines))
        md.append("Statistics of the last epoch: *updates lost* = weight updates with a nonzero intended step "
                  "c*g whose weight code did not change (w (+) c*g = w: the step is below the resolution of the "
                  "Delta function at that distance); *applied/intended* = sum(dw*u)/sum(u^2) over all updates "
                  "(1 = every step applied in full); *delta bias* = mean log difference of the updated weight from "
                  "the same update through delta=exact, in LSB; *at +MAX / -MAX* = GEMM outputs saturated at the top "
                  "/ bottom of the log range; *grad underflow* = nonzero loss gradients encoded as zero.\n")
        series_by_net[net] = runs
    header = ["net", "label", "arith", "epoch", "test_accuracy", "train_loss", "update_lost_frac", "update_ratio",
              "delta_bias_lsb", "delta_abs_lsb", "sat_hi_frac", "sat_lo_frac", "grad_underflow_frac"]
    report.write_text(os.path.join(env.out, "training.csv"), report.csv_text(header, csv_rows))
    for net, runs in series_by_net.items():
        colours = ["#000000", "#cc0077", "#d55e00", "#7b3294", "#0072b2", "#009e73", "#e69f00", "#56b4e9", "#999933"]
        series = [(r["label"], [x["test_accuracy"] for x in r["history"]], colours[i % len(colours)],
                   1 if i == 0 else 1 + (i % 3)) for i, r in enumerate(runs)]
        png = os.path.join(env.out, f"training_{net}.png")
        report.curves_plot(png, f"{net}: test accuracy per epoch, LNS training vs FP32 (same seed, order, epochs)",
                           series)
        md.append(f"![training curves {net}](training_{net}.png)\n")
    return "\n".join(md)


def cost_rows_md(rows, fp32):
    lines = []
    for r in sorted(rows, key=lambda r: r["energy"]):
        lines.append([r["label"], f"{100 * r['accuracy']:.2f}", f"{100 * (r['accuracy'] - fp32):+.2f}",
                      f"{r['area']:.0f}", f"{r['energy']:.3f}", f"{r['energy_zero']:.3f}", f"{r['fmax']:.0f}",
                      "yes" if r["timing_met"] else f"**no** ({r['slack']:.2f} ns)",
                      ("E" if r.get("pareto_energy") else "") + ("A" if r.get("pareto_area") else "")])
    return report.md_table(["design", "acc %", "vs FP32", "area um2", "pJ/MAC", "pJ/MAC zero-delay", "fmax MHz",
                            "timing met", "Pareto"], lines)


def pick_lines(rows, fp32):
    out = []
    for cost, unit in (("energy", "pJ/MAC"), ("area", "um2")):
        for tol in (0.5, 1.0):
            r = report.cheapest(rows, fp32, tol, cost)
            any_r = report.cheapest(rows, fp32, tol, cost, need_timing=False)
            if r is None:
                txt = "none of the designs"
            else:
                txt = (f"**{r['label']}** ({r[cost]:.3f} {unit}, {100 * r['accuracy']:.2f} %, "
                       f"{r['area']:.0f} um2 / {r['energy']:.3f} pJ/MAC)")
            if any_r is not None and any_r is not r:
                txt += f"; {any_r['label']} is cheaper but misses timing"
            out.append((cost, tol, r, f"- least {cost} within {tol} point of FP32: {txt}"))
    return out


def cost_report(env, results, fp32_acc, compare):
    md = ["## Accuracy next to cost\n",
          f"Synthesis, timing and energy from `logmac compare` ({os.path.relpath(env.compare_json, env.build)}; "
          "osu018, energy per MAC on its NN-like workload; pJ/MAC is the timed gate-level simulation's, glitches "
          "counted, where it ran, the zero-delay figure beside it). Pareto: E = on the energy/accuracy front, A = on "
          "the area/accuracy front. Cheapest = least cost among designs that meet timing.\n"]
    csv_rows, picks_all = [], {}
    for net, rows in results.items():
        joined = join_cost(env, rows, compare)
        if not joined:
            md.append(f"### {net}: no design of the sweep has synthesis results\n")
            continue
        fp32 = fp32_acc[net]
        pareto = {}
        for cost in ("energy", "area"):
            pareto[cost] = report.pareto([(r[cost], r["accuracy"]) for r in joined])
            for i in pareto[cost]:
                joined[i]["pareto_" + cost] = True
        picks = pick_lines(joined, fp32)
        picks_all[net] = picks
        md.append(f"### {net}: FP32 {100 * fp32:.2f} %, {len(joined)} designs\n")
        md += [p[3] for p in picks] + [""]
        md.append(cost_rows_md(joined, fp32))
        png = f"accuracy_vs_cost_{net}.png"
        marks = {}
        for cost, tol, r, _ in picks:
            if cost == "energy" and r is not None:
                i = joined.index(r)
                marks[i] = marks.get(i, "") or ""
                marks[i] = f" (cheapest within {tol})" if i not in marks or not marks[i] else marks[i].replace(
                    ")", f", {tol})")
        rows_plot = [{**r, "label": r["label"]} for r in joined]
        report.accuracy_cost_plot(os.path.join(env.out, png),
                                  f"{net} on Fashion-MNIST: bit-true test accuracy against MAC cost "
                                  f"({len(joined)} designs, FP32 {100 * fp32:.2f} %)", rows_plot, fp32, pareto, marks)
        md.append(f"\n![accuracy vs cost {net}]({png})\n")
        for r in joined:
            csv_rows.append([net, r["label"], r["canonical"], f"{r['accuracy']:.4f}",
                             f"{100 * (r['accuracy'] - fp32):.2f}", f"{r['area']:.1f}", f"{r['energy']:.6f}",
                             r["energy_sim"], f"{r['energy_zero']:.6f}", f"{r['fmax']:.2f}", f"{r['slack']:.4f}",
                             int(r["timing_met"]), int(bool(r.get("pareto_energy"))), int(bool(r.get("pareto_area")))])
    # compare synthesizes the fxp baseline of every width too: a skipped design it made anyway is not listed
    skipped = {c: why for c, why in getattr(env, "cost_skipped", {}).items() if c not in compare}
    if skipped:
        by_reason = {}
        for c, why in sorted(skipped.items()):
            by_reason.setdefault(why, []).append(specs.label(c, env.canon))
        md.append(f"Not synthesized ({len(skipped)} designs of the sweep; their accuracy is in the inference tables):\n")
        md += [f"- {why}: {', '.join(labels)}" for why, labels in sorted(by_reason.items())] + [""]
    report.write_text(os.path.join(env.out, "cost.csv"), report.csv_text(
        ["net", "label", "spec", "accuracy", "delta_points", "area_um2", "energy_pj_per_mac", "energy_sim",
         "energy_zero_delay_pj_per_mac", "fmax_mhz", "slack_ns", "timing_met", "pareto_energy", "pareto_area"],
        csv_rows))
    return "\n".join(md), picks_all


# ------------------------------------------------------------------------------------------------ commands
def parse_nets(arg):
    import nets
    if arg in (None, "all"):
        return list(nets.NETWORKS)
    for n in arg.split(","):
        if n not in nets.NETWORKS:
            raise UsageError(f"--net {n}: unknown network (allowed: {', '.join(nets.NETWORKS)}, all)")
    return arg.split(",")


def sweep_for(env, args):
    tables = specs.make_pwl_tables(env.logmac_cli, env.tables_dir, specs.LNS_BITS, log)
    if args.spec:
        return [("custom", 0, s) for s in args.spec], tables
    sw = specs.inference_sweep(tables)
    for row in sw:  # the family of a row is also derivable from its spec: keep the two consistent
        fam = report.family_of(env.canon(row[2]))
        if fam != row[0] and not (row[0].startswith("lns pwl:opt") and fam == "lns pwl:opt"):
            raise AssertionError(f"family mismatch {row} vs {fam}")
    return sw, tables


def cmd_fp32(env, args):
    refs = fp32_references(env, parse_nets(args.net))
    for net, (state, rec, _) in refs.items():
        acc, _ = fp32_float_accuracy(net, state)
        log(f"{net}: FP32 test accuracy {100 * acc:.2f} % (torch: {100 * rec['result']['test_accuracy']:.2f} %)")


def save_json(env, name, obj):
    report.write_text(os.path.join(env.out, name), json.dumps(obj, indent=1, sort_keys=True) + "\n")


def cmd_infer(env, args):
    env.logmac  # noqa: B018 (imports the module, sets its hash)
    refs = fp32_references(env, parse_nets(args.net))
    sweep, _ = sweep_for(env, args)
    return run_inference(env, refs, sweep), refs


def cmd_all(env, args):
    os.makedirs(env.out, exist_ok=True)
    stages = {}
    t = time.time()
    env.logmac  # noqa: B018
    nets_ = parse_nets(args.net)
    refs = fp32_references(env, nets_)
    fp32_acc = {}
    for net, (state, rec, _) in refs.items():
        fp32_acc[net], _ = fp32_float_accuracy(net, state)
    stages["fp32 references"] = time.time() - t
    t = time.time()
    sweep, tables = sweep_for(env, args)
    results = run_inference(env, refs, sweep)
    stages["inference sweep"] = time.time() - t
    t = time.time()
    train_results = {} if args.no_train else run_training(env, nets_, tables, epochs=args.epochs)
    stages["LNS training"] = time.time() - t
    t = time.time()
    keep, env.cost_skipped = cost_set(results, fp32_acc, env.canon)
    compare_json = os.path.join(env.out, "compare", "compare.json")
    if not args.no_cost:
        log(f"cost: {len(keep)} designs to synthesize, {len(env.cost_skipped)} skipped (listed in study.md)")
        compare_json = run_compare(env, sorted(keep), os.path.join(env.out, "compare"), args.jobs or env.threads)
    stages["synthesis (logmac compare)"] = time.time() - t
    env.compare_json = compare_json
    write_study_report(env, refs, fp32_acc, results, train_results, stages)


def write_study_report(env, refs, fp32_acc, results, train_results, stages):
    md = ["# logmac network study: Fashion-MNIST\n",
          f"Made by `/usr/bin/python3 study/run.py all` (`make study`); seed {env.seed}; "
          f"logmac module {env.module_hash[:12]}.\n", "## FP32 references\n"]
    lines = []
    import nets
    for net, (state, rec, wh) in refs.items():
        hp = nets.HYPER[net]
        lines.append([net, f"{100 * fp32_acc[net]:.2f}", f"{100 * rec['result']['test_accuracy']:.2f}",
                      f"{hp['epochs']}", f"SGD lr {hp['lr']} momentum {hp['momentum']} batch {hp['batch']}",
                      f"{rec['result']['train_seconds']:.0f} s", f"{bittrue.macs_per_image(net, state):,}", wh[:12]])
    md.append(report.md_table(["net", "test acc %", "torch acc %", "epochs", "optimizer", "training time",
                               "MACs/image", "weights sha256"], lines))
    md.append(inference_report(env, refs, results, fp32_acc))
    if train_results:
        md.append(training_report(env, train_results))
    picks = {}
    if os.path.exists(env.compare_json):
        compare = report.load_compare(env.compare_json)
        text, picks = cost_report(env, results, fp32_acc, compare)
        md.append(text)
    md.append("## Wall time of this run\n")
    md.append("Results found in the cache (build/study/cache, build/synth-cache) take seconds: these are this run's "
              "times, not those of computing every result.\n")
    md.append(report.md_table(["stage", "wall"], [[k, f"{v / 60:.1f} min"] for k, v in stages.items()]
                              + [["total", f"{sum(stages.values()) / 60:.1f} min"]]))
    report.write_text(os.path.join(env.out, "study.md"), "\n".join(md) + "\n")
    save_json(env, "study.json", {
        "seed": env.seed, "module": env.module_hash, "fp32": fp32_acc, "inference": results,
        "training": train_results, "stages_seconds": stages,
        "cheapest": {net: [{"cost": c, "within_points": t, "design": r["canonical"] if r else None,
                            "label": r["label"] if r else None} for c, t, r, _ in p] for net, p in picks.items()}})
    log(f"study: wrote {env.out}/study.md (+ inference.csv, training.csv, cost.csv, study.json, *.png); "
        f"{elapsed()} in all")


def cmd_train(env, args):
    env.logmac  # noqa: B018
    tables = specs.make_pwl_tables(env.logmac_cli, env.tables_dir, specs.LNS_BITS, log)
    res = run_training(env, parse_nets(args.net or "mlp"), tables, args.spec, args.epochs)
    os.makedirs(env.out, exist_ok=True)
    log(training_report(env, res))


def cmd_demo(env, args):
    """MLP accuracy of the demo's designs, joined with build/report/compare.json into build/report/."""
    rep = os.path.abspath(args.report or os.path.join(env.build, "report"))
    compare = report.load_compare(os.path.join(rep, "compare.json"))
    env.logmac  # noqa: B018
    refs = fp32_references(env, ["mlp"])
    state = refs["mlp"][0]
    fp32, _ = fp32_float_accuracy("mlp", state)
    sweep = [(report.family_of(s), 0, s) for s in compare]
    results = run_inference(env, refs, sweep)["mlp"]
    rows = []
    for r in results:
        d = compare[r["canonical"]]
        energy, energy_sim = report.energy_of(d)
        rows.append({**r, "label": specs.label(r["canonical"], env.canon), "area": d["area_um2"],
                     "energy": energy, "energy_sim": energy_sim, "energy_zero": d["energy_pj_per_mac"],
                     "fmax": d["fmax_mhz"], "slack": d["slack_ns"], "timing_met": d["slack_ns"] >= 0,
                     "nrmse": d.get("nrmse")})
    lines, csv_rows = [], []
    for r in rows:
        lines.append([r["label"], f"{100 * r['accuracy']:.2f}", f"{100 * (r['accuracy'] - fp32):+.2f}",
                      f"{r['area']:.0f}", f"{r['energy']:.3f}", f"{r['energy_zero']:.3f}", f"{r['fmax']:.0f}",
                      "yes" if r["timing_met"] else f"**no** ({r['slack']:.2f} ns)", f"{r['nrmse']:.2e}"])
        csv_rows.append([r["label"], r["canonical"], f"{r['accuracy']:.4f}", f"{100 * (r['accuracy'] - fp32):.2f}",
                         f"{r['area']:.1f}", f"{r['energy']:.6f}", r["energy_sim"], f"{r['energy_zero']:.6f}",
                         f"{r['fmax']:.2f}", f"{r['slack']:.4f}", int(r["timing_met"]), f"{r['nrmse']:.6e}"])
    md = [f"# The demo's MACs on a real network: MLP 784-256-10 on Fashion-MNIST\n",
          f"Bit-true test accuracy on all 10,000 test images (post-training quantization of the FP32 MLP, "
          f"FP32: {100 * fp32:.2f} %), next to `logmac compare`'s synthesis results for the same spec (pJ/MAC: "
          f"the timed gate-level simulation's, glitches counted, where it ran; the zero-delay figure beside it). "
          f"Made by `/usr/bin/python3 study/run.py demo` (`make demo`); the full study: `make study`.\n",
          report.md_table(["design", "MLP acc %", "vs FP32", "area um2", "pJ/MAC", "pJ/MAC zero-delay", "fmax MHz",
                           "timing met", "dot nrmse"], lines)]
    md += [p[3] for p in pick_lines(rows, fp32)]
    text = "\n".join(md) + "\n"
    report.write_text(os.path.join(rep, "compare_mlp.md"), text)
    report.write_text(os.path.join(rep, "compare_mlp.csv"), report.csv_text(
        ["label", "spec", "mlp_accuracy", "delta_points", "area_um2", "energy_pj_per_mac", "energy_sim",
         "energy_zero_delay_pj_per_mac", "fmax_mhz", "slack_ns", "timing_met", "dot_nrmse"], csv_rows))
    report.write_text(os.path.join(rep, "compare_mlp.json"), json.dumps(
        {"fp32_accuracy": fp32, "designs": [{k: r[k] for k in ("label", "canonical", "accuracy", "agree_fp32",
                                                                  "area", "energy", "energy_sim", "energy_zero",
                                                                  "fmax", "slack", "timing_met", "shifts")}
                                     for r in rows]}, indent=1) + "\n")
    print(text)


def main(argv=None):
    p = argparse.ArgumentParser(prog="study/run.py", description=__doc__.split("\n")[0])
    p.add_argument("command", choices=["fp32", "infer", "train", "cost", "all", "demo"])
    p.add_argument("--build", default=os.path.join(os.path.dirname(HERE), "build"), help="build directory")
    p.add_argument("--net", help="mlp, lenet or all (default: all; train: mlp and lenet per the plan)")
    p.add_argument("--spec", action="append", help="a MAC spec (repeatable) instead of the sweep")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="GEMM threads (default: all cores)")
    p.add_argument("--jobs", type=int, default=0, help="parallel syntheses of `logmac compare`")
    p.add_argument("--epochs", type=int, help="training epochs (default: per network)")
    p.add_argument("--no-train", action="store_true")
    p.add_argument("--no-cost", action="store_true")
    p.add_argument("--report", help="demo: the report directory holding compare.json (default: BUILD/report)")
    args = p.parse_args(argv)
    env = Env(args)
    try:
        if args.command == "fp32":
            cmd_fp32(env, args)
        elif args.command == "infer":
            results, refs = cmd_infer(env, args)
            for net, rows in results.items():
                fp32, _ = fp32_float_accuracy(net, refs[net][0])
                log(report.md_table([f"{net} (FP32 {100 * fp32:.2f} %)", "accuracy %", "vs FP32"],
                                    [[specs.label(r["canonical"], env.canon), f"{100 * r['accuracy']:.2f}",
                                      f"{100 * (r['accuracy'] - fp32):+.2f}"] for r in rows]))
        elif args.command == "train":
            cmd_train(env, args)
        elif args.command == "cost":
            results, refs = cmd_infer(env, args)
            fp32_acc = {net: fp32_float_accuracy(net, refs[net][0])[0] for net in refs}
            keep, skipped = cost_set(results, fp32_acc, env.canon)
            log(f"cost: {len(keep)} designs to synthesize, {len(skipped)} skipped (see study.md)")
            run_compare(env, sorted(keep), os.path.join(env.out, "compare"), args.jobs or env.threads)
        elif args.command == "all":
            cmd_all(env, args)
        elif args.command == "demo":
            cmd_demo(env, args)
    except (UsageError, report.ReportError, fmnist.DatasetError) as e:
        print(f"study: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
