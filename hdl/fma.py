"""IEEE 754 fused multiply-add ``a * b + c``: the floating-point baseline of the LNS comparison.

A conventional single-path FMA datapath, transcribing the window of :mod:`lnsgen.golden.fma`
(see there for why it rounds correctly):

``unpack``
    fields, significands (implicit bit), zero/inf/NaN flags and the special result; the
    addend's window position ``k`` (exponent difference, clamped: a zero product puts the
    addend at ``GUARD``, an addend far above the product at ``far_shift``), from the biased
    exponents in one three-operand sum and two compares.
``align``
    the significand multiply (``p x p`` bits, a DSP block on FPGAs) beside the addend's
    alignment shift (one left shift by ``k + p + 1``: bits below the window become a sticky
    bit OR-ed into bit 0) and the exponent of window bit 0.
``add``
    ``P << GUARD`` plus or minus the aligned addend; the magnitude and its sign (both
    differences are formed and the non-negative one kept).
``lzc``
    leading- and trailing-zero counts of the magnitude (:func:`lnsgen.hdl.bits.leading_zeros`
    trees); the result's last-bit position
    ``rp = max(msb - man_bits, emin - man_bits - base)`` as one compare and a mux (the terms
    of ``base`` alone are formed beside the adders of ``add``).
``normalize``
    one shift, ``mag >> (rp - 1)``: the significand and the rounding bit; beside it the
    sticky bit (``trailing zeros < rp - 1``) and the exponent field.
``round``
    round to nearest, ties to even (an increment of ``p`` bits).
``pack`` (always followed by the output register)
    exponent field plus rounded significand (a carry moves into the exponent), overflow to
    infinity, zero signs, NaN and infinity results.

A register stage follows each step named in :data:`CUTS` for the chosen ``latency``, the output
register ending the last step. Every latency computes the same function.
"""

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden.checks import check_int
from lnsgen.golden.converters import check_float_format
from lnsgen.golden.fma import GUARD, far_shift, quiet_nan, window_bits
from lnsgen.golden.ieee import FloatFormat

from .bits import leading_zeros
from .convert import float_layout
from .pipeline import StallPipeline

__all__ = ["CUTS", "FloatMultiplyAdd", "fma_input_layout", "fma_path"]

#: Steps followed by a register stage, for each latency (the output register is always there).
CUTS = {
    1: (),
    2: ("add",),
    3: ("align", "lzc"),
    4: ("align", "add", "normalize"),
    5: ("align", "add", "lzc", "normalize"),
    6: ("unpack", "align", "add", "lzc", "normalize"),
    7: ("unpack", "align", "add", "lzc", "normalize", "round"),
}
#: Latencies accepted.
LATENCY_RANGE = (min(CUTS), max(CUTS))


def fma_input_layout(ffmt: FloatFormat) -> data.StructLayout:
    """``{a, b, c}``: IEEE words of ``ffmt``, ``a`` in the low ``ffmt.width`` bits, then ``b``,
    then ``c``."""
    return data.StructLayout({"a": float_layout(ffmt), "b": float_layout(ffmt),
                              "c": float_layout(ffmt)})


class FloatMultiplyAdd(wiring.Component):
    """IEEE 754 ``fusedMultiplyAdd(a, b, c)``, round to nearest even, pipelined.

    Bit-exact with :func:`lnsgen.golden.fma.fma`: one rounding, subnormals in and out, IEEE
    zero signs (an exact zero sum is +0 except ``(-0) + (-0)``), overflow to infinity,
    ``inf * 0`` and ``inf - inf`` give NaN, and every NaN result is the canonical quiet NaN
    (payloads are not propagated). No exception flags.

    One result per cycle; the pipeline stalls as a whole (:class:`~lnsgen.hdl.pipeline.
    StallPipeline`). The register stages sit after the steps :data:`CUTS` lists for
    ``latency`` (see the module docstring for the steps). The default, 6, is the latency of
    :class:`~lnsgen.hdl.LNSMultiplyAdd`, so the two compare at equal throughput and depth.

    Parameters
    ----------
    fmt : golden.ieee.FloatFormat
        Operand and result format (fp16 and bf16 are the benched ones; any is accepted).
    latency : int
        Register stages, 1 to 7 (default 6).

    Attributes
    ----------
    i : In(stream.Signature(fma_input_layout(fmt)))
        Operand triples ``{a, b, c}``.
    o : Out(stream.Signature(float_layout(fmt)))
        ``a * b + c``.
    latency : int
    cuts : tuple of str
        The steps followed by a register stage.
    stage_valid : list of Signal
        Available after elaboration: the valid bit of each register stage, input side first
        (:attr:`~lnsgen.hdl.pipeline.StallPipeline.stage_valid`).
    """

    def __init__(self, fmt: FloatFormat, *, latency: int = 6):
        self.fmt = check_float_format(fmt, "fmt")
        self.latency = check_int("latency", latency, *LATENCY_RANGE)
        self.cuts = CUTS[self.latency]
        super().__init__({
            "i": In(stream.Signature(fma_input_layout(fmt))),
            "o": Out(stream.Signature(float_layout(fmt))),
        })

    def elaborate(self, platform):
        m = Module()
        pipe = StallPipeline(m, self.i, self.o, latency=self.latency)
        self.stage_valid = pipe.stage_valid
        p = self.i.payload
        m.d.comb += self.o.payload.eq(fma_path(m, pipe, self.fmt, p.a, p.b, p.c,
                                               latency=self.latency))
        return m


