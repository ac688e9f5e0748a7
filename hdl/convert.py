"""Converters between IEEE float words and LNS codes: the ports of an LNS datapath to the world.

Both are transcriptions of :mod:`lnsgen.golden.converters` (tables, normalization, rounding), so every
output equals the golden model's bit for bit.
"""

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden import LNSFormat
from lnsgen.golden.converters import EXTRA_BITS, FloatToLNS, LNSToFloat
from lnsgen.golden.ieee import FloatFormat

from . import funcapprox
from .bits import highest_one
from .number import lns_layout
from .pipeline import StallPipeline

__all__ = ["CONVERTER_CUTS", "FloatToLNSConverter", "LNSToFloatConverter", "float_layout"]

#: The converters' latencies and the table's optional register stages that make them
#: (:data:`lnsgen.hdl.funcapprox.CUTS`): 5 is the pipeline of each class's documentation;
#: 6 registers the table's product, 7 also its address (the table then in LUTs), 8 also the
#: multiplier's partial products (no DSP block).
CONVERTER_CUTS = {5: (), 6: ("product",), 7: ("address", "product"),
                  8: ("address", "partial", "product")}


def _converter_cuts(latency) -> tuple:
    if isinstance(latency, bool) or latency not in CONVERTER_CUTS:
        raise ValueError(f"latency must be one of {tuple(CONVERTER_CUTS)}, not {latency!r}")
    return CONVERTER_CUTS[latency]


def float_layout(ffmt: FloatFormat) -> data.StructLayout:
    """One IEEE word: fraction in the low bits, then the biased exponent, then the sign.

    A value of this layout has exactly the bits of the IEEE word.
    """
    if not isinstance(ffmt, FloatFormat):
        raise TypeError(f"ffmt must be a golden.ieee.FloatFormat, not {ffmt!r}")
    return data.StructLayout({"man": unsigned(ffmt.man_bits), "exp": unsigned(ffmt.exp_bits),
                              "sign": unsigned(1)})


