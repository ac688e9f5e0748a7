"""ELMA-style hybrid multiply-accumulate: LNS multiply, exact linear (Kulisch) accumulate, one
rounding back to LNS. A transcription of :mod:`lnsgen.golden.hybrid` (tables, widths, wrap,
truncation and rounding)."""

import types

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format
from lnsgen.golden.hybrid import HybridMAC

from . import funcapprox
from .bits import leading_zeros
from .mul import lns_product
from .number import lns_layout
from .pipeline import StallPipeline

__all__ = ["LINEAR_STAGES", "ROUNDING_STAGES", "HybridMultiplyAccumulator", "hybrid_input_layout",
           "linear_product", "round_to_lns"]


def hybrid_input_layout(fmt: LNSFormat) -> data.StructLayout:
    """``{a, b, last}``: LNS codes ``a`` (low ``fmt.width`` bits) and ``b``, then ``last``."""
    return data.StructLayout({"a": lns_layout(fmt), "b": lns_layout(fmt), "last": unsigned(1)})


class HybridMultiplyAccumulator(wiring.Component):
    """Sum of LNS products ``a * b`` over a stream, exact in linear fixed point, one rounding.

    Bit-exact with :meth:`lnsgen.golden.hybrid.HybridMAC.stream_sums`: every beat ``{a, b,
    last}`` adds the product ``a * b`` (the LNS multiplier's, saturated/flushed at the format's
    range) to a two's complement accumulator of :attr:`acc_bits` bits through a ``2**(r/2**F)``
    table; a beat with ``last`` closes the sum and the next beat starts a new one. Each sum is
    rounded to LNS once (leading one plus a ``log2(1 + f)`` table, the fraction truncated to
    ``frac_bits + 4`` bits; saturate above the largest magnitude, flush below the smallest,
    exact zero to the canonical zero). The accumulator **wraps** modulo ``2 ** acc_bits``: any
    sum of up to ``2 ** guard_bits`` products is exact, and so is any sum whose final value
    fits, whatever its partial sums; a final sum beyond the accumulator comes out wrapped.

    Throughput: one product per cycle, within and across sums (the accumulation loop is one
    integer add; there is no drain or interleaving); one sum out per ``last``. The pipeline
    stalls as a whole (a :class:`~lnsgen.hdl.pipeline.StallPipeline`) only while a finished
    sum waits at the output; beats that close no sum leave the pipeline unseen.

    Pipeline (:attr:`latency` 12 from the ``last`` product to its sum):

    * stage 1: LNS product (:func:`~lnsgen.hdl.mul.lns_product`);
    * stages 2-3: ``E[r]``, ``r`` the product log's fraction: ROM read, ROM output register;
    * stage 4: ``+-E[r] << (q - q_min)``: the linear value (a barrel shift, a negation);
    * stage 5: the accumulator: ``acc + x`` is the sum; ``acc`` becomes 0 after a ``last``,
      else the sum (the one-cycle loop);
    * stage 6: the sum's magnitude and sign;
    * stage 7: leading-zero count;
    * stage 8: normalization: the ``frac_bits + 4`` bits after the leading one, its exponent;
    * stages 9-11: ``log2(1 + f)`` table (:mod:`lnsgen.hdl.funcapprox`), exponent beside it;
    * stage 12: saturate/flush, sign, pack.

    Parameters
    ----------
    fmt : golden.LNSFormat
        Operand and result format (``frac_bits`` at most 16).
    guard_bits : int
        Accumulator bits above the largest product, 0 to 32 (default 8).
    lin_frac_bits : int or None
        Fraction bits of a linearized product, ``frac_bits`` to ``frac_bits + 8`` (default
        ``frac_bits + 3``).
    method, max_error :
        The final ``log2(1 + f)`` table (see :class:`lnsgen.golden.hybrid.HybridMAC`).

    Attributes
    ----------
    i : In(stream.Signature(hybrid_input_layout(fmt)))
    o : Out(stream.Signature(lns_layout(fmt)))
        One sum per ``last``.
    model : golden.hybrid.HybridMAC
        The golden model, tables and widths included.
    acc_bits : int
        Accumulator width.
    latency : int
    """

    latency = 9 + funcapprox.STAGES

    def __init__(self, fmt: LNSFormat, *, guard_bits: int = 8, lin_frac_bits: int | None = None,
                 method: str = "auto", max_error: float = 1.0):
        self.fmt = check_format(fmt)
        self.model = HybridMAC(fmt, guard_bits=guard_bits, lin_frac_bits=lin_frac_bits,
                               method=method, max_error=max_error)
        self.acc_bits = self.model.acc_bits
        super().__init__({
            "i": In(stream.Signature(hybrid_input_layout(fmt))),
            "o": Out(stream.Signature(lns_layout(fmt))),
        })

    def elaborate(self, platform):
        model = self.model
        A = model.acc_bits
        m = Module()
        # The pipeline's own output handshake; the unit's output shows only the beats that
        # close a sum, and beats that do not are always taken.
        inner = types.SimpleNamespace(valid=Signal(name="pipe_valid"),
                                      ready=Signal(name="pipe_ready"))
        pipe = StallPipeline(m, self.i, inner, latency=self.latency)
        p = self.i.payload
        last = p.last

        # 1.-4. The product's linear value, its last flag beside it.
        lin4 = linear_product(m, pipe, model, p.a, p.b)
        last = pipe.delay(last, LINEAR_STAGES, name="last")
        valid4 = pipe.flag(self.i.valid, LINEAR_STAGES, name="valid")

        # 5. The accumulator (wraps modulo 2**A).
        acc = Signal(signed(A), name="acc")
        total = Signal(signed(A), name="total")
        m.d.comb += total.eq((acc + lin4)[:A])
        with m.If(pipe.enable & valid4):
            m.d.sync += acc.eq(Mux(last, 0, total))
        sum5 = pipe.stage(total, name="sum")
        last = pipe.stage(last, name="last_5")

        # 6.-12. One rounding back to LNS.
        result = round_to_lns(m, pipe, model, sum5)
        last = pipe.delay(last, ROUNDING_STAGES, name="last_round")

        m.d.comb += [
            self.o.payload.eq(result),
            self.o.valid.eq(inner.valid & last),
            inner.ready.eq(self.o.ready | ~last),
        ]
        return m


