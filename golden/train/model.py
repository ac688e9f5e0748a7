"""A one-hidden-layer perceptron trained with plain minibatch SGD in four arithmetics.

Network: ``x (784) -> z1 = x W1 + b1 -> a1 = relu(z1) -> z2 = a1 W2 + b2 -> softmax`` with the
cross-entropy loss, gradients of the batch-mean loss, ``p <- p - lr * grad`` for every parameter.

Modes (see ``golden/train/README.md`` for the exact arithmetic of each):

``float``
    float64 numpy throughout.
``lns-matmul``
    float64, except that the five matrix products (two forward, three backward) are LNS
    matmuls: operands rounded to LNS with :func:`lnsgen.golden.from_float`, products and sums in
    LNS (:func:`lnsgen.golden.train.lnsmatmul.lns_matmul`, which is :func:`lnsgen.golden.matmul`
    in the default order), the result converted back with :func:`lnsgen.golden.to_float`.
``lns``
    every parameter, activation and gradient is an LNS code and every operation is a
    :mod:`lnsgen.golden` operation; the one step that is not is the fixed-point conversion
    inside ``exp`` of the softmax (an antilog, see :func:`LNSNet.exp`).
``lns-kahan``
    as ``lns``, with one Kahan compensation term per parameter for the update
    (:class:`lnsgen.golden.accumulate.Accumulator` with ``"kahan"``).

Everything is reproducible from the seed: training subset ``default_rng([seed, 1])``,
initialization ``default_rng([seed, 2])``, batch order ``default_rng([seed, 3])``; the same for
every mode and format.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import numpy as np

from .. import add, div, from_float, mul, neg, sub, to_float
from ..accumulate import Accumulator, lns_sum
from ..format import LNSFormat
from ..gaussian import gaussian_logs
from .data import Dataset
from .lnsmatmul import lns_matmul

__all__ = ["MODES", "Config", "FloatNet", "LNSNet", "init_params", "make_net", "train"]

MODES = ("float", "lns-matmul", "lns", "lns-kahan")
PARAMS = ("W1", "b1", "W2", "b2")


@dataclasses.dataclass(frozen=True)
class Config:
    """One training run. ``n_train=None`` uses the whole training set."""

    mode: str = "float"
    int_bits: int = 5
    frac_bits: int = 10
    hidden: int = 100
    epochs: int = 5
    batch: int = 32
    lr: float = 0.1
    seed: int = 0
    n_train: int | None = 50000
    n_valid: int | None = None
    order: str = "sequential"
    method: str = "interp"

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        for name in ("hidden", "epochs", "batch"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, not {v!r}")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, not {self.lr!r}")
        LNSFormat(self.int_bits, self.frac_bits)  # validates int_bits/frac_bits

    @property
    def fmt(self) -> LNSFormat:
        return LNSFormat(self.int_bits, self.frac_bits)

    @property
    def key(self) -> str:
        """A file-name-safe identifier of the run (the format is irrelevant for float)."""
        f = "float64" if self.mode == "float" else self.fmt.name
        n = "all" if self.n_train is None else self.n_train
        v = "all" if self.n_valid is None else self.n_valid
        extra = "" if self.mode == "float" else f"_{self.order}_{self.method}"
        return (f"{self.mode}_{f}_h{self.hidden}_e{self.epochs}_b{self.batch}_lr{self.lr:g}"
                f"_n{n}_v{v}_s{self.seed}{extra}")


def init_params(rng: np.random.Generator, n_in: int, hidden: int, n_out: int) -> dict:
    """Glorot-uniform weights, zero biases (float64)."""
    def glorot(a, b):
        lim = math.sqrt(6.0 / (a + b))
        return rng.uniform(-lim, lim, (a, b))
    return {"W1": glorot(n_in, hidden), "b1": np.zeros(hidden),
            "W2": glorot(hidden, n_out), "b2": np.zeros(n_out)}


# Float and LNS-matmul ---------------------------------------------------------------------


class FloatNet:
    """float64 parameters and arithmetic; ``matmul`` is numpy's or a rounded LNS one."""

    def __init__(self, params: dict, lr: float, matmul: Callable = np.matmul):
        self.p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        self.lr, self.matmul = lr, matmul

    def forward(self, x):
        z1 = self.matmul(x, self.p["W1"]) + self.p["b1"]
        a1 = np.maximum(z1, 0.0)
        z2 = self.matmul(a1, self.p["W2"]) + self.p["b2"]
        return a1, z2

    @staticmethod
    def softmax(z2):
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def step(self, x, y) -> float:
        """One SGD step on a batch; returns the batch's mean loss before the step."""
        n = len(y)
        a1, z2 = self.forward(x)
        p = self.softmax(z2)
        loss = float(-np.log(np.maximum(p[np.arange(n), y], 1e-300)).mean())
        dz2 = p.copy()
        dz2[np.arange(n), y] -= 1.0
        g = {"W2": self.matmul(a1.T, dz2), "b2": dz2.sum(axis=0)}
        dz1 = self.matmul(dz2, self.p["W2"].T) * (a1 > 0)
        g["W1"] = self.matmul(x.T, dz1)
        g["b1"] = dz1.sum(axis=0)
        scale = self.lr / n
        for k in PARAMS:
            self.p[k] = self.p[k] - scale * g[k]
        return loss

    def evaluate(self, x, y, chunk: int = 2000) -> tuple[float, float]:
        """``(mean loss, error rate)`` on a data set."""
        loss = wrong = 0.0
        for i in range(0, len(y), chunk):
            xb, yb = x[i:i + chunk], y[i:i + chunk]
            p = self.softmax(self.forward(xb)[1])
            loss += float(-np.log(np.maximum(p[np.arange(len(yb)), yb], 1e-300)).sum())
            wrong += int((p.argmax(axis=1) != yb).sum())
        return loss / len(y), wrong / len(y)

    def params_float(self) -> dict:
        return {k: v.copy() for k, v in self.p.items()}


