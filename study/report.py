"""Tables (Markdown, CSV, JSON), the join with `logmac compare` results, Pareto fronts and gnuplot plots."""
import csv
import io
import json
import math
import os
import subprocess

# Stable colours per design family (the same in every plot).
FAMILY_COLOURS = {
    "fxp": "#000000", "pot": "#e69f00", "apot": "#8c510a", "log2lin f=0": "#0072b2", "log2lin f=1": "#56b4e9",
    "lns pwl:qaa": "#cc0077", "lns exact": "#d55e00", "lns pwl:opt": "#7b3294", "lns mitchell": "#999933",
    "lns lut:16": "#009e73", "lns lut:64": "#66c2a5", "lns2lin table": "#555555", "lns2lin mitchell": "#aaaaaa",
}
EXTRA_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"]


def family_colour(fam):
    if fam in FAMILY_COLOURS:
        return FAMILY_COLOURS[fam]
    return EXTRA_COLOURS[sum(map(ord, fam)) % len(EXTRA_COLOURS)]


def family_of(canonical):
    """Design family of a canonical spec (colour and legend group)."""
    variant, _, rest = canonical.partition(":")
    keys = dict(p.split("=", 1) for p in rest.split(",")) if rest else {}
    if variant == "log2lin":
        return f"log2lin f={keys.get('f', '0')}"
    if variant == "lns":
        d = keys.get("delta", "")
        if d.startswith("pwl:") and d != "pwl:qaa":
            return "lns pwl:opt"
        return "lns " + d
    if variant == "lns2lin":
        return "lns2lin " + keys.get("exp2", "table")
    return variant


# ------------------------------------------------------------------------------------------------ writing
def write_text(path, text):
    """Atomic write: a reader never sees half a report."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def csv_text(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def md_table(header, rows, align=None):
    align = align or ["---"] + ["--:"] * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out) + "\n"


def pct(x, digits=2):
    return "-" if x is None else f"{100.0 * x:.{digits}f}"


# ----------------------------------------------------------------------------------------- compare.json
REQUIRED = ("spec", "area_um2", "energy_pj_per_mac", "fmax_mhz", "slack_ns", "clock_ns", "gate_level_equals_model")


class ReportError(RuntimeError):
    pass


def load_compare(path):
    """{canonical spec: design record} of a compare.json; a missing field is an error naming it."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise ReportError(f"{path}: cannot read compare results ({e})")
    out = {}
    for i, d in enumerate(doc.get("designs", [])):
        for k in REQUIRED:
            if k not in d:
                raise ReportError(f"{path}: design {i} has no field '{k}'")
        out[d["spec"]] = d
    if not out:
        raise ReportError(f"{path}: no designs")
    return out


def energy_of(d):
    """(pJ/MAC, how measured) of a compare.json design: the timed gate-level simulation's (glitches counted, what
    `logmac compare` reports by default) where it ran, else the zero-delay one's."""
    timed = d.get("timed_energy_pj_per_mac")
    if d.get("sim") == "timed" and isinstance(timed, (int, float)) and timed > 0:
        return float(timed), "timed"
    return float(d["energy_pj_per_mac"]), "zero-delay"


