"""Benches of record for the systolic LNS matrix unit, on Icarus and Verilator.

Every output element of every pass is compared bit-exactly with :func:`lnsgen.golden.matmul` of the
pass's blocks; the shapes include 1x1x1, shapes that are not multiples of the tile, K far
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
@pytest.mark.parametrize("unit", ["mm4x4", "mm4x4-kahan", "mm8x8"])
def test_random_shapes_large_arrays(unit, sim):
    summary = run_bench(resolve(unit, fmt=LNS16), sim=sim, vectors=6000, seed=9)
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0
