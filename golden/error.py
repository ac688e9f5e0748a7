"""Error report of the Gaussian logarithms phi+ and phi- of a format, over every representable d.

On the command line::

    lnsgen error --int-bits 5 --frac-bits 10 --method interp
    lnsgen error --int-bits 5 --frac-bits 10 --method all      # with a plot in build/reports

For each method and for phi+ and phi- (see :mod:`lnsgen.golden.gaussian`) it evaluates the integer phi
the hardware computes at *every* ``d`` of :meth:`GaussianLog.domain` (phi+: ``d_min .. 0``;
phi-: ``d_min .. -1``, since ``d = 0`` with opposite signs is exact cancellation and never
reaches the table) and compares it with float64 phi. Because the adder's result log is
``Lx + phi(d)``, these numbers are exactly the error of ``a + b`` and ``a - b`` in ulps of the
result's log (as long as the result neither saturates nor flushes to zero).

Columns: ``max|err|`` and ``mean|err|`` in ulps; the ``d`` of the largest error (the first
one if several tie) in ulps and as a real number; ``bound``, the error the method promises
(0.5 ulp for ``direct``, ``--max-error`` for ``interp``); ``non-mono``, the number of steps where
the integer phi goes the wrong way (phi+ must never decrease as d grows, phi- must never
increase: phi- falls towards -inf as d approaches 0), which would make ``a + b`` non-monotone
in ``b``; the total table bits and the checked ``d`` count. The tables of each row are described
below the table.

``--method all`` reports every method, but leaves ``direct`` out (with a note) when
``frac_bits > DIRECT_ALL_MAX_FRAC`` (16): a direct table has about ``(F + 2) * 2**F`` entries, so
beyond that it is slow to build and not a design anyone would synthesize; likewise
``cotrans`` above ``COTRANS_ALL_MAX_FRAC`` (14), whose table search is slow there. ``--method direct``
always runs, whatever the size. ``--max-error`` only shapes the ``interp`` tables (it is still
validated for ``direct``).

``--plot`` writes a PNG (matplotlib, Agg) of the signed error against real d, one panel for phi+
and one for phi-, with the faithful bounds +-1 ulp; the x axis covers the table region and a
margin of the zero region (``d < zero_below``, where phi is 0 and ``|err| < 0.5``); large
domains are drawn as a per-pixel min/max envelope, so the extremes are kept. ``--json`` writes
the rows as JSON.

Exit status: 0; 1 when a row's ``max|err|`` reaches its bound (a model bug); 2 for bad
parameters (argparse's one-line error).

This module only needs numpy (and matplotlib for ``--plot``, imported on demand).
"""

from __future__ import annotations

import numpy as np

from .format import LNSFormat
from .gaussian import (
    METHODS,
    GaussianLog,
    gaussian_logs,
    phi_exact,
)

__all__ = ["COTRANS_ALL_MAX_FRAC", "DIRECT_ALL_MAX_FRAC", "error_table", "format_table",
           "measure", "methods_for", "phi_pair", "write_plot"]

#: ``--method all`` leaves the direct method out above this many fractional bits.
DIRECT_ALL_MAX_FRAC = 16
#: ... and the cotransformation above this many (its search fits several interpolators of
#: phi+ over up to ``2 ** (frac_bits + 5)`` inputs; ``--method cotrans`` forces it).
COTRANS_ALL_MAX_FRAC = 14
#: d values evaluated at once (bounds memory on wide formats).
_CHUNK = 1 << 20
#: How many wrong-way steps of phi are listed (all of them are counted).
_LIST_NON_MONOTONIC = 20
#: Float64 slack when comparing a direct table's error with 0.5 ulp.
_DIRECT_SLACK = 1e-9


def _bound(g: GaussianLog) -> float:
    return 0.5 if g.method == "direct" else float(g.max_error)


def _exact_ulp(g: GaussianLog, d: np.ndarray) -> np.ndarray:
    F = g.fmt.frac_bits
    return phi_exact(g.kind, d * 2.0 ** -F) * float(1 << F)