#: Register stages of :func:`linear_product` and of :func:`round_to_lns`.
LINEAR_STAGES = 4
ROUNDING_STAGES = 3 + funcapprox.STAGES + 1


def linear_product(m: Module, pipe, model: HybridMAC, a, b):
    """The linear value of the LNS product ``a * b`` (signed, ``model.acc_bits`` wide, in units
    of ``2 ** (q_min - lin_frac_bits)``), :data:`LINEAR_STAGES` stages of ``pipe`` later:
    the product (stage 1), the ``2 ** (r / 2 ** F)`` table (ROM read and output register,
    stages 2-3), the shift and negation (stage 4). Bit-exact with
    :meth:`~lnsgen.golden.hybrid.HybridMAC.linear` of :func:`~lnsgen.golden.mul`."""
    fmt = model.fmt
    F, T, A = fmt.frac_bits, model.lin_frac_bits, model.acc_bits
    # 1. Product.
    product = pipe.stage(lns_product(fmt, a, b), name="product")
    prod = data.View(lns_layout(fmt), product)

    # 2.-3. E[r] from the ROM, then its output register.
    cols = funcapprox._rom(m, pipe, "exp2", model.exp2.tables, prod.log[:F])
    e3 = pipe.stage(cols["y"], name="exp2_y")
    q3 = pipe.delay(prod.log[F:].as_signed(), 2, name="q")
    zero = prod.log == fmt.zero_log
    flags3 = pipe.delay(Cat(prod.sign, zero), 2, name="flags")
    sign3, zero3 = flags3[0], flags3[1]

    # 4. The linear value, in units of 2**(q_min - T).
    shift = Signal(range(model.q_max - model.q_min + 1), name="lin_shift")
    m.d.comb += shift.eq(q3 - model.q_min)
    mag = Signal(unsigned(T + 1 + model.q_max - model.q_min), name="lin_mag")
    m.d.comb += mag.eq(e3 << shift)
    lin = Mux(zero3, 0, Mux(sign3, -mag, mag))
    return pipe.stage(lin[:A].as_signed(), name="lin")


def round_to_lns(m: Module, pipe, model: HybridMAC, total):
    """The LNS code of an accumulator value ``total`` (signed, ``model.acc_bits`` wide),
    :data:`ROUNDING_STAGES` stages of ``pipe`` later: magnitude and sign, leading zeros,
    normalization, the ``log2(1 + f)`` table, then saturate/flush and pack. Bit-exact with
    :meth:`~lnsgen.golden.hybrid.HybridMAC.to_lns`."""
    fmt = model.fmt
    F, T, K, A = fmt.frac_bits, model.lin_frac_bits, model.log_bits_in, model.acc_bits
    # 6. Magnitude and sign (|-2**(A-1)| = 2**(A-1) still fits A unsigned bits).
    neg = total < 0
    mag6 = pipe.stage(Mux(neg, -total, total)[:A], name="sum_mag")
    flags6 = pipe.stage(Cat(neg, total == 0), name="flags_6")

    # 7. Leading zeros.
    lz = Signal(range(A + 1), name="lz")
    m.d.comb += lz.eq(leading_zeros(mag6))
    lz7 = pipe.stage(lz, name="lz_7")
    mag7 = pipe.stage(mag6, name="sum_mag_7")
    flags7 = pipe.stage(flags6, name="flags_7")

    # 8. The K bits after the leading one (zeros below a short magnitude) and the exponent
    #    n + q_min - T of the leading one, n = A - 1 - lz.
    normed = Signal(unsigned(A + K), name="normed")
    m.d.comb += normed.eq(Cat(Const(0, K), mag7) << lz7)
    f8 = pipe.stage(normed[A - 1:A - 1 + K], name="frac")
    exp8 = pipe.stage((A - 1 + model.q_min - T) - lz7, name="exp")
    flags8 = pipe.stage(flags7, name="flags_8")

    # 9.-11. log = exp * 2**F + log2(1 + f) in ulps.
    log = funcapprox.evaluate(m, pipe, model.log2, f8, name="log2p1", offset=exp8 << F)
    flags11 = pipe.delay(flags8, funcapprox.STAGES, name="flags")
    neg11, zero11 = flags11[0], flags11[1]

    # 12. Saturate, flush, pack.
    out_zero = zero11 | (log < fmt.log_min)
    res_log = Mux(out_zero, fmt.zero_log, Mux(log > fmt.log_max, fmt.log_max, log))
    return pipe.stage(Cat(res_log[:fmt.log_bits], neg11 & ~out_zero), name="result")
