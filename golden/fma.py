"""IEEE 754 fused multiply-add ``a * b + c``, one rounding, as the FMA baseline computes it.

The conventional unit LNS arithmetic is measured against (``hdl.FloatMultiplyAdd``). For any
:class:`~lnsgen.golden.ieee.FloatFormat` (fp16 and bf16 are the ones benched), the result is
IEEE 754-2019 ``fusedMultiplyAdd`` in roundTiesToEven:

* the exact value ``a * b + c`` rounded once to the nearest word, ties to the even fraction;
  subnormal operands are read and subnormal results written (gradual underflow, no flush);
  a result of magnitude at least ``2 ** emax * (2 - 2 ** -(man_bits + 1))`` becomes infinity;
* an exact zero sum is ``+0``, except that ``(-0) + (-0)`` (a zero product and a zero ``c``,
  both negative) is ``-0``; a non-zero exact result that rounds to zero keeps its sign;
* invalid operations give NaN: ``inf * 0``, ``0 * inf``, an infinite product plus the opposite
  infinity, and any NaN operand. Every NaN result is the **canonical quiet NaN** (sign 0,
  exponent all ones, fraction ``100...0``): payloads are not propagated, which IEEE 754 allows
  (it only recommends preserving a payload) and most hardware does;
* ``inf`` times a non-zero finite number is ``inf`` with the product's sign; an infinite
  ``c`` (not cancelled by an opposite infinite product) passes through.

No exception flags are produced.

How it is computed (exact integer arithmetic on significands, no float64): a finite operand is
``sig * 2 ** lsb`` with ``sig`` its significand (implicit bit included; ``p = man_bits + 1``
bits) and ``lsb`` the exponent of its last bit. The product ``P = sig_a * sig_b`` (``2 p`` bits)
and the addend ``C`` are placed in a window of :func:`window_bits` ``= 3 p + GUARD + 3`` bits:
``P << GUARD`` at the bottom, ``C`` with its last bit at window bit ``k`` (the exponent
difference). Where ``C`` reaches below the window its bits are OR-ed into bit 0 (a sticky bit:
round to odd). Where ``C`` lies more than :func:`far_shift` bits above, the product only ever
contributes a sticky bit and is kept at that distance. The window's magnitude is then rounded to
nearest even at the result's last bit (that of a ``p``-bit normal number, or the subnormal
``emin - man_bits``). Why this is exact:

* round to odd at bit 0 then round to nearest at bit ``>= 2`` is correct rounding (Boldo &
  Melquiond); the result's last bit is at window bit ``>= 2`` whenever ``C`` was jammed: the
  sum is then at least ``2 ** (man_bits - 1)`` units of the product's last bit and at least
  ``2 ** (emin - man_bits)``, which ``GUARD = 3`` turns into window bit 2;
* a product below a quarter of the addend's last bit cannot move a non-zero addend's rounding
  (``C`` is representable, and ``C * 2**k +- P`` with ``0 < P < 2 ** (k - 2)`` rounds to
  ``C * 2**k``, also when ``C`` is the smallest significand of its binade), so any such
  product, real or moved, gives ``C``: ``far_shift = 2 p + GUARD + 2``;
* a zero product leaves ``C`` exact in the window; a zero ``C`` leaves the product exact.

The hardware (:mod:`lnsgen.hdl.fma`) implements the same window, so its results equal these bit
for bit; the tests check these against :class:`fractions.Fraction` arithmetic and a rounding
written from IEEE 754's definition (the nearest of the format's representable values).
"""

from __future__ import annotations

import numpy as np

from .converters import check_float_format
from .ieee import FloatFormat

__all__ = ["GUARD", "far_shift", "fma", "quiet_nan", "window_bits"]

#: Window bits below the product's last bit (the addend's sticky bit sits at bit 0).
GUARD = 3


def window_bits(ffmt: FloatFormat) -> int:
    """Bits of the sum window: the addend above the product (``3 p + GUARD + 2``) and a carry."""
    p = check_float_format(ffmt, "ffmt").man_bits + 1
    return 3 * p + GUARD + 3


def far_shift(ffmt: FloatFormat) -> int:
    """Highest window bit of the addend's last bit; beyond, the product is only a sticky bit."""
    p = check_float_format(ffmt, "ffmt").man_bits + 1
    return 2 * p + GUARD + 2


def quiet_nan(ffmt: FloatFormat) -> int:
    """The canonical quiet NaN every invalid operation returns: ``0 11..1 100..0``."""
    check_float_format(ffmt, "ffmt")
    return ffmt.inf | (1 << (ffmt.man_bits - 1))


def _bit_length(x: np.ndarray) -> np.ndarray:
    """Elementwise ``int.bit_length`` of non-negative integers (int64 or Python-int objects)."""
    if x.dtype == object:
        return np.frompyfunc(int.bit_length, 1, 1)(x).astype(np.int64)
    n = np.zeros(x.shape, dtype=np.int64)
    rest = x.copy()
    for s in (32, 16, 8, 4, 2, 1):
        big = rest >= (np.int64(1) << s)
        n = np.where(big, n + s, n)
        rest = np.where(big, rest >> s, rest)
    return n + (rest > 0)