def measure(g: GaussianLog) -> dict:
    """Error statistics of one GaussianLog over every d of its domain (see the module doc)."""
    F = g.fmt.frac_bits
    d_lo, d_hi = g.d_min, g.d_max
    n = 0
    abs_sum = 0.0
    worst, worst_d, worst_signed = -1.0, None, None
    wrong_way = 0
    wrong_way_at: list[int] = []
    prev = None  # phi at the last d of the previous chunk
    for start in range(d_lo, d_hi + 1, _CHUNK):
        d = np.arange(start, min(start + _CHUNK, d_hi + 1), dtype=np.int64)
        phi = g.evaluate(d)
        err = phi - _exact_ulp(g, d)
        mag = np.abs(err)
        i = int(np.argmax(mag))
        if mag[i] > worst:
            worst, worst_d, worst_signed = float(mag[i]), int(d[i]), float(err[i])
        abs_sum += float(mag.sum())
        n += d.size
        seq = phi if prev is None else np.concatenate(([prev], phi))
        dseq = d if prev is None else np.concatenate(([d[0] - 1], d))
        steps = np.diff(seq)
        bad = steps < 0 if g.kind == "plus" else steps > 0
        wrong_way += int(bad.sum())
        room = _LIST_NON_MONOTONIC - len(wrong_way_at)
        if room > 0:
            wrong_way_at += [int(x) for x in dseq[1:][bad][:room]]
        prev = int(phi[-1])
    return {
        "format": g.fmt.name,
        "int_bits": g.fmt.int_bits,
        "frac_bits": F,
        "method": g.method,
        "kind": g.kind,
        "max_error_requested": float(g.max_error),
        "bound_ulp": _bound(g),
        "max_abs_error_ulp": worst,
        "signed_error_at_max_ulp": worst_signed,
        "mean_abs_error_ulp": abs_sum / n,
        "d_at_max_ulp": worst_d,
        "d_at_max": worst_d * 2.0 ** -F,
        "within_bound": worst < _bound(g) + (_DIRECT_SLACK if g.method == "direct" else 0.0),
        "faithful": worst < 1.0,
        # d where phi(d) steps the wrong way from phi(d - 1).
        "non_monotonic_steps": wrong_way,
        "non_monotonic_at_d": wrong_way_at,
        "table_bits": int(g.table_bits),
        "tables": g.describe(),
        "zero_below": int(g.zero_below),
        "d_min": int(d_lo),
        "d_max": int(d_hi),
        "n_checked": n,
    }


def methods_for(fmt: LNSFormat, method: str) -> tuple[list[str], list[str]]:
    """``(methods to run, notes)`` for a ``--method`` value."""
    if method != "all":
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS + ('all',)}, not {method!r}")
        return [method], []
    run, notes = [], []
    for m in METHODS:
        if m == "direct" and fmt.frac_bits > DIRECT_ALL_MAX_FRAC:
            notes.append(f"direct skipped: frac_bits={fmt.frac_bits} > {DIRECT_ALL_MAX_FRAC} "
                         f"(about {(fmt.frac_bits + 2) << fmt.frac_bits} table entries); "
                         f"use --method direct to force it")
            continue
        if m == "cotrans" and fmt.frac_bits > COTRANS_ALL_MAX_FRAC:
            notes.append(f"cotrans skipped: frac_bits={fmt.frac_bits} > {COTRANS_ALL_MAX_FRAC} "
                         f"(slow table search); use --method cotrans to force it")
            continue
        run.append(m)
    return run, notes


def phi_pair(fmt: LNSFormat, method: str, max_error: float) -> tuple[GaussianLog, GaussianLog]:
    return gaussian_logs(fmt, method, float(max_error))


def error_table(fmt: LNSFormat, method: str, max_error: float = 1.0) -> list[dict]:
    """One row (dict, see :func:`measure`) per method and kind, phi+ before phi-.

    ``method`` is ``"direct"``, ``"interp"`` or ``"all"`` (both, but ``direct`` only when
    ``frac_bits <= DIRECT_ALL_MAX_FRAC``).

    Raises
    ------
    ValueError
        For an unknown method or a ``max_error`` GaussianLog refuses.
    """
    rows = []
    for m in methods_for(fmt, method)[0]:
        rows += [measure(g) for g in phi_pair(fmt, m, max_error)]
    return rows


# Report -----------------------------------------------------------------------------------

