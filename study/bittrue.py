"""Post-training quantized inference with every linear and convolution layer on a MAC model.

Per GEMM layer y = x . W^T + b:
  * the activations x (operand A) and the weights W (operand B) are each divided by a per-tensor power-of-two
    scale 2^k, encoded with the MAC's own encode_a / encode_b (nearest code, saturating), multiplied bit-true
    (logmac matmul: each output the accumulator code the MAC reaches over k = 0..K-1), decoded and multiplied
    by 2^(ka + kb);
  * bias, ReLU, max-pooling and the re-encoding of the next layer's input happen in float64 (the accelerator's
    vector unit), as in the papers' PTQ experiments;
  * convolution is im2col followed by the GEMM (K = in_channels * kh * kw, in the order channel, row, column);
    the input is encoded first and im2col gathers codes (the padding is the code of 0).
Scale rule (per tensor, from the layer's data; weights: the whole tensor, activations: the FP32 network's
input tensors on CALIB_IMAGES training images): k0 is the smallest k with max|x| / 2^k <= FS, FS the operand's
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


def calibration_images(train_images, seed):
    """CALIB_IMAGES training images (never test images) drawn with the seed, as network input [N, 1, 28, 28]."""
    idx = np.random.default_rng(seed + 1000).choice(len(train_images), CALIB_IMAGES, replace=False)
    return (train_images[np.sort(idx)].astype(np.float32) / 255.0)[:, None, :, :]


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
    """Logits of images x [N, 1, 28, 28] (float). gemm: a backend with linear(name, x2d, w2d) -> x2d . w2d^T and
    conv(name, x4d, w4d, pad) -> the convolution [N, out, OH, OW], both float64 and without bias."""
    def fc(name, h):
        return gemm.linear(name, h, state[name + ".weight"]) + state[name + ".bias"]

    def conv(name, h, pad):
        return gemm.conv(name, h, state[name + ".weight"], pad) + state[name + ".bias"][None, :, None, None]

    x = x.astype(np.float64)
    if net == "linear":
        return fc("fc", x.reshape(len(x), -1))
    if net == "mlp":
        return fc("fc2", relu(fc("fc1", x.reshape(len(x), -1))))
    h = maxpool2(relu(conv("conv1", x, 2)))
    h = maxpool2(relu(conv("conv2", h, 0)))
    h = relu(fc("fc1", h.reshape(len(h), -1)))
    return fc("fc3", relu(fc("fc2", h)))


def conv_by_gemm(x_or_codes, w4d, pad, pad_value, gemm2d):
    """Convolution as im2col + GEMM: gemm2d(cols, w2d) on the columns of x (codes or floats; padding with
    pad_value, the zero of the representation) -> [N, out, OH, OW]."""
    if pad:
        n, c, h, w = x_or_codes.shape
        p = np.full((n, c, h + 2 * pad, w + 2 * pad), pad_value, dtype=x_or_codes.dtype)
        p[:, :, pad:-pad, pad:-pad] = x_or_codes
        x_or_codes = p
    cols, (n, oh, ow) = im2col(x_or_codes, w4d.shape[2], w4d.shape[3], 0)
    y = gemm2d(cols, w4d.reshape(w4d.shape[0], -1))
    return y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)


class FloatGemm:
    """The float64 reference path (FP32 weights, no quantization)."""

    def linear(self, name, x2d, w2d):
        return x2d @ w2d.T.astype(np.float64)

    def conv(self, name, x4d, w4d, pad):
        return conv_by_gemm(x4d, w4d, pad, 0.0, lambda cols, w2d: cols @ w2d.T.astype(np.float64))


float_gemm = FloatGemm()


def macs_per_image(net, state):
    """Multiply-accumulates of one image through the network's GEMMs."""
    count = {}

    class Counter:
        def linear(self, name, x2d, w2d):
            count[name] = x2d.shape[0] * x2d.shape[1] * w2d.shape[0]
            return np.zeros((x2d.shape[0], w2d.shape[0]))

        def conv(self, name, x4d, w4d, pad):
            y = float_gemm.conv(name, x4d, w4d, pad)
            count[name] = y.shape[1] * y.shape[2] * y.shape[3] * w4d[0].size
            return y
    forward(net, state, np.zeros((1, 1, 28, 28)), Counter())
    return sum(count.values())


def layer_inputs(net, state, x):
    """The FP32 network's input tensor of every GEMM layer on images x (for the scale rule)."""
    seen = {}

    class Recorder:
        def linear(self, name, x2d, w2d):
            seen[name] = x2d
            return float_gemm.linear(name, x2d, w2d)

        def conv(self, name, x4d, w4d, pad):
            seen[name] = x4d
            return float_gemm.conv(name, x4d, w4d, pad)
    forward(net, state, x, Recorder())
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
    """The backend of forward() on a logmac.Mac, with the per-layer scales of the rule above. A convolution's input
    is encoded once and im2col works on the codes (padding with the code of 0)."""

    def __init__(self, mac, net, state, calib_x, threads_=None):
        self.mac, self.threads = mac, threads_ or threads()
        self.shifts, self.rel_err = {}, {}
        inputs = layer_inputs(net, state, calib_x)
        fs_a, fs_b = full_scale(mac, "a"), full_scale(mac, "b")
        qa = lambda v: mac.decode_a(mac.encode_a(v))
        qb = lambda v: mac.decode_b(mac.encode_b(v))
        self.zero_a = mac.encode_a(np.zeros(1))[0]
        self.wcodes = {}
        for name, _ in gemm_layers(net):
            w = state[name + ".weight"].astype(np.float64)
            ka, ea = choose_shift(inputs[name], qa, fs_a)
            kb, eb = choose_shift(w, qb, fs_b)
            self.shifts[name] = (ka, kb)
            self.rel_err[name] = (ea, eb)
            self.wcodes[name] = mac.encode_b(np.ascontiguousarray(w.reshape(w.shape[0], -1).T) / 2.0 ** kb)

    def _encode(self, name, x):
        return self.mac.encode_a(np.ascontiguousarray(x, dtype=np.float64) / 2.0 ** self.shifts[name][0])

    def _gemm(self, name, a):
        acc = self.mac.matmul(np.ascontiguousarray(a), self.wcodes[name], threads=self.threads)
        return self.mac.decode_acc(acc) * 2.0 ** sum(self.shifts[name])

    def linear(self, name, x2d, w2d):
        return self._gemm(name, self._encode(name, x2d))

    def conv(self, name, x4d, w4d, pad):
        return conv_by_gemm(self._encode(name, x4d), w4d, pad, self.zero_a, lambda cols, _: self._gemm(name, cols))
