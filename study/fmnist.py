"""Fashion-MNIST from Debian's dataset-fashion-mnist: the real IDX files, gzip-compressed.

An IDX file is a big-endian header (two zero bytes, a type byte, the number of dimensions, one 32-bit size per
dimension) followed by the data. Every check that can fail names the file and what it expected.
"""
import gzip
import os
import struct

import numpy as np

DATA_DIR = os.environ.get("LOGMAC_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot")
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60000),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000),
}
_UBYTE = 0x08


class DatasetError(RuntimeError):
    pass


def read_idx(path):
    """Reads one (gzip-compressed) IDX file of unsigned bytes into a numpy array of its shape."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read ({e}); install the Debian package dataset-fashion-mnist")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DatasetError(f"{path}: not an IDX file (the first two bytes must be zero)")
    dtype, ndim = raw[2], raw[3]
    if dtype != _UBYTE:
        raise DatasetError(f"{path}: IDX type 0x{dtype:02x}, expected 0x08 (unsigned byte)")
    if ndim < 1 or len(raw) < 4 + 4 * ndim:
        raise DatasetError(f"{path}: truncated IDX header ({ndim} dimensions)")
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    count = int(np.prod(shape, dtype=np.int64))
    body = raw[4 + 4 * ndim:]
    if len(body) != count:
        raise DatasetError(f"{path}: {len(body)} data bytes, the header {shape} says {count}")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def load(split, data_dir=None):
    """(images uint8 [N, 28, 28], labels uint8 [N]) of split 'train' (60,000) or 'test' (10,000)."""
    if split not in _FILES:
        raise DatasetError(f"unknown split '{split}' (allowed: train, test)")
    d = data_dir or DATA_DIR
    img_name, lab_name, n = _FILES[split]
    images = read_idx(os.path.join(d, img_name))
    labels = read_idx(os.path.join(d, lab_name))
    if images.shape != (n, 28, 28):
        raise DatasetError(f"{img_name}: shape {images.shape}, expected ({n}, 28, 28)")
    if labels.shape != (n,):
        raise DatasetError(f"{lab_name}: shape {labels.shape}, expected ({n},)")
    if labels.max() >= len(CLASSES):
        raise DatasetError(f"{lab_name}: label {labels.max()} out of range 0..9")
    return images, labels


def as_float(images):
    """Pixels scaled to [0, 1] as float32, shape [N, 1, 28, 28] (the networks' input)."""
    return (images.astype(np.float32) / 255.0)[:, None, :, :]
