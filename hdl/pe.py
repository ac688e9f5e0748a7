"""The systolic array's processing element: a multiply-accumulate with interleaved sums.

A PE multiplies the operand arriving from the west by the one arriving from the north, passes
both on (east, south) one cycle later, and adds the product to a running sum. The sum's step
is pipelined (``slots`` stages), so one sum cannot take a product every cycle. The PE therefore
keeps ``slots`` independent sums in flight, exactly as many as one accumulation step takes
cycles: the sum of slot ``t`` leaves the step's last stage in the very cycle the next product
of slot ``t`` arrives and goes straight back in. The running sums live in the pipeline
registers themselves; there is no register file and no stall.

What a product and a step are is the PE's arithmetic (:mod:`lnsgen.hdl.arithmetic`):

* LNS, plain: one Gaussian-log adder, ``slots = L`` (the adder's latency); the step is ``s + p``.
* LNS, Kahan-compensated: four adders in a chain, ``slots = 4 L``; the step is Kahan's
  ``y = p - c; t = s + y; c = (t - s) - y; s = t``, the correction ``c`` travelling round the
  ring with its sum. This is the accumulate-in-place form of :class:`lnsgen.hdl.LNSAccumulator`'s
  step (both build it with :class:`~lnsgen.hdl.step.AccumulationStep`).
* hybrid (ELMA): the product made linear, a one-cycle wide integer add (one slot), and one
  rounding to LNS of each finished sum.
* IEEE: a fused multiply-add per step (``slots`` = its latency); integers: a wrapping add.

Each operand carries ``valid`` (a real term; a bubble adds nothing) and ``last`` (the final term
of its sum). A slot whose previous term was ``last`` (or that holds no sum) starts from the
arithmetic's zero; when a ``last`` term's step (and the finishing, if any) completes, the sum
appears on ``sum`` for one enabled cycle. The arithmetic's golden ``matmul``
(:mod:`lnsgen.golden.arithmetic`) gives bit-identical sums.
"""

from amaranth.hdl import Cat, Module, Mux, Signal, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden import LNSFormat

from .arithmetic import LNSPE, PEArithmetic
from .number import lns_layout
from .pipeline import Pipeline

__all__ = ["LNSProcessingElement", "ProcessingElement", "operand_layout", "sum_layout"]


def operand_layout(fmt_or_shape) -> data.StructLayout:
    """A west-to-east operand: ``{value, valid, last}`` (``value`` an LNS code of a format, or
    of the given shape)."""
    return data.StructLayout({"value": _value_shape(fmt_or_shape), "valid": unsigned(1),
                              "last": unsigned(1)})


def sum_layout(fmt_or_shape) -> data.StructLayout:
    """A finished sum: ``{value, valid}``."""
    return data.StructLayout({"value": _value_shape(fmt_or_shape), "valid": unsigned(1)})


def _value_shape(fmt_or_shape):
    return lns_layout(fmt_or_shape) if isinstance(fmt_or_shape, LNSFormat) else fmt_or_shape


