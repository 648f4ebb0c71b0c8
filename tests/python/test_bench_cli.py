"""`logmac bench --gemm`: the table, the CSV, the check against the scalar model, and its option errors."""
import csv
import os
import subprocess

LOGMAC = os.environ["LOGMAC"]


def bench(*args):
    return subprocess.run([LOGMAC, "bench", *args], capture_output=True, text=True)


def test_bench_gemm_table_and_csv(tmp_path):
    out = tmp_path / "bench.csv"
    r = bench("--mac", "lns:w=16,f=8", "--mac", "fxp:w=8", "--gemm", "33,70,17", "--threads", "2", "--reps", "1",
              "--dots", "10", "--csv", str(out))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["spec", "scalar", "gemm", "1T"]
    assert lines[1].startswith("lns:delta=pwl:qaa,dmax=16,f=8,pipe=1,underflow=sat,w=16 ")
    assert "256 outputs checked against the scalar model" in r.stdout  # 64 per GEMM run, 2 runs per spec, 2 specs
    rows = list(csv.DictReader(out.open()))
    assert [row["spec"] for row in rows] == ["lns:delta=pwl:qaa,dmax=16,f=8,pipe=1,underflow=sat,w=16",
                                            "fxp:f=7,ovf=sat,pipe=1,w=8,wacc=26"]
    for row in rows:
        for col in ["scalar_mmacs", "gemm_1t_mmacs", "gemm_mmacs", "scalar_mmacs_per_cpu_s", "gemm_mmacs_per_cpu_s"]:
            assert float(row[col]) > 0, col
        assert (row["m"], row["n"], row["k"]) == ("33", "70", "17")
    assert rows[1]["path"] == "int32"


def test_bench_gemm_every_kernel():
    for kernel in ["portable", "reference"]:
        r = bench("--mac", "lns2lin:w=12", "--gemm", "8,40,5", "--kernel", kernel, "--reps", "1", "--dots", "10")
        assert r.returncode == 0, r.stderr
        assert f" {kernel} " in r.stdout.splitlines()[1]


def test_bench_errors(tmp_path):
    for args, msg in [(["--gemm", "256,256"], "--gemm 256,256 is not M,N,K"),
                      (["--gemm", "1,2,3,4"], "is not M,N,K"),
                      (["--gemm", "0,2,3"], "is not M,N,K"),
                      (["--gemm", "a,b,c"], "is not M,N,K"),
                      (["--gemm", "8,8,8", "--threads", "0"], "--threads '0' is not an integer"),
                      (["--gemm", "8,8,8", "--kernel", "fast"], "--kernel fast is not one of"),
                      (["--threads", "2"], "--threads and --kernel apply to --gemm"),
                      (["--gemm", "8,8,8", "extra"], "unexpected argument 'extra'"),
                      (["--gemm", "8,8,8", "--mac", "lns:w=3"], "bad MAC spec 'lns:w=3'")]:
        r = bench(*args, "--reps", "1", "--dots", "1")
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert len(r.stderr.splitlines()) == 1 and msg in r.stderr, (args, r.stderr)
    r = bench("--mac", "fxp:w=8", "--gemm", "4,4,4", "--reps", "1", "--dots", "1", "--csv", str(tmp_path / "no" / "x.csv"))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "x.csv" in r.stderr
