"""Fixed-latency stream pipelines that stall as a whole, and the delay lines of every unit.

Every unit of lnsgen is a chain of ``latency`` register stages between an input and an output
:mod:`amaranth.lib.stream`. All stages advance together when the output register is empty or
being read (``enable = ~o.valid | o.ready``), so the unit accepts one beat per cycle while the
consumer keeps up and holds everything, payload and valid, while it does not. ``i.ready``
therefore depends combinationally on ``o.ready``; that is allowed by the stream rules (ready
may depend on anything) and costs one AND gate of path.

:class:`Pipeline` is also the one way a unit delays a value: :meth:`Pipeline.delay` for data
(reset-less registers), :meth:`Pipeline.flag` for control bits (registers cleared by reset).
A ``Pipeline`` with the constant enable 1 is a chain that never stalls (the accumulator's step
chain).
"""

from amaranth.hdl import Const, Module, Signal, Value

__all__ = ["Pipeline", "StallPipeline"]


class Pipeline:
    """Register stages that all advance on one ``enable`` signal.

    The building block of every datapath: a unit's arithmetic is written once against a
    ``Pipeline`` and runs either behind its own stream handshake (:class:`StallPipeline`) or
    in lockstep with a larger structure that owns the enable (a systolic array).

    Parameters
    ----------
    m : Module
        Module to add the registers to.
    enable : Value or int
        High when every stage moves one step forward this cycle; the constant 1 for a chain
        that never stalls (its registers load every cycle, with no enable logic).

    Attributes
    ----------
    enable : Value
        The enable, as a value (``Const(1, 1)`` for a chain that never stalls).

    Raises
    ------
    ValueError
        If ``enable`` is a constant other than 1 (a pipeline that never moves).
    """

    def __init__(self, m: Module, enable):
        self._m = m
        self.enable = Value.cast(enable)
        self._always = isinstance(self.enable, Const)
        if self._always and (self.enable.value != 1 or len(self.enable) != 1):
            raise ValueError(f"a constant enable must be 1, not {enable!r}")

    def _load(self, reg: Signal, value):
        """``reg`` takes ``value`` at the next clock edge where the pipeline moves."""
        if self._always:
            self._m.d.sync += reg.eq(value)
        else:
            with self._m.If(self.enable):
                self._m.d.sync += reg.eq(value)

    def stage(self, value, *, name: str) -> Signal:
        """A register holding ``value`` one stage later (no reset: valid bits qualify it)."""
        value = Value.cast(value) if not hasattr(value, "shape") else value
        reg = Signal(value.shape(), name=name, reset_less=True)
        self._load(reg, value)
        return reg

    def delay(self, value, stages: int, *, name: str):
        """``value`` after ``stages`` register stages (``value`` itself for 0), in reset-less
        registers named ``<name>_1`` to ``<name>_<stages>``."""
        for k in range(stages):
            value = self.stage(value, name=f"{name}_{k + 1}")
        return value

    def flag(self, value, stages: int, *, name: str):
        """A control bit after ``stages`` stages, in registers cleared by reset (data
        registers need no reset because such flags qualify them).

        The reset also cancels whatever was in flight: a valid bit cleared by ``rst`` cannot
        reach the end of its chain afterwards.
        """
        regs = self.flags(value, stages, name=name)
        return regs[-1] if regs else value

    def flags(self, value, stages: int, *, name: str) -> list[Signal]:
        """The registers of :meth:`flag`, every stage in order (``[]`` for 0 stages)."""
        regs = []
        for k in range(stages):
            reg = Signal(name=f"{name}_{k + 1}")
            self._load(reg, value)
            regs.append(reg)
            value = reg
        return regs


class StallPipeline(Pipeline):
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
    stage_valid : list of Signal
        The valid bit of each of the ``latency`` stages, input side first (named
        ``stage<k>_valid``); the last one is ``o.valid``.
    """

    def __init__(self, m: Module, i, o, *, latency: int):
        if latency < 1:
            raise ValueError(f"latency must be at least 1, not {latency}")
        super().__init__(m, Signal())
        self.latency = latency
        self.stage_valid = valid = [Signal(name=f"stage{k}_valid") for k in range(latency)]
        m.d.comb += [
            self.enable.eq(~o.valid | o.ready),
            i.ready.eq(self.enable),
            o.valid.eq(valid[-1]),
        ]
        with m.If(self.enable):
            m.d.sync += valid[0].eq(i.valid)
            m.d.sync += [valid[k].eq(valid[k - 1]) for k in range(1, latency)]
