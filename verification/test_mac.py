"""Benches of record for the LNS multiply-add, on Icarus and Verilator."""

import pytest

from lnsgen.golden import LNSFormat
from lnsgen.spec import resolve
from lnsgen.verification.runner import SIMULATORS, run_bench

LNS8 = LNSFormat(int_bits=3, frac_bits=4)
LNS16 = LNSFormat(int_bits=5, frac_bits=10)


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("fmt", [LNS8, LNS16], ids=lambda f: f.name)
def test_random_muladd(fmt, sim):
    """Corner pairs x corner pairs, then random triples whose addend mostly cancels the product
    or sits at the Gaussian-log region edges (2**24 triples of lns8: the formal proof)."""
    summary = run_bench(resolve("mac", fmt=fmt), sim=sim, vectors=100_000, seed=fmt.width)
    assert summary["received"] == summary["vectors"] >= 100_000
    assert summary["mismatches"] == 0
