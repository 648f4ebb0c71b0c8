"""The two FP32 reference networks, their training (PyTorch) and the weight cache.

MLP:   784-256-10, ReLU.
LeNet: LeNet-5 style: conv 1->6 5x5 pad 2, ReLU, max-pool 2; conv 6->16 5x5, ReLU, max-pool 2;
       fc 400-120, ReLU; fc 120-84, ReLU; fc 84-10.
Both take pixels scaled to [0, 1] (no mean subtraction: the input stays non-negative like every later
activation). Training: SGD with momentum on the 60,000 training images in an order drawn from the seed,
cross-entropy loss, the learning rate annealed per epoch on a cosine to 0 (a stable final model rather than
the noise of the last steps). The trained weights are cached under build/study/cache/fp32/ keyed by the contents of
this file and of fmnist.py, the seed, the hyper-parameters and the torch version.
"""
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import cache
import fmnist

# Per network: training hyper-parameters (part of the cache key).
HYPER = {
    "mlp": {"epochs": 10, "batch": 64, "lr": 0.05, "momentum": 0.9},
    "lenet": {"epochs": 10, "batch": 64, "lr": 0.05, "momentum": 0.9},
}
NETWORKS = tuple(HYPER)


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 256)
        self.fc2 = torch.nn.Linear(256, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class LeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(400, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc3(F.relu(self.fc2(x)))


def make(name):
    if name == "mlp":
        return Mlp()
    if name == "lenet":
        return LeNet()
    raise ValueError(f"unknown network '{name}' (allowed: {', '.join(NETWORKS)})")


def set_threads():
    # Batch-64 GEMMs are too small for a second thread to pay: measured on the shared 2-core machine (load 7),
    # one MLP step took 47 ms with 1 thread and 203 ms with 2 (OpenMP barriers between oversubscribed cores).
    torch.set_num_threads(int(os.environ.get("LOGMAC_STUDY_TORCH_THREADS", "1")))


def epoch_orders(seed, epochs, n):
    """The training order of every epoch: one permutation per epoch from the seed (shared with lns_train)."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(n) for _ in range(epochs)]


def test_accuracy(model, x_test, y_test, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x_test), batch):
            correct += int((model(x_test[i:i + batch]).argmax(1) == y_test[i:i + batch]).sum())
    return correct / len(x_test)


def train(name, seed, log=print):
    """Trains network `name` from seed; returns (state dict of numpy float32 arrays, per-epoch history)."""
    hp = HYPER[name]
    set_threads()
    torch.manual_seed(seed)
    model = make(name)
    xi, yi = fmnist.load("train")
    xt, yt = fmnist.load("test")
    x_train, y_train = torch.from_numpy(fmnist.as_float(xi)), torch.from_numpy(yi.astype(np.int64))
    x_test, y_test = torch.from_numpy(fmnist.as_float(xt)), torch.from_numpy(yt.astype(np.int64))
    opt = torch.optim.SGD(model.parameters(), lr=hp["lr"], momentum=hp["momentum"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=hp["epochs"])
    history = []
    t0 = time.time()
    for epoch, order in enumerate(epoch_orders(seed, hp["epochs"], len(x_train))):
        model.train()
        order = torch.from_numpy(order)
        total = 0.0
        for i in range(0, len(order), hp["batch"]):
            idx = order[i:i + hp["batch"]]
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        sched.step()
        acc = test_accuracy(model, x_test, y_test)
        history.append({"epoch": epoch + 1, "train_loss": total / len(order), "test_accuracy": acc})
        el = time.time() - t0
        log(f"  fp32 {name} epoch {epoch + 1}/{hp['epochs']}: loss {total / len(order):.4f}, test accuracy "
            f"{acc:.4f}  ({el:.0f} s, about {el / (epoch + 1) * (hp['epochs'] - epoch - 1):.0f} s left)")
    state = {k: v.detach().numpy().astype(np.float32).copy() for k, v in model.state_dict().items()}
    return state, history


def cache_meta(name, seed):
    here = os.path.dirname(os.path.abspath(__file__))
    return {"kind": "fp32-weights", "network": name, "seed": seed, "hyper": HYPER[name],
            "sources": cache.source_hash([os.path.join(here, "nets.py"), os.path.join(here, "fmnist.py")]),
            "torch": torch.__version__}


def reference(name, seed, cache_root, log=print):
    """The trained FP32 network: (state dict, record) from the cache, training it first on a miss."""
    c = cache.Cache(cache_root, "fp32")
    meta = cache_meta(name, seed)
    record, d = c.load(meta)
    if record is None:
        log(f"fp32 {name} seed {seed}: training ({HYPER[name]['epochs']} epochs; cached afterwards)")
        t0 = time.time()
        state, history = train(name, seed, log)
        result = {"history": history, "test_accuracy": history[-1]["test_accuracy"],
                  "train_seconds": round(time.time() - t0, 1)}
        record = c.store(meta, result, lambda tmp: np.savez(os.path.join(tmp, "weights.npz"), **state))
        d = c.path(record["key"])
    else:
        log(f"fp32 {name} seed {seed}: cached (test accuracy {record['result']['test_accuracy']:.4f})")
    with np.load(os.path.join(d, "weights.npz")) as z:
        state = {k: z[k] for k in z.files}
    return state, record
