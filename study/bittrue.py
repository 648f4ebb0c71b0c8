"""Post-training quantized inference with every linear and convolution layer on a MAC model.

Per GEMM layer y = x . W^T + b:
  * the activations x (operand A) and the weights W (operand B) are each divided by a per-tensor power-of-two
    scale 2^k, encoded with the MAC's own encode_a / encode_b (nearest code, saturating), multiplied bit-true
    (logmac matmul: each output the accumulator code the MAC reaches over k = 0..K-1), decoded and multiplied
    by 2^(ka + kb);
  * bias, ReLU, max-pooling and the re-encoding of the next layer's input happen in float64 (the accelerator's
    vector unit), as in the papers' PTQ experiments;
  * convolution is im2col followed by the GEMM (K = in_channels * kh * kw, in the order channel, row, column).
Scale rule (per tensor, from the layer's data; weights: the whole tensor, activations: the FP32 network's
activations on CALIB_IMAGES training images): k0 is the smallest k with max|x| / 2^k <= FS, FS the operand's
full scale; among k0, k0-1, .., k0-(SHIFTS-1) (clipping up to 2^(SHIFTS-1)x) the k with the smallest mean
squared quantization error of the tensor through the bit-true encode/decode wins (ties: the larger k).
FS is the largest magnitude the operand format represents (fxp ~1, pot 1, apot 2, log2lin 2^(fsr-1)), except
for lns/lns2lin, whose range is +-MAX octaves around 1: FS = 1 puts the largest operand at 2^0, leaving the
same range above for sums as below for small values (lns2lin's linear accumulator has fxp's full scale 1).
For log2lin the chosen k is Miyashita et al.'s per-layer full-scale range: FSR = fsr + k.
"""
import math
import os

import numpy as np

CALIB_IMAGES = 512
SHIFTS = 5
BATCH_IMAGES = 1000


def threads():
    return os.cpu_count() or 1


# ---------------------------------------------------------------------------------------------- network graph
def im2col(x, kh, kw, pad):
    """x [N, C, H, W] -> columns [N*OH*OW, C*kh*kw] (stride 1), channel-major like W.reshape(out, -1)."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, w = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    s = x.strides
    win = np.lib.stride_tricks.as_strided(x, (n, oh, ow, c, kh, kw), (s[0], s[2], s[3], s[1], s[2], s[3]),
                                          writeable=False)
    return np.ascontiguousarray(win).reshape(n * oh * ow, c * kh * kw), (n, oh, ow)


def maxpool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def relu(x):
    return np.maximum(x, 0.0)


def gemm_layers(net):
    """The GEMM layers of a network in order: (name, kind). 'linear' is a one-layer classifier (tests)."""
    if net == "linear":
        return [("fc", "fc")]
    if net == "mlp":
        return [("fc1", "fc"), ("fc2", "fc")]
    return [("conv1", "conv"), ("conv2", "conv"), ("fc1", "fc"), ("fc2", "fc"), ("fc3", "fc")]


def forward(net, state, x, gemm):
    """Logits of images x [N, 1, 28, 28] (float); gemm(name, x2d, w2d) -> x2d . w2d^T (float64)."""
    def fc(name, h):
        return gemm(name, h, state[name + ".weight"]) + state[name + ".bias"]

    def conv(name, h, pad):
        wt = state[name + ".weight"]
        cols, (n, oh, ow) = im2col(h, wt.shape[2], wt.shape[3], pad)
        y = gemm(name, cols, wt.reshape(wt.shape[0], -1)) + state[name + ".bias"]
        return y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)

    x = x.astype(np.float64)
    if net == "linear":
        return fc("fc", x.reshape(len(x), -1))
    if net == "mlp":
        return fc("fc2", relu(fc("fc1", x.reshape(len(x), -1))))
    h = maxpool2(relu(conv("conv1", x, 2)))
    h = maxpool2(relu(conv("conv2", h, 0)))
    h = relu(fc("fc1", h.reshape(len(h), -1)))
    return fc("fc3", relu(fc("fc2", h)))


def float_gemm(name, x2d, w2d):
    return x2d @ w2d.T.astype(np.float64)


def macs_per_image(net, state):
    """Multiply-accumulates of one image through the network's GEMMs."""
    count = {}

    def gemm(name, x2d, w2d):
        count[name] = x2d.shape[0] * x2d.shape[1] * w2d.shape[0]
        return np.zeros((x2d.shape[0], w2d.shape[0]))
    forward(net, state, np.zeros((1, 1, 28, 28)), gemm)
    return sum(count.values())


