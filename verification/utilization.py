"""Cycle counts and utilization of the systolic array against K, in Amaranth's simulator.

``python -m verification.utilization --size 4 --k 1 2 4 8 16 32 64`` runs, for every K, one
tile pass alone and ``--passes`` passes back to back through an array whose input is always
valid and whose output is always ready, checks every output row against
:func:`lnsgen.golden.matmul`, and reports the cycles from the first accepted beat to the last output
row and the utilization, useful MACs / (PEs x cycles). The same RTL runs on Icarus and
Verilator in the benches; this measurement only needs exact cycle counts.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

import numpy as np
from amaranth.sim import Simulator

from lnsgen import golden
from lnsgen.golden import LNSFormat
from lnsgen.hdl.systolic import LNSSystolicArray

from .matmul import TileDriver
from .models import pack_fields

__all__ = ["MismatchError", "measure"]


class MismatchError(RuntimeError):
    """The array's output rows differ from golden (or some never came)."""


def measure(array: LNSSystolicArray, k: int, passes: int, *, seed: int = 0) -> dict:
    """Run ``passes`` full tile passes of depth ``k`` back to back; cycles and utilization.

    Returns
    -------
    dict
        ``k``, ``passes``, ``cycles``, ``macs``, ``utilization``, and the check:
        ``rows_expected``, ``rows_received`` and ``mismatches`` (rows that differ from golden).

    Raises
    ------
    MismatchError
        If any output row differs from :func:`lnsgen.golden.matmul` or is missing.
    """
    fmt = array.fmt
    drv = TileDriver.for_array(array)
    rng = np.random.default_rng(seed)
    compensation = "kahan" if array.compensated else "none"
    beats, expected = [], []
    for _ in range(passes):
        a = golden.from_float(fmt, rng.standard_normal((drv.tile_rows, k)))
        b = golden.from_float(fmt, rng.standard_normal((k, drv.cols)))
        (tile,) = drv.passes(a, b)
        beats += pack_fields(drv.input_fields(), drv.beats(tile))
        expected += pack_fields(drv.output_fields(),
                                drv.outputs(golden.matmul(fmt, a, b, compensation=compensation)))
    got, first_in, last_out = [], None, None

    async def bench(ctx):
        # One loop per clock cycle: offer the next beat, take any output row, then tick.
        nonlocal first_in, last_out
        ctx.set(array.o.ready, 1)
        sent, cycle = 0, 0
        limit = len(beats) + len(expected) + 20 * array.latency + 100
        while len(got) < len(expected) and cycle < limit:
            ctx.set(array.i.valid, sent < len(beats))
            if sent < len(beats):
                ctx.set(array.i.payload.as_value(), beats[sent])
            if sent < len(beats) and ctx.get(array.i.ready):
                first_in = cycle if first_in is None else first_in
                sent += 1
            if ctx.get(array.o.valid):
                got.append(ctx.get(array.o.payload.as_value()))
                last_out = cycle
            await ctx.tick()
            cycle += 1

    sim = Simulator(array)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    mismatches = sum(g != e for g, e in zip(got, expected))
    if mismatches or len(got) != len(expected):
        raise MismatchError(f"{mismatches} rows differ from golden.matmul, {len(got)} of "
                            f"{len(expected)} received")
    cycles = last_out - first_in + 1
    macs = passes * drv.tile_rows * k * drv.cols
    return {"k": k, "passes": passes, "cycles": cycles, "macs": macs,
            "utilization": macs / (array.rows * array.cols * cycles),
            "rows_expected": len(expected), "rows_received": len(got), "mismatches": mismatches}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m verification.utilization",
                                description="Systolic array utilization against K.")
    p.add_argument("--size", type=int, default=4, help="rows = cols of the array (default 4)")
    p.add_argument("--compensated", action="store_true", help="Kahan-compensated PEs")
    p.add_argument("--int-bits", type=int, default=5)
    p.add_argument("--frac-bits", type=int, default=10)
    p.add_argument("--k", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64])
    p.add_argument("--passes", type=int, default=4, help="passes back to back (default 4)")
    p.add_argument("--json", type=pathlib.Path, help="write the results here")
    args = p.parse_args(argv)
    try:
        fmt = LNSFormat(int_bits=args.int_bits, frac_bits=args.frac_bits)
        array = LNSSystolicArray(fmt, rows=args.size, cols=args.size,
                                 compensated=args.compensated)
    except (TypeError, ValueError) as exc:
        p.error(str(exc))
    if any(k < 1 for k in args.k) or args.passes < 1:
        p.error("--k values and --passes must be at least 1")
    rows = []
    print(f"{args.size}x{args.size} array{' (Kahan)' if args.compensated else ''}, {fmt}: "
          f"{array.slots} slots, tile {array.tile_rows}x{array.cols}")
    print(f"{'K':>5} {'1 pass cycles':>14} {'util':>6} {f'{args.passes} passes cycles':>16} "
          f"{'util':>6}")
    for k in args.k:
        one = measure(array, k, 1)
        many = measure(array, k, args.passes)
        rows.append({"k": k, "single": one, "steady": many})
        print(f"{k:>5} {one['cycles']:>14} {one['utilization']:>6.1%} {many['cycles']:>16} "
              f"{many['utilization']:>6.1%}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": args.size, "cols": args.size,
                                         "compensated": args.compensated, "format": str(fmt),
                                         "slots": array.slots, "results": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
