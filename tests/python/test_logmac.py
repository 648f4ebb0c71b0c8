"""The logmac Python module against independent paths: the `logmac vectors` / `logmac eval` command line (the
scalar C++ model streaming CLR/A/B lines) and logmac_model_dump (the models' encoders and decoders called
directly). Run by ctest with PYTHONPATH=build/python, LOGMAC and LOGMAC_MODEL_DUMP set."""
import os
import pickle
import subprocess
import threading
import time

import numpy as np
import pytest

import logmac

LOGMAC = os.environ["LOGMAC"]
MODEL_DUMP = os.environ["LOGMAC_MODEL_DUMP"]

# One spec per variant plus the keys that change the arithmetic: delta kinds, ovf, underflow, exp2, widths
# that take each inner kernel (int32/int64, table32/table64, lns, and the model for lns2lin w > 18).
SPECS = [
    "fxp:w=8", "fxp:w=8,wacc=16,ovf=wrap", "fxp:w=16,wacc=33", "fxp:w=24",
    "pot:w=8", "pot:w=12,we=4,wacc=27", "apot:w=8", "apot:w=6,we=4,ovf=wrap,wacc=22",
    "log2lin:w=8,f=1", "log2lin:w=6,signed=0", "log2lin:w=8,f=2,wacc=12,facc=6",
    "lns:w=16,f=8,delta=pwl:qaa", "lns:w=16,f=8,delta=exact", "lns:w=12,f=4,delta=lut:64",
    "lns:w=12,delta=mitchell", "lns:w=10,f=2,underflow=flush", "lns:w=8",
    "lns2lin:w=12", "lns2lin:w=12,wacc=26", "lns2lin:w=10,exp2=mitchell,ovf=wrap,wacc=20", "lns2lin:w=20,wacc=40",
]


def run(*args, stdin=None):
    return subprocess.run([LOGMAC, *args], input=stdin, capture_output=True, text=True, check=True).stdout


def read_vectors(spec, n, seed):
    """Streams of `logmac vectors --random`: lists of (a, b, acc after the line) per stream."""
    streams = []
    for line in run("vectors", "--mac", spec, "--random", str(n), "--seed", str(seed)).splitlines():
        if line.startswith("#") or not line.strip():
            continue
        clr, a, b, acc = line.split()
        if clr == "1":
            streams.append([])
        streams[-1].append((int(a, 16), int(b, 16), int(acc, 16)))
    return streams


def eval_gemm(spec, a, b):
    """C = A.B through `logmac eval`: one CLR/A/B stream per output element, the last line's accumulator."""
    m, k = a.shape
    n = b.shape[1]
    lines = []
    for i in range(m):
        for j in range(n):
            for t in range(k):
                lines.append(f"{1 if t == 0 else 0} {int(a[i, t]):x} {int(b[t, j]):x}")
    out = run("eval", "--mac", spec, stdin="\n".join(lines) + "\n").splitlines()
    assert len(out) == m * n * k
    return np.array([int(out[(i * n + j) * k + k - 1].split()[0], 16) for i in range(m) for j in range(n)],
                    dtype=np.uint64).reshape(m, n)


def random_codes(rng, bits, shape, dtype):
    return rng.integers(0, 1 << bits, size=shape, dtype=np.uint64).astype(dtype)


@pytest.mark.parametrize("spec", SPECS)
def test_streams_of_logmac_vectors(spec):
    """Every line of `logmac vectors` streams: product() on the CLR line, mac() on the others, and the stream's
    final accumulator through matmul (1 x K times K x 1) with every kernel."""
    mac = logmac.Mac(spec)
    streams = read_vectors(spec, 6000, 3)
    assert sum(len(s) for s in streams) == 6000
    longest = max(len(s) for s in streams)
    acc = np.zeros(len(streams), dtype=mac.dtype_acc)
    for t in range(longest):
        live = [i for i, s in enumerate(streams) if len(s) > t]
        a = np.array([streams[i][t][0] for i in live], dtype=mac.dtype_a)
        b = np.array([streams[i][t][1] for i in live], dtype=mac.dtype_b)
        want = np.array([streams[i][t][2] for i in live], dtype=mac.dtype_acc)
        got = mac.product(a, b) if t == 0 else mac.mac(acc[live], a, b)
        np.testing.assert_array_equal(got, want, err_msg=f"{spec}: line {t} of the streams")
        acc[live] = got
    for kernel in logmac.kernels():
        for s in streams[:40]:
            a = np.array([[x[0] for x in s]], dtype=mac.dtype_a)
            b = np.array([[x[1]] for x in s], dtype=mac.dtype_b)
            c = mac.matmul(a, b, threads=1, kernel=kernel)
            assert c.shape == (1, 1) and c.dtype == mac.dtype_acc
            assert int(c[0, 0]) == s[-1][2], (spec, kernel, len(s))


