"""The LNS number format: bit layout, value range and code packing.

An LNS code of a format with ``int_bits`` integer and ``frac_bits`` fractional bits is
``width = 1 + int_bits + frac_bits`` bits wide::

    bit  width-1 | width-2 ... 0
         sign    | log2|x| as two's complement fixed point (int_bits.frac_bits)

The most negative log field (``100...0``) is reserved for zero, which makes the range of
the remaining log fields symmetric: every non-zero value has an exactly representable
reciprocal. There is no NaN and no infinity (see :mod:`lnsgen.golden.convert` for how float NaN
and infinity are mapped).

Codes are plain non-negative integers (numpy ``int64`` arrays) holding the bit pattern
above, exactly what the hardware ports carry.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

__all__ = ["MAX_FRAC_BITS", "MAX_INT_BITS", "MAX_WIDTH", "LNSFormat"]

#: ``2 ** (2 ** (MAX_INT_BITS - 1))`` must stay inside the float64 range for ``to_float``.
MAX_INT_BITS = 10
#: 23 fractional bits match the precision of IEEE binary32.
MAX_FRAC_BITS = 23
#: Codes are carried in int64 arrays and sums of two log fields must not overflow.
MAX_WIDTH = 32


def _check_int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer in [{lo}, {hi}], not {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], not {value!r}")
    return int(value)


@dataclasses.dataclass(frozen=True)
class LNSFormat:
    """A signed logarithmic number format.

    Parameters
    ----------
    int_bits : int
        Integer bits of the two's complement log2 magnitude, sign of the log included;
        1 to 10. The magnitude range is about ``2 ** +-(2 ** (int_bits - 1))``.
    frac_bits : int
        Fractional bits of the log2 magnitude, 1 to 23. One ulp of the log is
        ``2 ** -frac_bits``, a relative step of ``2 ** (2 ** -frac_bits) - 1``.

    Raises
    ------
    TypeError
        If a parameter is not an integer.
    ValueError
        If a parameter is outside its range, or the code would be wider than 32 bits.

    Attributes
    ----------
    width : int
        Bits of a code: ``1 + int_bits + frac_bits``.
    log_bits : int
        Bits of the log field: ``int_bits + frac_bits``.
    log_min, log_max : int
        Smallest and largest log field of a non-zero value (``log_min == -log_max``).
    zero_log : int
        The reserved log field that encodes zero (``log_min - 1``).
    zero : int
        The canonical code of zero (sign bit clear).
    """

    int_bits: int
    frac_bits: int

    def __post_init__(self):
        _check_int("int_bits", self.int_bits, 1, MAX_INT_BITS)
        _check_int("frac_bits", self.frac_bits, 1, MAX_FRAC_BITS)
        width = 1 + self.int_bits + self.frac_bits
        if width > MAX_WIDTH:
            raise ValueError(
                f"int_bits + frac_bits must be at most {MAX_WIDTH - 1} "
                f"(a code of at most {MAX_WIDTH} bits), not "
                f"{self.int_bits} + {self.frac_bits} = {width - 1}"
            )

    # Layout -------------------------------------------------------------------------------

    @property
    def log_bits(self) -> int:
        return self.int_bits + self.frac_bits

    @property
    def width(self) -> int:
        return 1 + self.log_bits

    @property
    def log_max(self) -> int:
        return (1 << (self.log_bits - 1)) - 1

    @property
    def log_min(self) -> int:
        return -self.log_max

    @property
    def zero_log(self) -> int:
        return -(1 << (self.log_bits - 1))

    @property
    def zero(self) -> int:
        return self.pack(0, self.zero_log)

    @property
    def n_codes(self) -> int:
        return 1 << self.width

    # Value range --------------------------------------------------------------------------

    @property
    def ulp(self) -> float:
        """One unit in the last place of the log, ``2 ** -frac_bits``."""
        return 2.0 ** -self.frac_bits

    @property
    def max_value(self) -> float:
        """Largest magnitude, ``2 ** (log_max * ulp)``."""
        return float(2.0 ** (self.log_max * self.ulp))

    @property
    def min_value(self) -> float:
        """Smallest non-zero magnitude, ``2 ** (log_min * ulp)``."""
        return float(2.0 ** (self.log_min * self.ulp))

    @property
    def relative_step(self) -> float:
        """Ratio minus one between neighbouring magnitudes."""
        return float(2.0 ** self.ulp - 1.0)

    @property
    def name(self) -> str:
        """Short name used in file names and reports, e.g. ``lns16_i5f10``."""
        return f"lns{self.width}_i{self.int_bits}f{self.frac_bits}"

    def __str__(self):
        return f"LNS{self.width}(int_bits={self.int_bits}, frac_bits={self.frac_bits})"

    # Packing ------------------------------------------------------------------------------

    def pack(self, sign, log):
        """Codes from a sign (0/1) and a signed log field (``zero_log`` for zero)."""
        sign = np.asarray(sign, dtype=np.int64)
        log = np.asarray(log, dtype=np.int64)
        code = (sign << self.log_bits) | (log & ((1 << self.log_bits) - 1))
        return code if code.ndim else int(code)

    def unpack(self, code):
        """``(sign, log, is_zero)`` arrays of codes; ``log`` is sign-extended.

        Raises
        ------
        ValueError
            If a code is negative or does not fit in ``width`` bits.
        """
        code = self.check_codes(code, "code")
        sign = code >> self.log_bits
        raw = code & ((1 << self.log_bits) - 1)
        log = raw - ((raw >> (self.log_bits - 1)) << self.log_bits)
        return sign, log, log == self.zero_log

    def check_codes(self, code, name: str = "code") -> np.ndarray:
        """``code`` as an int64 array, checked to hold valid codes of this format."""
        arr = self.code_array(code, name)
        self.check_code_range(arr, name)
        return arr

    def code_array(self, code, name: str = "code") -> np.ndarray:
        """``code`` as an int64 array (a TypeError for a non-integer one); the values are not
        checked (:meth:`check_code_range`)."""
        arr = np.asarray(code)
        if arr.dtype.kind not in "iub":
            raise TypeError(f"{name} must be an integer array of {self} codes, not {arr.dtype}")
        return arr.astype(np.int64, copy=False)

    def check_code_range(self, arr: np.ndarray, name: str = "code") -> None:
        """A ValueError naming ``name`` unless the int64 array ``arr`` holds only codes of this
        format (one pass: a negative code is above every valid one when read as unsigned)."""
        if arr.size and int(arr.view(np.uint64).max()) >= self.n_codes:
            raise ValueError(
                f"{name} must hold codes in [0, {self.n_codes - 1}] for {self}; "
                f"got values in [{arr.min()}, {arr.max()}]"
            )

    def all_codes(self) -> np.ndarray:
        """Every code of the format, ``0 .. n_codes - 1``."""
        return np.arange(self.n_codes, dtype=np.int64)

    def describe(self, code) -> str:
        """Human readable decoding of one code, for mismatch reports."""
        sign, log, is_zero = self.unpack(int(code))
        hexw = (self.width + 3) // 4
        if is_zero:
            body = "zero" + (" (negative sign bit)" if sign else "")
        else:
            value = (-1.0) ** int(sign) * 2.0 ** (int(log) * self.ulp)
            body = f"{'-' if sign else '+'}2^({int(log)}/2^{self.frac_bits}) = {value:.6g}"
        return f"0x{int(code):0{hexw}x} [{body}]"