def lns_rounded_matmul(fmt: LNSFormat, order: str = "sequential", method: str = "interp"):
    """``matmul(a, b)`` on floats: round both to LNS, LNS matmul, back to float64."""
    gaussian_logs(fmt, method, 1.0)                  # build the tables now, not in epoch 1

    def matmul(a, b):
        return to_float(fmt, lns_matmul(fmt, from_float(fmt, a), from_float(fmt, b),
                                        order=order, method=method))
    return matmul


# LNS everywhere ---------------------------------------------------------------------------


class LNSNet:
    """Parameters, activations and gradients as LNS codes of ``fmt``; golden arithmetic.

    Parameters
    ----------
    fmt : LNSFormat
    params : dict of float64 arrays
        Initial values, rounded with :func:`lnsgen.golden.from_float`.
    lr : float
        Learning rate; the update scale ``lr / batch`` is rounded to one LNS constant.
    batch : int
        The batch size the scale is made for (every batch has this size).
    kahan : bool
        Keep a Kahan compensation term per parameter for the update.
    order, method :
        The matmul summation order and the adder's Gaussian-log method.
    """

    def __init__(self, fmt: LNSFormat, params: dict, lr: float, batch: int, *,
                 kahan: bool = False, order: str = "sequential", method: str = "interp"):
        self.fmt, self.order, self.method, self.batch = fmt, order, method, batch
        self.kw = {"method": method}
        self.p = {k: np.asarray(from_float(fmt, v)) for k, v in params.items()}
        self.scale = from_float(fmt, lr / batch)
        self.one = from_float(fmt, 1.0)
        self.log2e = from_float(fmt, math.log2(math.e))
        self.acc = Accumulator(fmt, "kahan", method=method) if kahan else None
        self.c = {k: np.full(v.shape, fmt.zero, dtype=np.int64) for k, v in self.p.items()}
        self.reset_stats()

    def reset_stats(self):
        """Update statistics, counted over parameters and steps since the last reset:
        ``nonzero`` gradients, of which ``flushed`` (the scaled update underflowed to zero)
        and ``ignored`` (a non-zero update that left the parameter unchanged)."""
        self.stats = {"nonzero": 0, "flushed": 0, "ignored": 0}

    # Element-wise pieces -----------------------------------------------------------------

    def matmul(self, a, b):
        return lns_matmul(self.fmt, a, b, order=self.order, method=self.method)

    def add(self, a, b):
        return np.asarray(add(self.fmt, a, b, **self.kw))

    def sub(self, a, b):
        return np.asarray(sub(self.fmt, a, b, **self.kw))

    def sum(self, x, axis):
        """Sequential sum from index 0 along ``axis`` (:func:`lnsgen.golden.accumulate.lns_sum`)."""
        return np.asarray(lns_sum(self.fmt, x, axis=axis, **self.kw))

    def update(self, p, c, u):
        """``p - u``: plain, or Kahan-compensated with the term ``c``; returns ``(p, c)``."""
        if self.acc is None:
            return self.sub(p, u), c
        return self.acc.step(p, c, neg(self.fmt, u))

    def relu(self, z):
        """``max(z, 0)``: z where its sign bit is clear, else zero (zero stays zero)."""
        return np.where(z >> self.fmt.log_bits == 0, z, self.fmt.zero)

    def order_key(self, code):
        """An integer that orders codes by value (a comparator on sign and log field)."""
        sign, log, is_zero = self.fmt.unpack(code)
        mag = log - self.fmt.zero_log  # >= 1 for non-zero values
        return np.where(is_zero, 0, np.where(sign == 1, -mag, mag))

    def exp(self, y):
        """``e ** y`` for codes ``y <= 0``: ``t = y * log2(e)`` (LNS mul), then ``2 ** t``.

        ``2 ** t`` has the log field ``round(t * 2 ** F)``: the value of ``t`` as a fixed-point
        number with F fractional bits *is* the result's log. Getting that fixed-point number
        from the LNS code ``t`` is the one non-LNS step of the network: an LNS-to-fixed-point
        conversion (an antilog, ``round(2 ** (L_t / 2 ** F) * 2 ** F)``, rounded to nearest;
        computed here with float64 ``exp2``). Results below the smallest magnitude are zero.
        """
        fmt = self.fmt
        t = mul(fmt, y, self.log2e)
        log = np.rint(np.asarray(to_float(fmt, t)) * (1 << fmt.frac_bits)).astype(np.int64)
        log = np.minimum(log, fmt.log_max)
        zero = log < fmt.log_min
        return np.asarray(fmt.pack(0, np.where(zero, fmt.zero_log, log)))

    def softmax(self, z2):
        fmt = self.fmt
        key = self.order_key(z2)
        m = np.take_along_axis(z2, key.argmax(axis=1)[:, None], axis=1)
        e = self.exp(self.sub(z2, m))                            # e ** (z - max z) <= 1
        s = self.sum(e, axis=1)                                  # sequential over classes
        return div(fmt, e, s[:, None])

    def nll(self, p, y):
        """``-ln p[y]`` per sample, read from the log field (monitoring only)."""
        _, log, is_zero = self.fmt.unpack(p[np.arange(len(y)), y])
        log = np.where(is_zero, self.fmt.zero_log, log)
        return -log * self.fmt.ulp * math.log(2.0)

    # Network -----------------------------------------------------------------------------

    def forward(self, x):
        z1 = self.add(self.matmul(x, self.p["W1"]), self.p["b1"])
        a1 = self.relu(z1)
        z2 = self.add(self.matmul(a1, self.p["W2"]), self.p["b2"])
        return a1, z2

    def step(self, x, y) -> float:
        """One SGD step on a batch of codes ``x``; returns the batch's mean loss before it."""
        fmt = self.fmt
        n = len(y)
        if n != self.batch:
            raise ValueError(f"batch of {n} samples; this network's update scale is for "
                             f"{self.batch}")
        a1, z2 = self.forward(x)
        p = self.softmax(z2)
        loss = float(self.nll(p, y).mean())
        onehot = np.full(p.shape, fmt.zero, dtype=np.int64)
        onehot[np.arange(n), y] = self.one
        dz2 = self.sub(p, onehot)                                # p - onehot(y)
        g = {"W2": self.matmul(a1.T, dz2), "b2": self.sum(dz2, axis=0)}
        da1 = self.matmul(dz2, self.p["W2"].T)
        dz1 = np.where(a1 != fmt.zero, da1, fmt.zero)            # relu'(z1) = [z1 > 0]
        g["W1"] = self.matmul(x.T, dz1)
        g["b1"] = self.sum(dz1, axis=0)
        st = self.stats
        for k in PARAMS:
            u = mul(fmt, self.scale, g[k])                       # (lr / batch) * grad
            old = self.p[k]
            self.p[k], self.c[k] = self.update(old, self.c[k], u)
            g_nz, u_nz = g[k] != fmt.zero, u != fmt.zero
            st["nonzero"] += int(g_nz.sum())
            st["flushed"] += int((g_nz & ~u_nz).sum())
            st["ignored"] += int((u_nz & (self.p[k] == old)).sum())
        return loss

    def evaluate(self, x, y, chunk: int = 1000) -> tuple[float, float]:
        """``(mean loss, error rate)`` on codes ``x``; the class is the largest logit."""
        loss = wrong = 0.0
        for i in range(0, len(y), chunk):
            xb, yb = x[i:i + chunk], y[i:i + chunk]
            z2 = self.forward(xb)[1]
            loss += float(self.nll(self.softmax(z2), yb).sum())
            wrong += int((self.order_key(z2).argmax(axis=1) != yb).sum())
        return loss / len(y), wrong / len(y)

    def params_float(self) -> dict:
        return {k: np.asarray(to_float(self.fmt, v)) for k, v in self.p.items()}


