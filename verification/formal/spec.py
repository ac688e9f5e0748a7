"""Reference models for the equivalence proofs, written from the format's definition.

These build the expected output code of an input payload out of plain Amaranth operators on bit
vectors, following :mod:`lnsgen.golden.format` (code layout) and :mod:`lnsgen.golden.arith` (rules for zero,
saturation and flush). They use nothing from :mod:`lnsgen.hdl` (no layouts, no units), so a proof
compares two independent descriptions of the same function.
"""

from __future__ import annotations

import functools

import numpy as np
from amaranth.hdl import Array, Cat, Const, Mux, Value, signed

from lnsgen.golden import LNSFormat, to_float
from lnsgen.golden.converters import FloatToLNS, LNSToFloat
from lnsgen.golden.gaussian import gaussian_logs
from lnsgen.golden.ieee import FloatFormat

__all__ = ["MAX_ADD_SPEC_WIDTH", "MAX_CONVERTER_SPEC_BITS", "SPEC_KINDS", "add_spec", "decode",
           "div_spec", "from_float_spec", "mac_spec", "mul_spec", "nearest_float_words",
           "reference_for", "spec_fits", "to_float_spec"]

#: Widest format the adder's reference model is built for: it holds phi for every ``d``, a
#: table of ``2^(width-1)`` entries, which the solver must read as a multiplexer.
MAX_ADD_SPEC_WIDTH = 10
#: Largest table of a converter's reference model, in index bits (the LNS width for
#: LNS-to-float, the fraction bits the table reads for float-to-LNS).
MAX_CONVERTER_SPEC_BITS = 10


def decode(fmt: LNSFormat, code: Value):
    """``(sign, log, is_zero)`` of a ``fmt.width``-bit code: the sign is the top bit, the log
    field the two's complement number below it, and zero the log field ``100...0``."""
    n = fmt.log_bits
    field = code[:n]
    return code[n], field.as_signed(), field == (1 << (n - 1))


def _round_trip(fmt: LNSFormat, sign: Value, log: Value, is_zero: Value) -> Value:
    """Pack a wide log result: flush below ``log_min`` (or when ``is_zero``) to the canonical
    zero code, saturate above ``log_max``."""
    flush = is_zero | (log < fmt.log_min)
    clipped = Mux(log > fmt.log_max, fmt.log_max, log)
    nonzero = Cat(clipped[:fmt.log_bits], sign)
    return Mux(flush, Const(fmt.zero, fmt.width), nonzero)


def _operands(fmt: LNSFormat, payload: Value):
    # The operand pair: a in the low fmt.width bits, b in the next fmt.width bits.
    payload = Value.cast(payload)
    return payload[:fmt.width], payload[fmt.width:2 * fmt.width]


def mul_spec(fmt: LNSFormat, payload: Value, *, saturate: bool = True) -> Value:
    """Expected code of ``a * b``: logs add, signs xor; ``x * 0 = 0 * x = 0``.

    ``saturate=False`` leaves out the saturation rule: a deliberately wrong model whose proof
    must fail.
    """
    a, b = _operands(fmt, payload)
    sa, la, za = decode(fmt, a)
    sb, lb, zb = decode(fmt, b)
    log = la + lb  # one bit wider than either: exact
    if not saturate:
        return Mux(za | zb | (log < fmt.log_min), Const(fmt.zero, fmt.width),
                   Cat(log[:fmt.log_bits], sa ^ sb))
    return _round_trip(fmt, sa ^ sb, log, za | zb)


def div_spec(fmt: LNSFormat, payload: Value) -> Value:
    """Expected code of ``a / b``: logs subtract; ``0 / x = 0``, ``x / 0`` is the largest
    magnitude with the sign of ``x``, ``0 / 0 = 0``."""
    a, b = _operands(fmt, payload)
    sa, la, za = decode(fmt, a)
    sb, lb, zb = decode(fmt, b)
    log = Mux(zb, fmt.log_max, la - lb)
    return _round_trip(fmt, Mux(zb, sa, sa ^ sb), log, za)