class FloatToLNSConverter(wiring.Component):
    """Convert IEEE float words to LNS codes.

    Bit-exact with :class:`lnsgen.golden.converters.FloatToLNS` for the same ``method`` and
    ``max_error``: with ``"direct"`` the result is :func:`lnsgen.golden.from_float` of the word's value
    (NaN gives zero, infinities saturate, subnormals are normalized or flush).

    Pipeline (latency 5, one result per cycle, stalls as a whole):

    * stage 1: split the word; normalize a subnormal fraction (leading-one search and shift;
      left out when every subnormal of ``src`` flushes to zero in ``fmt``);
    * stages 2 to 4: ``log2(1 + f)`` from the table (:mod:`lnsgen.hdl.funcapprox`);
    * stage 5: ``e * 2 ** F + log2(1 + f)``, saturate/flush, specials.

    Parameters
    ----------
    fmt : golden.LNSFormat
        Result format.
    src : golden.ieee.FloatFormat
        Input format.
    method : {"auto", "direct", "interp"}
        Table of ``log2(1 + f)`` (see :mod:`lnsgen.golden.converters`).
    max_error : float
        Error bound in ulps of the log for ``"interp"`` (default 1.0: faithful).
    latency : int
        Register stages: 5 (the pipeline above) to 8, the table's stages split further
        (:data:`CONVERTER_CUTS`).

    Attributes
    ----------
    i : In(stream.Signature(float_layout(src)))
    o : Out(stream.Signature(lns_layout(fmt)))
    model : golden.converters.FloatToLNS
        The golden model, tables included (``model.method`` is the method in use).
    latency : int
    stage_valid : list of Signal
        Available after elaboration: the valid bit of each register stage, input side first
        (:attr:`~lnsgen.hdl.pipeline.StallPipeline.stage_valid`).
    """

    latency = 2 + funcapprox.STAGES

    def __init__(self, fmt: LNSFormat, src: FloatFormat, *, method: str = "auto",
                 max_error: float = 1.0, latency: int = 5):
        self.cuts = _converter_cuts(latency)
        self.latency = latency
        self.model = FloatToLNS(fmt, src, method=method, max_error=max_error)
        self.fmt, self.src = fmt, src
        super().__init__({
            "i": In(stream.Signature(float_layout(src))),
            "o": Out(stream.Signature(lns_layout(fmt))),
        })

    def elaborate(self, platform):
        fmt, src, model = self.fmt, self.src, self.model
        F, M = fmt.frac_bits, src.man_bits
        m = Module()
        pipe = StallPipeline(m, self.i, self.o, latency=self.latency)
        self.stage_valid = pipe.stage_valid
        w = self.i.payload

        # Stage 1: the exponent e and fraction f of 2**e * (1 + f).
        special = w.exp == src.exp_max_field
        is_nan = special & (w.man != 0)
        # Exponents of normal and normalized subnormal words, with room for the sign.
        e = Signal(signed(max(src.exp_bits, (src.emin - M).bit_length()) + 2), name="e")
        f = Signal(unsigned(M), name="f")
        if model.subnormals:
            zero = (w.exp == 0) & (w.man == 0)
            lead = Signal(range(max(M, 2)), name="lead")  # one fraction bit: still 1 bit wide
            m.d.comb += lead.eq(highest_one(w.man))
            shift = Signal(range(M + 1), name="shift")
            m.d.comb += shift.eq(M - lead)
            with m.If(w.exp == 0):
                m.d.comb += [e.eq(src.emin - shift), f.eq((w.man << shift)[:M])]
            with m.Else():
                m.d.comb += [e.eq(w.exp - src.bias), f.eq(w.man)]
        else:
            zero = w.exp == 0  # every subnormal flushes: the golden model agrees
            m.d.comb += [e.eq(w.exp - src.bias), f.eq(w.man)]
        e1 = pipe.stage(e, name="e1")
        f1 = pipe.stage(f[M - model.table_bits_in:], name="f1")
        flags = Cat(w.sign, zero, special, is_nan)
        flags1 = pipe.stage(flags, name="flags1")

        # Stages 2-4.
        table = funcapprox.evaluate(m, pipe, model.table, f1, name="log2p1", cuts=self.cuts)
        e4 = pipe.delay(e1, funcapprox.stages(self.cuts), name="e")
        flags4 = pipe.delay(flags1, funcapprox.stages(self.cuts), name="flags")
        sign4, zero4, special4, nan4 = (flags4[k] for k in range(4))

        # Stage 5.
        log = Signal(signed(len(e4) + F + 2), name="log")
        m.d.comb += log.eq((e4 << F) + table)
        out_zero = zero4 | nan4 | (~special4 & (log < fmt.log_min))
        saturate = special4 | (log > fmt.log_max)
        res_log = Mux(out_zero, fmt.zero_log, Mux(saturate, fmt.log_max, log))
        result = pipe.stage(Cat(res_log[:fmt.log_bits], sign4 & ~out_zero), name="result")
        m.d.comb += self.o.payload.eq(result)
        return m


