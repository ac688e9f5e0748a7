"""The number systems of the systolic array, as golden matrix products.

One systolic array generator (:class:`lnsgen.hdl.systolic.SystolicArray`) takes any of these
arithmetics; its tile driver and benches take the golden side from here. Every arithmetic
defines, for codes (bit patterns, ``int64``):

* the operand and result widths, and the operand code of an exact zero (the tile driver's
  padding: rows and columns that the caller then drops);
* ``matmul(a, b)``: ``C = A x B`` in the array's exact order, each ``C[i, j]`` a running sum
  over ``k`` in increasing order that starts from the arithmetic's zero sum, one step per
  ``k``:

  ============== ====================================================================
  ``lns``        LNS product, Gaussian-log add (:func:`lnsgen.golden.matmul`), plain or
                 Kahan-compensated
  ``hybrid``     LNS product made linear, exact wide fixed-point sum, one rounding back
                 to LNS (:class:`lnsgen.golden.hybrid.HybridMAC`; the order of an exact
                 sum does not matter)
  ``float``      IEEE fused multiply-add per step, ``s = fma(a, b, s)`` from ``s = +0``
                 (:func:`lnsgen.golden.fma.fma`)
  ``int``        ``s = s + a * b`` in two's complement, wrapping at ``acc_bits``
                 (:func:`lnsgen.golden.intmac.int_muladd`)
  ============== ====================================================================

Numpy only, like the rest of :mod:`lnsgen.golden`.
"""

from __future__ import annotations

import numpy as np

from .checks import check_format
from .convert import from_float, to_float
from .converters import check_float_format
from .fma import fma
from .format import LNSFormat
from .hybrid import HybridMAC
from .ieee import FloatFormat
from .intmac import IntMACFormat, check_widths, int_muladd, to_signed
from .matmul import MATMUL_COMPENSATIONS, matmul

__all__ = ["FloatArithmetic", "HybridArithmetic", "IntArithmetic", "LNSArithmetic",
           "MatmulArithmetic"]


class MatmulArithmetic:
    """What the array and its driver need to know of a number system (see the module).

    Attributes
    ----------
    name : str
        Short name for reports, e.g. ``lns16_i5f10``, ``lns16_i5f10-kahan``, ``fp16``,
        ``int8x8+32``.
    operand_bits, result_bits : int
        Widths of an operand code (``a`` and ``b``) and of a result code.
    zero : int
        The operand code of an exact zero.
    """

    name: str
    operand_bits: int
    result_bits: int
    zero: int

    def check_operands(self, codes, name: str) -> np.ndarray:
        """``codes`` as int64, checked to be operand codes (raises naming ``name``)."""
        raise NotImplementedError

    def matmul(self, a, b) -> np.ndarray:
        """``a @ b`` (``(M, K)`` and ``(K, N)`` operand codes) as result codes."""
        raise NotImplementedError

    def describe_operand(self, code: int) -> str:
        raise NotImplementedError

    def describe_result(self, code: int) -> str:
        raise NotImplementedError

    def encode(self, x) -> tuple[np.ndarray, float]:
        """Operand codes of the real values ``x`` and their scale (``x ~ value(code) *
        scale``): rounded to the nearest code; scale 1 except for integers."""
        raise NotImplementedError

    def decode(self, codes, scale: float = 1.0) -> np.ndarray:
        """float64 values of result codes (times ``scale``)."""
        raise NotImplementedError

    def real_matmul(self, x, w) -> np.ndarray:
        """``x @ w`` of real matrices in this arithmetic: both encoded, multiplied by
        :meth:`matmul`, the result decoded (float64)."""
        (a, sa), (b, sb) = self.encode(x), self.encode(w)
        return self.decode(self.matmul(a, b), sa * sb)

    def _sequential(self, a, b, step) -> np.ndarray:
        """``s = step(A[:, k], B[k, :], s)`` for k in increasing order from ``s = 0`` (the code
        of exact zero in both arithmetics that use it), all outputs at once."""
        a, b = self._shapes(a, b)
        s = np.zeros((a.shape[0], b.shape[1]), dtype=np.int64)
        for k in range(a.shape[1]):
            s = step(a[:, k, None], b[None, k, :], s)
        return s

    def _shapes(self, a, b) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.check_operands(a, "a"), self.check_operands(b, "b")
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0] or a.shape[1] < 1:
            raise ValueError(f"a and b must be 2-D with a's columns equal to b's rows (at least "
                             f"1): shapes {a.shape} and {b.shape}")
        return a, b

    def __repr__(self):
        return f"{type(self).__name__}({self.name})"


class LNSArithmetic(MatmulArithmetic):
    """LNS products summed by Gaussian-log adders (:func:`lnsgen.golden.matmul`).

    Parameters
    ----------
    fmt : LNSFormat
    compensation : {"none", "kahan"}
    method, max_error :
        The adders' Gaussian-log approximation.
    """

    def __init__(self, fmt: LNSFormat, *, compensation: str = "none", method: str = "interp",
                 max_error: float = 1.0):
        self.fmt = check_format(fmt)
        if compensation not in MATMUL_COMPENSATIONS:
            raise ValueError(f"compensation must be one of {MATMUL_COMPENSATIONS}, not "
                             f"{compensation!r}")
        self.compensation, self.method, self.max_error = compensation, method, max_error
        self.name = fmt.name + ("-kahan" if compensation == "kahan" else "")
        self.operand_bits = self.result_bits = fmt.width
        self.zero = fmt.zero

    def check_operands(self, codes, name):
        return self.fmt.check_codes(codes, name)

    def encode(self, x):
        return np.asarray(from_float(self.fmt, x), dtype=np.int64), 1.0

    def decode(self, codes, scale=1.0):
        return np.asarray(to_float(self.fmt, codes), dtype=np.float64) * scale

    def matmul(self, a, b):
        return matmul(self.fmt, a, b, compensation=self.compensation, method=self.method,
                      max_error=self.max_error)

    def describe_operand(self, code):
        return self.fmt.describe(code)

    describe_result = describe_operand