class ProcessingElement(wiring.Component):
    """Multiply-accumulate in any :class:`~lnsgen.hdl.arithmetic.PEArithmetic`, ``slots``
    interleaved sums; moves only when ``en`` is high.

    Parameters
    ----------
    arithmetic : PEArithmetic
        The number system (:class:`~lnsgen.hdl.arithmetic.LNSPE`, ``HybridPE``, ``FloatPE``,
        ``IntPE``).

    Attributes
    ----------
    en : In(1)
        Advance one step (the array's global enable).
    west : In(operand_layout(arithmetic.operand_shape))
        Operand from the west neighbour (or the array's row input).
    north : In(arithmetic.operand_shape)
        Operand from the north neighbour (or the array's column input).
    east : Out(operand_layout(arithmetic.operand_shape))
        ``west``, one enabled cycle later.
    south : Out(arithmetic.operand_shape)
        ``north``, one enabled cycle later.
    sum : Out(sum_layout(arithmetic.result_shape))
        A finished sum, :attr:`latency` enabled cycles after its ``last`` term arrived.
    lasts : Out(latency)
        Bit ``k``: register stage ``k`` of the :attr:`latency` a term passes holds a valid
        term marked ``last`` (the final bit is ``sum.valid``): lets the array see a
        finished sum coming, from registers, and decide ahead whether its grid may move.
    slots : int
        Independent sums in flight; term ``n`` of a pass belongs to slot ``n % slots``.
    latency : int
        Enabled cycles from a term's arrival to its finished sum: the term's stages, one
        accumulation step, the finishing.
    last_stages : list of Value
        Available after elaboration: for each of the :attr:`latency` register stages a term
        passes (the term's stages, the ``slots`` stages of its step, the finishing), whether
        it holds a valid term marked ``last``; the final one is ``sum.valid``.
    """

    def __init__(self, arithmetic: PEArithmetic):
        if not isinstance(arithmetic, PEArithmetic):
            raise TypeError(f"arithmetic must be a PEArithmetic, not {arithmetic!r}")
        self.arithmetic = arithmetic
        self.slots = arithmetic.slots
        self.latency = arithmetic.term_stages + self.slots + arithmetic.finish_stages
        shape = arithmetic.operand_shape
        super().__init__({
            "en": In(1),
            "west": In(operand_layout(shape)),
            "north": In(shape),
            "east": Out(operand_layout(shape)),
            "south": Out(shape),
            "sum": Out(sum_layout(arithmetic.result_shape)),
            "lasts": Out(self.latency),
        })

    def elaborate(self, platform):
        arith, T = self.arithmetic, self.slots
        m = Module()
        pipe = Pipeline(m, self.en)
        m.d.comb += [
            self.east.value.eq(pipe.stage(self.west.value, name="east")),
            self.east.valid.eq(pipe.flag(self.west.valid, 1, name="east_valid")),
            self.east.last.eq(pipe.flag(self.west.last, 1, name="east_last")),
            self.south.eq(pipe.stage(self.north, name="south")),
        ]

        # What this cycle's operands contribute, and their flags, term_stages later.
        west, P = self.west, arith.term_stages
        term = arith.term(m, pipe, west.value, self.north, west.valid)
        valids = pipe.flags(west.valid, P, name="valid")
        lasts = pipe.flags(west.last, P, name="last")
        valid, last = valids[-1], lasts[-1]

        # Whether the value leaving the ring now is an open sum (to continue) or a finished
        # one (to emit); both are known when its term entered, T enabled cycles earlier.
        ring_open = pipe.flag(valid & ~last, T, name="ring_open")
        ring_done = pipe.flags(valid & last, T, name="ring_done")

        # The accumulation step; its result goes straight back in (an open sum) or restarts
        # from the arithmetic's zero.
        acc_in = tuple(Signal(shape, name=f"{n}_in")
                       for n, shape in zip(arith.acc_names, arith.acc_shapes()))
        acc_out = arith.step(m, pipe, acc_in, term)
        for s_in, s_out, zero in zip(acc_in, acc_out, arith.acc_zero()):
            m.d.comb += s_in.eq(Mux(ring_open, s_out, zero))

        # A finished sum's result code (the hybrid's rounding), its flag beside it.
        result = arith.finish(m, pipe, acc_out)
        done = [*ring_done, *pipe.flags(ring_done[-1], arith.finish_stages, name="sum_done")]
        self.last_stages = [v & lst for v, lst in zip(valids, lasts)] + done
        m.d.comb += [self.sum.value.eq(result), self.sum.valid.eq(done[-1]),
                     self.lasts.eq(Cat(*self.last_stages))]
        return m


class LNSProcessingElement(ProcessingElement):
    """The LNS processing element: a :class:`ProcessingElement` of :class:`~lnsgen.hdl.
    arithmetic.LNSPE` (its ports and attributes, plus the ones below).

    Parameters
    ----------
    fmt : golden.LNSFormat
    compensated : bool
        Kahan-compensated sums (four adders) instead of plain ones (one adder).
    method, max_error :
        The adders' Gaussian-log approximation (see :class:`~lnsgen.hdl.LNSAdder`).
    adder_latency : int or None
        Pipeline stages of each adder (one of :data:`lnsgen.hdl.adder.LATENCIES`, see
        :func:`~lnsgen.hdl.adder.adder_path`; None: the method's default). The interleaved
        sums follow it (fewer stages, fewer slots or lanes).

    Attributes
    ----------
    fmt, compensated :
        As given.
    adder_latency : int
        Stages of each adder.
    """

    def __init__(self, fmt: LNSFormat, *, compensated: bool = False, method: str = "interp",
                 max_error: float = 1.0, adder_latency: int | None = None):
        super().__init__(LNSPE(fmt, compensated=compensated, method=method,
                               max_error=max_error, adder_latency=adder_latency))
        self.fmt = fmt
        self.compensated = compensated
        self.adder_latency = self.slots // (4 if compensated else 1)

    @staticmethod
    def slots_for(fmt: LNSFormat, *, compensated: bool = False, method: str = "interp",
                  max_error: float = 1.0, adder_latency: int | None = None) -> int:
        """The ``slots`` of a PE with these parameters, which it validates."""
        return LNSPE(fmt, compensated=compensated, method=method, max_error=max_error,
                     adder_latency=adder_latency).slots
