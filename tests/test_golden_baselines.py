"""Golden models of the conventional baselines against independent references.

* ``golden.fma``: :class:`fractions.Fraction` arithmetic and two roundings written from IEEE
  754's definition (the nearest representable value, found in the sorted list of every finite
  value of the format; and, for formats too large to list, a formula over the binade), every
  triple of tiny formats, targeted random triples of fp16, bf16 and fp32; numpy's float64
  arithmetic where it is provably exact, cast to fp16 by numpy.
* ``golden.intmac``: Python integers with the two's complement wrap written out.
* ``golden.hybrid``: the exact Fraction sum of the table-linearized products, rounded back to
  LNS as the module specifies, with the tables rebuilt independently in exact integer
  arithmetic; and the error of the result against the exact log2 of that sum.
"""

from __future__ import annotations

import bisect
import functools
import math
from fractions import Fraction

import numpy as np
import pytest

from lnsgen.golden.fma import fma, quiet_nan
from lnsgen.golden.ieee import BF16, FP16, FP32, FloatFormat

# IEEE 754 reference ---------------------------------------------------------------------------


def decode(ffmt: FloatFormat, word: int):
    """``("nan",)``, ``("inf", sign)`` or ``("num", sign, Fraction)`` of a word, from the
    definition of the interchange format (not through golden code)."""
    m, e_bits = ffmt.man_bits, ffmt.exp_bits
    sign = (word >> (m + e_bits)) & 1
    exp = (word >> m) & ((1 << e_bits) - 1)
    man = word & ((1 << m) - 1)
    bias = (1 << (e_bits - 1)) - 1
    if exp == (1 << e_bits) - 1:
        return ("nan",) if man else ("inf", sign)
    if exp == 0:
        mag = Fraction(man, 1 << m) * Fraction(2) ** (1 - bias)
    else:
        mag = (1 + Fraction(man, 1 << m)) * Fraction(2) ** (exp - bias)
    return ("num", sign, mag)


@functools.cache
def finite_values(ffmt: FloatFormat):
    """Every non-negative finite value of the format, ascending, with its word."""
    words = range(ffmt.inf)
    return [decode(ffmt, w)[2] for w in words], list(words)


def overflow_threshold(ffmt: FloatFormat) -> Fraction:
    """IEEE 754 4.3.1: in roundTiesToEven a magnitude of at least ``b**emax * (b - b**(1-p) / 2)``
    (``b = 2``) rounds to infinity."""
    emax = (1 << (ffmt.exp_bits - 1)) - 1
    p = ffmt.man_bits + 1
    return Fraction(2) ** emax * (2 - Fraction(1, 2 ** p))


def round_by_search(ffmt: FloatFormat, x: Fraction, zero_sign: int) -> int:
    """roundTiesToEven of an exact value: the nearest representable value (ties: even last
    fraction bit), infinity beyond the overflow threshold; a zero result takes ``zero_sign``
    if ``x`` is zero, else the sign of ``x``."""
    sign = zero_sign if x == 0 else int(x < 0)
    mag = abs(x)
    top = sign << (ffmt.width - 1)
    if mag >= overflow_threshold(ffmt):
        return top | ffmt.inf
    values, words = finite_values(ffmt)
    i = bisect.bisect_left(values, mag)
    if i < len(values) and values[i] == mag:
        return top | words[i]
    lo, hi = i - 1, min(i, len(values) - 1)
    d_lo, d_hi = mag - values[lo], values[hi] - mag
    if hi == lo or d_lo < d_hi:
        pick = lo
    elif d_hi < d_lo:
        pick = hi
    else:
        pick = lo if words[lo] % 2 == 0 else hi
    return top | words[pick]


