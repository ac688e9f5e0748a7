"""The golden model's speed against the peer Python LNS library, measured in one process.

``lnsgen speed`` times ``from_float``, ``add``, ``mul`` and ``matmul`` of the
golden model and of ``xlns`` (PyPI ``xlns``, its ``xlnsnp`` arrays, with ``xlnssetF`` set to the
same fractional bits) on the same values: ``--n`` standard normal operands per element-wise
operation, an ``--m`` x ``--m`` by ``--m`` x ``--m`` matrix product. Each rate is the best of
``--repeat`` runs, on one core. ``pip install 'lnsgen[bench]'`` installs the pinned ``xlns``;
without it the golden column is still measured and the xlns column says "not installed".

The rates measure different libraries doing the same arithmetic on the same values, not the
same bits: xlns computes the Gaussian logarithms in float64 per element and has no range limit,
the golden model is the bit-exact model of lnsgen's hardware (tables, saturation, flush).
``golden.matmul`` sums in the systolic array's order (sequential over ``k``); ``xlnsnp``'s
``@`` sums each row's products as a halving tree.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import json
import platform
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .checks import check_int
from .convert import from_float
from .format import LNSFormat
from .matmul import matmul

__all__ = ["XLNS_VERSION", "main", "measure", "table"]

#: The peer library version the benchmark is written for (the ``bench`` extra pins it).
XLNS_VERSION = "1.0.5"


def _best_rate(fn: Callable[[], object], count: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return count / max(best, 1e-12)


def _xlns():
    """The ``xlns`` module, or None when it is not installed."""
    try:
        import xlns
    except ImportError:
        return None
    return xlns


def measure(*, n: int = 1_000_000, m: int = 256, int_bits: int = 6, frac_bits: int = 10,
            repeat: int = 3, seed: int = 0, peer: bool = True) -> dict:
    """Rates of golden and xlns, one row per operation.

    Parameters
    ----------
    n : int
        Operands of each element-wise operation, 1 to 10**8.
    m : int
        Size of the square matrices of the product, 1 to 4096.
    int_bits, frac_bits : int
        The golden format; xlns gets ``frac_bits`` (it has no integer-bit limit).
    repeat : int
        Runs per rate, 1 to 100 (the best is kept; xlns's ``from_float`` runs once, since it
        builds the operands).
    seed : int
        Seed of the normal operands, at least 0.
    peer : bool
        Measure xlns too, when it is installed.

    Returns
    -------
    dict
        ``{"format", "n", "m", "repeat", "numpy", "xlns", "python", "machine", "rows"}``; each
        row is ``{"operation", "unit", "golden", "xlns", "ratio"}`` (rates per second; ``xlns``
        and ``ratio`` are None when xlns is not measured).

    Raises
    ------
    TypeError, ValueError
        If a parameter is not an integer in its range (or the format is invalid).
    """
    n = check_int("n", n, 1, 10**8)
    m = check_int("m", m, 1, 4096)
    repeat = check_int("repeat", repeat, 1, 100)
    seed = check_int("seed", seed, 0)
    fmt = LNSFormat(int_bits=int_bits, frac_bits=frac_bits)
    from . import add, mul
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    xm, ym = rng.standard_normal((m, m)), rng.standard_normal((m, m))
    a, b = from_float(fmt, x), from_float(fmt, y)
    am, bm = from_float(fmt, xm), from_float(fmt, ym)
    add(fmt, a[:2], b[:2])                       # build the tables outside the timings
    matmul(fmt, am[:1, :1], bm[:1, :1])
    golden = {
        "from_float": _best_rate(lambda: from_float(fmt, x), n, repeat),
        "add": _best_rate(lambda: add(fmt, a, b), n, repeat),
        "mul": _best_rate(lambda: mul(fmt, a, b), n, repeat),
        "matmul": _best_rate(lambda: matmul(fmt, am, bm), m ** 3, repeat),
    }
    xl = _xlns() if peer else None
    peer_rates = _measure_xlns(xl, frac_bits, x, y, xm, ym, repeat) if xl else None
    units = {"from_float": "op/s", "add": "op/s", "mul": "op/s", "matmul": "MAC/s"}
    names = {"matmul": f"matmul {m}x{m}x{m}"}
    rows = []
    for op in ("add", "mul", "matmul", "from_float"):
        theirs = None if peer_rates is None else peer_rates[op]
        rows.append({"operation": names.get(op, op), "unit": units[op], "golden": golden[op],
                     "xlns": theirs, "ratio": None if theirs is None else golden[op] / theirs})
    return {"format": str(fmt), "n": n, "m": m, "repeat": repeat, "numpy": np.__version__,
            "xlns": _xlns_version() if xl else None, "python": platform.python_version(),
            "machine": platform.machine(), "rows": rows}


def _xlns_version() -> str | None:
    try:
        return importlib.metadata.version("xlns")
    except importlib.metadata.PackageNotFoundError:
        return None


def _measure_xlns(xl, frac_bits, x, y, xm, ym, repeat) -> dict:
    """xlns rates on the same values (its precision is global state: set, then restored)."""
    old = xl.xlnsF
    quiet = contextlib.redirect_stdout(io.StringIO())   # it warns when F changes late
    with quiet:
        xl.xlnssetF(frac_bits)
    try:
        t0 = time.perf_counter()
        xa = xl.xlnsnp(x)
        from_float_rate = x.size / max(time.perf_counter() - t0, 1e-12)
        xb = xl.xlnsnp(y)
        xma, xmb = xl.xlnsnp(xm), xl.xlnsnp(ym)
        m = xm.shape[0]
        return {"from_float": from_float_rate,
                "add": _best_rate(lambda: xa + xb, x.size, repeat),
                "mul": _best_rate(lambda: xa * xb, x.size, repeat),
                "matmul": _best_rate(lambda: xma @ xmb, m ** 3, repeat)}
    finally:
        with contextlib.redirect_stdout(io.StringIO()):
            xl.xlnssetF(old)


def table(result: dict) -> str:
    """The rows of :func:`measure` as a Markdown table (operation, golden, xlns, ratio)."""
    title = (f"golden {result['format']} vs xlns {result['xlns'] or '(not installed)'}, "
             f"{result['n']:,} operands, numpy {result['numpy']}, one core")
    lines = [title, "", "| operation | golden | xlns | golden / xlns |", "|---|---|---|---|"]
    for r in result["rows"]:
        theirs = "not installed" if r["xlns"] is None else f"{r['xlns']:.3g} {r['unit']}"
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        lines.append(f"| {r['operation']} | {r['golden']:.3g} {r['unit']} | {theirs} | "
                     f"{ratio} |")
    return "\n".join(lines)


def main(argv=None, prog: str = "lnsgen speed") -> int:
    """Command line: print the table and write :func:`measure`'s dict to ``--json FILE``
    (default ``build/reports/speed.json``)."""
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1_000_000, help="operands (default %(default)s)")
    p.add_argument("--m", type=int, default=256, help="matrix size (default %(default)s)")
    p.add_argument("--int-bits", type=int, default=6, help="default %(default)s")
    p.add_argument("--frac-bits", type=int, default=10, help="default %(default)s")
    p.add_argument("--repeat", type=int, default=3, help="runs per rate (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="default %(default)s")
    p.add_argument("--no-peer", action="store_true", help="do not measure xlns")
    p.add_argument("--json", type=Path,
                   help="where the results go (default build/reports/speed.json)")
    args = p.parse_args(argv)
    if args.json is not None and args.json.is_dir():
        p.error(f"--json must be a file path, not the folder {str(args.json)!r}")
    try:
        result = measure(n=args.n, m=args.m, int_bits=args.int_bits, frac_bits=args.frac_bits,
                         repeat=args.repeat, seed=args.seed, peer=not args.no_peer)
    except (TypeError, ValueError) as exc:
        p.error(re.sub(r"\b(n|m|repeat|seed|int_bits|frac_bits)\b(?= must| \+)",
                       lambda f: "--" + f.group(1).replace("_", "-"), str(exc)))
    print(table(result))
    if args.json is None:
        from lnsgen import paths
        args.json = paths.reports_dir() / "speed.json"
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
