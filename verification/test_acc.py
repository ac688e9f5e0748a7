"""Benches of record for the LNS accumulator (plain and Kahan), on Icarus and Verilator.

Sums of varied length (1, around the lane count, long) with random stalls on both streams;
every sum is compared bit-exactly with golden.accumulate.stream_sums in the hardware's order.
"""

import pytest

from lnsgen.golden import LNSFormat
from lnsgen.spec import resolve
from lnsgen.verification.runner import SIMULATORS, run_bench

LNS8 = LNSFormat(int_bits=3, frac_bits=4)
LNS16 = LNSFormat(int_bits=5, frac_bits=10)


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("unit", ["acc", "acc-kahan"])
@pytest.mark.parametrize("fmt, values", [(LNS8, 3000), (LNS16, 10_000)], ids=["lns8", "lns16"])
def test_accumulator(unit, fmt, values, sim):
    summary = run_bench(resolve(unit, fmt=fmt), sim=sim, vectors=values, seed=fmt.width)
    assert summary["received"] == summary["expected_beats"] > 10
    assert summary["mismatches"] == 0


def test_accumulator_under_backpressure():
    summary = run_bench(resolve("acc-kahan", fmt=LNS16), sim="icarus", vectors=1500, idle=0.5, stall=0.8,
                        tag="stalls")
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0
