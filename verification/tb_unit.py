"""cocotb bench for any lnsgen stream unit (one input stream ``i``, one output stream ``o``).

It is started by :func:`lnsgen.verification.runner.run_bench`, which passes a :class:`BenchConfig`
as JSON in the ``LNSGEN_BENCH`` environment variable. Flow: reset; drive the stimuli through a
:class:`~lnsgen.verification.streams.StreamDriver` while a
:class:`~lnsgen.verification.streams.StreamMonitor` takes the results under random backpressure;
compare every beat, in order, with the golden model; write a JSON summary; fail on any
mismatch, lost, extra or early beat.
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

from lnsgen.verification.config import BenchConfig
from lnsgen.verification.models import model_for, pack_fields
from lnsgen.verification.streams import Scoreboard, StreamDriver, StreamMonitor, start_and_reset

PERIOD_NS = 10


@cocotb.test()
async def stream_bench(dut):
    cfg = BenchConfig.from_json(os.environ["LNSGEN_BENCH"])
    spec = cfg.unit_spec()
    fmt = spec.model_format
    model = model_for(spec, cfg.variant)
    label = spec.name + (f" against the {cfg.variant} variant" if cfg.variant else "")
    rng = np.random.default_rng(cfg.seed)

    inputs = model.stimuli(fmt, cfg.vectors, rng)
    expected = np.asarray([int(v) for v in np.ravel(model.reference(fmt, inputs))], dtype=object)
    payloads = pack_fields(model.fields(fmt), inputs)
    output_limit = model.output_limit(fmt, inputs)

    await start_and_reset(dut, PERIOD_NS)

    driver = StreamDriver(dut, "i", dut.clk, payloads, idle=cfg.idle, rng=rng)
    monitor = StreamMonitor(dut, "o", dut.clk, stall=cfg.stall, rng=rng,
                            limit=lambda: output_limit(len(driver.accepted_times))).start()
    wall = time.perf_counter()
    await driver.run()
    # Every accepted input must come out; allow for the latency and a long stall run.
    patience = 64 + int(cfg.latency * 4 / max(1e-3, 1 - cfg.stall))
    waited = 0
    while len(monitor.beats) < len(expected) and waited < patience:
        await FallingEdge(dut.clk)
        waited += 1
    await ClockCycles(dut.clk, 2 * cfg.latency + 8)  # extra beats would show up here
    monitor.stop()
    wall = time.perf_counter() - wall

    board = Scoreboard(
        inputs, expected,
        describe_input=lambda name, v: model.describe_input(fmt, name, v),
        describe_output=lambda v: model.describe_output(fmt, v))
    mismatches, lines = board.compare(monitor.beats)

    period = get_sim_time_steps_per_cycle()
    # Latency is an input-to-output property only where every input has its own output.
    n = min(len(monitor.beat_times), len(driver.accepted_times)) if model.one_to_one else 0
    delays = (np.asarray(monitor.beat_times[:n]) - np.asarray(driver.accepted_times[:n])) // period
    summary = {
        **cfg.to_dict(),
        "unit": spec.label,
        "name": spec.name,
        "kind": spec.kind,
        "format": fmt.name,
        "vectors": len(payloads),
        "expected_beats": len(expected),
        "received": len(monitor.beats),
        "mismatches": mismatches,
        "min_latency": int(delays.min()) if n else None,
        "cycles": int(get_sim_time() // period),
        "wall_s": round(wall, 3),
        "vectors_per_s": round(len(payloads) / wall, 1),
        "report": lines,
    }
    if cfg.result_file:  # after the simulation: nothing else runs, blocking is fine
        pathlib.Path(cfg.result_file).write_text(json.dumps(summary, indent=1))
    for line in lines:
        dut._log.error(line)
    dut._log.info("%s: %d vectors, %d mismatches, %.0f vectors/s",
                  label, len(payloads), mismatches, summary["vectors_per_s"])
    assert mismatches == 0, f"{mismatches} mismatches against golden ({label})"
    if n:
        assert summary["min_latency"] >= cfg.latency, (
            f"a result left {summary['min_latency']} cycles after its input; stated latency "
            f"is {cfg.latency}")
    if n >= 100 and cfg.stall <= 0.5:
        # With a consumer that is mostly ready, some beat passes without a stall.
        assert summary["min_latency"] == cfg.latency, (
            f"measured latency {summary['min_latency']} != stated {cfg.latency}")


def get_sim_time_steps_per_cycle() -> int:
    # One clock period in simulator steps; the runner's timescale is 1 ns / 1 ps.
    return PERIOD_NS * 1000
