"""Integer multiply-accumulate ``c + a * b``, two's complement, as a DSP slice computes it.

The int8 baseline of the LNS comparison (``hdl.IntMultiplyAdd``): ``a`` and ``b`` are signed
``ab_bits``-bit integers, ``c`` and the result signed ``acc_bits``-bit integers. The product is
exact (``acc_bits >= 2 * ab_bits``, so it always fits); the sum **wraps** modulo
``2 ** acc_bits`` like every two's complement adder: ``(2**31 - 1) + 1`` gives ``-2**31`` at
``acc_bits = 32``. There is no saturation and no overflow flag (an int8 network keeps its
accumulations in range by construction; a wrapped partial sum still gives the exact final sum
whenever that sum fits).

Operands and results are **codes**: the two's complement bit patterns as non-negative integers
(``-1`` is ``2**bits - 1``), exactly what the hardware ports carry. :func:`to_signed` and
:func:`to_code` convert.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .checks import check_int

__all__ = ["AB_BITS_RANGE", "MAX_ACC_BITS", "IntMACFormat", "int_muladd", "to_code",
           "to_signed"]

#: Widths of ``a`` and ``b`` accepted.
AB_BITS_RANGE = (2, 24)
#: Widest accumulator: codes are int64 arrays.
MAX_ACC_BITS = 62


def check_widths(ab_bits, acc_bits) -> tuple[int, int]:
    """``(ab_bits, acc_bits)`` checked: ``ab_bits`` in [2, 24], ``acc_bits`` in
    ``[2 * ab_bits, 62]`` (the product always fits the accumulator)."""
    ab_bits = check_int("ab_bits", ab_bits, *AB_BITS_RANGE)
    acc_bits = check_int("acc_bits", acc_bits, 2 * ab_bits, MAX_ACC_BITS)
    return ab_bits, acc_bits


def to_signed(code, bits: int):
    """Signed integers of ``bits``-bit two's complement codes."""
    code = np.asarray(code, dtype=np.int64)
    value = code - ((code >> (bits - 1)) & 1) * (np.int64(1) << bits)
    return value if value.ndim else int(value)


def to_code(value, bits: int):
    """``bits``-bit two's complement codes of integers (wrapping, as hardware truncates)."""
    code = np.asarray(value, dtype=np.int64) & ((np.int64(1) << bits) - 1)
    return code if code.ndim else int(code)


def _check_codes(name: str, code, bits: int) -> np.ndarray:
    arr = np.asarray(code)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must be an integer array of {bits}-bit codes, not {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and (arr.min() < 0 or arr.max() >= 1 << bits):
        raise ValueError(f"{name} must hold {bits}-bit codes in [0, {(1 << bits) - 1}] (two's "
                         f"complement bit patterns); got values in [{arr.min()}, {arr.max()}]")
    return arr


def int_muladd(a, b, c, *, ab_bits: int = 8, acc_bits: int = 32):
    """``c + a * b`` on two's complement codes, wrapping modulo ``2 ** acc_bits``.

    Parameters
    ----------
    a, b : array_like of int
        ``ab_bits``-bit codes.
    c : array_like of int
        ``acc_bits``-bit codes.
    ab_bits : int
        Width of ``a`` and ``b``, 2 to 24.
    acc_bits : int
        Width of ``c`` and the result, ``2 * ab_bits`` to 62.

    Returns
    -------
    numpy.ndarray of int64, or int for scalar operands
        ``acc_bits``-bit result codes.

    Raises
    ------
    TypeError
        If a width is not an integer or an operand not an integer array.
    ValueError
        If a width is outside its range, an operand holds a value that is not a code of its
        width, or the shapes do not broadcast together.
    """
    ab_bits, acc_bits = check_widths(ab_bits, acc_bits)
    a = _check_codes("a", a, ab_bits)
    b = _check_codes("b", b, ab_bits)
    c = _check_codes("c", c, acc_bits)
    try:
        np.broadcast_shapes(a.shape, b.shape, c.shape)
    except ValueError:
        raise ValueError(f"a, b and c must have shapes that broadcast together; got a "
                         f"{a.shape}, b {b.shape}, c {c.shape}") from None
    # |a * b| <= 2**46 and |c| < 2**61: the int64 sum is exact before the wrap.
    total = to_signed(c, acc_bits) + to_signed(a, ab_bits) * to_signed(b, ab_bits)
    return to_code(total, acc_bits)


@dataclasses.dataclass(frozen=True)
class IntMACFormat:
    """The widths of an integer MAC, for benches and reports (``fmt`` of a unit model).

    Parameters
    ----------
    ab_bits, acc_bits : int
        As for :func:`int_muladd`.

    Attributes
    ----------
    width : int
        ``acc_bits`` (the width of ``c`` and of the result).
    name : str
        E.g. ``int8x8+32``.
    """

    ab_bits: int = 8
    acc_bits: int = 32

    def __post_init__(self):
        check_widths(self.ab_bits, self.acc_bits)

    @property
    def width(self) -> int:
        return self.acc_bits

    @property
    def name(self) -> str:
        return f"int{self.ab_bits}x{self.ab_bits}+{self.acc_bits}"

    def describe(self, code: int, bits: int | None = None) -> str:
        """A code and its signed value (``bits`` wide, default ``acc_bits``)."""
        bits = self.acc_bits if bits is None else bits
        return f"0x{int(code):0{(bits + 3) // 4}x} [{to_signed(int(code), bits)}]"

    def muladd(self, a, b, c):
        """:func:`int_muladd` at these widths."""
        return int_muladd(a, b, c, ab_bits=self.ab_bits, acc_bits=self.acc_bits)
