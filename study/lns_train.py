"""Training with every multiply-accumulate on a MAC model (QAA-LNS style), next to FP32 with the same steps.

One engine, two arithmetics (the steps, data order, initial weights and hyper-parameters are identical):
  Fp32Arith  numpy float32 (BLAS GEMMs, w + c*g updates): the FP32 reference curve;
  LnsArith   a logmac.Mac of variant lns: every tensor that enters a GEMM is an LNS code array; forward GEMMs,
             input-gradient and weight-gradient GEMMs are `matmul` on the LNS MAC; an accumulator code is again an
             operand code (same format), so activations stay LNS codes from layer to layer; the weights are LNS
             codes and the SGD step is one element-wise MAC step of the same MAC, w <- w (+) (c (x) g), so the
             update goes through the same Delta approximation as every sum.
Layers (bias folded into the GEMM as weight column 0 against a constant-1 input, so it is the first term of every
dot product: CLR with the bias, then the k terms): Linear, Conv (im2col; the input gradient is the full
convolution of the output gradient with the flipped kernel, again im2col + GEMM, so no sum happens outside a
GEMM), ReLU and max-pooling (exact on codes: a sign test and a comparison of decoded values), flatten.
Optimizer: plain SGD, batch B, learning rate annealed per epoch on a half cosine (cosine_lr).
Loss: softmax cross-entropy in float64 on the decoded logits (the only float step of the LNS path); its gradient
is encoded with loss scale B (the batch size): the code array holds B * dL/dz = softmax - onehot, in [-1, 1],
so it cannot underflow at encoding before the first GEMM; 1/B and the learning rate are folded into the one
constant c = -lr/B of the update (and momentum, when used, keeps v = mu*v + g in the same scaled units).
"""
import math
import time

import numpy as np

import bittrue


# ------------------------------------------------------------------------------------------------ arithmetics
class Fp32Arith:
    name = "fp32"
    dtype = np.float32
    zero, one = np.float32(0.0), np.float32(1.0)

    def encode(self, x):
        return np.asarray(x, dtype=np.float32)

    def to_float(self, x):
        return x.astype(np.float64)

    def gemm(self, a, b):
        return np.matmul(a, b)

    def update(self, w, g, c):
        """w + c*g (c a float)."""
        return (w + np.float32(c) * g).astype(np.float32)

    def momentum(self, v, g, mu):
        """mu*v + g."""
        return (np.float32(mu) * v + g).astype(np.float32)


class LnsArith:
    def __init__(self, mac, threads=None):
        variant = mac.canonical.split(":", 1)[0]
        if variant != "lns":
            raise ValueError(f"LNS training needs an lns MAC (its accumulator is an operand), not {mac.canonical}")
        self.mac, self.name = mac, mac.canonical
        keys = dict(kv.split("=", 1) for kv in mac.canonical.split(":", 1)[1].split(","))
        self.frac_bits = int(keys["f"])
        self.threads = threads or bittrue.threads()
        self.zero = mac.encode_a(np.zeros(1))[0]
        self.one = mac.encode_a(np.ones(1))[0]
        self.dtype = self.zero.dtype
        # +-MAX: the largest magnitude and the bottom a sum saturates to (range_acc.tiny is the log -2^(w-3), an
        # input-only code one LSB lower). Codes of either sign, counted without decoding.
        self.vmax = mac.range_acc.max
        self.vmin = 1.0 / self.vmax
        self.sat_hi_codes = mac.encode_a(np.array([self.vmax, -self.vmax]))
        self.sat_lo_codes = mac.encode_a(np.array([self.vmin, -self.vmin]))
        assert mac.decode_a(self.sat_lo_codes)[0] == self.vmin
        self.stats = Stats()

    def encode(self, x):
        return self.mac.encode_a(np.ascontiguousarray(x, dtype=np.float64))

    def to_float(self, x):
        return self.mac.decode_acc(np.ascontiguousarray(x))

    def gemm(self, a, b):
        c = self.mac.matmul(np.ascontiguousarray(a), np.ascontiguousarray(b), threads=self.threads)
        self.stats.count_saturation(self, c)
        return c

    def update(self, w, g, c):
        """w (+) (g (x) code(c)): one MAC step per element."""
        cc = self.mac.encode_b(np.array([c], dtype=np.float64))
        return self.mac.mac(w, g, cc, threads=self.threads)

    def momentum(self, v, g, mu):
        """g (+) (v (x) code(mu))."""
        return self.mac.mac(g, v, self.mac.encode_b(np.array([mu], dtype=np.float64)), threads=self.threads)


