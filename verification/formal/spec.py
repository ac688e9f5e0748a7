"""Reference models for the equivalence proofs, written from the format's definition.

These build the expected output code of an input payload out of plain Amaranth operators on bit
vectors, following :mod:`golden.format` (code layout) and :mod:`golden.arith` (rules for zero,
saturation and flush). They use nothing from :mod:`hdl` (no layouts, no units), so a proof
compares two independent descriptions of the same function.
"""

from __future__ import annotations

import functools

import numpy as np
from amaranth.hdl import Array, Cat, Const, Mux, Value, signed

from golden import LNSFormat
from golden.gaussian import gaussian_logs

__all__ = ["MAX_ADD_SPEC_WIDTH", "SPECS", "add_spec", "decode", "div_spec", "mul_spec"]

#: Widest format the adder's reference model is built for: it holds phi for every ``d``, a
#: table of ``2^(width-1)`` entries, which the solver must read as a multiplexer.
MAX_ADD_SPEC_WIDTH = 10


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


def add_spec(fmt: LNSFormat, payload: Value, *, method: str = "interp") -> Value:
    """Expected code of ``a + b`` (``a - b`` when ``op``) for the payload ``{a, b, op}``.

    The rules of :mod:`golden.adder` (order by magnitude, ``d = Ly - Lx``, zero operands,
    exact cancellation, saturation and flush) over the golden model's value of phi+ and phi-
    at *every* ``d``, one constant per ``d``: the unit's table lookups, interpolation and
    near-zero path must reproduce the golden function everywhere. Formats up to
    :data:`MAX_ADD_SPEC_WIDTH` bits.
    """
    if fmt.width > MAX_ADD_SPEC_WIDTH:
        raise ValueError(f"the adder's reference model needs a format of at most "
                         f"{MAX_ADD_SPEC_WIDTH} bits, not {fmt.width}")
    plus, minus = gaussian_logs(fmt, method)
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
    shape = signed(fmt.log_bits + 2)
    phi_plus = Array(Const(int(v), shape) for v in plus.evaluate(ds))
    phi_minus = Array(Const(int(v), shape) for v in minus.evaluate(np.minimum(ds, -1)))
    index = (d - plus.d_min).as_unsigned()
    opposite = sx ^ sy
    phi = Mux(y_zero, 0, Mux(opposite, phi_minus[index], phi_plus[index]))
    log = lx + phi
    return _round_trip(fmt, sx, log, (za & zb) | (opposite & (d == 0)))


#: Units with a reference model: unit name -> ``spec(fmt, payload)``.
SPECS = {"mul": mul_spec, "div": div_spec, "add": add_spec,
         "add-direct": functools.partial(add_spec, method="direct")}