def add_spec(fmt: LNSFormat, payload: Value, *, method: str = "interp",
             max_error: float = 1.0) -> Value:
    """Expected code of ``a + b`` (``a - b`` when ``op``) for the payload ``{a, b, op}``.

    The rules of :mod:`lnsgen.golden.adder` (order by magnitude, ``d = Ly - Lx``, zero operands,
    exact cancellation, saturation and flush) over the golden model's value of phi+ and phi-
    at *every* ``d``, one constant per ``d``: the unit's table lookups, interpolation and
    near-zero path must reproduce the golden function everywhere. Formats up to
    :data:`MAX_ADD_SPEC_WIDTH` bits.
    """
    if fmt.width > MAX_ADD_SPEC_WIDTH:
        raise ValueError(f"the adder's reference model needs a format of at most "
                         f"{MAX_ADD_SPEC_WIDTH} bits, not {fmt.width}")
    plus, minus = gaussian_logs(fmt, method, max_error)
    payload = Value.cast(payload)
    a, b = _operands(fmt, payload)
    op = payload[2 * fmt.width]
    sa, la, za = decode(fmt, a)
    sb, lb, zb = decode(fmt, b)
    sb = sb ^ op
    swap = lb > la
    lx, ly = Mux(swap, lb, la), Mux(swap, la, lb)
    sx, sy = Mux(swap, sb, sa), Mux(swap, sa, sb)
    y_zero = Mux(swap, za, zb)
    d = Mux(y_zero, plus.d_min, ly - lx)
    ds = np.arange(plus.d_min, 1)
    plus_values, minus_values = plus.evaluate(ds), minus.evaluate(np.minimum(ds, -1))
    # phi- reaches about -(F + 0.53) * 2**F next to cancellation: far wider than the log field
    # when int_bits is small. The constants take the width their values need.
    extreme = max(int(np.abs(plus_values).max()), int(np.abs(minus_values).max()))
    shape = signed(extreme.bit_length() + 1)
    phi_plus = Array(Const(int(v), shape) for v in plus_values)
    phi_minus = Array(Const(int(v), shape) for v in minus_values)
    index = (d - plus.d_min).as_unsigned()
    opposite = sx ^ sy
    phi = Mux(y_zero, 0, Mux(opposite, phi_minus[index], phi_plus[index]))
    log = lx + phi
    return _round_trip(fmt, sx, log, (za & zb) | (opposite & (d == 0)))


def mac_spec(fmt: LNSFormat, payload: Value, *, method: str = "interp",
             max_error: float = 1.0) -> Value:
    """Expected code of ``a * b + c`` for the payload ``{a, b, c}``: :func:`add_spec` of
    :func:`mul_spec`'s product and ``c`` (formats up to :data:`MAX_ADD_SPEC_WIDTH` bits)."""
    payload = Value.cast(payload)
    product = mul_spec(fmt, payload[:2 * fmt.width])
    return add_spec(fmt, Cat(product, payload[2 * fmt.width:3 * fmt.width], Const(0, 1)),
                    method=method, max_error=max_error)


def nearest_float_words(ffmt: FloatFormat, value) -> np.ndarray:
    """The ``ffmt`` word nearest to each float64 value (ties to the even word, overflow to
    infinity, ±0 for zeros), found by searching every word of the format: no rounding logic,
    so it checks the converters' rounding rather than repeating it. fp32, too wide to search,
    is numpy's own float64 -> float32 cast (round to nearest even, IEEE subnormals)."""
    value = np.asarray(value, dtype=np.float64)
    if (ffmt.exp_bits, ffmt.man_bits) == (8, 23):
        with np.errstate(over="ignore"):  # overflow to infinity is the rule
            return value.astype(np.float32).view(np.uint32).astype(np.int64)
    if ffmt.width > 16:
        raise ValueError(f"no nearest-word search for {ffmt} (more than 16 bits)")
    words = np.arange(ffmt.inf + 1, dtype=np.int64)
    grid = ffmt.decode(words)
    grid[-1] = 2.0 ** (ffmt.bias + 1)  # infinity's place: where rounding overflows
    mag = np.abs(value)
    hi = np.clip(np.searchsorted(grid, mag), 1, len(grid) - 1)
    lo = hi - 1
    below, above = mag - grid[lo], grid[hi] - mag
    pick = np.where(below < above, lo, np.where(above < below, hi,
                                                np.where(lo % 2 == 0, lo, hi)))
    pick = np.where(mag >= grid[-1], ffmt.inf, pick)
    return pick | np.where(np.signbit(value) & (mag > 0), ffmt.sign_bit, 0)


