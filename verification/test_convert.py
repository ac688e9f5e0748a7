"""Benches of record for the float/LNS converters, on Icarus and Verilator."""

import pytest

from lnsgen.golden import LNSFormat
from lnsgen.spec import resolve
from lnsgen.verification.runner import SIMULATORS, BenchFailure, run_bench

LNS8 = LNSFormat(int_bits=3, frac_bits=4)
LNS16 = LNSFormat(int_bits=5, frac_bits=10)
LNS24 = LNSFormat(int_bits=7, frac_bits=16)


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("unit", ["from-fp16", "from-bf16"])
def test_every_16bit_word(unit, sim):
    """All 65,536 words: normals, subnormals, zeros, infinities and NaNs of both signs."""
    summary = run_bench(resolve(unit, fmt=LNS16), sim=sim, vectors=None)
    assert summary["received"] == summary["vectors"] == 1 << 16
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("unit", ["to-fp16", "to-bf16", "to-fp32"])
def test_every_16bit_code(unit, sim):
    summary = run_bench(resolve(unit, fmt=LNS16), sim=sim, vectors=None)
    assert summary["received"] == summary["vectors"] == 1 << 16
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("unit, latency, sim", [("from-fp16", 8, "icarus"),
                                                ("to-fp16", 8, "verilator")])
def test_deeper_pipelines_every_16bit_input(unit, latency, sim):
    """The converters split for speed (latency 6 to 8: the table's product, address and
    partial products registered): every input again, and the stated latency."""
    summary = run_bench(resolve(unit, fmt=LNS16, latency=latency), sim=sim, vectors=None)
    assert summary["received"] == summary["vectors"] == 1 << 16
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("unit", ["from-fp16", "to-fp16", "from-bf16", "to-bf16"])
def test_every_8bit_combination(unit):
    summary = run_bench(resolve(unit, fmt=LNS8), sim="icarus", vectors=None)
    assert summary["received"] == summary["vectors"]
    assert summary["mismatches"] == 0


@pytest.mark.parametrize("sim", SIMULATORS)
def test_random_fp32_words(sim):
    """fp32 in: the interpolated table on 14 of 23 fraction bits (lns16)."""
    summary = run_bench(resolve("from-fp32", fmt=LNS16), sim=sim, vectors=100_000, seed=32)
    assert summary["received"] == summary["vectors"] >= 100_000
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["from-fp32", "to-fp32"])
def test_random_24bit(unit):
    """lns24_i7f16: interpolated tables in both directions (fp32 in: 20 fraction bits)."""
    summary = run_bench(resolve(unit, fmt=LNS24), sim="verilator", vectors=100_000, seed=24)
    assert summary["received"] == summary["expected_beats"] > 0
    assert summary["mismatches"] == 0


def test_bench_catches_a_converter_with_the_wrong_rounding():
    """The direct LNS-to-float table read with the wrong rounding (interp's) must fail."""
    with pytest.raises(BenchFailure, match=r"mismatches|expected"):
        run_bench(resolve("to-fp16", fmt=LNS16), sim="icarus", vectors=2000, variant="interp-table",
                  tag="wrong-model")