def format_table(fmt: LNSFormat, rows: list[dict], notes=(), max_error: float = 1.0) -> str:
    head = ["method", "phi", "max|err|", "mean|err|", "at d (ulp)", "at d (real)", "bound",
            "non-mono", "table bits", "d checked"]
    body = [[r["method"], "phi+" if r["kind"] == "plus" else "phi-",
             f"{r['max_abs_error_ulp']:.4f}", f"{r['mean_abs_error_ulp']:.4f}",
             str(r["d_at_max_ulp"]), f"{r['d_at_max']:.6g}", f"{r['bound_ulp']:g}",
             str(r["non_monotonic_steps"]), str(r["table_bits"]), str(r["n_checked"])]
            for r in rows]
    widths = [max(len(c) for c in col) for col in zip(head, *body)]
    left = {0, 1}

    def line(cells):
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [(f"phi error of {fmt} ({fmt.name}): errors in ulps of the log "
            f"(2^-{fmt.frac_bits}), max_error={max_error:g}"),
           line(head), line(["-" * w for w in widths])]
    out += [line(b) for b in body]
    out.append("tables:")
    for r in rows:
        phi = "phi+" if r["kind"] == "plus" else "phi-"
        out.append(f"  {r['method']} {phi}: {r['tables']}")
    for r in rows:
        if r["non_monotonic_steps"]:
            phi = "phi+" if r["kind"] == "plus" else "phi-"
            way = "decreases" if r["kind"] == "plus" else "increases"
            more = ", ..." if r["non_monotonic_steps"] > len(r["non_monotonic_at_d"]) else ""
            out.append(f"note: {r['method']} {phi} {way} from d-1 to d at "
                       f"{r['non_monotonic_steps']} d (ulps): "
                       f"{', '.join(map(str, r['non_monotonic_at_d']))}{more}")
    out += [f"note: {n}" for n in notes]
    return "\n".join(out)


def _envelope(x: np.ndarray, y: np.ndarray, bins: int):
    """Per-bin ``(x, min y, max y)`` of a long series (every point when it is short)."""
    if x.size <= 2 * bins:
        return x, y, y
    edges = np.linspace(0, x.size, bins + 1).astype(np.int64)
    starts = edges[:-1]
    return (x[starts + (edges[1:] - starts) // 2], np.minimum.reduceat(y, starts),
            np.maximum.reduceat(y, starts))


def write_plot(fmt: LNSFormat, methods: list[str], max_error: float, path: str) -> None:
    """Signed error against real d, phi+ and phi- panels, with the +-1 ulp bounds."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    F = fmt.frac_bits
    fig, axes = plt.subplots(2, 1, figsize=(10, 7), constrained_layout=True)
    colours = {"direct": "tab:blue", "interp": "tab:orange"}
    for ax, k in zip(axes, (0, 1)):
        logs = [phi_pair(fmt, m, max_error)[k] for m in methods]
        first = logs[0]
        span = first.d_max - first.zero_below
        lo = max(first.d_min, first.zero_below - max(16, span // 8))
        d = np.arange(lo, first.d_max + 1, dtype=np.int64)
        for g in logs:
            x, ymin, ymax = _envelope(d * 2.0 ** -F, g.error_ulp(d), 2000)
            label = f"{g.method} ({g.table_bits} table bits)"
            if ymin is ymax:
                ax.plot(x, ymin, ".", ms=2, color=colours.get(g.method), label=label)
            else:
                ax.fill_between(x, ymin, ymax, color=colours.get(g.method), alpha=0.5,
                                linewidth=0.5, label=label + ", min/max envelope")
        for y in (-1.0, 1.0):
            ax.axhline(y, color="red", linestyle="--", linewidth=1)
        ax.axhline(0.0, color="grey", linewidth=0.5)
        if first.zero_below > first.d_min:
            ax.axvline(first.zero_below * 2.0 ** -F, color="grey", linestyle=":", linewidth=1)
        name = "phi+(d) = log2(1 + 2^d)" if first.kind == "plus" else "phi-(d) = log2(1 - 2^d)"
        note = (f"; phi = 0 below d = {first.zero_below * 2.0 ** -F:.4g} (dotted), "
                f"shown from {lo * 2.0 ** -F:.4g} of {first.d_min * 2.0 ** -F:.4g}")
        ax.set_title(f"{name}, {fmt}{note}", fontsize=9)
        ax.set_xlabel("d (real)")
        ax.set_ylabel("phi - exact (ulp)")
        ax.set_ylim(-1.25, 1.25)
        ax.legend(loc="lower left", fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
