"""Benches of record for the LNS adder/subtractor, on Icarus and Verilator."""

import pytest

from lnsgen.golden import LNSFormat
from lnsgen.spec import resolve
from lnsgen.verification.runner import SIMULATORS, run_bench

LNS8 = LNSFormat(int_bits=3, frac_bits=4)
LNS16 = LNSFormat(int_bits=5, frac_bits=10)
LNS24 = LNSFormat(int_bits=7, frac_bits=16)


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("unit", ["add", "add-direct"])
def test_exhaustive_8bit(unit, sim):
    """Every (a, b) pair of the 8-bit format, for addition and subtraction."""
    summary = run_bench(resolve(unit, fmt=LNS8), sim=sim, vectors=None)
    assert summary["vectors"] == 2 * 256 * 256
    assert summary["received"] == summary["vectors"]
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("unit, fmt", [("add", LNS16), ("add-direct", LNS16), ("add", LNS24)],
                         ids=["add-lns16", "add-direct-lns16", "add-lns24"])
def test_random(unit, fmt, sim):
    """Weighted random vectors: near cancellation, region edges of d, zeros. 200,000 on
    Verilator; 50,000 (another seed) on Icarus, which runs the same Verilog at a third of
    the speed and is here as a second simulator's reading of it."""
    vectors, seed = (200_000, fmt.width + 1) if sim == "verilator" else (50_000, fmt.width + 2)
    summary = run_bench(resolve(unit, fmt=fmt), sim=sim, vectors=vectors, seed=seed)
    assert summary["received"] == summary["vectors"] >= vectors
    assert summary["mismatches"] == 0


def test_adder_under_heavy_backpressure():
    summary = run_bench(resolve("add", fmt=LNS16), sim="icarus", vectors=3000, idle=0.0, stall=0.85, tag="slow-sink")
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("unit, latency, sim", [
    ("add", 6, "icarus"), ("add", 7, "verilator"), ("add", 8, "icarus"), ("add", 8, "verilator"),
    ("add", 9, "verilator"), ("add", 10, "icarus"), ("add", 10, "verilator"),
    ("add-direct", 10, "icarus")])
def test_deeper_pipelines_exhaustive_8bit(unit, latency, sim):
    """The adder split for speed (adder latency 6 to 10): every pair of lns8 again, with
    stalls; the bench also checks the stated latency."""
    summary = run_bench(resolve(unit, fmt=LNS8, adder_latency=latency), sim=sim, vectors=None)
    assert summary["received"] == summary["vectors"] == 2 * 256 * 256
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("latency", [8, 10])
def test_deep_pipelines_random_16bit(latency, sim):
    """The multiply-add at depth 8 (DSP products) and 10 (partial products, the product's
    range checks in a stage of their own)."""
    summary = run_bench(resolve("mac", fmt=LNS16, adder_latency=latency), sim=sim,
                        vectors=50_000, seed=7)
    assert summary["received"] == summary["vectors"] >= 50_000
    assert summary["mismatches"] == 0
