"""How much compensation buys: LNS summation error against float64, plain vs compensated.

``lnsgen study [--int-bits 5] [--frac-bits 10 7] [--trials 8] [-o build]`` writes
``sumstudy.md``, ``sumstudy.json`` and ``sumstudy.png``.

For each format, workload and scheme (``none``, ``kahan``, ``neumaier``) it runs ``trials``
independent sums (vectorized) of 100,000 terms and records the error at N = 10 ... 100,000 from
the same sequence. The reference is the float64 sum of the terms *as LNS values*
(``to_float`` of their codes), so only summation error is measured. Workloads:

``constant``
    1.0 every time (the classic case: plain LNS16 stalls near 3,000).
``positive``
    uniform in (0, 1).
``mixed``
    uniform in (-1, 1); error relative to ``sum |x|`` (the sum itself may be ~0).
``update``
    a large value 1.0 followed by small updates uniform in (0, 2e-4), like a weight receiving
    SGD steps.
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np

from .accumulate import COMPENSATIONS, Accumulator
from .convert import from_float, to_float
from .format import LNSFormat

WORKLOADS = ("constant", "positive", "mixed", "update")
CHECKPOINTS = (10, 100, 1_000, 10_000, 100_000)


def terms(workload: str, n: int, trials: int, rng) -> np.ndarray:
    """``(n, trials)`` float terms of a workload."""
    if workload == "constant":
        return np.ones((n, trials))
    if workload == "positive":
        return rng.uniform(0, 1, (n, trials))
    if workload == "mixed":
        return rng.uniform(-1, 1, (n, trials))
    if workload == "update":
        x = rng.uniform(0, 2e-4, (n, trials))
        x[0] = 1.0
        return x
    raise ValueError(f"workload must be one of {WORKLOADS}, not {workload!r}")


def run(fmt: LNSFormat, compensation: str, *, trials: int, seed: int,
        checkpoints=CHECKPOINTS) -> dict:
    """Median and max relative error over the trials, per workload and checkpoint.

    All workloads run side by side in one array of ``len(WORKLOADS) * trials`` sums, so the
    sequential loop is paid once per scheme.
    """
    rng = np.random.default_rng(seed)
    n = max(checkpoints)
    values_f = np.concatenate([terms(w, n, trials, rng) for w in WORKLOADS], axis=1)
    codes = from_float(fmt, values_f)
    values = to_float(fmt, codes)
    exact = np.cumsum(values, axis=0)
    mixed = np.repeat(np.array(WORKLOADS) == "mixed", trials)
    scale = np.where(mixed, np.cumsum(np.abs(values), axis=0), np.abs(exact))
    acc = Accumulator(fmt, compensation)
    s, c = acc.zeros(codes.shape[1])
    out = {w: {} for w in WORKLOADS}
    for k in range(n):
        s, c = acc.step(s, c, codes[k])
        if k + 1 in checkpoints:
            got = to_float(fmt, acc.result(s, c))
            rel = (np.abs(got - exact[k]) / np.maximum(scale[k], 1e-300)).reshape(-1, trials)
            for w, r in zip(WORKLOADS, rel):
                out[w][k + 1] = {"median": float(np.median(r)), "max": float(r.max())}
    return out


def study(formats, *, trials: int = 8, seed: int = 1, checkpoints=CHECKPOINTS) -> list[dict]:
    rows = []
    for fmt in formats:
        for comp in COMPENSATIONS:
            t = time.perf_counter()
            res = run(fmt, comp, trials=trials, seed=seed, checkpoints=checkpoints)
            seconds = round(time.perf_counter() - t, 2)
            print(f"sumstudy: {fmt.name} {comp}: {seconds} s", file=sys.stderr)
            for workload in WORKLOADS:
                rows.append({"format": fmt.name, "int_bits": fmt.int_bits,
                             "frac_bits": fmt.frac_bits, "workload": workload,
                             "compensation": comp, "trials": trials,
                             "errors": {str(k): v for k, v in res[workload].items()},
                             "seconds": seconds})
    rows.sort(key=lambda r: (r["format"], WORKLOADS.index(r["workload"]),
                             COMPENSATIONS.index(r["compensation"])))
    return rows


def markdown(rows: list[dict]) -> str:
    ns = list(rows[0]["errors"])
    lines = ["| format | workload | scheme | " + " | ".join(f"N={int(n):,}" for n in ns) + " |",
             "|---" * (3 + len(ns)) + "|"]
    for r in rows:
        cells = " | ".join(f"{r['errors'][n]['median']:.2e}" for n in ns)
        lines.append(f"| {r['format']} | {r['workload']} | {r['compensation']} | {cells} |")
    lines.append("")
    lines.append(f"Median relative error over {rows[0]['trials']} independent sums "
                 "(mixed: relative to the sum of magnitudes).")
    return "\n".join(lines)


def plot(rows: list[dict], path: pathlib.Path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    formats = sorted({r["format"] for r in rows})
    fig, axes = plt.subplots(len(formats), len(WORKLOADS), figsize=(4 * len(WORKLOADS),
                             3.2 * len(formats)), squeeze=False, sharex=True)
    for i, name in enumerate(formats):
        for j, workload in enumerate(WORKLOADS):
            ax = axes[i][j]
            for r in rows:
                if r["format"] == name and r["workload"] == workload:
                    ns = [int(n) for n in r["errors"]]
                    ax.loglog(ns, [max(v["median"], 1e-12) for v in r["errors"].values()],
                              marker="o", label=r["compensation"])
            ax.set_title(f"{name}: {workload}", fontsize=9)
            ax.grid(True, which="both", alpha=0.3)
            if i == len(formats) - 1:
                ax.set_xlabel("terms N")
            if j == 0:
                ax.set_ylabel("relative error")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