def fma_path(m: Module, pipe, ffmt: FloatFormat, a, b, c, *, latency: int) -> Value:
    """``fma(a, b, c)`` on IEEE words, ``latency`` stages of ``pipe`` later (the output register
    included): the datapath of :class:`FloatMultiplyAdd`, also the step of the floating-point
    processing element (:mod:`lnsgen.hdl.arithmetic`).

    Parameters
    ----------
    m : Module
    pipe : Pipeline
        The stages' enable (a :class:`~lnsgen.hdl.pipeline.StallPipeline` or a lockstep one).
    ffmt : FloatFormat
    a, b, c : Value
        Words of ``ffmt``.
    latency : int
        One of :data:`CUTS`: the register stages, placed after the steps it lists.
    """
    cuts = CUTS[check_int("latency", latency, *LATENCY_RANGE)]
    mb = ffmt.man_bits
    p, W, K = mb + 1, window_bits(ffmt), far_shift(ffmt)
    a, b, c = (data.View(float_layout(ffmt), x) for x in (a, b, c))

    def cut(step: str, **values):
        """``values`` after ``step``: registered if ``step`` is a cut point, else named
        wires (so a shared expression is built once, not once per use)."""
        if step in cuts:
            return {k: pipe.stage(v, name=f"{k}_{step}") for k, v in values.items()}
        wires = {}
        for k, v in values.items():
            v = Value.cast(v)
            wires[k] = Signal(v.shape(), name=f"{k}_{step}")
            m.d.comb += wires[k].eq(v)
        return wires

    # unpack -----------------------------------------------------------------------------
    # Exponents stay biased here: ``e = max(field, 1)``, the last bit's exponent being
    # ``e - bias - man_bits``; the constants fold into the compares.
    def unpack(x):
        normal = x.exp != 0
        special = x.exp == ffmt.exp_max_field
        return {"sign": x.sign, "sig": Cat(x.man, normal), "e": Mux(normal, x.exp, 1),
                "zero": ~normal & (x.man == 0),
                "inf": special & (x.man == 0), "nan": special & (x.man != 0)}

    a, b, c = (unpack(x) for x in (a, b, c))
    sp = a["sign"] ^ b["sign"]
    pz = a["zero"] | b["zero"]
    unbias = ffmt.bias + mb
    lowest = -(p + 1)  # from here down the addend is all sticky
    # The addend's shift, k - lowest, with k = lsb_c - (lsb_a + lsb_b) + GUARD unclamped.
    t_raw = c["e"] + (unbias + GUARD - lowest) - a["e"] - b["e"]
    t_max = K - lowest
    above = t_raw > t_max                    # k > far_shift
    far = ~pz & ~c["zero"] & above
    shift = Mux(pz, GUARD - lowest, Mux(above, t_max, Mux(t_raw < 0, 0, t_raw)))
    nan = (a["nan"] | b["nan"] | c["nan"] | (a["inf"] & b["zero"]) | (a["zero"] & b["inf"])
           | ((a["inf"] | b["inf"]) & c["inf"] & (sp ^ c["sign"])))
    inf = (a["inf"] | b["inf"] | c["inf"]) & ~nan
    inf_sign = Mux(a["inf"] | b["inf"], sp, c["sign"])
    flags = Cat(nan, inf, inf_sign, pz & c["zero"] & sp & c["sign"])  # last: sign of 0
    v = cut("unpack", sig_a=a["sig"], sig_b=b["sig"], sig_c=c["sig"],
            shift=shift[:t_max.bit_length()], e_ab=a["e"] + b["e"], e_c=c["e"],
            place=Cat(pz, far), sp=sp, sc=c["sign"], flags=flags)

    # align: the significand product beside the addend's alignment shift ----------------
    product = v["sig_a"] * v["sig_b"]
    shifted = (v["sig_c"] << v["shift"])[:p + K - lowest]
    addend = shifted[-lowest:] | (shifted[:-lowest] != 0)  # sticky bit OR-ed into bit 0
    # Beside them, the exponent of window bit 0: lsb_a + lsb_b - GUARD, or lsb_c - GUARD
    # (zero product), or lsb_c - far_shift (far addend).
    pz, far = v["place"][0], v["place"][1]
    base = Mux(pz, v["e_c"] - (unbias + GUARD),
               Mux(far, v["e_c"] - (unbias + K), v["e_ab"] - (2 * unbias + GUARD)))
    v = cut("align", product=product, addend=addend, base=base, sp=v["sp"],
            sc=v["sc"], flags=v["flags"])

    # add --------------------------------------------------------------------------------
    pw = Cat(Const(0, GUARD), v["product"])
    cw = v["addend"]
    sub = v["sp"] ^ v["sc"]
    diff = pw - cw
    neg = diff < 0
    mag = Mux(sub, Mux(neg, cw - pw, diff), pw + cw)[:W]
    sign = Mux(sub & neg, v["sc"], v["sp"])
    # Beside the adders, what the rounding needs of `base` alone: the leading-zero count
    # above which the result is subnormal, the shift of a subnormal result, and the
    # exponent field of a normal one less its leading zeros.
    base = v["base"]
    tiny_from = base + (W - 1 - ffmt.emin)          # lz > tiny_from: subnormal result
    tiny_shift = (ffmt.emin - base)                 # rp + man_bits of a subnormal result
    tiny_shift = Mux(tiny_shift > W + 1 + mb, W + 1 + mb, tiny_shift)
    v = cut("add", mag=mag, sign=sign, tiny_from=tiny_from,
            tiny_shift=tiny_shift[:(W + 1 + mb).bit_length()],
            field_top=base + (W - 2 + ffmt.bias), flags=v["flags"])

    # lzc: the result's last bit ------------------------------------------------------------
    # rp = max(msb - man_bits, emin - man_bits - base), shift = rp + man_bits >= 0.
    mag = v["mag"]
    lz = leading_zeros(mag)
    tiny = lz > v["tiny_from"]
    shift = Mux(tiny, v["tiny_shift"], (W - 1) - lz)
    v = cut("lzc", mag=mag, shift=shift[:(W + 1 + mb).bit_length()],
            tz=leading_zeros(mag[::-1]), lz=lz, tiny=tiny, zero=mag == 0,
            field_top=v["field_top"], sign=v["sign"], flags=v["flags"])

    # normalize: q = mag >> rp and the bit below it ----------------------------------------
    z = (Cat(Const(0, mb + 1), v["mag"]) >> v["shift"])[:p + 1]
    # Bits below the rounding bit (rp - 1 = shift - man_bits - 1) are set iff tz < rp - 1.
    rest = v["tz"] + (mb + 1) < v["shift"]
    # Biased exponent minus one of the leading bit (the implicit bit adds the one back).
    field = Mux(v["tiny"], 0, v["field_top"] - v["lz"])
    v = cut("normalize", q=z[1:], half=z[0], rest=rest, zero=v["zero"],
            field=field, sign=v["sign"], flags=v["flags"])

    # round: to nearest, ties to even --------------------------------------------------------
    q = v["q"]
    rounded = q + (v["half"] & (v["rest"] | q[0]))
    v = cut("round", rounded=rounded, zero=v["zero"], field=v["field"], sign=v["sign"],
            flags=v["flags"])

    # pack --------------------------------------------------------------------------------
    nan, inf, inf_sign, zero_sign = (v["flags"][i] for i in range(4))
    word_mag = (v["field"] << mb) + v["rounded"]
    mag_bits = ffmt.width - 1
    finite = Mux(v["zero"], 0, Mux(word_mag >= ffmt.inf, ffmt.inf, word_mag))[:mag_bits]
    sign = Mux(v["zero"], zero_sign, v["sign"])
    word = Mux(nan, quiet_nan(ffmt), Mux(inf, Cat(Const(ffmt.inf, mag_bits), inf_sign),
                                          Cat(finite, sign)))
    return pipe.stage(word[:ffmt.width], name="result")