@pytest.mark.parametrize("spec", SPECS)
def test_matmul_equals_logmac_eval(spec):
    """Random codes and odd shapes (K = 1 included), threads 1, 2, 7, every kernel, against `logmac eval`."""
    mac = logmac.Mac(spec)
    rng = np.random.default_rng(abs(hash(spec)) % 2**32)
    for m, n, k in [(3, 5, 1), (7, 17, 9), (2, 33, 40)]:
        a = random_codes(rng, mac.bits_a, (m, k), mac.dtype_a)
        b = random_codes(rng, mac.bits_b, (k, n), mac.dtype_b)
        want = eval_gemm(spec, a, b)
        for kernel in logmac.kernels():
            for threads in (1, 2, 7):
                c = mac.matmul(a, b, threads=threads, kernel=kernel)
                assert c.dtype == mac.dtype_acc and c.shape == (m, n)
                np.testing.assert_array_equal(c.astype(np.uint64), want, err_msg=f"{spec} {kernel} threads={threads}")


def test_matmul_large_threaded_and_out():
    """A GEMM big enough for several threads equals the 1-thread reference kernel; out= is filled in place."""
    mac = logmac.Mac("lns:w=16,f=8,delta=pwl:qaa")
    rng = np.random.default_rng(4)
    x = np.maximum(0, rng.normal(0, 0.5, (96, 300)))
    w = rng.normal(0, 0.25, (300, 130))
    a, b = mac.encode_a(x), mac.encode_b(w)
    ref = mac.matmul(a, b, threads=1, kernel="reference")
    out = np.empty((96, 130), dtype=mac.dtype_acc)
    res = mac.matmul(a, b, threads=7, out=out)
    assert res is out
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(mac.matmul(a, b), ref)
    y = mac.matmul_f(x, w)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, mac.decode_acc(ref))
    assert np.corrcoef(y.ravel(), (x @ w).ravel())[0, 1] > 0.99


@pytest.mark.parametrize("spec", ["fxp:w=12", "pot:w=8,we=4", "apot:w=8", "log2lin:w=12,f=2", "log2lin:w=7,signed=0",
                                  "lns:w=12", "lns:w=10,f=2", "lns2lin:w=12", "lns2lin:w=9,exp2=mitchell"])
def test_encode_decode_every_code(spec):
    """decode_a/_b/_acc on every code (at most 20 bits) and encode_a/_b on every decoded value and its
    neighbourhood equal the models' own functions (logmac_model_dump)."""
    mac = logmac.Mac(spec)
    dump = subprocess.run([MODEL_DUMP, spec, "decode"], capture_output=True, text=True, check=True).stdout
    values = {"a": {}, "b": {}, "acc": {}}
    for line in dump.splitlines():
        which, code, v = line.split()
        values[which][int(code, 16)] = float.fromhex(v)
    for which, decode, dtype, bits in [("a", mac.decode_a, mac.dtype_a, mac.bits_a),
                                       ("b", mac.decode_b, mac.dtype_b, mac.bits_b),
                                       ("acc", mac.decode_acc, mac.dtype_acc, mac.bits_acc)]:
        if bits > 20:
            continue
        assert len(values[which]) == 1 << bits
        codes = np.arange(1 << bits, dtype=np.uint64).astype(dtype)
        got = decode(codes.reshape(-1, 4) if codes.size % 4 == 0 else codes)
        want = np.array([values[which][i] for i in range(1 << bits)])
        np.testing.assert_array_equal(got.ravel(), want, err_msg=f"{spec} decode_{which}")
    # encode: decoded values, midpoints between neighbours, random values, specials
    rng = np.random.default_rng(2)
    v = np.unique(np.concatenate([list(values["a"].values()), list(values["b"].values())]))
    xs = np.concatenate([v, (v[1:] + v[:-1]) / 2, rng.normal(0, 1, 3000), rng.normal(0, 1e-3, 1000),
                         [0.0, -0.0, 1e300, -1e300, 1e-300, np.inf, -np.inf]])
    out = subprocess.run([MODEL_DUMP, spec, "encode"], input="".join(f"{float(x).hex()}\n" for x in xs),
                         capture_output=True, text=True, check=True).stdout.split()
    want_a = np.array([int(c, 16) for c in out[0::2]], dtype=np.uint64)
    want_b = np.array([int(c, 16) for c in out[1::2]], dtype=np.uint64)
    np.testing.assert_array_equal(mac.encode_a(xs).astype(np.uint64), want_a, err_msg=f"{spec} encode_a")
    np.testing.assert_array_equal(mac.encode_b(xs).astype(np.uint64), want_b, err_msg=f"{spec} encode_b")
    x32 = xs[np.abs(xs) < 1e30].astype(np.float32)  # float32 in: read exactly
    np.testing.assert_array_equal(mac.encode_a(x32), mac.encode_a(x32.astype(np.float64)))