def layer_inputs(net, state, x):
    """The FP32 network's input of every GEMM layer on images x (for the scale rule)."""
    seen = {}

    def gemm(name, x2d, w2d):
        seen[name] = x2d
        return float_gemm(name, x2d, w2d)
    forward(net, state, x, gemm)
    return seen


def predict(net, state, x, gemm, batch=BATCH_IMAGES):
    out = []
    for i in range(0, len(x), batch):
        out.append(forward(net, state, x[i:i + batch], gemm).argmax(1))
    return np.concatenate(out)


# ------------------------------------------------------------------------------------------- the scale rule
def full_scale(mac, operand):
    """FS of an operand ('a' or 'b') of a logmac.Mac (see the module docstring)."""
    variant = mac.canonical.split(":", 1)[0]
    if variant in ("lns", "lns2lin"):
        return 1.0
    enc = mac.encode_a if operand == "a" else mac.encode_b
    dec = mac.decode_a if operand == "a" else mac.decode_b
    return float(dec(enc(np.array([1e30])))[0])


def choose_shift(x, quantize, fs):
    """The scale exponent k of tensor x (see the module docstring) and the relative RMS error it gives."""
    x = np.asarray(x, dtype=np.float64).ravel()
    m = float(np.max(np.abs(x))) if x.size else 0.0
    if m == 0.0:
        return 0, 0.0
    k0 = math.ceil(math.log2(m / fs))
    if m / 2.0 ** k0 > fs:  # log2 rounding at an exact power of two
        k0 += 1
    best = None
    for k in range(k0, k0 - SHIFTS, -1):
        err = float(np.mean((quantize(x / 2.0 ** k) * 2.0 ** k - x) ** 2))
        if best is None or err < best[1]:
            best = (k, err)
    return best[0], math.sqrt(best[1] / float(np.mean(x * x)))


class QuantGemm:
    """gemm(name, x2d, w2d) on a logmac.Mac with the per-layer scales of the rule above."""

    def __init__(self, mac, net, state, calib_x, threads_=None):
        self.mac, self.threads = mac, threads_ or threads()
        self.shifts, self.rel_err = {}, {}
        inputs = layer_inputs(net, state, calib_x)
        fs_a, fs_b = full_scale(mac, "a"), full_scale(mac, "b")
        qa = lambda v: mac.decode_a(mac.encode_a(v))
        qb = lambda v: mac.decode_b(mac.encode_b(v))
        for name, _ in gemm_layers(net):
            ka, ea = choose_shift(inputs[name], qa, fs_a)
            kb, eb = choose_shift(state[name + ".weight"], qb, fs_b)
            self.shifts[name] = (ka, kb)
            self.rel_err[name] = (ea, eb)
        self.wcodes = {}
        for name, _ in gemm_layers(net):
            w2d = state[name + ".weight"].reshape(state[name + ".weight"].shape[0], -1).astype(np.float64)
            self.wcodes[name] = np.ascontiguousarray(mac.encode_b(np.ascontiguousarray(w2d.T) / 2.0 ** self.shifts[name][1]))

    def __call__(self, name, x2d, w2d):
        ka, kb = self.shifts[name]
        a = self.mac.encode_a(np.ascontiguousarray(x2d, dtype=np.float64) / 2.0 ** ka)
        acc = self.mac.matmul(a, self.wcodes[name], threads=self.threads)
        return self.mac.decode_acc(acc) * 2.0 ** (ka + kb)
