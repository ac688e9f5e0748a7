"""Bit-exact models of the LNS multiply-type operations: mul, div, neg, abs.

These are exact in the log domain: the result's log field is the sum (or difference) of the
operands' log fields, saturated to ``log_max`` on overflow and flushed to zero below
``log_min``. Zero rules, with no NaN or infinity in the format:

* ``x * 0 = 0 * x = 0``; ``0 / x = 0``.
* ``x / 0`` saturates to the largest magnitude with the sign of ``x``; ``0 / 0 = 0``.
* A zero result always has the canonical code (sign bit clear); a code with the zero log
  field and the sign bit set is accepted as zero on input.
"""

from __future__ import annotations

import numpy as np

from .checks import check_codes_broadcast, check_format, code_arrays_broadcast
from .format import LNSFormat
from .kernel import fast, tables

__all__ = ["abs", "div", "mul", "mul_unchecked", "neg"]

_builtin_abs = abs


def _scalar_or_array(code: np.ndarray):
    return code if code.ndim else int(code)


def _round_trip(fmt: LNSFormat, sign, log, is_zero):
    """Saturate/flush a wide log result and pack it, canonicalizing zero."""
    is_zero = is_zero | (log < fmt.log_min)
    log = np.minimum(log, fmt.log_max)
    return _scalar_or_array(
        np.asarray(fmt.pack(np.where(is_zero, 0, sign), np.where(is_zero, fmt.zero_log, log)))
    )


def _operands(fmt, a, b):
    """Check ``fmt`` and that ``a`` and ``b`` are codes of it that broadcast together."""
    check_format(fmt)
    return check_codes_broadcast(fmt, a=a, b=b)


def mul(fmt: LNSFormat, a, b):
    """``a * b`` on LNS codes (broadcasting).

    Raises
    ------
    TypeError
        If ``fmt`` is not an LNSFormat or an operand is not an integer array.
    ValueError
        If an operand holds a value that is not a code of ``fmt`` or the shapes of ``a`` and
        ``b`` do not broadcast together.
    """
    check_format(fmt)
    a, b = code_arrays_broadcast(fmt, a=a, b=b)
    if fast(fmt):  # the values are checked chunk by chunk
        return _scalar_or_array(tables(fmt).mul(a, b, check=("a", "b")))
    fmt.check_code_range(a, "a")
    fmt.check_code_range(b, "b")
    return mul_definition(fmt, a, b)


def mul_unchecked(fmt: LNSFormat, a: np.ndarray, b: np.ndarray):
    """:func:`mul` of checked int64 code arrays that broadcast together (no argument checks):
    through the lookup tables of :mod:`lnsgen.golden.kernel` where the format has them, else by
    the definition (:func:`mul_definition`)."""
    if fast(fmt):
        return _scalar_or_array(tables(fmt).mul(a, b))
    return mul_definition(fmt, a, b)


def mul_definition(fmt: LNSFormat, a: np.ndarray, b: np.ndarray):
    """``a * b`` by the rules of the module docstring, on checked code arrays."""
    sa, la, za = fmt.unpack(a)
    sb, lb, zb = fmt.unpack(b)
    return _round_trip(fmt, sa ^ sb, la + lb, za | zb)


def div(fmt: LNSFormat, a, b):
    """``a / b`` on LNS codes (broadcasting); see the module docstring for ``x / 0``.

    Raises as :func:`mul` does.
    """
    a, b = _operands(fmt, a, b)
    sa, la, za = fmt.unpack(a)
    sb, lb, zb = fmt.unpack(b)
    log = np.where(zb, fmt.log_max, la - lb)
    sign = np.where(zb, sa, sa ^ sb)
    return _round_trip(fmt, sign, log, za)


def neg(fmt: LNSFormat, a):
    """``-a`` on LNS codes; zero stays the canonical zero."""
    check_format(fmt)
    sa, la, za = fmt.unpack(a)
    return _round_trip(fmt, 1 - sa, la, za)


def abs(fmt: LNSFormat, a):
    """``|a|`` on LNS codes."""
    check_format(fmt)
    _, la, za = fmt.unpack(a)
    return _round_trip(fmt, np.zeros_like(la), la, za)