def from_float_spec(fmt: LNSFormat, payload: Value, *, ffmt: FloatFormat,
                    method: str = "auto", max_error: float = 1.0) -> Value:
    """Expected code of the IEEE word ``payload``, from IEEE's definition of the word's value.

    A normal word is ``2^(exp - bias) * (1 + man / 2^M)``; a subnormal one, whose highest set
    fraction bit is ``p``, is ``2^(emin - M + p) * (1 + (man - 2^p) / 2^p)`` (written as one
    case per ``p``, not as the unit's leading-one search and shift). ``log2(1 + f)`` is golden's
    value at every fraction the table sees (:class:`lnsgen.golden.converters.FloatToLNS`); zeros,
    infinities, NaN, saturation and flush follow :mod:`lnsgen.golden.convert`. Up to
    :data:`MAX_CONVERTER_SPEC_BITS` table-index bits. ``method`` picks golden's table (the
    catalogue's units use ``"auto"``; another one is a deliberately wrong model).
    """
    model = FloatToLNS(fmt, ffmt, method=method, max_error=max_error)
    kept, M, E, F = model.table_bits_in, ffmt.man_bits, ffmt.exp_bits, fmt.frac_bits
    if kept > MAX_CONVERTER_SPEC_BITS:
        raise ValueError(f"the float-to-LNS reference model needs a table of at most "
                         f"2**{MAX_CONVERTER_SPEC_BITS} entries, not 2**{kept}")
    table = Array(Const(int(v), signed(F + 2))
                  for v in model.table.evaluate(np.arange(1 << kept)))
    payload = Value.cast(payload)
    man, exp, sign = payload[:M], payload[M:M + E], payload[M + E]
    lookup = lambda frac: table[frac[M - kept:]]
    log = ((exp - ffmt.bias) << F) + lookup(man)
    subnormal = Const(fmt.log_min - 1, signed(fmt.log_bits + 2))  # man == 0: zero, below
    for p in range(M):  # the highest set bit decides: later cases override earlier ones
        frac = (man << (M - p))[:M]
        subnormal = Mux(man[p], ((ffmt.emin - M + p) << F) + lookup(frac), subnormal)
    log = Mux(exp == 0, subnormal, log)
    special = exp == ffmt.exp_max_field
    finite = _round_trip(fmt, sign, log, (exp == 0) & (man == 0))
    saturated = Cat(Const(fmt.log_max, fmt.log_bits), sign)
    return Mux(special, Mux(man == 0, saturated, Const(fmt.zero, fmt.width)), finite)


def to_float_spec(fmt: LNSFormat, payload: Value, *, ffmt: FloatFormat, method: str = "auto",
                  max_error: float = 1.0) -> Value:
    """Expected IEEE word of the code ``payload``: for each of the ``2^W`` codes, the word
    nearest to its value (:func:`nearest_float_words` of :func:`lnsgen.golden.to_float`), the
    converter's whole function as one table. Formats up to :data:`MAX_CONVERTER_SPEC_BITS`
    bits; it describes the correctly rounded (direct-table) converter (``method`` and
    ``max_error`` are accepted for a uniform call and must resolve to the direct table)."""
    if LNSToFloat(fmt, ffmt, method=method, max_error=max_error).method != "direct":
        raise ValueError("the LNS-to-float reference model describes the direct table only")
    if fmt.width > MAX_CONVERTER_SPEC_BITS:
        raise ValueError(f"the LNS-to-float reference model needs a format of at most "
                         f"{MAX_CONVERTER_SPEC_BITS} bits, not {fmt.width}")
    words = nearest_float_words(ffmt, to_float(fmt, fmt.all_codes()))
    return Array(Const(int(w), ffmt.width) for w in words)[Value.cast(payload)[:fmt.width]]


def spec_fits(spec) -> bool:
    """Whether :func:`reference_for` can build a reference model for ``spec`` (table sizes,
    method)."""
    fmt = spec.fmt
    if spec.kind in ("add", "mac"):
        return fmt.width <= MAX_ADD_SPEC_WIDTH
    if spec.kind == "from-float":
        model = FloatToLNS(fmt, spec.float_format, method=spec["method"],
                           max_error=spec["max_error"])
        return model.table_bits_in <= MAX_CONVERTER_SPEC_BITS
    if spec.kind == "to-float":
        model = LNSToFloat(fmt, spec.float_format, method=spec["method"],
                           max_error=spec["max_error"])
        return fmt.width <= MAX_CONVERTER_SPEC_BITS and model.method == "direct"
    return True


#: Unit kinds with a reference model (:func:`reference_for`).
SPEC_KINDS = ("mul", "div", "add", "mac", "from-float", "to-float")


def reference_for(spec):
    """``reference(payload)``: the expected output of the unit of ``spec`` as an Amaranth
    value, for the kinds of :data:`SPEC_KINDS`.

    Raises
    ------
    ValueError
        If the kind has no reference model, or :func:`spec_fits` is false.
    """
    if spec.kind not in SPEC_KINDS:
        raise ValueError(f"no reference model for unit kind {spec.kind!r}: 'equiv' needs one "
                         f"of {', '.join(SPEC_KINDS)}")
    if not spec_fits(spec):
        raise ValueError(f"the reference model of {spec.name} is too large: its tables are "
                         f"limited to 2**10 entries (the adder's to formats of at most "
                         f"{MAX_ADD_SPEC_WIDTH} bits)")
    fmt = spec.fmt
    if spec.kind in ("mul", "div"):
        return functools.partial(mul_spec if spec.kind == "mul" else div_spec, fmt)
    if spec.kind in ("add", "mac"):
        return functools.partial(add_spec if spec.kind == "add" else mac_spec, fmt,
                                 method=spec["method"], max_error=spec["max_error"])
    ref = from_float_spec if spec.kind == "from-float" else to_float_spec
    return functools.partial(ref, fmt, ffmt=spec.float_format, method=spec["method"],
                             max_error=spec["max_error"])
