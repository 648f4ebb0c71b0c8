"""Pareto fronts, cheapest picks, spec labels and the cache, against brute force / the CLI."""
import json
import os

import numpy as np
import pytest

import cache
import report
import specs


def test_pareto_equals_brute_force():
    rng = np.random.default_rng(2)
    for _ in range(200):
        n = int(rng.integers(1, 30))
        pts = [(float(rng.integers(0, 8)), float(rng.integers(0, 8))) for _ in range(n)]
        front = set(report.pareto(pts))
        for i, (c, a) in enumerate(pts):
            dominated = any((c2 <= c and a2 >= a and (c2 < c or a2 > a)) for c2, a2 in pts)
            dup_first = any(j < i and pts[j] == pts[i] for j in range(n))
            assert (i in front) == (not dominated and not dup_first), (pts, i)


def test_cheapest_respects_tolerance_and_timing():
    rows = [{"accuracy": 0.880, "energy": 10.0, "timing_met": True},
            {"accuracy": 0.889, "energy": 20.0, "timing_met": True},
            {"accuracy": 0.895, "energy": 5.0, "timing_met": False},
            {"accuracy": 0.893, "energy": 30.0, "timing_met": True}]
    assert report.cheapest(rows, 0.895, 0.5, "energy") is rows[3]  # 0.889 is 0.6 point below
    assert report.cheapest(rows, 0.895, 1.0, "energy") is rows[1]
    assert report.cheapest(rows, 0.895, 1.5, "energy") is rows[0]
    assert report.cheapest(rows, 0.895, 0.5, "energy", need_timing=False) is rows[2]
    assert report.cheapest(rows, 0.90, 0.1, "energy") is None


def test_label_names_exactly_the_non_default_keys(logmac_cli):
    canon = specs.cli_canon(logmac_cli)
    cases = {
        "lns2lin:w=10,wacc=40": "lns2lin:w=10,wacc=40",
        "lns2lin:w=10,wacc=30": "lns2lin:w=10",
        "lns:w=16,f=8,delta=pwl:qaa": "lns:w=16,delta=pwl:qaa",
        "lns:w=16,f=8,delta=exact": "lns:w=16,delta=exact",
        "lns:w=12": "lns:w=12,delta=exact",
        "log2lin:w=4,f=1": "log2lin:w=4,f=1",
        "pot:w=5,we=4": "pot:w=5,we=4",
        "fxp:w=8": "fxp:w=8",
    }
    for spec, want in cases.items():
        c = canon(spec)
        got = specs.label(c, canon)
        assert got == want, (spec, got)
        assert canon(got) == c  # the label is itself a spec of the same design


def test_cache_trusts_only_complete_checked_entries(tmp_path):
    c = cache.Cache(str(tmp_path), "t")
    meta = {"a": 1, "b": [1, 2]}
    assert c.load(meta) == (None, None)

    def files(d):
        with open(os.path.join(d, "x.bin"), "wb") as f:
            f.write(b"payload")
    rec = c.store(meta, {"acc": 0.5}, files)
    got, d = c.load(meta)
    assert got["result"] == {"acc": 0.5} and open(os.path.join(d, "x.bin"), "rb").read() == b"payload"
    assert c.load({"a": 2, "b": [1, 2]}) == (None, None)
    # A changed payload, a changed record and a missing payload file are all misses.
    with open(os.path.join(d, "x.bin"), "wb") as f:
        f.write(b"payloaD")
    assert c.load(meta) == (None, None)
    c.store(meta, {"acc": 0.5}, files)
    path = os.path.join(c.path(rec["key"]), "record.json")
    r = json.load(open(path))
    r["result"]["acc"] = 0.9
    json.dump(r, open(path, "w"))
    assert c.load(meta) == (None, None)
    c.store(meta, {"acc": 0.5}, files)
    os.remove(os.path.join(c.path(rec["key"]), "x.bin"))
    assert c.load(meta) == (None, None)
    with pytest.raises(ZeroDivisionError):  # a failing writer leaves no entry behind
        c.store({"z": 1}, {}, lambda d: 1 / 0)
    assert c.load({"z": 1}) == (None, None)
    assert [n for n in os.listdir(c.dir) if n.startswith(".")] == []


def test_plot_is_written(tmp_path):
    rows = [{"label": f"fxp:w={w}", "family": "fxp", "accuracy": 0.8 + w / 200, "energy": 2.0 * w, "area": 1000.0 * w,
             "timing_met": w != 5} for w in range(3, 9)]
    fronts = {c: report.pareto([(r[c], r["accuracy"]) for r in rows]) for c in ("energy", "area")}
    path = str(tmp_path / "p.png")
    report.accuracy_cost_plot(path, "t", rows, 0.85, fronts, {0: " (cheapest)"})
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert not os.path.exists(path + ".tmp")


def test_cost_set_skips_saturated_widths_and_hopeless_designs():
    import run
    acc = {3: 0.70, 4: 0.85, 5: 0.884, 6: 0.8845, 7: 0.8846, 8: 0.884}
    rows = [{"family": "fxp", "bits": b, "canonical": f"fxp:w={b}", "accuracy": a} for b, a in acc.items()]
    rows += [{"family": "lns exact", "bits": b, "canonical": f"lns:w={b}", "accuracy": a}
             for b, a in {8: 0.30, 9: 0.30, 10: 0.80, 11: 0.88}.items()]
    keep, skipped = run.cost_set({"mlp": rows}, {"mlp": 0.885})
    # fxp saturates at w=5 (within 0.1 point of its best, 0.8846); 3 is 18.5 points below FP32; lns 8, 9 too.
    assert keep == {"fxp:w=4", "fxp:w=5", "lns:w=10", "lns:w=11"}
    assert set(skipped) == {"fxp:w=3", "fxp:w=6", "fxp:w=7", "fxp:w=8", "lns:w=8", "lns:w=9"}
    assert "no more accurate than at w=5" in skipped["fxp:w=7"]
    # A second network that still gains at w=6 keeps w=6, and one that is good at w=3 keeps w=3.
    rows2 = [dict(r, accuracy=r["accuracy"] + (0.01 if r["bits"] == 6 else 0)) for r in rows if r["family"] == "fxp"]
    rows2[0]["accuracy"] = 0.88
    keep, _ = run.cost_set({"mlp": rows, "lenet": rows2}, {"mlp": 0.885, "lenet": 0.885})
    assert {"fxp:w=3", "fxp:w=6"} <= keep and "fxp:w=7" not in keep


def test_energy_of_prefers_the_timed_simulation():
    timed = {"sim": "timed", "timed_energy_pj_per_mac": 5.13, "energy_pj_per_mac": 4.96}
    assert report.energy_of(timed) == (5.13, "timed")
    zero = {"sim": "zero", "timed_energy_pj_per_mac": None, "energy_pj_per_mac": 4.96}
    assert report.energy_of(zero) == (4.96, "zero-delay")
    assert report.energy_of({"energy_pj_per_mac": 7.0}) == (7.0, "zero-delay")
