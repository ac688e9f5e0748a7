"""cocotb soak bench: a long random stream through one unit, in segments ended by reset pulses.

Started by :func:`lnsgen.verification.soak.run_soak` with a :class:`~lnsgen.verification.config.SoakConfig`
in the ``LNSGEN_BENCH`` environment variable. The operands are split into ``resets + 1``
segments; a segment is one or more bursts, each with its own random input-idle and
output-stall probabilities (from back to back to 90% stalled). Every segment but the last
ends with a reset pulse of 1-4 cycles, of one of two kinds:

* **drained**: every result of the segment has been received, then the reset;
* **mid-flight**: the driver is stopped at a random cycle of the segment's last burst (possibly
  while it offers a beat), and the reset follows within 3 cycles (half of them) or within
  ``latency + 2`` cycles, so results in the pipeline, steps in flight, a sum being accumulated or
  reduced, or a result waiting in the output register are thrown away.

Half the resets (rounded up) are mid-flight. A cycle with ``rst`` high is no transfer on either
stream (the driver keeps ``valid`` low; see :class:`~lnsgen.verification.streams.StreamMonitor`).

A systolic array unit (:class:`~lnsgen.verification.models.MatmulModel`) is driven the same way with
tile passes: a burst is whole passes of random matrix products (random K from 1 to 40 per
product, plus the model's corner shapes), so a drained segment ends between passes and only a
mid-flight reset cuts a pass. A cut pass has no expected rows (it never got its ``last``
group); neither do passes the reset caught before all their rows left, which the prefix rule
below allows. The first pass after a reset starts fresh, at slot 0.

Checks, per segment, against the golden model of exactly the inputs that were accepted (an
array's output beats are tile rows, a pass's rows only once its final beat was accepted):

* the received results are, in order and bit for bit, the expected ones: all of them for a
  drained segment (a missing one is *lost*), a prefix of them for a mid-flight one (the rest
  were *dropped by the reset*, which is allowed);
* no result beyond the expected ones (*extra*), and none before its input (the monitor's
  ``limit``); after every reset the unit stays silent for ``latency + 8`` idle cycles (no stale
  beat survives a reset);
* the handshake rules of :class:`~lnsgen.verification.streams.StreamMonitor` on every cycle.

The summary (operands = accepted input beats, operand values = the LNS values those beats
carried, results, resets, stalls, mismatches, lost, extra, wall time) goes to the configured
JSON file; the test fails on any mismatch, lost or extra beat or protocol error.
"""

from __future__ import annotations

import json
import os
import pathlib
import time

import cocotb
import numpy as np
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, FallingEdge

from lnsgen.golden import LNSFormat
from lnsgen.verification.config import SoakConfig
from lnsgen.verification.models import MatmulModel, model_for, pack_fields
from lnsgen.verification.streams import Scoreboard, StreamDriver, StreamMonitor, start_and_reset

PERIOD_NS = 10
#: (input idle, output stall) probabilities of a burst and how often each pair is drawn: mostly
#: moderate, sometimes back to back, a slow source or a slow sink.
STALL_MENU = [((0.2, 0.2), 0.45), ((0.0, 0.0), 0.15), ((0.5, 0.5), 0.15),
              ((0.0, 0.9), 0.1), ((0.9, 0.0), 0.1), ((0.3, 0.7), 0.05)]
#: A burst with a heavy stall is kept short: it costs up to ten cycles per operand.
HEAVY_BURST = 2000


class _Segment:
    """Accepted inputs and received results of the current segment (for the monitor's limit)."""

    def __init__(self, base: int):
        self.base = base            # monitor.beats index of the segment's first result
        self.inputs: list[dict] = []
        self.allowed_before = 0     # results allowed by the bursts already finished
        self.driver = None
        self.allowed_per_beat = None  # cumulative results allowed after k accepted beats

    def limit(self) -> int:
        allowed = self.allowed_before
        if self.driver is not None:
            k = len(self.driver.accepted_times)
            allowed += int(self.allowed_per_beat[k - 1]) if k else 0
        return self.base + allowed


async def _wait_for(monitor, count: int, clk, patience: int) -> None:
    """Until ``monitor`` holds ``count`` beats, or ``patience`` cycles without a new beat."""
    quiet, seen = 0, len(monitor.beats)
    while len(monitor.beats) < count and quiet < patience:
        await FallingEdge(clk)
        quiet = 0 if len(monitor.beats) != seen else quiet + 1
        seen = len(monitor.beats)


