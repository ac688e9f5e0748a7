"""Reference models for the equivalence proofs, written from the format's definition.

These build the expected output code of an input payload out of plain Amaranth operators on bit
vectors, following :mod:`golden.format` (code layout) and :mod:`golden.arith` (rules for zero,
saturation and flush). They use nothing from :mod:`hdl` (no layouts, no units), so a proof
compares two independent descriptions of the same function.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Mux, Value

from golden import LNSFormat

__all__ = ["SPECS", "decode", "div_spec", "mul_spec"]


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


#: Units with a reference model: unit name -> ``spec(fmt, payload)``.
SPECS = {"mul": mul_spec, "div": div_spec}