class LNSToFloatConverter(wiring.Component):
    """Convert LNS codes to IEEE float words.

    Bit-exact with :class:`lnsgen.golden.converters.LNSToFloat` for the same ``method`` and
    ``max_error``: with ``"direct"`` the result is the float nearest to the LNS value (ties to
    even), with IEEE's gradual underflow and overflow to infinity; every zero code gives +0.

    Pipeline (latency 5, one result per cycle, stalls as a whole):

    * stages 1 to 3: the fraction ``2 ** (r / 2 ** F) - 1`` of the log's low bits, with two
      extra bits (:mod:`lnsgen.hdl.funcapprox`);
    * stage 4: the significand, shifted right (bits out kept as a sticky bit) for a subnormal
      result (left out when no code of ``fmt`` is subnormal in ``dst``);
    * stage 5: round to nearest even, exponent, overflow to infinity.

    Parameters
    ----------
    fmt : golden.LNSFormat
        Input format.
    dst : golden.ieee.FloatFormat
        Result format.
    method : {"auto", "direct", "interp"}
    max_error : float
        Error bound of the ``"interp"`` table in units of its last bit (default 1.0).
    latency : int
        Register stages: 5 (the pipeline above) to 8, the table's stages split further
        (:data:`CONVERTER_CUTS`).

    Attributes
    ----------
    i : In(stream.Signature(lns_layout(fmt)))
    o : Out(stream.Signature(float_layout(dst)))
    model : golden.converters.LNSToFloat
    latency : int
    stage_valid : list of Signal
        Available after elaboration: the valid bit of each register stage, input side first
        (:attr:`~lnsgen.hdl.pipeline.StallPipeline.stage_valid`).
    """

    latency = 2 + funcapprox.STAGES

    def __init__(self, fmt: LNSFormat, dst: FloatFormat, *, method: str = "auto",
                 max_error: float = 1.0, latency: int = 5):
        self.cuts = _converter_cuts(latency)
        self.latency = latency
        self.model = LNSToFloat(fmt, dst, method=method, max_error=max_error)
        self.fmt, self.dst = fmt, dst
        super().__init__({
            "i": In(stream.Signature(lns_layout(fmt))),
            "o": Out(stream.Signature(float_layout(dst))),
        })

    def elaborate(self, platform):
        fmt, dst, model = self.fmt, self.dst, self.model
        F, M, X = fmt.frac_bits, dst.man_bits, EXTRA_BITS
        m = Module()
        pipe = StallPipeline(m, self.i, self.o, latency=self.latency)
        self.stage_valid = pipe.stage_valid
        code = self.i.payload

        # Stages 1-3: q = floor(L / 2**F) (an arithmetic shift) and the table at r.
        zero = code.log == fmt.zero_log
        frac = funcapprox.evaluate(m, pipe, model.table, code.log[:F], name="exp2m1",
                                   cuts=self.cuts)
        q3 = pipe.delay(code.log[F:].as_signed(), funcapprox.stages(self.cuts), name="q")
        flags3 = pipe.delay(Cat(code.sign, zero), funcapprox.stages(self.cuts), name="flags")
        sign3, zero3 = flags3[0], flags3[1]

        # Stage 4: the significand 1.f (M + X fraction bits), shifted for a subnormal result.
        sig = Signal(unsigned(M + X + 2), name="sig")
        m.d.comb += sig.eq((1 << (M + X)) + frac)
        biased = Signal(signed(len(q3) + dst.exp_bits + 2), name="biased")
        m.d.comb += biased.eq(q3 + dst.bias)
        if model.subnormals:
            limit = M + X + 2  # shifting this far leaves only the sticky bit
            shift = Signal(range(limit + 1), name="shift")
            with m.If(biased >= 1):
                m.d.comb += shift.eq(0)
            with m.Elif(biased <= 1 - limit):
                m.d.comb += shift.eq(limit)
            with m.Else():
                m.d.comb += shift.eq(1 - biased)
            kept = Signal(unsigned(len(sig)), name="kept")
            m.d.comb += kept.eq(sig >> shift)
            sticky = (kept << shift)[:len(sig)] != sig
            exp_field = Mux(biased >= 1, biased - 1, 0)
        else:
            kept, sticky, exp_field = sig, Const(0, 1), biased - 1
        kept4 = pipe.stage(kept, name="kept4")
        sticky4 = pipe.stage(sticky, name="sticky4")
        # Wide enough for the largest exponent of fmt, so overflow is seen, not wrapped.
        exp_bits = max(dst.exp_bits, ((fmt.log_max >> F) + dst.bias).bit_length()) + 1
        exp4 = pipe.stage(exp_field[:exp_bits], name="exp4")
        sign4 = pipe.stage(sign3 & ~zero3, name="sign4")
        zero4 = pipe.stage(zero3, name="zero4")

        # Stage 5: round to nearest, ties to even; the implicit bit carries into the exponent.
        lsb, rnd = kept4[X], kept4[X - 1]
        rest = (kept4[:X - 1] != 0) | sticky4
        rounded = kept4[X:] + (rnd & (rest | lsb))
        mag = Signal(unsigned(exp_bits + M + 2), name="mag")
        m.d.comb += mag.eq((exp4 << M) + rounded)
        if model.overflow:
            mag = Mux(mag >= dst.inf, dst.inf, mag)
        word = Mux(zero4, 0, Cat(mag[:dst.width - 1], sign4))
        m.d.comb += self.o.payload.eq(pipe.stage(word, name="result"))
        return m
