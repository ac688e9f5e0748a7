"""Fixed-latency stream pipelines that stall as a whole.

Every unit of lnsgen is a chain of ``latency`` register stages between an input and an output
:mod:`amaranth.lib.stream`. All stages advance together when the output register is empty or
being read (``enable = ~o.valid | o.ready``), so the unit accepts one beat per cycle while the
consumer keeps up and holds everything, payload and valid, while it does not. ``i.ready``
therefore depends combinationally on ``o.ready``; that is allowed by the stream rules (ready
may depend on anything) and costs one AND gate of path.
"""

from amaranth.hdl import Module, Signal, Value

__all__ = ["StallPipeline"]


class StallPipeline:
    """Valid bits and the shared clock enable of a stalling pipeline.

    Parameters
    ----------
    m : Module
        Module to add the pipeline's logic to.
    i, o : stream interfaces
        Input and output streams of the unit; ``o.payload`` is left to the caller.
    latency : int
        Register stages from an accepted input to its valid output (at least 1).

    Attributes
    ----------
    enable : Signal
        High when every stage moves one step forward this cycle.
    """

    def __init__(self, m: Module, i, o, *, latency: int):
        if latency < 1:
            raise ValueError(f"latency must be at least 1, not {latency}")
        self._m = m
        self.latency = latency
        self.enable = Signal()
        valid = [Signal(name=f"stage{k}_valid") for k in range(latency)]
        m.d.comb += [
            self.enable.eq(~o.valid | o.ready),
            i.ready.eq(self.enable),
            o.valid.eq(valid[-1]),
        ]
        with m.If(self.enable):
            m.d.sync += valid[0].eq(i.valid)
            m.d.sync += [valid[k].eq(valid[k - 1]) for k in range(1, latency)]

    def stage(self, value, *, name: str) -> Signal:
        """A register holding ``value`` one stage later (no reset: valid bits qualify it)."""
        value = Value.cast(value) if not hasattr(value, "shape") else value
        reg = Signal(value.shape(), name=name, reset_less=True)
        with self._m.If(self.enable):
            self._m.d.sync += reg.eq(value)
        return reg