def round_by_formula(ffmt: FloatFormat, x: Fraction, zero_sign: int) -> int:
    """The same rounding by arithmetic on the binade (for formats too large to list)."""
    sign = zero_sign if x == 0 else int(x < 0)
    mag = abs(x)
    top = sign << (ffmt.width - 1)
    if mag >= overflow_threshold(ffmt):
        return top | ffmt.inf
    if mag == 0:
        return top
    m = ffmt.man_bits
    bias = (1 << (ffmt.exp_bits - 1)) - 1
    emin = 1 - bias
    e = mag.numerator.bit_length() - mag.denominator.bit_length()
    if Fraction(2) ** e > mag:
        e -= 1
    ulp = Fraction(2) ** (max(e, emin) - m)
    q = mag / ulp
    n = math.floor(q)
    frac = q - n
    if frac > Fraction(1, 2) or (frac == Fraction(1, 2) and n % 2):
        n += 1
    value = n * ulp
    if value >= Fraction(2) ** emin:
        e2 = value.numerator.bit_length() - value.denominator.bit_length()
        if Fraction(2) ** e2 > value:
            e2 -= 1
        man = int((value / Fraction(2) ** e2 - 1) * (1 << m))
        return top | ((e2 + bias) << m) | man
    return top | int(value / Fraction(2) ** (emin - m))


def reference_fma(ffmt: FloatFormat, a: int, b: int, c: int, rounder=round_by_search) -> int:
    """IEEE 754 fusedMultiplyAdd(a, b, c) in roundTiesToEven, NaN results canonical."""
    da, db, dc = decode(ffmt, a), decode(ffmt, b), decode(ffmt, c)
    qnan = ffmt.inf | (1 << (ffmt.man_bits - 1))
    if "nan" in (da[0], db[0], dc[0]):
        return qnan
    sp = da[1] ^ db[1]
    a_inf, b_inf = da[0] == "inf", db[0] == "inf"
    a_zero = da[0] == "num" and da[2] == 0
    b_zero = db[0] == "num" and db[2] == 0
    if (a_inf and b_zero) or (a_zero and b_inf):
        return qnan  # invalid: inf * 0
    top = ffmt.width - 1
    if a_inf or b_inf:
        if dc[0] == "inf" and dc[1] != sp:
            return qnan  # invalid: inf - inf
        return (sp << top) | ffmt.inf
    if dc[0] == "inf":
        return (dc[1] << top) | ffmt.inf
    product = da[2] * db[2] * (-1 if sp else 1)
    addend = dc[2] * (-1 if dc[1] else 1)
    exact = product + addend
    # An exact zero sum: -0 only for (-0) + (-0), i.e. a zero product and c both negative.
    zero_sign = int(product == 0 and addend == 0 and sp == 1 and dc[1] == 1)
    return rounder(ffmt, exact, zero_sign)


def special_words(ffmt: FloatFormat) -> list[int]:
    """Zeros, infinities, NaNs (quiet and signalling), 1, the extreme normals and subnormals."""
    m = ffmt.man_bits
    one = ffmt.bias << m
    base = [0, 1, (1 << m) - 1, 1 << m, one, one + 1, ffmt.inf - 1, ffmt.inf, ffmt.inf + 1,
            quiet_nan(ffmt), ffmt.inf | ((1 << m) - 1), (ffmt.bias + 1) << m,
            (ffmt.bias - 1) << m | ((1 << m) - 1)]
    return base + [w | ffmt.sign_bit for w in base]


