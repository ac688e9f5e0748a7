"""Cycle counts and utilization of the systolic array against K, in Amaranth's simulator.

``lnsgen utilization --rows 4 --cols 4 --k 1 2 4 8 16 32 64`` runs, for every K, one
tile pass alone and ``--passes`` passes back to back through an array whose input is always
valid and whose output is always ready, checks every output row against
:func:`lnsgen.golden.matmul`, and reports the cycles from the first accepted beat to the last output
row and the utilization, useful MACs / (PEs x cycles). The same RTL runs on Icarus and
Verilator in the benches; this measurement only needs exact cycle counts.
"""

from __future__ import annotations

import numpy as np
from amaranth.sim import Simulator

from lnsgen import golden
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
                                drv.outputs(golden.matmul(fmt, a, b, compensation=compensation,
                                                          method=array.method,
                                                          max_error=array.max_error)))
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
