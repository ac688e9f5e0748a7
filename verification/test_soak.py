"""Soak benches: a long random stream with stalls and reset pulses (``verification/tb_soak.py``).

The default run checks the machinery on small runs (Icarus builds in a second): a clean run
of the Kahan accumulator, the unit with the most state to clear on reset; a wrong golden model
and an accumulator whose in-flight steps survive a reset (the bug the first soak found) must
both fail. The full soak of record, at least 1,000,000 operands per unit on Verilator, is
``make soak`` or ``pytest -m slow verification/test_soak.py``.
"""

import pytest

import hdl.accumulator
from golden import LNSFormat
from verification.runner import BenchFailure
from verification.soak import SOAK_UNITS, run_soak

LNS8 = LNSFormat(int_bits=3, frac_bits=4)
LNS16 = LNSFormat(int_bits=5, frac_bits=10)


def _check_clean(summary, operands, resets):
    assert summary["operands"] >= operands
    assert summary["resets"] == resets
    assert summary["mid_flight_resets"] == (resets + 1) // 2
    assert summary["mismatches"] == summary["lost"] == summary["extra"] == 0
    assert summary["results"] + summary["dropped_by_reset"] == summary["expected"] > 0
    assert summary["input_idle_cycles"] > 0 and summary["output_stall_cycles"] > 0


def test_soak_small_kahan_accumulator():
    summary = run_soak("acc-kahan", LNS8, operands=3000, resets=3, sim="icarus", seed=3,
                       tag="small")
    _check_clean(summary, 3000, 3)


def test_soak_catches_a_broken_golden_model():
    with pytest.raises(BenchFailure, match="mismatches"):
        run_soak("mul", LNS8, operands=2000, resets=2, sim="icarus", model="broken-mul",
                 tag="broken")


def test_soak_catches_state_that_survives_reset(monkeypatch):
    """Steps in flight must be cancelled by a reset; with reset-less valid delay lines (the
    accumulator before the first soak) the step counter goes below zero and the unit hangs."""
    delay = hdl.accumulator._delay
    monkeypatch.setattr(hdl.accumulator, "_delay",
                        lambda m, value, cycles, name, valid=False: delay(m, value, cycles, name))
    with pytest.raises(BenchFailure, match="stuck|mismatches|lost|beat"):
        run_soak("acc-kahan", LNS8, operands=3000, resets=12, sim="icarus", seed=5,
                 tag="reset-bug")


@pytest.mark.slow
@pytest.mark.parametrize("unit", SOAK_UNITS)
def test_soak_million(unit):
    """The soak of record: 1,000,000 operands and 40 resets through each unit on Verilator."""
    summary = run_soak(unit, LNS16, operands=1_000_000, resets=40, sim="verilator")
    _check_clean(summary, 1_000_000, 40)
