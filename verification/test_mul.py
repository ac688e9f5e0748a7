"""Benches of record for the LNS multiplier and divider, on Icarus and Verilator."""

import pytest

from lnsgen.golden import LNSFormat
from lnsgen.spec import resolve
from lnsgen.verification.runner import SIMULATORS, BenchFailure, run_bench

LNS8 = LNSFormat(int_bits=3, frac_bits=4)
LNS16 = LNSFormat(int_bits=5, frac_bits=10)
LNS32 = LNSFormat(int_bits=8, frac_bits=23)


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("unit", ["mul", "div"])
def test_exhaustive_8bit(unit, sim):
    summary = run_bench(resolve(unit, fmt=LNS8), sim=sim, vectors=None)
    assert summary["vectors"] == 256 * 256
    assert summary["received"] == summary["vectors"]
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("fmt", [LNS16, LNS32], ids=lambda f: f.name)
def test_random_mul(fmt, sim):
    summary = run_bench(resolve("mul", fmt=fmt), sim=sim, vectors=100_000, seed=fmt.width)
    assert summary["received"] == summary["vectors"] >= 100_000
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("sim", SIMULATORS)
def test_random_div_16bit(sim):
    summary = run_bench(resolve("div", fmt=LNS16), sim=sim, vectors=20_000, seed=7)
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0


def test_backpressure_extremes():
    """Back-to-back input with a consumer that is almost never ready, and the reverse."""
    summary = run_bench(resolve("mul", fmt=LNS16), sim="icarus", vectors=3000, idle=0.0, stall=0.9, tag="slow-sink")
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0
    summary = run_bench(resolve("mul", fmt=LNS16), sim="icarus", vectors=3000, idle=0.9, stall=0.0, tag="slow-source")
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0


def test_bench_catches_a_broken_golden_model():
    """A golden model that wraps instead of saturating must make the bench fail."""
    with pytest.raises(BenchFailure, match=r"mismatches|expected"):
        run_bench(resolve("mul", fmt=LNS8), sim="icarus", vectors=500, variant="wraps", tag="broken")
