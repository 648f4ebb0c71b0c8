"""Bit-true inference through the Python module equals an independent path: `logmac eval` (the scalar golden
model of the CLI) on the same operand streams, decoded by the CLI; and LNS training steps (element-wise MAC)
equal `logmac eval` too."""
import subprocess

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import bittrue
import fmnist

SPECS = ["fxp:w=8", "pot:w=4,we=3", "apot:w=5,we=2", "log2lin:w=4,f=1", "lns:w=16,f=8,delta=pwl:qaa",
         "lns:w=12,f=4,delta=lut:64", "lns2lin:w=12,wacc=34"]
IMAGES = 12


@pytest.fixture(scope="module")
def linear_net():
    """A one-layer classifier 784-10 trained briefly on real training images (its accuracy is not the point)."""
    xi, yi = fmnist.load("train")
    torch.manual_seed(0)
    model = torch.nn.Linear(784, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.from_numpy(fmnist.as_float(xi[:2000]).reshape(2000, -1))
    y = torch.from_numpy(yi[:2000].astype(np.int64))
    for i in range(0, 2000, 50):
        loss = F.cross_entropy(model(x[i:i + 50]), y[i:i + 50])
        opt.zero_grad()
        loss.backward()
        opt.step()
    state = {"fc.weight": model.weight.detach().numpy().copy(), "fc.bias": model.bias.detach().numpy().copy()}
    xt, _ = fmnist.load("test")
    return state, fmnist.as_float(xi[:256]), fmnist.as_float(xt[:IMAGES])


def eval_streams(cli, spec, a, b):
    """Final accumulator (bits, value) of every dot product a[i] . b[:, j], through `logmac eval`."""
    m, k = a.shape
    n = b.shape[1]
    lines = []
    for i in range(m):
        for j in range(n):
            lines += [f"{1 if t == 0 else 0} {int(a[i, t]):x} {int(b[t, j]):x}" for t in range(k)]
    r = subprocess.run([cli, "eval", "--mac", spec], input="\n".join(lines) + "\n", capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = r.stdout.split("\n")
    bits = np.empty((m, n), dtype=np.uint64)
    vals = np.empty((m, n))
    for i in range(m):
        for j in range(n):
            h, v = out[(i * n + j) * k + k - 1].split()
            bits[i, j], vals[i, j] = int(h, 16), float(v)
    return bits, vals


@pytest.mark.parametrize("spec", SPECS)
def test_linear_predictions_equal_logmac_eval(spec, linear_net, logmac_module, logmac_cli):
    state, calib, x = linear_net
    mac = logmac_module.Mac(spec)
    q = bittrue.QuantGemm(mac, "linear", state, calib, threads_=2)
    pred_py = bittrue.predict("linear", state, x, q)
    logits_py = bittrue.forward("linear", state, x, q)
    # The independent path: the same operand codes, multiplied and accumulated by the CLI's golden model.
    ka, kb = q.shifts["fc"]
    a = mac.encode_a(np.ascontiguousarray(x.reshape(len(x), -1), dtype=np.float64) / 2.0 ** ka)
    bits, vals = eval_streams(logmac_cli, mac.canonical, a, q.wcodes["fc"])
    assert np.array_equal(mac.matmul(a, q.wcodes["fc"]).astype(np.uint64), bits)
    logits_cli = vals * 2.0 ** (ka + kb) + state["fc.bias"]
    assert np.array_equal(logits_cli.argmax(1), pred_py)
    assert np.allclose(logits_cli, logits_py, rtol=0, atol=1e-12)
    assert len(set(pred_py.tolist())) > 1  # not a constant prediction


def test_lns_update_step_equals_logmac_eval(logmac_module, logmac_cli):
    """w (+) c*g of the training update, element-wise, equals the golden model's MAC step acc = w*1; acc += g*c."""
    spec = "lns:w=14,f=6,delta=pwl:qaa"
    mac = logmac_module.Mac(spec)
    rng = np.random.default_rng(4)
    w = mac.encode_a(rng.normal(0, 0.05, 300))
    g = mac.encode_a(rng.normal(0, 1.0, 300) * 10.0 ** rng.uniform(-4, 1, 300))
    c = mac.encode_b(np.array([-0.1 / 64]))
    one = mac.encode_b(np.array([1.0]))[0]
    new = mac.mac(w, g, c)
    lines = []
    for i in range(300):
        lines += [f"1 {int(w[i]):x} {int(one):x}", f"0 {int(g[i]):x} {int(c[0]):x}"]
    r = subprocess.run([logmac_cli, "eval", "--mac", spec], input="\n".join(lines) + "\n", capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    out = [int(l.split()[0], 16) for l in r.stdout.split("\n")[1::2] if l]
    assert new.tolist() == out
    assert np.count_nonzero(new != w) > 100  # the steps did something
