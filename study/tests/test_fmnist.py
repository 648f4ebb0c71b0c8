"""The Fashion-MNIST loader reads the real IDX files (Debian dataset-fashion-mnist) and rejects broken ones."""
import gzip
import os
import struct

import numpy as np
import pytest

import fmnist


def test_real_files_counts_shapes_labels():
    xi, yi = fmnist.load("train")
    xt, yt = fmnist.load("test")
    assert xi.shape == (60000, 28, 28) and xi.dtype == np.uint8
    assert yi.shape == (60000,) and xt.shape == (10000, 28, 28) and yt.shape == (10000,)
    # Known values of the published files: the first labels (train starts with an ankle boot, 9), and ten
    # classes of exactly 6,000 training and 1,000 test images each.
    assert list(yi[:10]) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert list(yt[:10]) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert np.bincount(yi, minlength=10).tolist() == [6000] * 10
    assert np.bincount(yt, minlength=10).tolist() == [1000] * 10
    # Real images: full 8-bit range, a dark background (most border pixels 0), no two classes alike on average.
    assert xi.min() == 0 and xi.max() == 255
    assert np.mean(xi[:, 0, :] == 0) > 0.75  # measured: 0.81 of the top-row pixels
    means = np.stack([xt[yt == c].mean(axis=0) for c in range(10)])
    assert min(np.abs(means[i] - means[j]).mean() for i in range(10) for j in range(i + 1, 10)) > 5
    x = fmnist.as_float(xt[:3])
    assert x.shape == (3, 1, 28, 28) and x.dtype == np.float32 and x.max() <= 1.0


def write_gz(path, data):
    with gzip.open(path, "wb") as f:
        f.write(data)


def test_broken_files(tmp_path):
    good = struct.pack(">BBBBI", 0, 0, 8, 1, 3) + bytes([1, 2, 3])
    write_gz(tmp_path / "ok.gz", good)
    assert fmnist.read_idx(str(tmp_path / "ok.gz")).tolist() == [1, 2, 3]
    cases = {
        "magic.gz": (b"\x01" + good[1:], "not an IDX file"),
        "type.gz": (good[:2] + b"\x0d" + good[3:], "expected 0x08"),
        "short.gz": (good[:-1], "the header (3,) says 3"),
        "header.gz": (good[:6], "truncated IDX header"),
    }
    for name, (data, msg) in cases.items():
        write_gz(tmp_path / name, data)
        with pytest.raises(fmnist.DatasetError, match=msg.replace("(", r"\(").replace(")", r"\)")):
            fmnist.read_idx(str(tmp_path / name))
    with pytest.raises(fmnist.DatasetError, match="cannot read"):
        fmnist.read_idx(str(tmp_path / "missing.gz"))
    with pytest.raises(fmnist.DatasetError, match="unknown split"):
        fmnist.load("validation")
    # A directory whose files have the wrong shape: the image file's name and the expected shape are named.
    write_gz(tmp_path / "t10k-images-idx3-ubyte.gz", struct.pack(">BBBBIII", 0, 0, 8, 3, 1, 28, 27) + bytes(28 * 27))
    write_gz(tmp_path / "t10k-labels-idx1-ubyte.gz", struct.pack(">BBBBI", 0, 0, 8, 1, 1) + bytes(1))
    with pytest.raises(fmnist.DatasetError, match=r"t10k-images-idx3-ubyte.gz: shape \(1, 28, 27\)"):
        fmnist.load("test", str(tmp_path))
