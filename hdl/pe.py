"""The systolic array's processing element: an LNS multiply-accumulate with interleaved sums.

A PE multiplies the operand arriving from the west by the one arriving from the north, passes
both on (east, south) one cycle later, and adds the product to a running sum. The adder is
pipelined (latency ``L``), so one sum cannot take a product every cycle. The PE therefore
keeps ``slots`` independent sums in flight, exactly as many as one accumulation step takes
cycles: the sum of slot ``t`` leaves the step's last stage in the very cycle the next product
of slot ``t`` arrives and goes straight back in. The running sums live in the pipeline
registers themselves; there is no register file and no stall.

* plain: one adder, ``slots = L``; the step is ``s + p``.
* Kahan-compensated: four adders in a chain, ``slots = 4 L``; the step is Kahan's
  ``y = p - c; t = s + y; c = (t - s) - y; s = t``, the correction ``c`` travelling round the
  ring with its sum. This is the accumulate-in-place form of :class:`lnsgen.hdl.LNSAccumulator`'s step
  (both build it with :class:`~lnsgen.hdl.step.AccumulationStep`).

Each operand carries ``valid`` (a real term; a bubble adds nothing) and ``last`` (the final term
of its sum). A slot whose previous term was ``last`` (or that holds no sum) starts from exact
zero; when a ``last`` term's step completes, the sum appears on ``sum`` for one enabled cycle.
:func:`lnsgen.golden.matmul` gives bit-identical sums.
"""

from amaranth.hdl import Module, Mux, Signal, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format
from lnsgen.golden.gaussian import METHODS, gaussian_logs

from .adder import adder_path
from .mul import lns_product
from .number import lns_layout
from .pipeline import Pipeline
from .step import AccumulationStep

__all__ = ["LNSProcessingElement", "operand_layout", "sum_layout"]


def operand_layout(fmt: LNSFormat) -> data.StructLayout:
    """A west-to-east operand: ``{value, valid, last}``."""
    return data.StructLayout({"value": lns_layout(fmt), "valid": unsigned(1),
                              "last": unsigned(1)})


def sum_layout(fmt: LNSFormat) -> data.StructLayout:
    """A finished sum: ``{value, valid}``."""
    return data.StructLayout({"value": lns_layout(fmt), "valid": unsigned(1)})


class LNSProcessingElement(wiring.Component):
    """LNS multiply-accumulate with ``slots`` interleaved sums; moves only when ``en`` is high.

    Parameters
    ----------
    fmt : golden.LNSFormat
    compensated : bool
        Kahan-compensated sums (four adders) instead of plain ones (one adder).
    method, max_error :
        The adders' Gaussian-log approximation (see :class:`~lnsgen.hdl.LNSAdder`).
    adder_latency : int or None
        Pipeline stages of each adder (:func:`~lnsgen.hdl.adder.adder_path`: 1 to 3 with the
        tables as logic, 5 with table ROMs; None: the method's default). The interleaved sums
        follow it (fewer stages, fewer slots or lanes).

    Attributes
    ----------
    en : In(1)
        Advance one step (the array's global enable).
    west : In(operand_layout(fmt))
        Operand from the west neighbour (or the array's row input).
    north : In(lns_layout(fmt))
        Operand from the north neighbour (or the array's column input).
    east : Out(operand_layout(fmt))
        ``west``, one enabled cycle later.
    south : Out(lns_layout(fmt))
        ``north``, one enabled cycle later.
    sum : Out(sum_layout(fmt))
        A finished sum, :attr:`latency` enabled cycles after its ``last`` term arrived.
    slots : int
        Independent sums in flight; term ``n`` of a pass belongs to slot ``n % slots``.
    latency : int
        Enabled cycles from a term's arrival to the end of its step.
    last_stages : list of Value
        Available after elaboration: for each of the :attr:`latency` register stages a term
        passes (the product register, then the ``slots`` stages of its step), whether it holds
        a valid term marked ``last``; the final one is ``sum.valid``.
    """

    def __init__(self, fmt: LNSFormat, *, compensated: bool = False, method: str = "interp",
                 max_error: float = 1.0, adder_latency: int | None = None):
        self.fmt = check_format(fmt)
        self.slots = self.slots_for(fmt, compensated=compensated, method=method,
                                    max_error=max_error, adder_latency=adder_latency)
        self.compensated = compensated
        self._adder_args = {"method": method, "max_error": max_error,
                            "adder_latency": adder_latency}
        self.adder_latency = self.slots // (4 if compensated else 1)
        self.latency = 1 + self.slots  # the product register, then one accumulation step
        super().__init__({
            "en": In(1),
            "west": In(operand_layout(fmt)),
            "north": In(lns_layout(fmt)),
            "east": Out(operand_layout(fmt)),
            "south": Out(lns_layout(fmt)),
            "sum": Out(sum_layout(fmt)),
        })

    @staticmethod
    def slots_for(fmt: LNSFormat, *, compensated: bool = False, method: str = "interp",
                  max_error: float = 1.0, adder_latency: int | None = None) -> int:
        """The ``slots`` of a PE with these parameters, which it validates."""
        check_format(fmt)
        if not isinstance(compensated, bool):
            raise TypeError(f"compensated must be a bool, not {compensated!r}")
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        gaussian_logs(fmt, method, max_error)  # validates max_error; tables are cached
        latency = adder_path(fmt, method=method, max_error=max_error,
                             latency=adder_latency).latency
        return (4 if compensated else 1) * latency

    def elaborate(self, platform):
        fmt, T = self.fmt, self.slots
        m = Module()
        pipe = Pipeline(m, self.en)
        m.d.comb += [
            self.east.value.eq(pipe.stage(self.west.value, name="east")),
            self.east.valid.eq(pipe.flag(self.west.valid, 1, name="east_valid")),
            self.east.last.eq(pipe.flag(self.west.last, 1, name="east_last")),
            self.south.eq(pipe.stage(self.north, name="south")),
        ]

        # The product of this cycle's operands, and its flags, one stage later.
        west = self.west
        product = pipe.stage(Mux(west.valid, lns_product(fmt, west.value, self.north),
                                 fmt.zero), name="product")
        valid = pipe.flag(west.valid, 1, name="valid")
        last = pipe.flag(west.last, 1, name="last")

        # Whether the value leaving the ring now is an open sum (to continue) or a finished
        # one (to emit); both are known when its term entered, T enabled cycles earlier.
        ring_open = pipe.flag(valid & ~last, T, name="ring_open")
        self.last_stages = [valid & last, *pipe.flags(valid & last, T, name="ring_done")]
        ring_done = self.last_stages[-1]

        # The accumulation step; its result goes straight back in (an open sum) or restarts
        # from exact zero.
        step = AccumulationStep(fmt, compensated=self.compensated, **self._adder_args)
        s_in = Signal(lns_layout(fmt), name="s_in")
        c_in = Signal(lns_layout(fmt), name="c_in") if self.compensated else None
        s_out, c_out = step.build(m, pipe, s=s_in, c=c_in, x=product)
        m.d.comb += s_in.eq(Mux(ring_open, s_out, fmt.zero))
        if self.compensated:
            m.d.comb += c_in.eq(Mux(ring_open, c_out, fmt.zero))
        m.d.comb += [self.sum.value.eq(s_out), self.sum.valid.eq(ring_done)]
        return m