def make_net(cfg: Config, params: dict):
    """The network of ``cfg.mode``, initialized with the float ``params``."""
    if cfg.mode == "float":
        return FloatNet(params, cfg.lr)
    if cfg.mode == "lns-matmul":
        return FloatNet(params, cfg.lr, lns_rounded_matmul(cfg.fmt, cfg.order, cfg.method))
    return LNSNet(cfg.fmt, params, cfg.lr, cfg.batch, kahan=cfg.mode == "lns-kahan",
                  order=cfg.order, method=cfg.method)


def train(cfg: Config, data: Dataset, log: Callable[[str], None] | None = None, *,
          keep_net: bool = False) -> dict:
    """Train one network; returns a JSON-able record with the history and timings (plus the
    trained network under ``"net"`` with ``keep_net``).

    Every epoch visits the training samples in a fresh random order, in batches of
    ``cfg.batch`` (a last incomplete batch is dropped), then evaluates on the validation set.
    """
    data = data.subset(cfg.n_train, cfg.n_valid, cfg.seed)
    n_in = data.x_train.shape[1]
    params = init_params(np.random.default_rng([cfg.seed, 2]), n_in, cfg.hidden, data.n_classes)
    shuffle = np.random.default_rng([cfg.seed, 3])
    net = make_net(cfg, params)
    lns = isinstance(net, LNSNet)
    # LNS-everywhere inputs: the pixels rounded to LNS once (0 is exactly zero).
    xt = np.asarray(from_float(cfg.fmt, data.x_train)) if lns else data.x_train
    xv = np.asarray(from_float(cfg.fmt, data.x_valid)) if lns else data.x_valid
    n_batches = len(data.y_train) // cfg.batch
    history = []
    for epoch in range(1, cfg.epochs + 1):
        order = shuffle.permutation(len(data.y_train))
        t0, c0 = time.perf_counter(), time.process_time()
        losses = []
        for b in range(n_batches):
            idx = order[b * cfg.batch:(b + 1) * cfg.batch]
            losses.append(net.step(xt[idx], data.y_train[idx]))
        t_train, c_train = time.perf_counter() - t0, time.process_time() - c0
        stats = getattr(net, "stats", None)
        if stats is not None:
            nz = max(1, stats["nonzero"])
            stats = {"updates_nonzero": stats["nonzero"],
                     "updates_flushed": stats["flushed"] / nz,
                     "updates_ignored": stats["ignored"] / nz}
            net.reset_stats()
        t0 = time.perf_counter()
        v_loss, v_err = net.evaluate(xv, data.y_valid)
        t_valid = time.perf_counter() - t0
        rec = {"epoch": epoch, "train_loss": float(np.mean(losses)) if losses else float("nan"),
               "valid_loss": v_loss, "valid_error": v_err,
               "seconds_train": t_train, "seconds_valid": t_valid, "cpu_seconds_train": c_train}
        if stats is not None:
            rec.update(stats)
        history.append(rec)
        if log:
            log(f"[{cfg.mode} {'float64' if cfg.mode == 'float' else cfg.fmt.name}] "
                f"epoch {epoch}/{cfg.epochs}: train loss {rec['train_loss']:.4f}, "
                f"valid loss {v_loss:.4f}, valid error {100 * v_err:.2f}% "
                f"({t_train:.1f} s train, {t_valid:.1f} s valid)"
                + ("" if stats is None else
                   f"; updates flushed {100 * stats['updates_flushed']:.1f}%, "
                   f"ignored {100 * stats['updates_ignored']:.1f}%"))
    secs = [h["seconds_train"] for h in history]
    record = {
        "config": dataclasses.asdict(cfg),
        "format": None if cfg.mode == "float" else str(cfg.fmt),
        "data": {"name": data.name, "n_train": len(data.y_train),
                 "n_valid": len(data.y_valid), "n_in": int(n_in),
                 "n_classes": int(data.n_classes)},
        "history": history,
        "valid_error": history[-1]["valid_error"],
        "seconds_per_epoch": float(np.mean(secs)),
        "cpu_seconds_per_epoch": float(np.mean([h["cpu_seconds_train"] for h in history])),
        "seconds_valid": float(np.mean([h["seconds_valid"] for h in history])),
    }
    if keep_net:
        record["net"] = net
    return record
