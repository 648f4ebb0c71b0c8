"""The float paths of the study against PyTorch (an independent implementation): im2col convolution, the
inference graph, and one SGD step of the training engine (hand-written backward vs autograd)."""
import numpy as np
import torch
import torch.nn.functional as F

import bittrue
import fmnist
import lns_train
import nets


def state_of(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def test_im2col_conv_equals_torch():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 9, 7)).astype(np.float64)
    w = rng.normal(size=(5, 4, 3, 3))
    for pad in (0, 1, 2):
        cols, (n, oh, ow) = bittrue.im2col(x, 3, 3, pad)
        y = (cols @ w.reshape(5, -1).T).reshape(n, oh, ow, 5).transpose(0, 3, 1, 2)
        ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=pad).numpy()
        assert y.shape == ref.shape
        assert np.allclose(y, ref, atol=1e-12)


def test_forward_graph_equals_torch():
    xt, _ = fmnist.load("test")
    x = fmnist.as_float(xt[:50])
    for name in nets.NETWORKS:
        torch.manual_seed(3)
        model = nets.make(name).eval()
        ref = model(torch.from_numpy(x)).detach().numpy()
        got = bittrue.forward(name, state_of(model), x, bittrue.float_gemm)
        assert np.allclose(got, ref, atol=1e-4), name
        assert bittrue.macs_per_image(name, state_of(model)) == {"mlp": 784 * 256 + 256 * 10,
                                                                 "lenet": 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150
                                                                 + 400 * 120 + 120 * 84 + 84 * 10}[name]


def test_training_step_equals_autograd():
    xi, yi = fmnist.load("train")
    for name in nets.NETWORKS:
        torch.manual_seed(5)
        model = nets.make(name)
        x = fmnist.as_float(xi[:16])
        y = yi[:16].astype(np.int64)
        ar = lns_train.Fp32Arith()
        tr = lns_train.Trainer(name, state_of(model), ar, lr=0.1)
        xin = x.reshape(16, -1) if name == "mlp" else x
        loss = tr.step(ar.encode(xin), y)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        ref_loss = F.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        ref_loss.backward()
        opt.step()
        assert abs(loss - float(ref_loss)) < 1e-5
        sd = model.state_dict()
        for p in tr.params:
            w = sd[p.name + ".weight"].numpy()
            ref = np.concatenate([sd[p.name + ".bias"].numpy()[:, None], w.reshape(w.shape[0], -1)], axis=1)
            assert np.abs(p.w - ref).max() < 1e-6, (name, p.name)