def test_lns_weight_update_in_lns_arithmetic():
    """w <- w (+) (-eta * g) element-wise, equal to `logmac eval` streams 'CLR w ONE' then 'eta g'."""
    spec = "lns:w=16,f=8,delta=pwl:qaa"
    mac = logmac.Mac(spec)
    rng = np.random.default_rng(9)
    w = mac.encode_a(rng.normal(0, 0.3, (20, 30)))
    g = mac.encode_b(rng.normal(0, 0.01, (20, 30)))
    eta = mac.encode_a(-0.05)  # a 0-d array: broadcast
    assert eta.shape == () and eta.dtype == mac.dtype_a
    assert mac.dtype_acc == mac.dtype_a  # lns: accumulator codes are operand codes
    step = mac.product(eta, g)
    new = mac.accumulate(w, step)
    fused = mac.mac(w, eta, g)
    np.testing.assert_array_equal(new, fused)
    one = mac.encode_b(1.0)
    lines = []
    for wi, gi in zip(w.ravel(), g.ravel()):
        lines += [f"1 {int(wi):x} {int(one):x}", f"0 {int(eta):x} {int(gi):x}"]
    out = run("eval", "--mac", spec, stdin="\n".join(lines) + "\n").splitlines()
    want = np.array([int(x.split()[0], 16) for x in out[1::2]], dtype=mac.dtype_acc).reshape(w.shape)
    np.testing.assert_array_equal(new, want)
    before = w.copy()
    res = mac.accumulate(w, step, out=w)  # in place
    assert res is w
    np.testing.assert_array_equal(w, want)
    assert not np.array_equal(before, w)


def test_properties():
    mac = logmac.Mac("lns2lin:w=12")
    assert mac.spec == "lns2lin:w=12"
    assert mac.canonical == run("spec", "lns2lin:w=12").split('"spec": "')[1].split('"')[0]
    assert mac.widths == {"wa": 12, "wb": 12, "wacc": 34, "facc": 22, "latency": 2}
    assert (mac.dtype_a, mac.dtype_b, mac.dtype_acc) == (np.uint16, np.uint16, np.uint64)
    assert (mac.bits_a, mac.bits_b, mac.bits_acc) == (12, 12, 34)
    assert mac.json == run("spec", "lns2lin:w=12")
    r = logmac.Mac("fxp:w=8").range_a
    assert (r.min, r.max, r.tiny) == (-1.0, 127 / 128, 1 / 128)
    r = logmac.Mac("fxp:w=8").range_acc
    assert (r.min, r.max, r.tiny) == (-(2.0 ** 25) / 2 ** 14, (2.0 ** 25 - 1) / 2 ** 14, 2.0 ** -14)
    r = logmac.Mac("lns:w=12,f=4").range_a
    assert r.max == 2.0 ** (511 / 16) and r.min == -r.max and r.tiny == 2.0 ** (-512 / 16)
    assert logmac.Mac("fxp:w=20").dtype_a == np.uint32
    assert logmac.Mac("pot:w=8").dtype_b == np.uint8
    assert pickle.loads(pickle.dumps(mac)).canonical == mac.canonical
    assert repr(mac) == f"logmac.Mac('{mac.canonical}')"
    assert logmac.best_kernel() in logmac.kernels() and "reference" in logmac.kernels()