class Stats:
    """Counts of what the LNS arithmetic did to the training signal (reset per epoch)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.enabled = True  # off while the test set is evaluated: the counts describe training steps
        self.c = {k: 0 for k in ("gemm_out", "sat_hi", "sat_lo", "grad_enc", "grad_enc_zero", "upd", "upd_lost",
                                 "bias_n")}
        self.f = {"upd_dot": 0.0, "upd_sq": 0.0, "bias_lsb": 0.0, "bias_abs_lsb": 0.0}

    def count_saturation(self, ar, codes):
        if not self.enabled:
            return
        self.c["gemm_out"] += codes.size
        self.c["sat_hi"] += int(np.count_nonzero((codes == ar.sat_hi_codes[0]) | (codes == ar.sat_hi_codes[1])))
        self.c["sat_lo"] += int(np.count_nonzero((codes == ar.sat_lo_codes[0]) | (codes == ar.sat_lo_codes[1])))

    def summary(self):
        c, f = self.c, self.f
        frac = lambda a, b: c[a] / c[b] if c[b] else 0.0
        return {
            "gemm_outputs": c["gemm_out"],
            "sat_hi_frac": frac("sat_hi", "gemm_out"),      # GEMM outputs at +MAX (overflow saturated)
            "sat_lo_frac": frac("sat_lo", "gemm_out"),      # at -MAX (underflow saturated)
            "grad_underflow_frac": frac("grad_enc_zero", "grad_enc"),  # nonzero loss gradients encoded as 0
            "updates": c["upd"],
            "update_lost_frac": frac("upd_lost", "upd"),    # nonzero intended update, weight code unchanged
            "update_ratio": f["upd_dot"] / f["upd_sq"] if f["upd_sq"] else 0.0,  # applied / intended
            "delta_bias_lsb": f["bias_lsb"] / c["bias_n"] if c["bias_n"] else 0.0,  # vs delta=exact, same step
            "delta_abs_lsb": f["bias_abs_lsb"] / c["bias_n"] if c["bias_n"] else 0.0,
        }


# ----------------------------------------------------------------------------------------------------- layers
def with_ones(ar, x2d):
    out = np.empty((x2d.shape[0], x2d.shape[1] + 1), dtype=x2d.dtype)
    out[:, 0] = ar.one
    out[:, 1:] = x2d
    return out


class Linear:
    def __init__(self, name, w, b):
        self.name = name
        self.wf = np.concatenate([b[:, None], w], axis=1).astype(np.float64)  # [out, 1 + in], bias first

    def forward(self, ar, x):
        self.a = with_ones(ar, x.reshape(len(x), -1))
        return ar.gemm(self.a, np.ascontiguousarray(self.w.T))

    def backward(self, ar, g, need_dx):
        self.dw = ar.gemm(np.ascontiguousarray(g.T), self.a)
        return ar.gemm(g, np.ascontiguousarray(self.w[:, 1:])) if need_dx else None


class Conv:
    def __init__(self, name, w, b, pad):
        self.name, self.pad, self.shape = name, pad, w.shape  # [out, in, k, k]
        self.wf = np.concatenate([b[:, None], w.reshape(w.shape[0], -1)], axis=1).astype(np.float64)

    def forward(self, ar, x):
        self.in_shape = x.shape
        cols, (n, oh, ow) = im2col_codes(ar, x, self.shape[2], self.pad)
        self.a = with_ones(ar, cols)
        y = ar.gemm(self.a, np.ascontiguousarray(self.w.T))
        return np.ascontiguousarray(y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2))

    def backward(self, ar, g, need_dx):
        out, cin, k, _ = self.shape
        g2 = np.ascontiguousarray(g.transpose(0, 2, 3, 1)).reshape(-1, out)
        self.dw = ar.gemm(np.ascontiguousarray(g2.T), self.a)
        if not need_dx:
            return None
        # dX = full convolution of g with the kernel flipped in space and transposed in channels.
        cols, (n, h, w) = im2col_codes(ar, g, k, k - 1 - self.pad)
        wk = self.w[:, 1:].reshape(out, cin, k, k)[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(cin, -1)
        dx = ar.gemm(cols, np.ascontiguousarray(wk.T))
        return np.ascontiguousarray(dx.reshape(n, h, w, cin).transpose(0, 3, 1, 2))


def im2col_codes(ar, x, k, pad):
    if pad:
        p = np.full((x.shape[0], x.shape[1], x.shape[2] + 2 * pad, x.shape[3] + 2 * pad), ar.zero, dtype=x.dtype)
        p[:, :, pad:-pad, pad:-pad] = x
        x = p
    return bittrue.im2col(x, k, k, 0)


class Relu:
    def forward(self, ar, x):
        self.mask = ar.to_float(x) > 0
        return np.where(self.mask, x, ar.zero)

    def backward(self, ar, g, need_dx):
        return np.where(self.mask, g, ar.zero)


class MaxPool2:
    def forward(self, ar, x):
        n, c, h, w = x.shape
        v = ar.to_float(x).reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2,
                                                                                                 w // 2, 4)
        self.arg = v.argmax(axis=-1)
        self.shape = x.shape
        xs = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
        return np.take_along_axis(xs, self.arg[..., None], axis=-1)[..., 0]

    def backward(self, ar, g, need_dx):
        n, c, h, w = self.shape
        out = np.full((n, c, h // 2, w // 2, 4), ar.zero, dtype=g.dtype)
        np.put_along_axis(out, self.arg[..., None], g[..., None], axis=-1)
        return np.ascontiguousarray(out.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
                                    .reshape(n, c, h, w))


class Flatten:
    def forward(self, ar, x):
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, ar, g, need_dx):
        return g.reshape(self.shape)


def build(net, state):
    """The layer list of a network, from FP32 initial weights (a state dict of numpy arrays)."""
    if net == "mlp":
        return [Linear("fc1", state["fc1.weight"], state["fc1.bias"]), Relu(),
                Linear("fc2", state["fc2.weight"], state["fc2.bias"])]
    if net == "lenet":
        return [Conv("conv1", state["conv1.weight"], state["conv1.bias"], 2), Relu(), MaxPool2(),
                Conv("conv2", state["conv2.weight"], state["conv2.bias"], 0), Relu(), MaxPool2(), Flatten(),
                Linear("fc1", state["fc1.weight"], state["fc1.bias"]), Relu(),
                Linear("fc2", state["fc2.weight"], state["fc2.bias"]), Relu(),
                Linear("fc3", state["fc3.weight"], state["fc3.bias"])]
    raise ValueError(f"unknown network '{net}'")


# ----------------------------------------------------------------------------------------------------- engine
# The update statistics (decoding every weight, the delta=exact reference step) are taken on every
# MEASURE_EVERY-th step: a sample, a tenth of the cost.
MEASURE_EVERY = 10


class Trainer:
    def __init__(self, net, init_state, ar, lr, momentum=0.0, exact_ref=None):
        self.net, self.ar, self.lr, self.mu = net, ar, lr, momentum
        self.steps = 0
        self.layers = build(net, init_state)
        self.params = [l for l in self.layers if hasattr(l, "wf")]
        for p in self.params:
            p.w = ar.encode(p.wf)
            p.v = None
        self.exact_ref = exact_ref  # an LnsArith with delta=exact of the same format: delta-bias measurement

    def forward(self, x):
        h = x
        for l in self.layers:
            h = l.forward(self.ar, h)
        return h

    def step(self, x_codes, labels):
        """One SGD step on a batch; returns the mean cross-entropy loss (float)."""
        ar = self.ar
        logits = ar.to_float(self.forward(x_codes))
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        loss = float(-np.mean(np.log(np.maximum(p[np.arange(len(labels)), labels], 1e-300))))
        gf = p
        gf[np.arange(len(labels)), labels] -= 1.0  # B * dL/dz
        g = ar.encode(gf)
        if isinstance(ar, LnsArith):
            ar.stats.c["grad_enc"] += int(np.count_nonzero(gf))
            ar.stats.c["grad_enc_zero"] += int(np.count_nonzero((gf != 0) & (ar.to_float(g) == 0)))
        for i in range(len(self.layers) - 1, -1, -1):
            g = self.layers[i].backward(ar, g, need_dx=i > 0)
        c = -self.lr / len(labels)
        for prm in self.params:
            grad = prm.dw
            if self.mu:
                grad = prm.v = grad if prm.v is None else ar.momentum(prm.v, grad, self.mu)
            new = ar.update(prm.w, grad, c)
            if isinstance(ar, LnsArith) and self.steps % MEASURE_EVERY == 0:
                self.measure_update(prm.w, grad, c, new)
            prm.w = new
        self.steps += 1
        return loss

    def measure_update(self, w, g, c, new):
        ar, st = self.ar, self.ar.stats
        intended = ar.to_float(ar.mac.product(g, ar.mac.encode_b(np.array([c]))))
        old_v, new_v = ar.to_float(w), ar.to_float(new)
        nz = intended != 0
        st.c["upd"] += int(np.count_nonzero(nz))
        st.c["upd_lost"] += int(np.count_nonzero(nz & (new == w)))
        st.f["upd_dot"] += float(np.sum((new_v - old_v) * intended))
        st.f["upd_sq"] += float(np.sum(intended * intended))
        if self.exact_ref is not None:
            ex = self.exact_ref
            ref_v = ex.to_float(ex.update(w, g, c))
            both = (ref_v != 0) & (new_v != 0) & (np.sign(ref_v) == np.sign(new_v)) & nz
            if np.any(both):
                lsb = np.log2(np.abs(new_v[both]) / np.abs(ref_v[both])) * 2.0 ** ar.frac_bits
                st.f["bias_lsb"] += float(np.sum(lsb))
                st.f["bias_abs_lsb"] += float(np.sum(np.abs(lsb)))
                st.c["bias_n"] += int(lsb.size)

    def accuracy(self, x, y, batch=1000):
        stats = getattr(self.ar, "stats", None)
        if stats:
            stats.enabled = False
        correct = 0
        for i in range(0, len(x), batch):
            logits = self.ar.to_float(self.forward(self.ar.encode(x[i:i + batch])))
            correct += int(np.count_nonzero(logits.argmax(1) == y[i:i + batch]))
        if stats:
            stats.enabled = True
        return correct / len(x)


def cosine_lr(lr, epoch, epochs):
    """The learning rate of an epoch: lr annealed on a half cosine towards 0, constant within an epoch."""
    return lr * 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))


def train(net, init_state, ar, data, orders, batch, lr, momentum=0.0, exact_ref=None, log=print, label="",
          steps=None):
    """Trains from init_state in the given per-epoch orders (learning rate: cosine_lr per epoch); returns
    per-epoch records. data = (x_train [N,1,28,28] float, y_train, x_test, y_test). steps: stop after this many
    steps (tests)."""
    x_train, y_train, x_test, y_test = data
    tr = Trainer(net, init_state, ar, lr, momentum, exact_ref)
    flat = net == "mlp"
    history, done, t0 = [], 0, time.time()
    total_steps = sum(math.ceil(len(o) / batch) for o in orders) if steps is None else steps
    for epoch, order in enumerate(orders):
        if isinstance(ar, LnsArith):
            ar.stats.reset()
        tr.lr = cosine_lr(lr, epoch, len(orders))
        losses = []
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            xb = x_train[idx].reshape(len(idx), -1) if flat else x_train[idx]
            losses.append(tr.step(ar.encode(xb), y_train[idx].astype(np.int64)))
            done += 1
            if steps is not None and done >= steps:
                break
            if done % 100 == 0:
                el = time.time() - t0
                log(f"    {label} step {done}/{total_steps}: loss {np.mean(losses[-100:]):.4f} "
                    f"({el:.0f} s, about {el / done * (total_steps - done):.0f} s left)")
        xt = x_test.reshape(len(x_test), -1) if flat else x_test
        rec = {"epoch": epoch + 1, "lr": tr.lr, "train_loss": float(np.mean(losses)), "test_accuracy": tr.accuracy(xt, y_test),
               "seconds": round(time.time() - t0, 1), "losses_first_last": [losses[0], losses[-1]]}
        if isinstance(ar, LnsArith):
            rec["stats"] = ar.stats.summary()
        history.append(rec)
        log(f"  {label} epoch {epoch + 1}/{len(orders)}: loss {rec['train_loss']:.4f}, test accuracy "
            f"{rec['test_accuracy']:.4f} ({rec['seconds']:.0f} s)")
        if steps is not None and done >= steps:
            break
    return history, tr
