"""Deliberate bugs, to show that the proofs can fail.

Each entry of :data:`BUGS` changes either the design or the claim being proven; a proof with a
bug injected must end in FAIL with a counterexample.
"""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import flipped

__all__ = ["BUGS", "DropValidOnStall"]


class DropValidOnStall(wiring.Component):
    """A unit wrapped so that ``o.valid`` drops for one cycle after a stall begins.

    A design bug of the kind a hand-written output register produces: the beat is not lost
    (the wrapped unit still holds it), but a consumer may see ``valid`` fall before it took the
    beat, which the stream rules forbid. ``hold`` must fail.

    Attributes
    ----------
    unit : wiring.Component
        The wrapped unit.
    latency : int
        The wrapped unit's.
    stage_valid : list of Signal
        The wrapped unit's (after elaboration), so the bench keeps its stage invariant.
    """

    def __init__(self, unit):
        self.unit = unit
        self.latency = unit.latency
        super().__init__(unit.signature)

    @property
    def stage_valid(self):
        return self.unit.stage_valid

    def elaborate(self, platform):
        m = Module()
        m.submodules.unit = unit = self.unit
        hiccup = Signal()
        m.d.sync += hiccup.eq(unit.o.valid & ~self.o.ready & ~hiccup)
        wiring.connect(m, flipped(self.i), unit.i)
        m.d.comb += [
            self.o.payload.eq(unit.o.payload),
            self.o.valid.eq(unit.o.valid & ~hiccup),
            unit.o.ready.eq(self.o.ready & ~hiccup),
        ]
        return m


#: Bug name -> (one line of help, what it changes). ``kind`` is ``"design"`` (wrap the unit),
#: ``"latency"`` (claim one cycle more than the unit has), ``"spec"`` (a reference model
#: without saturation) or ``"fifo"`` (an array's FIFOs too shallow for its output order).
BUGS = {
    "drop-valid": ("design", "o.valid drops for one cycle after a stall begins (breaks hold)"),
    "latency": ("latency", "the properties claim latency + 1 (breaks latency)"),
    "spec": ("spec", "the reference model forgets saturation (breaks equiv; mul only)"),
    "shallow-fifo": ("fifo", ("array result FIFOs one row shallower than the PE slots "
                              "(breaks no_deadlock; arrays only)")),
}
