"""Benches of record for the systolic matrix unit in every arithmetic, on Icarus and Verilator.

Every output element of every pass is compared bit-exactly with the golden product of the
pass's blocks (:func:`lnsgen.golden.matmul`, or the arithmetic's :mod:`lnsgen.golden.arithmetic`); the shapes include 1x1x1, shapes that are not multiples of the tile, K far
beyond the array, and products that take several passes (see
:class:`lnsgen.verification.models.MatmulModel`). Inputs idle and outputs stall at random.
"""

import pytest

from lnsgen.golden import LNSFormat
from lnsgen.spec import resolve
from lnsgen.verification.runner import SIMULATORS, BenchFailure, run_bench

LNS8 = LNSFormat(int_bits=3, frac_bits=4)
LNS16 = LNSFormat(int_bits=5, frac_bits=10)


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("unit", ["mm2x2", "mm2x2-kahan"])
def test_random_shapes(unit, sim):
    summary = run_bench(resolve(unit, fmt=LNS16), sim=sim, vectors=3000, seed=5)
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("unit, sim", [(u, s) for u in ("mm2x2-hybrid", "mm2x2-fp16", "mm2x2-int8")
                                       for s in SIMULATORS] + [("mm2x2-bf16", "icarus")])
def test_random_shapes_other_arithmetics(unit, sim):
    """The same array generator with hybrid (ELMA), IEEE FMA and integer PEs."""
    fmt = {"mm2x2-hybrid": LNS16}.get(unit)
    spec = resolve(unit, fmt=fmt) if fmt else resolve(unit)
    summary = run_bench(spec, sim=sim, vectors=1500, seed=6)
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0


def test_wrong_fma_order_fails():
    """Floating-point sums depend on their order too: the bench tells k backwards apart."""
    with pytest.raises(BenchFailure, match="mismatches|expected"):
        run_bench(resolve("mm2x2-fp16"), sim="icarus", vectors=500, variant="reversed-k",
                  tag="reversed-k")


def test_heavy_backpressure():
    """A mostly stalled consumer: the array must stop without losing or corrupting a row."""
    summary = run_bench(resolve("mm2x2", fmt=LNS8), sim="icarus", vectors=1500, idle=0.0, stall=0.8, tag="slow-sink")
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0


def test_wrong_accumulation_order_fails():
    """Summing k backwards is as accurate but not bit-identical: the bench must notice."""
    with pytest.raises(BenchFailure, match="mismatches|expected"):
        run_bench(resolve("mm2x2", fmt=LNS16), sim="icarus", vectors=500, variant="reversed-k",
                  tag="reversed-k")


@pytest.mark.slow
@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("unit", ["mm4x4", "mm4x4-kahan", "mm8x8", "mm4x4-hybrid",
                                  "mm4x4-fp16", "mm4x4-int8"])
def test_random_shapes_large_arrays(unit, sim):
    summary = run_bench(resolve(unit, fmt=LNS16), sim=sim, vectors=6000, seed=9)
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0
