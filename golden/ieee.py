"""IEEE 754 binary interchange formats (fp16, bf16, fp32, ...) as bit patterns.

A :class:`FloatFormat` describes the words the LNS converters read and write: a sign bit, an
``exp_bits`` biased exponent and a ``man_bits`` fraction, with IEEE's subnormals, signed zeros,
infinities (exponent all ones, fraction zero) and NaNs (exponent all ones, fraction non-zero)::

    bit  width-1 | width-2 ... man_bits | man_bits-1 ... 0
         sign    | biased exponent      | fraction

Words are plain non-negative integers (numpy ``int64`` arrays), exactly what the hardware
ports carry; :meth:`FloatFormat.decode` turns them into float64 exactly (every format here is
a subset of float64).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .checks import check_int

__all__ = ["BF16", "FLOAT_FORMATS", "FP16", "FP32", "FloatFormat"]

#: Exponent widths accepted: float64's exponent range must hold every value exactly.
EXP_BITS_RANGE = (2, 8)
#: Fraction widths accepted (23: IEEE binary32).
MAN_BITS_RANGE = (1, 23)


@dataclasses.dataclass(frozen=True)
class FloatFormat:
    """An IEEE 754-style binary floating-point format.

    Parameters
    ----------
    exp_bits : int
        Width of the biased exponent, 2 to 8.
    man_bits : int
        Width of the fraction (the significand without its implicit bit), 1 to 23.

    Raises
    ------
    TypeError
        If a parameter is not an integer.
    ValueError
        If a parameter is outside its range.

    Attributes
    ----------
    width : int
        ``1 + exp_bits + man_bits``.
    bias : int
        ``2 ** (exp_bits - 1) - 1``; a normal word with biased exponent ``e`` has the value
        ``2 ** (e - bias) * (1 + man / 2 ** man_bits)``.
    emin : int
        Exponent of the smallest normal number, ``1 - bias`` (subnormals share it).
    """

    exp_bits: int
    man_bits: int

    def __post_init__(self):
        check_int("exp_bits", self.exp_bits, *EXP_BITS_RANGE)
        check_int("man_bits", self.man_bits, *MAN_BITS_RANGE)

    @property
    def width(self) -> int:
        return 1 + self.exp_bits + self.man_bits

    @property
    def bias(self) -> int:
        return (1 << (self.exp_bits - 1)) - 1

    @property
    def emin(self) -> int:
        return 1 - self.bias

    @property
    def exp_max_field(self) -> int:
        """The all-ones biased exponent of infinities and NaNs."""
        return (1 << self.exp_bits) - 1

    @property
    def n_codes(self) -> int:
        return 1 << self.width

    @property
    def inf(self) -> int:
        """The word of +infinity (``| sign_bit`` for -infinity)."""
        return self.exp_max_field << self.man_bits

    @property
    def sign_bit(self) -> int:
        return 1 << (self.width - 1)

    @property
    def max_value(self) -> float:
        return self.decode(self.inf - 1)

    @property
    def min_normal(self) -> float:
        return float(2.0 ** self.emin)

    @property
    def min_subnormal(self) -> float:
        return float(2.0 ** (self.emin - self.man_bits))

    @property
    def name(self) -> str:
        """``fp16``, ``bf16``, ``fp32`` for those formats, else e.g. ``fp12_e5m6``."""
        known = {(5, 10): "fp16", (8, 7): "bf16", (8, 23): "fp32"}
        return known.get((self.exp_bits, self.man_bits),
                         f"fp{self.width}_e{self.exp_bits}m{self.man_bits}")

    def __str__(self):
        return f"{self.name}(exp_bits={self.exp_bits}, man_bits={self.man_bits})"

    # Words --------------------------------------------------------------------------------

    def check_words(self, word, name: str = "word") -> np.ndarray:
        """``word`` as an int64 array, checked to hold words of this format."""
        arr = np.asarray(word)
        if arr.dtype.kind not in "iub":
            raise TypeError(f"{name} must be an integer array of {self.name} words, "
                            f"not {arr.dtype}")
        arr = arr.astype(np.int64, copy=False)
        if arr.size and (arr.min() < 0 or arr.max() >= self.n_codes):
            raise ValueError(f"{name} must hold words in [0, {self.n_codes - 1}] for {self}; "
                             f"got values in [{arr.min()}, {arr.max()}]")
        return arr

    def fields(self, word):
        """``(sign, biased exponent, fraction)`` arrays of words."""
        word = self.check_words(word)
        man = word & ((1 << self.man_bits) - 1)
        exp = (word >> self.man_bits) & self.exp_max_field
        return word >> (self.width - 1), exp, man

    def pack(self, sign, exp, man):
        """Words from a sign, a biased exponent and a fraction."""
        sign, exp, man = (np.asarray(v, dtype=np.int64) for v in (sign, exp, man))
        word = (sign << (self.width - 1)) | (exp << self.man_bits) | man
        return word if word.ndim else int(word)

    def decode(self, word):
        """The float64 values of words, exactly (NaN words give NaN)."""
        sign, exp, man = self.fields(word)
        normal = exp > 0
        sig = np.where(normal, man | (1 << self.man_bits), man).astype(np.float64)
        mag = np.ldexp(sig, np.where(normal, exp, 1) - self.bias - self.man_bits)
        mag = np.where(exp == self.exp_max_field, np.where(man == 0, np.inf, np.nan), mag)
        value = np.where(sign == 1, -mag, mag)
        return value if value.ndim else float(value)

    def encode(self, x) -> np.ndarray:
        """Words nearest to the finite floats ``x`` (ties to even; beyond the largest finite
        value, infinity; ``-0.0`` and negative values that round to zero keep their sign)."""
        x = np.asarray(x, dtype=np.float64)
        m, bias = self.man_bits, self.bias
        sign = np.signbit(x).astype(np.int64)
        mag = np.abs(x)
        _, e = np.frexp(mag)                       # mag = f * 2**e, f in [0.5, 1)
        lead = np.maximum(e - 1, 1 - bias)          # the leading bit's exponent (subnormals: emin)
        n = np.rint(np.ldexp(mag, m - lead)).astype(np.int64)  # the significand, ties to even
        word = np.where(n == 0, 0, ((lead + bias - 1) << m) + n)
        word = np.where(mag == 0, 0, word)
        word = np.minimum(word, self.inf)
        return word | (sign << (self.width - 1))

    def all_words(self) -> np.ndarray:
        """Every word of the format, ``0 .. n_codes - 1``."""
        return np.arange(self.n_codes, dtype=np.int64)

    def describe(self, word) -> str:
        """Human readable decoding of one word, for mismatch reports."""
        value = self.decode(int(word))
        hexw = (self.width + 3) // 4
        return f"0x{int(word):0{hexw}x} [{self.name} {value!r}]"


FP16 = FloatFormat(exp_bits=5, man_bits=10)
BF16 = FloatFormat(exp_bits=8, man_bits=7)
FP32 = FloatFormat(exp_bits=8, man_bits=23)
#: The formats the unit catalogue builds converters for, by name.
FLOAT_FORMATS = {f.name: f for f in (FP16, BF16, FP32)}
