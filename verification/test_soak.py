"""Soak benches: a long random stream with stalls and reset pulses (``verification/tb_soak.py``).

The default run checks the machinery on small runs (Icarus builds in a second): a clean run
of the Kahan accumulator, the unit with the most state to clear on reset, and of both 2x2
systolic arrays (tile passes cut by resets); a wrong golden model, an array model that sums k
backwards, and an accumulator whose in-flight steps survive a reset (the bug the first soak
found) must all fail. The full soak of record, at least 1,000,000 operands (input beats) per
unit on Verilator, is ``make soak`` or ``pytest -m slow verification/test_soak.py``.
"""

import numpy as np
import pytest
from amaranth.hdl import ResetSignal, Signal

import lnsgen.hdl.pipeline
from lnsgen.golden import LNSFormat
from lnsgen.spec import resolve
from lnsgen.verification.models import model_for
from lnsgen.verification.runner import BenchFailure
from lnsgen.verification.soak import SOAK_PRESETS, run_soak
from lnsgen.verification.tb_soak import results_allowed

LNS8 = LNSFormat(int_bits=3, frac_bits=4)
LNS16 = LNSFormat(int_bits=5, frac_bits=10)
SOAK_ARRAYS = [p for p in SOAK_PRESETS if p.startswith("mm")]


def _check_clean(summary, operands, resets):
    assert summary["operands"] >= operands
    assert summary["resets"] == resets
    assert summary["mid_flight_resets"] == (resets + 1) // 2
    assert summary["mismatches"] == summary["lost"] == summary["extra"] == 0
    assert summary["results"] + summary["dropped_by_reset"] == summary["expected"] > 0
    assert summary["input_idle_cycles"] > 0 and summary["output_stall_cycles"] > 0


def test_soak_small_kahan_accumulator():
    summary = run_soak(resolve("acc-kahan", fmt=LNS8), operands=3000, resets=3, sim="icarus", seed=3,
                       tag="small")
    _check_clean(summary, 3000, 3)


@pytest.mark.parametrize("unit", ["from-fp32", "to-fp16"])
def test_soak_small_converter(unit):
    summary = run_soak(resolve(unit, fmt=LNS16), operands=3000, resets=3, sim="icarus", seed=5, tag="small")
    _check_clean(summary, 3000, 3)
    assert summary["operand_values"] == summary["operands"]  # one number per word or code


@pytest.mark.parametrize("unit", SOAK_ARRAYS)
def test_soak_small_array(unit):
    """Passes cut by mid-flight resets: some expected rows must have been dropped, and every
    row received must still be golden's, in order."""
    summary = run_soak(resolve(unit, fmt=LNS8), operands=3000, resets=8, sim="icarus", seed=1, tag="small")
    _check_clean(summary, 3000, 8)
    assert summary["dropped_by_reset"] > 0
    assert summary["operand_values"] == 4 * summary["operands"]  # 2 A + 2 B values per beat


@pytest.mark.parametrize("unit", SOAK_ARRAYS)
def test_array_expectations_follow_the_accepted_beats(unit):
    """Cut anywhere, a burst of tile passes expects exactly the rows of its complete passes:
    golden of the first n beats is a prefix of golden of the burst, as long as the monitor's
    limit after n beats (no row of a pass before its final beat)."""
    model, rng = model_for(resolve(unit, fmt=LNS8)), np.random.default_rng(4)
    burst = model.stimuli(LNS8, 400, rng)
    full = model.reference(LNS8, burst)
    allowed = results_allowed(model, LNS8, burst)
    beats = len(burst["last"])
    assert allowed[-1] == len(full) > 0 and len(full) % model.tile_rows(LNS8) == 0
    for n in sorted({1, beats - 1, *rng.integers(1, beats, size=12).tolist()}):
        cut = model.reference(LNS8, {k: v[:n] for k, v in burst.items()})
        assert cut == full[:len(cut)] and len(cut) == allowed[n - 1]


def test_soak_catches_a_broken_golden_model():
    with pytest.raises(BenchFailure, match="mismatches"):
        run_soak(resolve("mul", fmt=LNS8), operands=2000, resets=2, sim="icarus", variant="wraps",
                 tag="broken")


def test_soak_catches_a_wrong_array_model():
    """Summing k backwards is as accurate as the array but not bit-identical."""
    with pytest.raises(BenchFailure, match="mismatches"):
        run_soak(resolve("mm2x2", fmt=LNS8), operands=2000, resets=2, sim="icarus",
                 variant="reversed-k", tag="reversed-k")


def test_soak_catches_state_that_survives_reset(monkeypatch):
    """Steps in flight must be cancelled by a reset; with reset-less valid delay lines (the
    accumulator before the first soak) the step counter goes below zero and the unit hangs."""
    def reset_less_flags(self, value, stages, *, name):
        regs = []
        for k in range(stages):  # data registers: no reset
            value = self.stage(value, name=f"{name}_{k + 1}")
            regs.append(value)
        return regs
    # `flag` is built on `flags`: this makes every flag of the accumulator reset-less.
    monkeypatch.setattr(lnsgen.hdl.pipeline.Pipeline, "flags", reset_less_flags)
    with pytest.raises(BenchFailure, match="stuck|mismatches|lost|beat"):
        run_soak(resolve("acc-kahan", fmt=LNS8), operands=3000, resets=12, sim="icarus", seed=5,
                 tag="reset-bug")


def test_soak_catches_array_state_that_survives_reset(monkeypatch):
    """The array's valid and last bits in flight must be cleared by a reset: when a reset only
    freezes them, the sums of a cut pass come out after it (stale or misaligned rows)."""
    def reset_less_flags(self, value, stages, *, name):
        regs = []
        for k in range(stages):
            reg = Signal(name=f"{name}_{k + 1}", reset_less=True)
            with self._m.If(self.enable):
                self._m.d.sync += reg.eq(value)
            # Hold instead of clear: keeps `rst` in the logic, so Icarus evaluates it at time 0
            # (a plain reset-less flag reads X there, a failure of the simulation, not the soak).
            with self._m.If(ResetSignal()):
                self._m.d.sync += reg.eq(reg)
            regs.append(reg)
            value = reg
        return regs
    # `flag` is built on `flags`: this makes every flag of the array reset-less.
    monkeypatch.setattr(lnsgen.hdl.pipeline.Pipeline, "flags", reset_less_flags)
    with pytest.raises(BenchFailure, match="beat|mismatches|lost|extra"):
        run_soak(resolve("mm2x2", fmt=LNS8), operands=3000, resets=8, sim="icarus", seed=1,
                 tag="reset-bug")


@pytest.mark.slow
@pytest.mark.parametrize("unit", SOAK_PRESETS)
def test_soak_million(unit):
    """The soak of record: 1,000,000 operands (input beats) and 40 resets through each unit on
    Verilator (4,000,000 A and B values through each 2x2 array)."""
    summary = run_soak(resolve(unit, fmt=LNS16), operands=1_000_000, resets=40, sim="verilator")
    _check_clean(summary, 1_000_000, 40)
