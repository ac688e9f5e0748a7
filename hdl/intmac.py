"""Integer multiply-accumulate ``c + a * b``: the int8 baseline of the LNS comparison."""

from amaranth.hdl import Module, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden.checks import check_int
from lnsgen.golden.intmac import AB_BITS_RANGE, MAX_ACC_BITS, check_widths

from .pipeline import StallPipeline

__all__ = ["IntMultiplyAdd", "intmac_input_layout", "intmac_output_layout"]

#: Latencies accepted by :class:`IntMultiplyAdd`.
LATENCY_RANGE = (1, 3)


def intmac_input_layout(ab_bits: int, acc_bits: int) -> data.StructLayout:
    """``{a, b, c}``: signed ``a`` in the low ``ab_bits`` bits, then ``b``, then signed ``c``
    (``acc_bits``): the two's complement codes of :mod:`lnsgen.golden.intmac`."""
    ab_bits, acc_bits = check_widths(ab_bits, acc_bits)
    return data.StructLayout({"a": signed(ab_bits), "b": signed(ab_bits), "c": signed(acc_bits)})


def intmac_output_layout(acc_bits: int) -> data.StructLayout:
    """``{value}``: the signed ``acc_bits``-bit result (its two's complement code)."""
    acc_bits = check_int("acc_bits", acc_bits, 2 * AB_BITS_RANGE[0], MAX_ACC_BITS)
    return data.StructLayout({"value": signed(acc_bits)})


class IntMultiplyAdd(wiring.Component):
    """``c + a * b`` on signed integers, wrapping like every two's complement adder.

    Bit-exact with :func:`lnsgen.golden.intmac.int_muladd`: the product (``2 * ab_bits`` bits)
    is exact; the sum keeps its low ``acc_bits`` bits, so it wraps modulo ``2 ** acc_bits``
    (no saturation, no overflow flag).

    Pipeline (one result per cycle, stalls as a whole), cut points by ``latency``:

    * 1: the output register only (multiply and add in one cycle);
    * 2 (default): the product register (after the multiplier, as a DSP slice's output
      register), then the add;
    * 3: operand registers before the multiplier too (a DSP slice's input registers).

    Parameters
    ----------
    ab_bits : int
        Width of ``a`` and ``b``, 2 to 24 (default 8).
    acc_bits : int
        Width of ``c`` and the result, ``2 * ab_bits`` to 62 (default 32).
    latency : int
        Register stages, 1 to 3 (default 2).

    Attributes
    ----------
    i : In(stream.Signature(intmac_input_layout(ab_bits, acc_bits)))
    o : Out(stream.Signature(intmac_output_layout(acc_bits)))
        The result ``{value}``, its two's complement code.
    latency : int
    stage_valid : list of Signal
        Available after elaboration: the valid bit of each register stage, input side first
        (:attr:`~lnsgen.hdl.pipeline.StallPipeline.stage_valid`).
    """

    def __init__(self, *, ab_bits: int = 8, acc_bits: int = 32, latency: int = 2):
        self.ab_bits, self.acc_bits = check_widths(ab_bits, acc_bits)
        self.latency = check_int("latency", latency, *LATENCY_RANGE)
        super().__init__({
            "i": In(stream.Signature(intmac_input_layout(self.ab_bits, self.acc_bits))),
            "o": Out(stream.Signature(intmac_output_layout(self.acc_bits))),
        })

    def elaborate(self, platform):
        m = Module()
        pipe = StallPipeline(m, self.i, self.o, latency=self.latency)
        self.stage_valid = pipe.stage_valid
        a, b, c = self.i.payload.a, self.i.payload.b, self.i.payload.c
        if self.latency >= 3:
            a, b, c = (pipe.stage(v, name=f"{n}_in") for v, n in ((a, "a"), (b, "b"), (c, "c")))
        product = a * b
        if self.latency >= 2:
            product, c = pipe.stage(product, name="product"), pipe.stage(c, name="addend")
        total = (c + product)[:self.acc_bits].as_signed()  # the wrap
        m.d.comb += self.o.payload.value.eq(pipe.stage(total, name="result"))
        return m
