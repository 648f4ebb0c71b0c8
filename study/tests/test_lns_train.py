"""LNS training (every GEMM and every weight update on the LNS MAC) lowers the loss on a slice of the real
training set, like FP32 training of the same steps does."""
import numpy as np
import torch

import fmnist
import lns_train
import nets

STEPS = 240
BATCH = 16


def test_lns_training_lowers_the_loss(logmac_module):
    xi, yi = fmnist.load("train")
    xt, yt = fmnist.load("test")
    n = STEPS * BATCH // 2  # two passes over the slice
    data = (fmnist.as_float(xi[:n]), yi[:n], fmnist.as_float(xt[:500]), yt[:500])
    torch.manual_seed(7)
    init = {k: v.detach().numpy().copy() for k, v in nets.make("mlp").state_dict().items()}
    orders = nets.epoch_orders(7, 2, n)
    curves = {}
    for name, ar in (("fp32", lns_train.Fp32Arith()),
                     ("lns", lns_train.LnsArith(logmac_module.Mac("lns:w=16,f=8,delta=pwl:qaa"), 2))):
        losses = []
        tr = lns_train.Trainer("mlp", init, ar, lr=0.1)
        for order in orders:
            for i in range(0, n, BATCH):
                idx = order[i:i + BATCH]
                losses.append(tr.step(ar.encode(data[0][idx].reshape(len(idx), -1)), data[1][idx].astype(np.int64)))
        acc = tr.accuracy(data[2].reshape(500, -1), data[3])
        curves[name] = (np.array(losses), acc)
        if name == "lns":
            st = ar.stats.summary()
            assert st["updates"] > 0 and st["update_ratio"] > 0.5
            for p in tr.params:  # the weights are LNS codes of the MAC's operand type
                assert p.w.dtype == ar.dtype
    for name, (losses, acc) in curves.items():
        first, last = losses[:20].mean(), losses[-40:].mean()
        assert first > 1.9, name        # an untrained 10-class network: about ln 10 = 2.3
        assert last < 0.5 * first, (name, first, last)
        assert acc > 0.6, (name, acc)
    # LNS 16/8 trains about as well as FP32 on the same steps.
    assert abs(curves["lns"][0][-40:].mean() - curves["fp32"][0][-40:].mean()) < 0.25