def targeted_triples(ffmt: FloatFormat, n: int, rng) -> tuple[np.ndarray, ...]:
    """Random triples where FMAs go wrong: ``c`` near ``-a*b`` (cancellation, exact zero sums),
    near ``a*b``, at every exponent distance (far apart: sticky and far cases), subnormal and
    special operands, products near overflow and underflow, and uniform words."""
    m = ffmt.man_bits
    a = rng.integers(0, ffmt.n_codes, n)
    b = rng.integers(0, ffmt.n_codes, n)
    kind = rng.integers(0, 10, n)
    # a, b mostly finite; some subnormal, some near 1.
    finite = rng.integers(0, ffmt.inf, n) | (rng.integers(0, 2, n) << (ffmt.width - 1))
    a = np.where(kind < 8, finite, a)
    sub = rng.integers(0, 1 << m, n) | (rng.integers(0, 2, n) << (ffmt.width - 1))
    near_one = ((np.clip(ffmt.bias + rng.integers(-3, 4, n), 0, ffmt.exp_max_field - 1) << m)
                | rng.integers(0, 1 << m, n))
    b = np.where(kind == 0, sub, np.where(kind < 5, near_one, finite[::-1]))
    # c: the word nearest to -a*b or a*b (then nudged by a few ulps), or at a random exponent
    # distance from it, or uniform / special.
    prod = FloatFormat.decode(ffmt, a) * FloatFormat.decode(ffmt, b)
    with np.errstate(all="ignore"):
        scale = np.ldexp(1.0, rng.integers(-3 * m - 8, 3 * m + 8, n))
        target = np.where(kind < 5, -prod, np.where(kind < 7, prod, prod * scale))
        target = np.where(np.isfinite(target), target, 1.0)
    c = _nearest_words(ffmt, target) + rng.integers(-2, 3, n) * (kind < 7)
    c = np.clip(c, 0, ffmt.n_codes - 1)
    specials = np.array(special_words(ffmt))
    c = np.where(kind == 9, rng.choice(specials, n), c)
    a = np.where(rng.random(n) < 0.03, rng.choice(specials, n), a)
    b = np.where(rng.random(n) < 0.03, rng.choice(specials, n), b)
    # A small subnormal times a large power of two, minus a subnormal: the addend's sticky bit
    # lands just below the rounding position (needs GUARD >= 3).
    jam = rng.random(n) < 0.05
    sign = rng.integers(0, 2, n) << (ffmt.width - 1)
    a = np.where(jam, rng.integers(1, 8, n) | sign, a)
    b = np.where(jam, rng.integers(ffmt.bias, ffmt.exp_max_field, n) << m, b)
    c = np.where(jam, rng.integers(1, 1 << min(m, 4), n) | (sign ^ ffmt.sign_bit), c)
    return a, b, c


def _nearest_words(ffmt: FloatFormat, x: np.ndarray) -> np.ndarray:
    """Words near float64 values (truncated significand; only used to aim stimuli)."""
    sign = (np.signbit(x)).astype(np.int64)
    mag = np.abs(x)
    frac, exp = np.frexp(mag)            # mag = frac * 2**exp, frac in [0.5, 1)
    e = exp - 1                          # mag = (2 frac) * 2**e
    m = ffmt.man_bits
    field = e + ffmt.bias
    normal = field >= 1
    man = np.where(normal, np.floor((2 * frac - 1) * (1 << m)),
                   np.floor(np.ldexp(mag, m - ffmt.emin))).astype(np.int64)
    word = np.where(normal, (np.clip(field, 1, ffmt.exp_max_field) << m) | man,
                    np.clip(man, 0, (1 << m) - 1))
    word = np.where(field >= ffmt.exp_max_field, ffmt.inf - 1, word)
    word = np.where(mag == 0, 0, word)
    return word | (sign << (ffmt.width - 1))


TINY = [FloatFormat(exp_bits=2, man_bits=1), FloatFormat(exp_bits=3, man_bits=2),
        FloatFormat(exp_bits=2, man_bits=3)]


def test_the_two_reference_roundings_agree_on_every_value_of_a_tiny_format():
    ffmt = FloatFormat(exp_bits=3, man_bits=2)
    # Every multiple of 1/64 of the smallest subnormal up to past the overflow threshold.
    step = Fraction(2) ** (ffmt.emin - ffmt.man_bits) / 64
    limit = int(overflow_threshold(ffmt) / step) + 200
    for n in range(-limit, limit, 7):
        x = n * step
        assert round_by_search(ffmt, x, 0) == round_by_formula(ffmt, x, 0), x


def test_reference_rounding_known_values():
    # fp16: 1 + 2**-11 is a tie between 1 and 1 + 2**-10: even (1.0); 1 + 3 * 2**-11 rounds up.
    one = 0x3C00
    assert round_by_search(FP16, 1 + Fraction(1, 2 ** 11), 0) == one
    assert round_by_search(FP16, 1 + Fraction(3, 2 ** 11), 0) == one + 2
    assert round_by_search(FP16, Fraction(65520), 0) == FP16.inf       # the threshold itself
    assert round_by_search(FP16, Fraction(65519), 0) == 0x7BFF         # just below: max
    assert round_by_search(FP16, Fraction(1, 2 ** 25), 1) == 0          # tie with 0: even (+0)
    assert round_by_search(FP16, -Fraction(3, 2 ** 26), 0) == 0x8001   # -min subnormal
    assert round_by_search(FP16, -Fraction(1, 2 ** 26), 0) == 0x8000   # rounds to -0