def results_allowed(model, fmt: LNSFormat, inputs: dict) -> np.ndarray:
    """Results the unit may have given after 1, 2, ... accepted beats of the burst ``inputs``.

    One per beat for a one-to-one unit, one per ``last`` for an accumulator, a pass's tile rows
    once its final beat is in for an array (the model's own ``output_limit``; a burst starts
    at a pass boundary, so the burst's beats alone fix it).
    """
    n = len(next(iter(inputs.values())))
    if isinstance(model, MatmulModel):
        limit = model.output_limit(fmt, inputs)
        return np.array([limit(k) for k in range(1, n + 1)], dtype=np.int64)
    if not model.one_to_one:
        return np.cumsum(inputs["last"])
    return np.arange(1, n + 1)


def _board_context(model, fmt: LNSFormat, inputs: dict, expected: int):
    """What the scoreboard prints beside a wrong beat: ``(fields, describe)``.

    Input ``k`` for a one-to-one unit. An array's output beat ``k`` is row ``k % tile_rows``
    of the segment's pass ``k // tile_rows``, which names it better than any input beat (and
    a pass of small K has more rows than beats).
    """
    if isinstance(model, MatmulModel):
        rows, k = model.tile_rows(fmt), np.arange(expected)
        return {"pass": k // rows, "row": k % rows}, lambda name, v: str(v)
    return inputs, lambda name, v: model.describe_input(fmt, name, v)


@cocotb.test()
async def soak(dut):
    cfg = SoakConfig.from_json(os.environ["LNSGEN_BENCH"])
    spec = cfg.unit_spec()
    fmt = spec.model_format
    model = model_for(spec, cfg.variant)
    fields = model.fields(fmt)
    values_per_beat = model.values_per_beat(fmt)
    rng = np.random.default_rng(cfg.seed)
    # Longest quiet wait (no beat accepted, or none delivered) before the unit counts as stuck:
    # a full latency under the heaviest stall, plus a run of not-ready cycles that a 90% stall
    # makes once in 10**45 cycles (0.9 ** 1000), so no healthy run of any length trips it.
    patience = 1000 + 40 * cfg.latency
    stall_pairs = [p for p, _ in STALL_MENU]
    stall_weights = np.array([w for _, w in STALL_MENU])
    stall_weights /= stall_weights.sum()

    await start_and_reset(dut, PERIOD_NS)

    seg = _Segment(0)
    monitor = StreamMonitor(dut, "o", dut.clk, stall=0.2, rng=rng, limit=lambda: seg.limit(),
                            reset=dut.rst).start()
    totals = dict.fromkeys(
        ["operands", "operand_values", "results", "expected", "segments", "resets",
         "mid_flight_resets", "dropped_by_reset", "mismatches", "lost", "extra", "bursts",
         "input_idle_cycles", "output_stall_cycles"], 0)
    report: list[str] = []
    wall = time.perf_counter()
    remaining = cfg.operands
    segments = cfg.resets + 1
    # Half the resets (rounded up) come mid-flight, in random order.
    kinds = rng.permutation([True] * ((cfg.resets + 1) // 2) + [False] * (cfg.resets // 2))
    for s in range(segments):
        ends_in_reset = s < segments - 1
        mid_flight = ends_in_reset and bool(kinds[s])
        target = max(1, -(-remaining // (segments - s)))
        sent = 0
        while sent < target:
            # A burst: a random size (at most max_burst, or HEAVY_BURST under heavy stalls)
            # with one idle/stall setting; the segment ends when its target has been sent.
            idle, stall = stall_pairs[rng.choice(len(stall_pairs), p=stall_weights)]
            cap = HEAVY_BURST if max(idle, stall) > 0.5 else cfg.max_burst
            chunk = min(target - sent, cap, int(rng.integers(1, cfg.max_burst + 1)))
            inputs = model.stimuli(fmt, chunk, rng)
            per_beat = results_allowed(model, fmt, inputs)
            driver = StreamDriver(dut, "i", dut.clk, pack_fields(fields, inputs), idle=idle,
                                  rng=rng, timeout=patience)
            monitor.stall = stall
            seg.driver, seg.allowed_per_beat = driver, per_beat
            abort = mid_flight and sent + chunk >= target
            if abort:
                # Stop at a random cycle of the burst, likely while beats are in flight.
                task = cocotb.start_soon(driver.run())
                cycles = int(rng.integers(1, len(driver.payloads) + 1))
                await ClockCycles(dut.clk, cycles)
                driver.stop()
                await task
            else:
                await driver.run()
            accepted = len(driver.accepted_times)
            seg.inputs.append({k: np.asarray(v)[:accepted] for k, v in inputs.items()})
            seg.allowed_before += int(per_beat[accepted - 1]) if accepted else 0
            seg.driver = None
            totals["operands"] += accepted
            totals["operand_values"] += accepted * values_per_beat
            totals["input_idle_cycles"] += driver.idle_cycles
            totals["bursts"] += 1
            remaining -= accepted
            sent += accepted
            if abort:
                break

        accepted_inputs = {k: np.concatenate([x[k] for x in seg.inputs]) for k in seg.inputs[0]}
        # Python ints: an array's tile row is wider than 64 bits from 4 columns on.
        expected = np.asarray([int(v) for v in model.reference(fmt, accepted_inputs)],
                              dtype=object)
        if mid_flight:
            # Half the resets come within a few cycles (steps still in flight), half anywhere
            # up to the latency (a drain, a reduction, a result waiting to be read).
            wait = int(rng.integers(0, 4 if rng.random() < 0.5 else cfg.latency + 3))
            if wait:
                await ClockCycles(dut.clk, wait)
        else:
            await _wait_for(monitor, seg.base + len(expected), dut.clk, patience)
            await ClockCycles(dut.clk, 2 * cfg.latency + 8)  # extra beats would show up here
        if ends_in_reset:
            await FallingEdge(dut.clk)
            dut.rst.value = 1
            await ClockCycles(dut.clk, int(rng.integers(1, 5)))
            await FallingEdge(dut.clk)
            dut.rst.value = 0
            totals["resets"] += 1
            totals["mid_flight_resets"] += int(mid_flight)

        got = monitor.beats[seg.base:]
        n = min(len(got), len(expected))
        context, describe = _board_context(model, fmt, accepted_inputs, n)
        board = Scoreboard(context, expected[:n], describe_input=describe,
                           describe_output=lambda v: model.describe_output(fmt, v))
        bad, lines = board.compare(got[:n])
        lost = 0 if mid_flight else len(expected) - n
        extra = len(got) - n
        totals["mismatches"] += bad
        totals["lost"] += lost
        totals["extra"] += extra
        totals["dropped_by_reset"] += len(expected) - n if mid_flight else 0
        totals["results"] += n
        totals["expected"] += len(expected)
        totals["segments"] += 1
        if bad or lost or extra:
            report.append(f"segment {s} ({'mid-flight reset' if mid_flight else 'drained'}, "
                          f"{len(expected)} expected, {len(got)} received): {bad} mismatches, "
                          f"{lost} lost, {extra} extra")
            report.extend(lines)
        seg = _Segment(len(monitor.beats))
        if ends_in_reset:
            # A reset leaves the unit empty: with no input, nothing may come out (the new
            # segment's limit stays at 0 results until it accepts an input).
            await ClockCycles(dut.clk, cfg.latency + 8)

    monitor.stop()
    wall = time.perf_counter() - wall
    totals["output_stall_cycles"] = monitor.stall_cycles
    period = PERIOD_NS * 1000  # simulator steps per cycle (timescale 1 ns / 1 ps)
    summary = {
        **cfg.to_dict(),
        "unit": spec.label,
        "name": spec.name,
        "kind": spec.kind,
        "format": fmt.name,
        **totals,
        "cycles": int(get_sim_time() // period),
        "wall_s": round(wall, 1),
        "operands_per_s": round(totals["operands"] / wall, 1),
        "operands_requested": cfg.operands,
        "report": report[:40],
    }
    if cfg.result_file:  # after the simulation: nothing else runs, blocking is fine
        pathlib.Path(cfg.result_file).write_text(json.dumps(summary, indent=1))
    for line in report[:40]:
        dut._log.error(line)
    dut._log.info("%s soak: %d operands, %d results, %d resets (%d mid-flight), %d mismatches, "
                  "%d lost, %d extra, %.0f s", spec.name, totals["operands"], totals["results"],
                  totals["resets"], totals["mid_flight_resets"], totals["mismatches"],
                  totals["lost"], totals["extra"], wall)
    assert totals["operands"] >= cfg.operands, "fewer operands than configured were pushed"
    assert totals["resets"] == cfg.resets
    assert not (totals["mismatches"] or totals["lost"] or totals["extra"]), (
        f"{totals['mismatches']} mismatches, {totals['lost']} lost and {totals['extra']} extra "
        f"beats against golden ({spec.name})")
