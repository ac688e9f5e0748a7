"""Bit-exact model of the LNS adder/subtractor (``hdl.LNSAdder``).

``a ± b``: order the operands by magnitude, ``x`` the larger (``a`` when the logs are equal;
zero, whose log field is below every other, is always the smaller), ``d = Ly - Lx <= 0``, and

    L = Lx + phi+(d)   when x and y (b negated for a subtraction) have the same sign,
    L = Lx + phi-(d)   otherwise, with the sign of x,

with phi from :mod:`lnsgen.golden.gaussian`. When y is zero, phi is 0 (and ``d`` is set to
``-2 * log_max`` so it stays in the tables' domain). Exact cancellation (opposite signs, ``d = 0``) and two zero
operands give the canonical zero; ``L`` saturates above ``log_max`` and flushes to zero below
``log_min``, as for every operation.
"""

from __future__ import annotations

import numpy as np

from .arith import mul_unchecked
from .checks import check_bits, check_codes_broadcast, check_format, code_arrays_broadcast
from .format import LNSFormat
from .gaussian import gaussian_logs
from .kernel import fast, phi_table

__all__ = ["add", "addsub", "addsub_unchecked", "muladd", "sub"]


def addsub(fmt: LNSFormat, a, b, op, *, method: str = "interp", max_error: float = 1.0):
    """``a + b`` where ``op`` is 0, ``a - b`` where it is 1 (all broadcast together).

    Raises
    ------
    TypeError
        If ``fmt`` is not an LNSFormat, an operand or ``op`` is not an integer array, or
        ``max_error`` is not a number.
    ValueError
        If an operand is not a code of ``fmt``, ``op`` holds anything but 0 and 1, the shapes
        of ``a``, ``b`` and ``op`` do not broadcast together, ``method`` is unknown or
        ``max_error`` is outside [0.51, 4].
    """
    check_format(fmt)
    gaussian_logs(fmt, method, max_error)  # method and max_error checked, tables built
    try:
        op = check_bits("op", op)
    except ValueError:
        raise ValueError("op must be 0 (add) or 1 (subtract)") from None
    a, b = code_arrays_broadcast(fmt, a=a, b=b)
    try:
        np.broadcast_shapes(a.shape, b.shape, op.shape)
    except ValueError:
        raise ValueError(f"op must broadcast with the operands: a {a.shape}, b {b.shape}, "
                         f"op {op.shape}") from None
    if fast(fmt) and op.ndim == 0:  # the values are checked chunk by chunk
        code = phi_table(fmt, method, max_error).addsub(a, b, int(op), check=("a", "b"))
        return code if code.ndim else int(code)
    fmt.check_code_range(a, "a")
    fmt.check_code_range(b, "b")
    return addsub_unchecked(fmt, a, b, op, method, max_error)


def addsub_unchecked(fmt: LNSFormat, a: np.ndarray, b: np.ndarray, op, method: str = "interp",
                     max_error: float = 1.0):
    """:func:`addsub` of checked arguments (int64 codes, ``op`` 0/1, broadcasting; no checks):
    through the tables of :mod:`lnsgen.golden.kernel` where the format has them, else by the
    definition (:func:`addsub_definition`). Returns an int for a 0-d result."""
    if not fast(fmt):
        return addsub_definition(fmt, a, b, op, method, max_error)
    op = np.asarray(op)
    if op.ndim == 0:
        code = phi_table(fmt, method, max_error).addsub(a, b, int(op))
    else:  # b with its sign flipped where op is 1 (a zero stays zero whatever its sign bit)
        code = phi_table(fmt, method, max_error).addsub(a, b ^ (op << fmt.log_bits), 0)
    return code if code.ndim else int(code)


def addsub_definition(fmt: LNSFormat, a: np.ndarray, b: np.ndarray, op, method: str = "interp",
                      max_error: float = 1.0):
    """``a + b`` or ``a - b`` by the rules of the module docstring, on checked arguments."""
    plus, minus = gaussian_logs(fmt, method, max_error)
    sa, la, za = fmt.unpack(a)
    sb, lb, zb = fmt.unpack(b)
    sb = sb ^ op
    swap = lb > la
    lx, ly = np.where(swap, lb, la), np.where(swap, la, lb)
    sx, sy = np.where(swap, sb, sa), np.where(swap, sa, sb)
    both_zero = za & zb
    # A zero y adds nothing: its log field sits just below log_min, not at -infinity.
    y_zero = np.where(swap, za, zb)
    d = np.where(y_zero, plus.d_min, ly - lx)
    opposite = sx != sy
    phi = np.where(opposite, minus.evaluate(np.minimum(d, -1)), plus.evaluate(d))
    # phi(d_min) is 0 only when the range is wide enough (not for int_bits <= 2, say).
    phi = np.where(y_zero, 0, phi)
    log = lx + phi
    zero = both_zero | (opposite & (d == 0)) | (log < fmt.log_min)
    log = np.minimum(log, fmt.log_max)
    code = np.asarray(fmt.pack(np.where(zero, 0, sx), np.where(zero, fmt.zero_log, log)))
    return code if code.ndim else int(code)


def add(fmt: LNSFormat, a, b, *, method: str = "interp", max_error: float = 1.0):
    """``a + b`` on LNS codes."""
    return addsub(fmt, a, b, 0, method=method, max_error=max_error)


def sub(fmt: LNSFormat, a, b, *, method: str = "interp", max_error: float = 1.0):
    """``a - b`` on LNS codes."""
    return addsub(fmt, a, b, 1, method=method, max_error=max_error)


def muladd(fmt: LNSFormat, a, b, c, *, method: str = "interp", max_error: float = 1.0):
    """``a * b + c`` on LNS codes (``hdl.LNSMultiplyAdd``), all broadcast together.

    The product is exact in the log domain, so the only rounding is the add's: this is a fused
    multiply-add, except that a product beyond the format's range saturates (or flushes) before
    ``c`` is added, as :func:`lnsgen.golden.mul` does.

    Raises
    ------
    TypeError, ValueError
        As for :func:`lnsgen.golden.mul` and :func:`addsub` (the message names ``a``, ``b`` or ``c``).
    """
    check_format(fmt)
    gaussian_logs(fmt, method, max_error)  # method and max_error checked before any work
    a, b, c = check_codes_broadcast(fmt, a=a, b=b, c=c)
    return addsub_unchecked(fmt, np.asarray(mul_unchecked(fmt, a, b)), c, 0, method, max_error)
