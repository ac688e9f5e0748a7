"""The stream-bench kit: a driver, a monitor and a scoreboard for lnsgen's stream ports.

Every unit of lnsgen has an input stream ``i`` and an output stream ``o``
(``amaranth.lib.stream``), flattened by Amaranth's Verilog backend into the ports
``i__payload``, ``i__valid``, ``i__ready``, ``o__payload``, ``o__valid`` and ``o__ready``.
Payloads are single packed vectors; a model packs and unpacks them as integers.

Timing discipline (same for every coroutine here): inputs change only right after the falling
clock edge, and everything is sampled in the ``ReadOnly`` phase after that, when all
combinational logic has settled; the sampled values are exactly what the next rising edge
registers, so a handshake seen there is a transfer at that edge. This works the same on
Icarus and Verilator, unlike sampling at the active edge itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly

__all__ = ["ProtocolError", "Scoreboard", "StreamDriver", "StreamMonitor", "start_and_reset"]


async def start_and_reset(dut, period_ns: int):
    """Start the clock and hold the synchronous reset for 3 cycles with both streams idle;
    returns after the falling edge that releases it."""
    Clock(dut.clk, period_ns, unit="ns").start()
    dut.rst.value = 1
    dut.i__valid.value = 0
    dut.o__ready.value = 0
    await ClockCycles(dut.clk, 3)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


class ProtocolError(AssertionError):
    """A stream broke the valid/ready rules."""


def _read_int(handle, what: str) -> int:
    value = handle.value
    if not value.is_resolvable:
        raise ProtocolError(f"{what} is not a defined value: {value}")
    # 1-bit ports read as Logic, wider ones as LogicArray.
    return value.to_unsigned() if hasattr(value, "to_unsigned") else int(value)


class StreamDriver:
    """Drives payloads into a stream sink of the DUT, in order, with random idle cycles.

    Parameters
    ----------
    dut, prefix :
        The DUT handle and the stream's port prefix (``"i"`` for ``i__payload`` ...).
    clk :
        Clock handle.
    payloads : sequence of int
        Packed payloads to send, in order.
    idle : float
        Probability that the driver withholds ``valid`` in a cycle where it could send
        (0 sends back to back). Once ``valid`` is raised it stays up until accepted.
    rng : numpy.random.Generator
        Source of the idle pattern (seed it for reproducible runs).
    timeout : int, optional
        Cycles an offered payload may wait for ``ready`` before the driver raises
        :class:`ProtocolError` (a unit that stopped accepting input); None waits forever.

    Attributes
    ----------
    accepted_times : list of int
        Simulation time (steps) at which each payload was accepted.
    idle_cycles : int
        Cycles in which the driver had a payload to send but withheld ``valid``.
    """

    def __init__(self, dut, prefix: str, clk, payloads: Sequence[int], *, idle: float, rng,
                 timeout: int | None = None):
        self.payload = getattr(dut, f"{prefix}__payload")
        self.valid = getattr(dut, f"{prefix}__valid")
        self.ready = getattr(dut, f"{prefix}__ready")
        self.clk = clk
        self.payloads = [int(p) for p in payloads]
        self.idle = float(idle)
        self.rng = rng
        self.accepted_times: list[int] = []
        self.idle_cycles = 0
        self.timeout = timeout
        self._stop = False

    @property
    def done(self) -> bool:
        return len(self.accepted_times) == len(self.payloads)

    def stop(self):
        """Stop sending at the next falling edge, even mid-offer (e.g. before a reset pulse).

        ``run`` then lowers ``valid`` and returns; ``accepted_times`` holds exactly the payloads
        that were transferred.
        """
        self._stop = True

    async def run(self):
        self.valid.value = 0
        sent = 0
        offering = False
        idle_draws = self.rng.random(4 * len(self.payloads) + 64)
        draw = 0
        waited = 0
        while sent < len(self.payloads):
            await FallingEdge(self.clk)
            if self._stop:
                self.valid.value = 0
                return
            if not offering:
                if self.idle and idle_draws[draw % len(idle_draws)] < self.idle:
                    self.valid.value = 0
                    self.idle_cycles += 1
                    draw += 1
                    continue
                draw += 1
                self.payload.value = self.payloads[sent]
                self.valid.value = 1
                offering = True
            await ReadOnly()
            if _read_int(self.ready, "ready"):
                self.accepted_times.append(get_sim_time())
                sent += 1
                offering = False
                waited = 0
            else:
                waited += 1
                if self.timeout is not None and waited > self.timeout:
                    raise ProtocolError(
                        f"t={get_sim_time()}: input {sent} offered for {waited} cycles without "
                        f"ready ({sent} of {len(self.payloads)} accepted): the unit is stuck")
        await FallingEdge(self.clk)
        self.valid.value = 0


class StreamMonitor:
    """Drives ``ready`` of a DUT stream source, records its beats, and checks its protocol.

    Checks, every cycle: ``valid`` and ``payload`` are defined; once ``valid`` is high without
    ``ready``, ``valid`` stays high and ``payload`` stays the same until the transfer; never more
    beats than ``limit()`` allows (an output may only follow an input).

    Parameters
    ----------
    dut, prefix, clk :
        As for :class:`StreamDriver` (``"o"`` for ``o__payload`` ...).
    stall : float
        Probability that ``ready`` is low in a cycle.
    rng : numpy.random.Generator
        Source of the stall pattern.
    limit : callable returning int, optional
        Upper bound on the beats received so far (e.g. inputs accepted so far).
    reset : handle, optional
        The DUT's synchronous reset. A cycle in which it is high is no transfer (the bench
        keeps the input's ``valid`` low then, and an output beat offered then is discarded by
        the reset), and it ends the hold rule: a reset may withdraw an offered beat.

    Attributes
    ----------
    beats : list of int
        Received payloads, in order.
    beat_times : list of int
        Simulation time (steps) of each transfer.
    stall_cycles : int
        Cycles in which ``valid`` was high and ``ready`` low (backpressure applied).
    """

    def __init__(self, dut, prefix: str, clk, *, stall: float, rng,
                 limit: Callable[[], int] | None = None, reset=None):
        self.payload = getattr(dut, f"{prefix}__payload")
        self.valid = getattr(dut, f"{prefix}__valid")
        self.ready = getattr(dut, f"{prefix}__ready")
        self.clk = clk
        self.stall = float(stall)
        self.rng = rng
        self.limit = limit
        self.reset = reset
        self.beats: list[int] = []
        self.beat_times: list[int] = []
        self.stall_cycles = 0
        self._task = None

    def start(self):
        self._task = cocotb.start_soon(self._run())
        return self

    def stop(self):
        if self._task is not None:
            self._task.cancel()

    async def _run(self):
        self.ready.value = 0
        held = None  # payload that must stay put: offered last cycle, not taken
        draws = iter(())
        while True:
            await FallingEdge(self.clk)
            try:
                r = next(draws)
            except StopIteration:
                draws = iter(self.rng.random(4096).tolist())
                r = next(draws)
            ready = 0 if (self.stall and r < self.stall) else 1
            self.ready.value = ready
            await ReadOnly()
            if self.reset is not None and _read_int(self.reset, "reset"):
                held = None
                continue
            valid = _read_int(self.valid, "valid")
            if held is not None:
                if not valid:
                    raise ProtocolError(f"t={get_sim_time()}: valid dropped before ready")
                payload = _read_int(self.payload, "payload")
                if payload != held:
                    raise ProtocolError(
                        f"t={get_sim_time()}: payload changed from {held:#x} to {payload:#x} "
                        f"while valid and not ready")
            if not valid:
                held = None
                continue
            payload = _read_int(self.payload, "payload")
            if ready:
                self.beats.append(payload)
                self.beat_times.append(get_sim_time())
                held = None
                if self.limit is not None and len(self.beats) > self.limit():
                    raise ProtocolError(
                        f"t={get_sim_time()}: beat {len(self.beats)} left the DUT but only "
                        f"{self.limit()} inputs had been accepted")
            else:
                held = payload
                self.stall_cycles += 1


@dataclasses.dataclass
class Scoreboard:
    """In-order comparison of received beats with the golden model's expected ones.

    Parameters
    ----------
    inputs : dict of str to numpy.ndarray
        The stimulus fields, one array per field, element ``k`` belonging to beat ``k``.
    expected : numpy.ndarray
        Expected output payloads, in input order.
    describe_input, describe_output : callable
        Human-readable decoding of one input field value / one output payload.
    """

    inputs: dict
    expected: np.ndarray
    describe_input: Callable[[str, int], str]
    describe_output: Callable[[int], str]

    def compare(self, beats: Sequence[int], *, show: int = 10) -> tuple[int, list[str]]:
        """``(mismatches, report lines)``; missing or extra beats are counted as mismatches."""
        # Python ints: payloads of wide units (a row of a systolic array) pass 64 bits.
        got = np.asarray([int(b) for b in beats], dtype=object)
        n = min(len(got), len(self.expected))
        bad = np.flatnonzero(got[:n] != self.expected[:n])
        lines = []
        for k in bad[:show]:
            ins = ", ".join(
                f"{name}={self.describe_input(name, int(v[k]))}" for name, v in self.inputs.items())
            lines.append(
                f"beat {k}: inputs {ins}\n    expected {self.describe_output(int(self.expected[k]))}"
                f"\n    got      {self.describe_output(int(got[k]))}")
        missing = len(self.expected) - n
        extra = len(got) - n
        if missing:
            lines.append(f"{missing} expected beats never arrived (first: beat {n})")
        if extra:
            lines.append(f"{extra} beats arrived beyond the {len(self.expected)} expected")
        return len(bad) + missing + extra, lines
