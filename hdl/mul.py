"""LNS multiplier and divider: an integer adder with zero, saturation and flush logic."""

from amaranth.hdl import Cat, Module, Mux, signed
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format

from .number import lns_layout, pair_layout
from .pipeline import StallPipeline

__all__ = ["LNSMultiplier", "lns_product"]


class LNSMultiplier(wiring.Component):
    """Multiply (or divide) two LNS numbers.

    Bit-exact with :func:`lnsgen.golden.mul` (or :func:`lnsgen.golden.div`): the log fields are added
    (subtracted), the sum saturates to the largest magnitude and flushes to zero below the
    smallest one, and a zero operand gives the canonical zero (``x / 0`` gives the largest
    magnitude with the sign of ``x``).

    Latency is 1 cycle, throughput one result per cycle; the unit is a
    :class:`~lnsgen.hdl.pipeline.StallPipeline`, so it holds its result while ``o.ready`` is low.

    Parameters
    ----------
    fmt : golden.LNSFormat
        Number format of operands and result.
    divide : bool
        Compute ``a / b`` instead of ``a * b``.

    Attributes
    ----------
    i : In(stream.Signature(pair_layout(fmt)))
        Operand pairs ``{a, b}``.
    o : Out(stream.Signature(lns_layout(fmt)))
        Products (quotients).
    latency : int
        Cycles from an accepted input to its valid output when not stalled.
    stage_valid : list of Signal
        Available after elaboration: the valid bit of each register stage, input side first
        (:attr:`~lnsgen.hdl.pipeline.StallPipeline.stage_valid`).
    """

    latency = 1

    def __init__(self, fmt: LNSFormat, *, divide: bool = False):
        self.fmt = check_format(fmt)
        if not isinstance(divide, bool):
            raise TypeError(f"divide must be a bool, not {divide!r}")
        self.divide = divide
        super().__init__({
            "i": In(stream.Signature(pair_layout(fmt))),
            "o": Out(stream.Signature(lns_layout(fmt))),
        })

    def elaborate(self, platform):
        fmt = self.fmt
        m = Module()
        pipe = StallPipeline(m, self.i, self.o, latency=self.latency)
        self.stage_valid = pipe.stage_valid
        a, b = self.i.payload.a, self.i.payload.b

        result = pipe.stage(lns_product(fmt, a, b, divide=self.divide), name="result")
        m.d.comb += self.o.payload.eq(result)
        return m


def lns_product(fmt: LNSFormat, a, b, *, divide: bool = False, pipe=None):
    """The code of ``a * b`` (or ``a / b``) as a combinational value, bit-exact with
    :func:`lnsgen.golden.mul` (:func:`lnsgen.golden.div`); ``a`` and ``b`` are views of
    :func:`lns_layout`.

    With a :class:`~lnsgen.hdl.pipeline.Pipeline` ``pipe``, the sum of the logs and the
    operands' zero flags are registered before the range checks: the value is then one stage
    of ``pipe`` after ``a`` and ``b`` (the add and the compares on its result were a deep
    pipeline's longest stage).
    """
    a_zero = a.log == fmt.zero_log
    b_zero = b.log == fmt.zero_log
    # One extra bit holds every sum or difference of two in-range log fields.
    wide = signed(fmt.log_bits + 1)
    log = (a.log - b.log if divide else a.log + b.log).as_signed()
    sign = Mux(b_zero, a.sign, a.sign ^ b.sign) if divide else a.sign ^ b.sign
    if log.shape() != wide:
        raise RuntimeError(f"log sum shape {log.shape()} is not {wide}")
    if pipe is not None:
        log, sign = pipe.stage(log, name="product_log"), pipe.stage(sign, name="product_sign")
        a_zero = pipe.stage(a_zero, name="product_a_zero")
        b_zero = pipe.stage(b_zero, name="product_b_zero")
    if divide:
        zero = a_zero | (~b_zero & (log < fmt.log_min))
        saturate = ~a_zero & (b_zero | (log > fmt.log_max))
    else:
        zero = a_zero | b_zero | (log < fmt.log_min)
        saturate = ~zero & (log > fmt.log_max)

    # Mux widens mixed signed/unsigned arms by a bit: keep the log field's own bits.
    res_log = Mux(zero, fmt.zero_log, Mux(saturate, fmt.log_max, log))[:fmt.log_bits]
    return Cat(res_log, sign & ~zero)