def _unpack(ffmt: FloatFormat, word):
    """``(sign, sig, lsb, zero, inf, nan)`` of words: ``value = sig * 2 ** lsb`` if finite."""
    sign, exp, man = ffmt.fields(word)
    m = ffmt.man_bits
    sig = np.where(exp > 0, man | (1 << m), man)
    lsb = np.maximum(exp, 1) - ffmt.bias - m
    special = exp == ffmt.exp_max_field
    return sign, sig, lsb, (exp == 0) & (man == 0), special & (man == 0), special & (man != 0)


def fma(ffmt: FloatFormat, a, b, c):
    """``a * b + c`` on words of ``ffmt``, rounded once (see the module docstring).

    Parameters
    ----------
    ffmt : golden.ieee.FloatFormat
    a, b, c : array_like of int
        Words of ``ffmt`` (bit patterns), broadcast together.

    Returns
    -------
    numpy.ndarray of int64, or int for scalar operands
        Result words.

    Raises
    ------
    TypeError
        If ``ffmt`` is not a FloatFormat or an operand is not an integer array.
    ValueError
        If an operand holds a value that is not a word of ``ffmt``, or the shapes do not
        broadcast together.
    """
    check_float_format(ffmt, "ffmt")
    a, b, c = (ffmt.check_words(v, name) for name, v in (("a", a), ("b", b), ("c", c)))
    try:
        shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
    except ValueError:
        raise ValueError(f"a, b and c must have shapes that broadcast together; got a "
                         f"{a.shape}, b {b.shape}, c {c.shape}") from None
    # At least 1-d inside (object arithmetic on 0-d arrays returns bare Python values).
    a, b, c = (np.broadcast_to(v, shape).reshape(-1) for v in (a, b, c))
    m, W, K = ffmt.man_bits, window_bits(ffmt), far_shift(ffmt)
    p = m + 1
    sa, sig_a, xa, za, ia, na = _unpack(ffmt, a)
    sb, sig_b, xb, zb, ib, nb = _unpack(ffmt, b)
    sc, sig_c, xc, zc, ic, nc = _unpack(ffmt, c)
    sp = sa ^ sb
    pz = za | zb
    ep = xa + xb
    # Window placement: `base` is the exponent of window bit 0, `k` the addend's last bit.
    k_raw = xc - ep + GUARD
    far = ~pz & ~zc & (k_raw > K)
    base = np.where(pz, xc - GUARD, np.where(far, xc - K, ep - GUARD))
    # A zero addend's position does not matter (clipped); below -(p + 1) it is all sticky.
    k = np.clip(xc - base, -(p + 1), K)

    # Python integers when the window does not fit int64 (man_bits > 17, e.g. fp32).
    wide = W > 62
    as_int = (lambda v: np.asarray(v).astype(object)) if wide else (lambda v: v)
    prod = as_int(sig_a) * as_int(sig_b)
    pw = prod << GUARD
    sig_c = as_int(sig_c)
    up, down = as_int(np.maximum(k, 0)), as_int(np.maximum(-k, 0))
    one = as_int(np.ones(a.shape, dtype=np.int64))
    sticky = (sig_c & ((one << down) - 1)) != 0
    cw = np.where(k >= 0, sig_c << up, (sig_c >> down) | sticky.astype(np.int64))
    sub = sp != sc
    diff = np.where(sub, pw - cw, pw + cw)
    sign = np.where(sub & (diff < 0), sc, sp)
    mag = np.abs(diff)
    exact_zero = mag == 0
    # An exact zero is +0 in round to nearest, unless both terms are -0 (a zero product and c).
    sign = np.where(exact_zero, np.where(pz & zc, sp & sc, 0), sign)

    # Round to nearest even at the result's last bit: window bit `rp` (negative: exact).
    msb = _bit_length(np.where(exact_zero, 1, mag)) - 1
    lsb_exp = np.maximum(base + msb - m, ffmt.emin - m)
    rp = np.clip(lsb_exp - base, -m, W + 1)
    rs, ls = as_int(np.maximum(rp, 0)), as_int(np.maximum(-rp, 0))
    q = mag >> rs
    rem = mag & ((one << rs) - 1)
    half = (one << rs) >> 1
    round_up = (rs > 0) & ((rem > half) | ((rem == half) & ((q & 1) == 1)))
    rounded = (q + round_up.astype(np.int64)) << ls
    # The significand's implicit bit adds one to the exponent field (subnormals: field 0);
    # a carry out of the significand lands in the exponent the same way.
    field = lsb_exp + m + ffmt.bias - 1
    word_mag = np.where(exact_zero, 0, (as_int(field) << m) + rounded)
    word_mag = np.minimum(word_mag, ffmt.inf).astype(np.int64)
    result = (sign << (ffmt.width - 1)) | word_mag

    # Specials.
    nan = na | nb | nc | (ia & zb) | (za & ib) | ((ia | ib) & ic & sub)
    inf = (ia | ib | ic) & ~nan
    inf_sign = np.where(ia | ib, sp, sc)
    result = np.where(inf, (inf_sign << (ffmt.width - 1)) | ffmt.inf, result)
    result = np.where(nan, quiet_nan(ffmt), result).astype(np.int64).reshape(shape)
    return result if result.ndim else int(result)