@pytest.mark.parametrize("ffmt", TINY, ids=lambda f: f.name)
def test_fma_every_triple_of_tiny_formats(ffmt):
    words = ffmt.all_words()
    a, b, c = (x.ravel() for x in np.meshgrid(words, words, words, indexing="ij"))
    got = fma(ffmt, a, b, c)
    expected = np.array([reference_fma(ffmt, int(x), int(y), int(z))
                         for x, y, z in zip(a, b, c)])
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, [(ffmt.describe(a[i]), ffmt.describe(b[i]), ffmt.describe(c[i]),
                            ffmt.describe(got[i]), ffmt.describe(expected[i])) for i in bad[:5]]
    assert len(a) == ffmt.n_codes ** 3


@pytest.mark.parametrize("ffmt, n", [(FP16, 40_000), (BF16, 40_000), (FP32, 6_000),
                                     (FloatFormat(exp_bits=4, man_bits=3), 20_000),
                                     (FloatFormat(exp_bits=8, man_bits=1), 10_000),
                                     (FloatFormat(exp_bits=2, man_bits=12), 10_000),
                                     (FloatFormat(exp_bits=6, man_bits=17), 5_000),
                                     (FloatFormat(exp_bits=6, man_bits=18), 5_000)],
                         ids=lambda v: getattr(v, "name", str(v)))
def test_fma_targeted_random_against_fractions(ffmt, n):
    rng = np.random.default_rng(ffmt.width * 31 + ffmt.exp_bits)
    a, b, c = targeted_triples(ffmt, n, rng)
    specials = np.array(special_words(ffmt))
    sa, sb, sc = (x.ravel() for x in np.meshgrid(specials, specials, specials, indexing="ij"))
    a, b, c = np.concatenate([sa, a]), np.concatenate([sb, b]), np.concatenate([sc, c])
    got = fma(ffmt, a, b, c)
    rounder = round_by_search if ffmt.width <= 16 else round_by_formula
    expected = np.array([reference_fma(ffmt, int(x), int(y), int(z), rounder)
                         for x, y, z in zip(a, b, c)])
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, [(ffmt.describe(a[i]), ffmt.describe(b[i]), ffmt.describe(c[i]),
                            ffmt.describe(got[i]), ffmt.describe(expected[i])) for i in bad[:5]]
    # The stimuli reach the hard cases: exact zero sums, subnormal and infinite results.
    exp_field = (got >> ffmt.man_bits) & ffmt.exp_max_field
    assert ((got & ~ffmt.sign_bit) == 0).sum() > 20
    assert ((exp_field == 0) & (got & ((1 << ffmt.man_bits) - 1) != 0)).sum() > 20
    assert (got == quiet_nan(ffmt)).sum() > 20


def _fp16_exact_in_float64(a, b, c):
    """Triples whose fp16 ``a * b + c`` is exact in float64: the product (22-bit significand)
    always is; the sum is when the union of the product's and c's bits spans at most 52 bits
    (a carry then still fits 53). Bit spans from the words' exponent fields."""
    def lsb(w):
        exp = (w >> 10) & 31
        return np.maximum(exp, 1) - 25
    lo = np.minimum(lsb(a) + lsb(b), lsb(c))
    hi = np.maximum(lsb(a) + lsb(b) + 22, lsb(c) + 11)
    return hi - lo <= 52