def pareto(points):
    """Indices of the points (cost, accuracy) on the front: no other point is at most as costly and at least as
    accurate with one of the two strictly better. Sorted by cost."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -math.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def cheapest(rows, fp32, tol_points, cost, need_timing=True):
    """The row of least cost whose accuracy is within tol_points (percentage points) of fp32."""
    ok = [r for r in rows if r["accuracy"] >= fp32 - tol_points / 100.0 - 1e-12 and (r["timing_met"] or not need_timing)]
    return min(ok, key=lambda r: r[cost]) if ok else None


# ------------------------------------------------------------------------------------------------ plots
class Canvas:
    """Pixel geometry of one gnuplot panel with fixed margins, for label placement."""

    def __init__(self, width, height, x0, x1, y0, y1, xr, yr, xlog):
        self.W, self.H = width, height
        self.px0, self.px1 = x0 * width, x1 * width
        self.py0, self.py1 = (1 - y1) * height, (1 - y0) * height  # top, bottom in pixels (y down)
        self.xr, self.yr, self.xlog = xr, yr, xlog

    def _fx(self, x):
        return math.log(x) if self.xlog else x

    def to_px(self, x, y):
        a, b = self._fx(self.xr[0]), self._fx(self.xr[1])
        px = self.px0 + (self._fx(x) - a) / (b - a) * (self.px1 - self.px0)
        py = self.py1 - (y - self.yr[0]) / (self.yr[1] - self.yr[0]) * (self.py1 - self.py0)
        return px, py

    def to_data(self, px, py):
        a, b = self._fx(self.xr[0]), self._fx(self.xr[1])
        fx = a + (px - self.px0) / (self.px1 - self.px0) * (b - a)
        y = self.yr[0] + (self.py1 - py) / (self.py1 - self.py0) * (self.yr[1] - self.yr[0])
        return (math.exp(fx) if self.xlog else fx), y


CHAR_W, CHAR_H, MARK = 7.0, 13.0, 6.0  # pngcairo "sans,9": glyph advance (measured on a rendered label), line height


def place_labels(canvas, points, labels):
    """Greedy placement: labels (point index, text) in priority order get the first candidate box that stays
    inside the panel and overlaps no other label and no point marker; far candidates get a leader line.
    Returns [(text, x_data, y_data, justification, leader (x, y) or None)]."""
    boxes = []
    marks = [canvas.to_px(x, y) for x, y in points]
    for mx, my in marks:
        boxes.append((mx - MARK, my - MARK, mx + MARK, my + MARK))
    placed = []
    for idx, text in labels:
        px, py = marks[idx]
        w, h = len(text) * CHAR_W + 4, CHAR_H
        cands = []
        for dist in (1, 2.5, 4.5, 7):
            g = 9 * dist
            cands += [(px + g, py - h / 2), (px - g - w, py - h / 2), (px - w / 2, py - g - h), (px - w / 2, py + g),
                      (px + g * 0.7, py - g * 0.7 - h), (px + g * 0.7, py + g * 0.7), (px - g * 0.7 - w, py - g * 0.7 - h),
                      (px - g * 0.7 - w, py + g * 0.7)]
        chosen = None
        for k, (bx, by) in enumerate(cands):
            box = (bx, by, bx + w, by + h)
            if box[0] < canvas.px0 + 2 or box[2] > canvas.px1 - 2 or box[1] < canvas.py0 + 2 or box[3] > canvas.py1 - 2:
                continue
            if any(not (box[2] <= o[0] or box[0] >= o[2] or box[3] <= o[1] or box[1] >= o[3]) for o in boxes):
                continue
            chosen = (box, k >= 8)
            break
        if chosen is None:
            continue  # no free place: the table names every design; the plot keeps its points
        box, leader = chosen
        boxes.append(box)
        lx, ly = canvas.to_data(box[0] + 2, (box[1] + box[3]) / 2)
        lead = None
        if leader:
            cx = min(max(px, box[0]), box[2])
            cy = min(max(py, box[1]), box[3])
            lead = canvas.to_data(cx, cy)
        placed.append((text, lx, ly, "left", lead, canvas.to_data(px, py)))
    return placed


def gp_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def accuracy_cost_plot(path, title, rows, fp32, pareto_sets, picks, log=print):
    """Two panels (energy per MAC, area) of accuracy against cost for one network. rows: dicts with label, family,
    accuracy, energy, area, timing_met. pareto_sets: {cost key: [row indices]}; picks: {row index: note}."""
    W, H = 1700, 760
    panels = [("energy", "energy per MAC [pJ], timed: glitches counted (log scale)", 0.055, 0.425), ("area", "MAC area [um^2] (log scale)",
                                                                               0.475, 0.845)]
    y_top = math.ceil(100 * max(max(r["accuracy"] for r in rows), fp32)) + 1
    y_bot = max(0, math.floor(100 * fp32) - 12)
    gp = [f"set terminal pngcairo size {W},{H} font 'sans,9' noenhanced", f"set output {gp_quote(path + '.tmp')}",
          "set multiplot", f"set label 1 {gp_quote(title)} at screen 0.5, 0.975 center font 'sans,12'",
          "set grid", "set logscale x"]
    fams = sorted({r["family"] for r in rows}, key=lambda f: (list(FAMILY_COLOURS).index(f)
                                                              if f in FAMILY_COLOURS else 99, f))
    for pi, (cost, xlabel, x0, x1) in enumerate(panels):
        xs = [r[cost] for r in rows]
        xr = (min(xs) / 1.18, max(xs) * 1.18)
        canvas = Canvas(W, H, x0, x1, 0.11, 0.93, xr, (y_bot, y_top), True)
        gp += [f"set lmargin at screen {x0}", f"set rmargin at screen {x1}", "set bmargin at screen 0.11",
               "set tmargin at screen 0.93", f"set xrange [{xr[0]:.6g}:{xr[1]:.6g}]", f"set yrange [{y_bot}:{y_top}]",
               f"set xlabel {gp_quote(xlabel)}", "set ylabel 'test top-1 accuracy [%]'", "unset label", "unset arrow"]
        if pi == 0:
            gp.append(f"set label 1 {gp_quote(title)} at screen 0.45, 0.975 center font 'sans,12'")
        for tol, dt in ((0.0, 1), (0.5, 2), (1.0, 3)):
            yv = 100 * fp32 - tol
            gp.append(f"set arrow from graph 0, first {yv:.4f} to graph 1, first {yv:.4f} nohead dt {dt} lc rgb '#2a9d2a'")
        pts = [(r[cost], max(100 * r["accuracy"], y_bot)) for r in rows]
        labels = [(i, rows[i]["label"] + picks[i]) for i in picks]
        labels += [(i, rows[i]["label"]) for i in pareto_sets[cost] if i not in picks]
        n_lab = 10
        for text, lx, ly, just, lead, (ax, ay) in place_labels(canvas, pts, labels):
            gp.append(f"set label {n_lab} {gp_quote(text)} at first {lx:.6g}, first {ly:.5f} {just} front")
            n_lab += 1
            if lead:
                gp.append(f"set arrow from first {ax:.6g}, first {ay:.5f} to first {lead[0]:.6g}, first {lead[1]:.5f} "
                          "nohead lw 0.6 lc rgb '#777777' back")
        blocks, plots = [], []
        for fi, fam in enumerate(fams):
            inside = [f"{r[cost]:.6g} {100 * r['accuracy']:.4f}" for r in rows if r["family"] == fam
                      and 100 * r["accuracy"] >= y_bot]
            below = [f"{r[cost]:.6g} {y_bot + 0.15:.4f}" for r in rows if r["family"] == fam and 100 * r["accuracy"] < y_bot]
            blocks += [f"$F{pi}_{fi} << EOD"] + (inside or ["NaN NaN"]) + ["EOD"]
            blocks += [f"$B{pi}_{fi} << EOD"] + (below or ["NaN NaN"]) + ["EOD"]
            title_ = gp_quote(fam) if pi == 1 else "notitle"
            title_ = ("title " + title_) if pi == 1 else "notitle"
            c = family_colour(fam)
            plots.append(f"$F{pi}_{fi} using 1:2 with points pt 7 ps 1.3 lc rgb '{c}' {title_}")
            plots.append(f"$B{pi}_{fi} using 1:2 with points pt 11 ps 1.5 lc rgb '{c}' notitle")
        front = [f"{rows[i][cost]:.6g} {100 * rows[i]['accuracy']:.4f}" for i in pareto_sets[cost]]
        missed = [f"{r[cost]:.6g} {max(100 * r['accuracy'], y_bot + 0.15):.4f}" for r in rows if not r["timing_met"]]
        pick = [f"{rows[i][cost]:.6g} {100 * rows[i]['accuracy']:.4f}" for i in picks]
        blocks += [f"$P{pi} << EOD"] + (front or ["NaN NaN"]) + ["EOD"]
        blocks += [f"$M{pi} << EOD"] + (missed or ["NaN NaN"]) + ["EOD"]
        blocks += [f"$C{pi} << EOD"] + (pick or ["NaN NaN"]) + ["EOD"]
        key = "notitle" if pi == 0 else "title"
        plots.insert(0, f"$P{pi} using 1:2 with steps dt 2 lw 1.6 lc rgb '#222222' "
                        + (f"{key} 'Pareto front'" if pi == 1 else "notitle"))
        plots.append(f"$M{pi} using 1:2 with points pt 2 ps 2.2 lw 2 lc rgb '#ff0000' "
                     + (f"{key} 'misses timing (clock of compare)'" if pi == 1 else "notitle"))
        plots.append(f"$C{pi} using 1:2 with points pt 6 ps 2.6 lw 2 lc rgb '#2a9d2a' "
                     + (f"{key} 'cheapest within 0.5 / 1 point'" if pi == 1 else "notitle"))
        plots.append(f"NaN with points pt 11 ps 1.5 lc rgb '#000000' " + (f"{key} 'below the y range (at the edge)'"
                                                                           if pi == 1 else "notitle"))
        if pi == 1:
            for name, dt in ((f"FP32 {100 * fp32:.2f} %", 1), ("FP32 - 0.5 point", 2), ("FP32 - 1 point", 3)):
                plots.append(f"NaN with lines dt {dt} lw 1.2 lc rgb '#2a9d2a' title {gp_quote(name)}")
        if pi == 1:
            gp.append("set key at screen 0.855, 0.93 top left Left reverse samplen 1.5 spacing 1.15")
        else:
            gp.append("unset key")
        gp += blocks
        gp.append("plot " + ", \\\n     ".join(plots))
    gp.append("unset multiplot")
    run_gnuplot(path, gp)


def curves_plot(path, title, series, log=print):
    """Test accuracy per epoch, one line per training arithmetic. series: [(name, [acc per epoch], colour, dash)]."""
    gp = ["set terminal pngcairo size 1100,640 font 'sans,10' noenhanced", f"set output {gp_quote(path + '.tmp')}",
          f"set title {gp_quote(title)}", "set grid", "set xlabel 'epoch'", "set ylabel 'test top-1 accuracy [%]'",
          "set key outside right top Left reverse samplen 2", "set xtics 1"]
    allv = [100 * a for _, accs, _, _ in series for a in accs]
    lo = max(0, math.floor(min(allv)) - 1) if allv else 0
    hi = math.ceil(max(allv)) + 1 if allv else 100
    gp.append(f"set yrange [{lo}:{hi}]")
    plots = []
    for i, (name, accs, colour, dash) in enumerate(series):
        gp += [f"$S{i} << EOD"] + [f"{e + 1} {100 * a:.4f}" for e, a in enumerate(accs)] + ["EOD"]
        plots.append(f"$S{i} using 1:2 with linespoints lw 2 pt 7 ps 0.9 dt {dash} lc rgb '{colour}' title {gp_quote(name)}")
    gp.append("plot " + ", \\\n     ".join(plots))
    run_gnuplot(path, gp)


def run_gnuplot(path, lines):
    """Writes the script next to the PNG (path.gp), renders into path.tmp and renames: no half-written plot."""
    script = path[:-4] + ".gp"
    write_text(script, "\n".join(lines) + "\n")
    r = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(path + ".tmp"):
        raise ReportError(f"gnuplot {script} failed (exit {r.returncode}): {r.stderr.strip()[:400]}")
    os.replace(path + ".tmp", path)