def test_gil_released():
    """Two Python threads run GEMMs at once and both get the right result."""
    mac = logmac.Mac("lns:w=16,f=8")
    rng = np.random.default_rng(1)
    a = mac.encode_a(rng.normal(size=(64, 200)))
    b = mac.encode_b(rng.normal(size=(200, 64)))
    ref = mac.matmul(a, b, threads=1)
    results = []
    workers = [threading.Thread(target=lambda: results.append(mac.matmul(a, b, threads=1))) for _ in range(2)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert len(results) == 2 and all(np.array_equal(r, ref) for r in results)


def test_gil_released_during_compute():
    """While one thread is inside matmul, another keeps running Python code: the longest pause the main
    thread sees is far shorter than the call (it would be the whole call if the GIL were held)."""
    mac = logmac.Mac("lns:w=16,f=8")
    rng = np.random.default_rng(3)
    a = mac.encode_a(rng.normal(size=(256, 600)))
    b = mac.encode_b(rng.normal(size=(600, 256)))
    inside = threading.Event()
    span = []

    def work():
        inside.set()
        t0 = time.perf_counter()
        mac.matmul(a, b, threads=1, kernel="portable")
        span.append((t0, time.perf_counter()))

    t = threading.Thread(target=work)
    t.start()
    inside.wait()
    stamps = [time.perf_counter()]
    while t.is_alive():
        stamps.append(time.perf_counter())
    t.join()
    t0, t1 = span[0]
    assert t1 - t0 > 0.05, "matmul too short to tell"
    within = [s for s in stamps if t0 <= s <= t1]
    gaps = np.diff([t0, *within, t1])
    assert gaps.max() < 0.5 * (t1 - t0), (gaps.max(), t1 - t0)


def test_errors():
    with pytest.raises(ValueError, match=r"^bad MAC spec 'lns:w=3': lns: w=3 is not an integer in 4..24$"):
        logmac.Mac("lns:w=3")
    cli = subprocess.run([LOGMAC, "spec", "lns:w=3"], capture_output=True, text=True)
    assert cli.returncode == 2 and cli.stderr.strip() == "logmac: bad MAC spec 'lns:w=3': lns: w=3 is not an integer in 4..24"
    with pytest.raises(ValueError, match="unknown variant"):
        logmac.Mac("cubic:w=8")
    mac = logmac.Mac("lns:w=12")
    a = np.zeros((3, 4), dtype=np.uint16)
    b = np.zeros((4, 5), dtype=np.uint16)
    with pytest.raises(TypeError, match=r"matmul: a must have dtype uint16.*got int64"):
        mac.matmul(a.astype(np.int64), b)
    with pytest.raises(TypeError, match=r"matmul: b must have dtype uint16.*got float64"):
        mac.matmul(a, b.astype(np.float64))
    with pytest.raises(TypeError, match=r"matmul: a must be a numpy array of uint16.*got list"):
        mac.matmul([[0, 0]], b)
    with pytest.raises(TypeError, match="must have dtype uint16"):
        mac.matmul(a.astype(">u2"), b)  # same values, other byte order: no silent copy
    with pytest.raises(ValueError, match=r"matmul: a must be C-contiguous"):
        mac.matmul(np.zeros((4, 3), dtype=np.uint16).T, b)
    with pytest.raises(ValueError, match=r"matmul: b must be C-contiguous"):
        mac.matmul(a, np.zeros((4, 10), dtype=np.uint16)[:, ::2])
    with pytest.raises(ValueError, match=r"matmul: a must be 2-D"):
        mac.matmul(np.zeros(4, dtype=np.uint16), b)
    with pytest.raises(ValueError, match=r"inner dimensions \(K\) differ"):
        mac.matmul(a, np.zeros((5, 5), dtype=np.uint16))
    with pytest.raises(ValueError, match=r"K = 0"):
        mac.matmul(np.zeros((3, 0), dtype=np.uint16), np.zeros((0, 5), dtype=np.uint16))
    bad = a.copy()
    bad[2, 1] = 0x1000
    with pytest.raises(ValueError, match=r"matmul: a\[2, 1\] = 0x1000 is not one of the operand-A codes of lns:.*12 bits"):
        mac.matmul(bad, b)
    bad = b.copy()
    bad[3, 4] = 0xffff
    with pytest.raises(ValueError, match=r"matmul: b\[3, 4\] = 0xffff"):
        mac.matmul(a, bad)
    with pytest.raises(ValueError, match=r"threads=-1"):
        mac.matmul(a, b, threads=-1)
    with pytest.raises(ValueError, match=r"kernel='fast'"):
        mac.matmul(a, b, kernel="fast")
    with pytest.raises(ValueError, match=r"out has shape \(3, 4\), the result has shape \(3, 5\)"):
        mac.matmul(a, b, out=np.zeros((3, 4), dtype=np.uint16))
    with pytest.raises(TypeError, match=r"out must have dtype uint16"):
        mac.matmul(a, b, out=np.zeros((3, 5), dtype=np.uint32))
    ro = np.zeros((3, 5), dtype=np.uint16)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=r"out is read-only"):
        mac.matmul(a, b, out=ro)
    with pytest.raises(ValueError, match=r"out overlaps an input"):
        sq = np.zeros((4, 4), dtype=np.uint16)
        mac.matmul(sq, sq, out=sq)
    with pytest.raises(ValueError, match=r"encode_a: x\[3\] is NaN"):
        mac.encode_a(np.array([0, 1, 2, np.nan, 4.0]))
    with pytest.raises(ValueError, match=r"encode_b: x\[1, 0\] is NaN"):
        mac.encode_b(np.array([[0, 1], [np.nan, 4.0]]))
    with pytest.raises(TypeError, match=r"encode_b: x must hold real numbers"):
        mac.encode_b(np.array([1 + 2j]))
    with pytest.raises(TypeError, match=r"encode_a: x must hold real numbers"):
        mac.encode_a(["a"])
    with pytest.raises(ValueError, match=r"decode_acc: codes\[1, 0\] = 0x2000"):
        mac.decode_acc(np.array([[0], [0x2000]], dtype=np.uint16))
    with pytest.raises(ValueError, match=r"product: a has shape \(3,\), but the result has shape \(2, 3\)|shapes do not match"):
        mac.product(np.zeros(3, dtype=np.uint16), np.zeros((2, 4), dtype=np.uint16))
    with pytest.raises(ValueError, match=r"acc has shape \(2,\), but the result has shape \(3,\)|shapes do not match"):
        mac.accumulate(np.zeros(2, dtype=np.uint16), np.zeros(3, dtype=np.uint16))
    with pytest.raises(TypeError, match=r"mac: acc must have dtype uint64"):
        logmac.Mac("fxp:w=8,wacc=40").mac(np.zeros(3, dtype=np.uint32), np.zeros(3, dtype=np.uint8),
                                          np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"out overlaps an input other than element by element"):
        x = np.zeros(5, dtype=np.uint16)
        mac.accumulate(x[:4], x[:4], out=x[1:])
    # the same array in and out, element by element, is allowed
    x = np.zeros(5, dtype=np.uint16)
    assert mac.accumulate(x, x, out=x) is x