def test_fma_fp16_against_numpy_where_float64_is_exact():
    rng = np.random.default_rng(16)
    a, b, c = targeted_triples(FP16, 400_000, rng)
    keep = _fp16_exact_in_float64(a, b, c)
    a, b, c = a[keep], b[keep], c[keep]
    assert keep.sum() > 200_000
    f = lambda w: w.astype(np.uint16).view(np.float16).astype(np.float64)
    with np.errstate(all="ignore"):
        exact = f(a) * f(b) + f(c)               # exact: see _fp16_exact_in_float64
        expected = exact.astype(np.float16)      # numpy rounds float64 -> fp16 to nearest even
    got = np.asarray(fma(FP16, a, b, c))
    nan = np.isnan(expected)
    assert (got[nan] == quiet_nan(FP16)).all()
    words = expected.view(np.uint16).astype(np.int64)
    bad = np.flatnonzero((got != words) & ~nan)
    assert bad.size == 0, [(hex(a[i]), hex(b[i]), hex(c[i]), hex(got[i]), hex(words[i]))
                           for i in bad[:5]]


def test_fma_ieee_corner_cases_fp16():
    w = lambda x: int(np.float16(x).view(np.uint16))
    qnan = 0x7E00
    assert quiet_nan(FP16) == qnan and quiet_nan(BF16) == 0x7FC0
    cases = [
        (w(np.inf), w(0.0), w(1.0), qnan),          # inf * 0
        (w(0.0), w(-np.inf), w(1.0), qnan),
        (w(np.inf), w(1.0), w(-np.inf), qnan),      # inf - inf
        (w(np.inf), w(-1.0), w(-np.inf), w(-np.inf)),
        (w(2.0), w(3.0), w(np.inf), w(np.inf)),
        (0x7D00, w(1.0), w(1.0), qnan),             # a signalling NaN in: canonical quiet out
        (w(1.0), w(1.0), 0xFE01, qnan),
        (0x0001, 0x7000, 0x8003, 0x0FFF),            # 2**-11 - 3 * 2**-24: sticky below guard
        (w(-0.0), w(1.0), w(-0.0), w(-0.0)),        # (-0) + (-0) = -0
        (w(-0.0), w(1.0), w(0.0), w(0.0)),          # (-0) + (+0) = +0
        (w(0.0), w(-1.0), w(-0.0), w(-0.0)),        # product -0
        (w(2.0), w(3.0), w(-6.0), w(0.0)),          # exact cancellation: +0
        (w(-2.0), w(3.0), w(6.0), w(0.0)),
        (w(2.0 ** -14), w(2.0 ** -14), w(-0.0), w(0.0)),    # 2**-28 + (-0) rounds to +0
        (w(-2.0 ** -13), w(2.0 ** -13), w(0.0), w(-0.0)),   # tiny negative product -> -0
        (w(65504.0), w(2.0), w(-65504.0), w(65504.0)),      # exact intermediate beyond range
        (w(65504.0), w(1.0), w(15.0), w(65504.0)),          # below the overflow threshold
        (w(65504.0), w(1.0), w(16.0), w(np.inf)),           # at it (65520): inf
        (w(2.0 ** -24), w(0.5), w(0.0), w(0.0)),            # tie with zero: even
        (w(2.0 ** -24), w(0.75), w(0.0), 1),                # above the tie: min subnormal
        (w(1.0), w(1.0 + 2 ** -10), w(-1.0), w(2.0 ** -10)),
    ]
    for a, b, c, expected in cases:
        got = fma(FP16, a, b, c)
        assert got == expected, (hex(a), hex(b), hex(c), hex(got), hex(expected))
        assert reference_fma(FP16, a, b, c) == expected, (hex(a), hex(b), hex(c))


def test_fma_broadcasts_and_validates():
    assert fma(FP16, 0x3C00, 0x3C00, np.array([0x3C00, 0])).tolist() == [0x4000, 0x3C00]
    assert isinstance(fma(FP16, 0x3C00, 0x3C00, 0), int)
    with pytest.raises(TypeError, match="ffmt must be a golden.ieee.FloatFormat"):
        fma((5, 10), 0, 0, 0)
    with pytest.raises(ValueError, match=r"c must hold words in \[0, 65535\]"):
        fma(FP16, 0, 0, 1 << 16)
    with pytest.raises(TypeError, match="a must be an integer array"):
        fma(FP16, 1.5, 0, 0)
    with pytest.raises(ValueError, match="broadcast together"):
        fma(FP16, np.zeros(2, int), np.zeros(3, int), 0)