class HybridArithmetic(MatmulArithmetic):
    """LNS products summed exactly in linear fixed point, one rounding to LNS per sum.

    Parameters
    ----------
    fmt : LNSFormat
    guard_bits, lin_frac_bits, method, max_error :
        As for :class:`lnsgen.golden.hybrid.HybridMAC`.

    Attributes
    ----------
    model : HybridMAC
    """

    def __init__(self, fmt: LNSFormat, *, guard_bits: int = 8, lin_frac_bits: int | None = None,
                 method: str = "auto", max_error: float = 1.0):
        self.fmt = check_format(fmt)
        self.model = HybridMAC(fmt, guard_bits=guard_bits, lin_frac_bits=lin_frac_bits,
                               method=method, max_error=max_error)
        self.name = f"{fmt.name}-hybrid"
        self.operand_bits = self.result_bits = fmt.width
        self.zero = fmt.zero

    def check_operands(self, codes, name):
        return self.fmt.check_codes(codes, name)

    encode = LNSArithmetic.encode
    decode = LNSArithmetic.decode

    def matmul(self, a, b):
        a, b = self._shapes(a, b)
        out = np.empty((a.shape[0], b.shape[1]), dtype=np.int64)
        for j in range(b.shape[1]):  # one column at a time: (M, K) products, not (M, K, N)
            out[:, j] = self.model.dot(a, b[:, j][None, :], axis=1)
        return out

    def describe_operand(self, code):
        return self.fmt.describe(code)

    describe_result = describe_operand


class FloatArithmetic(MatmulArithmetic):
    """IEEE words, one fused multiply-add per step from ``+0``.

    Parameters
    ----------
    ffmt : FloatFormat
    """

    def __init__(self, ffmt: FloatFormat):
        self.ffmt = check_float_format(ffmt, "ffmt")
        self.name = ffmt.name
        self.operand_bits = self.result_bits = ffmt.width
        self.zero = 0

    def check_operands(self, codes, name):
        return self.ffmt.check_words(codes, name)

    def encode(self, x):
        return self.ffmt.encode(x), 1.0

    def decode(self, codes, scale=1.0):
        return self.ffmt.decode(self.ffmt.check_words(codes, "codes")) * scale

    def matmul(self, a, b):
        return self._sequential(a, b, lambda x, y, s: fma(self.ffmt, x, y, s))

    def describe_operand(self, code):
        return self.ffmt.describe(code)

    describe_result = describe_operand


class IntArithmetic(MatmulArithmetic):
    """Two's complement ``ab_bits`` operands, a wrapping ``acc_bits`` sum.

    Parameters
    ----------
    ab_bits, acc_bits : int
        As for :func:`lnsgen.golden.intmac.int_muladd`.
    """

    def __init__(self, *, ab_bits: int = 8, acc_bits: int = 32):
        self.ab_bits, self.acc_bits = check_widths(ab_bits, acc_bits)
        self.imf = IntMACFormat(ab_bits, acc_bits)
        self.name = self.imf.name
        self.operand_bits, self.result_bits = ab_bits, acc_bits
        self.zero = 0

    def check_operands(self, codes, name):
        arr = np.asarray(codes)
        if arr.dtype.kind not in "iub":
            raise TypeError(f"{name} must be an integer array of {self.ab_bits}-bit codes, not "
                            f"{arr.dtype}")
        arr = arr.astype(np.int64, copy=False)
        if arr.size and (arr.min() < 0 or arr.max() >= 1 << self.ab_bits):
            raise ValueError(f"{name} must hold {self.ab_bits}-bit codes in "
                             f"[0, {(1 << self.ab_bits) - 1}]; got values in "
                             f"[{arr.min()}, {arr.max()}]")
        return arr

    def encode(self, x):
        """Symmetric max-abs quantization: ``round(x / scale)`` with ``scale = max|x| / (2 **
        (ab_bits - 1) - 1)``."""
        x = np.asarray(x, dtype=np.float64)
        top = (1 << (self.ab_bits - 1)) - 1
        peak = float(np.max(np.abs(x))) if x.size else 0.0
        scale = peak / top if peak > 0 else 1.0
        q = np.clip(np.rint(x / scale), -top, top).astype(np.int64)
        return q & ((1 << self.ab_bits) - 1), scale

    def decode(self, codes, scale=1.0):
        return to_signed(np.asarray(codes, dtype=np.int64), self.acc_bits) * scale

    def matmul(self, a, b):
        return self._sequential(a, b, lambda x, y, s: int_muladd(
            x, y, s, ab_bits=self.ab_bits, acc_bits=self.acc_bits))

    def describe_operand(self, code):
        return self.imf.describe(code, self.ab_bits)

    def describe_result(self, code):
        return self.imf.describe(code)