def test_empty_and_scalar_shapes():
    mac = logmac.Mac("fxp:w=8")
    c = mac.matmul(np.zeros((0, 3), dtype=np.uint8), np.zeros((3, 4), dtype=np.uint8))
    assert c.shape == (0, 4) and c.dtype == mac.dtype_acc
    assert mac.encode_a(0.5).shape == () and int(mac.encode_a(0.5)) == 64
    assert mac.decode_a(mac.encode_a([0.5, -0.25])).tolist() == [0.5, -0.25]
    p = mac.product(mac.encode_a(0.5), mac.encode_b(np.array([0.5, -1.0])))
    assert mac.decode_acc(p).tolist() == [0.25, -0.5]
    assert mac.product(np.uint8(64), np.uint8(64)).shape == ()  # numpy scalars are 0-d arrays


def test_cmake_install(tmp_path):
    """`cmake --install` puts an importable module under <prefix>/LOGMAC_PYTHON_INSTALL_DIR."""
    subprocess.run([os.environ["LOGMAC_CMAKE"], "--install", os.environ["LOGMAC_BUILD_DIR"], "--prefix", str(tmp_path)],
                   check=True, capture_output=True)
    site = tmp_path / os.environ["LOGMAC_PYTHON_INSTALL_DIR"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    r = subprocess.run(["/usr/bin/python3", "-c", "import logmac; print(logmac.__file__); "
                        "print(logmac.Mac('fxp:w=8').matmul_f([[0.5, 0.25]], [[0.5], [0.5]])[0, 0])"],
                       env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    path, value = r.stdout.split()
    assert path.startswith(str(site)) and float(value) == 0.375
