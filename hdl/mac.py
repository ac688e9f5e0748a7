"""LNS multiply-add: the multiplier's log adder in front of the adder/subtractor."""

from amaranth.hdl import Module
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden import LNSFormat

from .adder import AddSubPath, adder_path
from .mul import lns_product
from .number import lns_layout
from .pipeline import StallPipeline

__all__ = ["LNSMultiplyAdd", "muladd_input_layout"]


def muladd_input_layout(fmt: LNSFormat) -> data.StructLayout:
    """``{a, b, c}``: ``a`` in the low ``fmt.width`` bits, then ``b``, then ``c``."""
    return data.StructLayout({"a": lns_layout(fmt), "b": lns_layout(fmt), "c": lns_layout(fmt)})


class LNSMultiplyAdd(wiring.Component):
    """``a * b + c`` on LNS numbers: the unit a dot product or a MAC array is made of.

    Bit-exact with :func:`lnsgen.golden.muladd`: the product is the multiplier's (exact in the log
    domain, saturated or flushed at the format's edges) and the sum the adder's, so there is one
    rounding, in the Gaussian-log table.

    Pipeline (latency 6, one result per cycle, stalls as a whole): 1. product; 2.-6. the
    adder's five stages (:class:`~lnsgen.hdl.LNSAdder`). With the compact adder datapath
    (adder latency 1 to 3) the product is not registered: it feeds the adder's ordering
    directly, and the latency is the adder's; behind the deepest one (adder latency 10) the
    product takes two stages (the log sum, then its range checks), and the latency is the
    adder's + 2.

    Parameters
    ----------
    fmt : golden.LNSFormat
    method, max_error, latency :
        The adder's Gaussian-log approximation and register stages (see
        :class:`~lnsgen.hdl.LNSAdder`).

    Attributes
    ----------
    i : In(stream.Signature(muladd_input_layout(fmt)))
    o : Out(stream.Signature(lns_layout(fmt)))
    latency : int
    stage_valid : list of Signal
        Available after elaboration: the valid bit of each register stage, input side first
        (:attr:`~lnsgen.hdl.pipeline.StallPipeline.stage_valid`).
    """

    latency = 1 + AddSubPath.latency

    def __init__(self, fmt: LNSFormat, *, method: str = "interp", max_error: float = 1.0,
                 latency: int | None = None):
        self.path = adder_path(fmt, method=method, max_error=max_error, latency=latency)
        self.pipelined_product = isinstance(self.path, AddSubPath)
        self.split_product = self.path.split_product
        self.latency = self.path.latency + int(self.pipelined_product) + \
            int(self.split_product)
        self.fmt, self.method, self.max_error = self.path.fmt, method, max_error
        super().__init__({
            "i": In(stream.Signature(muladd_input_layout(fmt))),
            "o": Out(stream.Signature(lns_layout(fmt))),
        })

    def elaborate(self, platform):
        fmt = self.fmt
        m = Module()
        pipe = StallPipeline(m, self.i, self.o, latency=self.latency)
        self.stage_valid = pipe.stage_valid
        p = self.i.payload
        product = lns_product(fmt, p.a, p.b, pipe=pipe if self.split_product else None)
        addend = pipe.delay(p.c, int(self.split_product), name="addend_early")
        if self.pipelined_product:
            product = pipe.stage(product, name="product")
            addend = pipe.stage(addend, name="addend")
        view = lambda v: data.View(lns_layout(fmt), v)
        m.d.comb += self.o.payload.eq(
            self.path.build(m, pipe, view(product), view(addend), 0))
        return m
