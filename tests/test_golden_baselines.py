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

from lnsgen.golden import LNSFormat, from_float
from lnsgen.golden.fma import fma, quiet_nan
from lnsgen.golden.hybrid import HybridMAC, hybrid_dot, hybrid_stream_sums
from lnsgen.golden.ieee import BF16, FP16, FP32, FloatFormat
from lnsgen.golden.intmac import IntMACFormat, int_muladd, to_signed
from lnsgen.verification.baselines import fma_special_words, fma_stimuli

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
    return fma_special_words(ffmt)


def targeted_triples(ffmt: FloatFormat, n: int, rng) -> tuple[np.ndarray, ...]:
    """The bench's targeted random triples, without its specials cross product."""
    x = fma_stimuli(ffmt, n, rng)
    skip = len(fma_special_words(ffmt)) ** 3
    return x["a"][skip:], x["b"][skip:], x["c"][skip:]


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


# Integer MAC ---------------------------------------------------------------------------------


def _signed(code: int, bits: int) -> int:
    return code - (1 << bits) if code >> (bits - 1) else code


def reference_int_muladd(a: int, b: int, c: int, ab_bits: int, acc_bits: int) -> int:
    """Python integers: the exact ``c + a * b``, then the bit pattern of its low ``acc_bits``."""
    exact = _signed(c, acc_bits) + _signed(a, ab_bits) * _signed(b, ab_bits)
    return exact % (1 << acc_bits)


@pytest.mark.parametrize("ab_bits, acc_bits", [(2, 4), (3, 6), (4, 8)])
def test_int_muladd_every_input_of_small_widths(ab_bits, acc_bits):
    a, b, c = (x.ravel() for x in np.meshgrid(np.arange(1 << ab_bits), np.arange(1 << ab_bits),
                                              np.arange(1 << acc_bits), indexing="ij"))
    got = int_muladd(a, b, c, ab_bits=ab_bits, acc_bits=acc_bits)
    expected = [reference_int_muladd(x, y, z, ab_bits, acc_bits)
                for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())]
    assert got.tolist() == expected


@pytest.mark.parametrize("ab_bits, acc_bits", [(8, 32), (8, 16), (16, 48), (24, 62)])
def test_int_muladd_random_and_extremes(ab_bits, acc_bits):
    rng = np.random.default_rng(ab_bits * 100 + acc_bits)
    ext_ab = [0, 1, (1 << ab_bits) - 1, 1 << (ab_bits - 1), (1 << (ab_bits - 1)) - 1]
    ext_acc = [0, 1, (1 << acc_bits) - 1, 1 << (acc_bits - 1), (1 << (acc_bits - 1)) - 1]
    ea, eb, ec = (x.ravel() for x in np.meshgrid(ext_ab, ext_ab, ext_acc, indexing="ij"))
    a = np.concatenate([ea, rng.integers(0, 1 << ab_bits, 20_000)])
    b = np.concatenate([eb, rng.integers(0, 1 << ab_bits, 20_000)])
    c = np.concatenate([ec, rng.integers(0, 1 << acc_bits, 20_000)])
    got = int_muladd(a, b, c, ab_bits=ab_bits, acc_bits=acc_bits)
    expected = [reference_int_muladd(x, y, z, ab_bits, acc_bits)
                for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())]
    assert got.tolist() == expected


def test_int_muladd_wraps_and_validates():
    top = (1 << 31) - 1
    assert int_muladd(1, 1, top) == 1 << 31                       # 2**31 - 1 + 1 wraps to -2**31
    assert to_signed(int_muladd(0x80, 0x80, 0), 32) == 16384      # (-128) * (-128)
    assert to_signed(int_muladd(0x80, 0x7F, 5), 32) == -128 * 127 + 5
    assert IntMACFormat(8, 32).name == "int8x8+32"
    with pytest.raises(ValueError, match=r"acc_bits must be an integer in \[16, 62\], not 12"):
        int_muladd(0, 0, 0, ab_bits=8, acc_bits=12)
    with pytest.raises(ValueError, match=r"ab_bits must be an integer in \[2, 24\], not 1"):
        int_muladd(0, 0, 0, ab_bits=1, acc_bits=8)
    with pytest.raises(TypeError, match=r"ab_bits must be an integer"):
        IntMACFormat(8.0, 32)
    with pytest.raises(ValueError, match=r"a must hold 8-bit codes in \[0, 255\]"):
        int_muladd(-1, 0, 0)
    with pytest.raises(ValueError, match=r"c must hold 32-bit codes"):
        int_muladd(0, 0, 1 << 32)
    with pytest.raises(ValueError, match="broadcast together"):
        int_muladd(np.zeros(2, int), np.zeros(3, int), 0)


# Hybrid (ELMA-style) MAC ---------------------------------------------------------------------


def exact_exp2_table(F: int, T: int) -> list[int]:
    """``round(2 ** (T + r / 2**F))`` for every ``r``, decided in exact integer arithmetic:
    ``N <= x`` iff ``N ** 2**F <= 2 ** (T * 2**F + r)``, and ``x`` is never a half-integer."""
    table = []
    for r in range(1 << F):
        n = int(2.0 ** (T + r / (1 << F)))  # a guess, then corrected exactly
        power = T * (1 << F) + r
        while n ** (1 << F) > 1 << power:
            n -= 1
        while (n + 1) ** (1 << F) <= 1 << power:
            n += 1
        # x in [n, n + 1): round up iff x > n + 1/2, i.e. (2n + 1) ** 2**F < 2 ** (power + 2**F)
        table.append(n + int((2 * n + 1) ** (1 << F) < 1 << (power + (1 << F))))
    return table


def reference_lns_product(fmt: LNSFormat, a: int, b: int):
    """``(sign, log)`` or None (zero) of the LNS product, from the format's definition: the
    log fields add, saturate at log_max, flush below log_min."""
    def field(code):
        raw = code & ((1 << fmt.log_bits) - 1)
        log = raw - (1 << fmt.log_bits) if raw >> (fmt.log_bits - 1) else raw
        return code >> fmt.log_bits, log
    (sa, la), (sb, lb) = field(a), field(b)
    zero_log = -(1 << (fmt.log_bits - 1))
    if zero_log in (la, lb):
        return None
    log = la + lb
    if log < zero_log + 1:
        return None
    return sa ^ sb, min(log, (1 << (fmt.log_bits - 1)) - 1)


def reference_hybrid_sum(model, exp2: list[int], a, b) -> tuple[int, Fraction]:
    """The code of one hybrid sum and the exact sum it rounds: Fractions throughout."""
    fmt, F, T, K = model.fmt, model.fmt.frac_bits, model.lin_frac_bits, model.log_bits_in
    total = Fraction(0)
    for x, y in zip(a, b):
        prod = reference_lns_product(fmt, int(x), int(y))
        if prod is None:
            continue
        sign, log = prod
        q, r = log >> F, log % (1 << F)
        total += (-1) ** sign * Fraction(exp2[r], 1 << T) * Fraction(2) ** q
    unit = Fraction(2) ** (model.q_min - T)
    assert (total / unit).denominator == 1   # a whole number of accumulator units
    assert abs(total / unit) < 1 << (model.acc_bits - 1)  # no wrap in these tests
    if total == 0:
        return fmt.zero, total
    mag = abs(total)
    n = mag.numerator.bit_length() - mag.denominator.bit_length()
    if Fraction(2) ** n > mag:
        n -= 1
    f = math.floor((mag / Fraction(2) ** n - 1) * (1 << K))          # truncated
    log = n * (1 << F) + int(model.log2.evaluate(np.array([f]))[0])
    if log < fmt.log_min:
        return fmt.zero, total
    log = min(log, fmt.log_max)
    return fmt.pack(int(total < 0), log), total


def _products_stream(fmt: LNSFormat, n_sums: int, rng):
    """Sums of varied length (1 to a few hundred) with values from a network's scale, exact
    cancellations (x then -x), the largest and smallest magnitudes, and zeros."""
    a_all, b_all, last_all = [], [], []
    for _ in range(n_sums):
        n = int(rng.choice([1, 2, 3, 7, 40, 300]))
        a = from_float(fmt, rng.standard_normal(n) * rng.choice([0.01, 1.0, 50.0]))
        b = from_float(fmt, rng.standard_normal(n))
        kind = rng.integers(0, 10, n)
        a = np.where(kind == 0, fmt.pack(rng.integers(0, 2, n), fmt.log_max), a)
        a = np.where(kind == 1, fmt.pack(rng.integers(0, 2, n), fmt.log_min), a)
        a = np.where(kind == 2, fmt.zero, a)
        a = np.where(kind == 3, rng.integers(0, fmt.n_codes, n), a)
        if n > 1 and rng.random() < 0.3:   # the second half cancels the first exactly
            h = n // 2
            a[h:2 * h] = a[:h] ^ (1 << fmt.log_bits)
            b[h:2 * h] = b[:h]
        last = np.zeros(n, dtype=np.int64)
        last[-1] = 1
        a_all.append(a)
        b_all.append(b)
        last_all.append(last)
    return np.concatenate(a_all), np.concatenate(b_all), np.concatenate(last_all)


HYBRID_CASES = [
    (LNSFormat(int_bits=3, frac_bits=4), {}),
    (LNSFormat(int_bits=5, frac_bits=10), {}),
    (LNSFormat(int_bits=4, frac_bits=7), {"method": "interp", "lin_frac_bits": 7}),
    (LNSFormat(int_bits=6, frac_bits=9), {"guard_bits": 4}),      # acc_bits > 62: Python ints
    (LNSFormat(int_bits=2, frac_bits=3), {"lin_frac_bits": 11, "method": "direct"}),
]


@pytest.mark.parametrize("fmt, kw", HYBRID_CASES, ids=lambda v: getattr(v, "name", str(v)))
def test_hybrid_tables_are_correctly_rounded(fmt, kw):
    model = HybridMAC(fmt, **kw)
    exact = exact_exp2_table(fmt.frac_bits, model.lin_frac_bits)
    assert model.exp2.tables["y"].tolist() == exact
    assert min(exact) == 1 << model.lin_frac_bits and max(exact) < 2 << model.lin_frac_bits


@pytest.mark.parametrize("fmt, kw", HYBRID_CASES, ids=lambda v: getattr(v, "name", str(v)))
def test_hybrid_sums_against_fractions(fmt, kw):
    model = HybridMAC(fmt, **kw)
    rng = np.random.default_rng(fmt.width + model.lin_frac_bits)
    a, b, last = _products_stream(fmt, 60, rng)
    got = hybrid_stream_sums(fmt, a, b, last, **kw)
    exp2 = exact_exp2_table(fmt.frac_bits, model.lin_frac_bits)
    ends = np.flatnonzero(last)
    starts = np.concatenate([[0], ends[:-1] + 1])
    zeros = 0
    for k, (s, e) in enumerate(zip(starts, ends)):
        code, total = reference_hybrid_sum(model, exp2, a[s:e + 1], b[s:e + 1])
        assert got[k] == code, (k, fmt.describe(got[k]), fmt.describe(code), float(total))
        zeros += total == 0
        # Accuracy of the one rounding: within max_error ulps of the exact log2 of the sum.
        _, log, is_zero = fmt.unpack(int(code))
        if total != 0 and not is_zero and int(log) != fmt.log_max:
            scaled = (math.log2(abs(total.numerator)) - math.log2(total.denominator)) \
                * (1 << fmt.frac_bits)
            bound = model.max_error if model.method == "interp" else 0.5 + 2.0 ** (
                fmt.frac_bits - model.log_bits_in - 1) / math.log(2)
            assert abs(int(log) - scaled) <= bound + 1e-9, (k, int(log), scaled)
    assert zeros >= 3
    # The dot form agrees with the stream form on one sum per row.
    s, e = starts[-1], ends[-1]
    assert hybrid_dot(fmt, a[s:e + 1], b[s:e + 1], **kw) == got[-1]


def test_hybrid_accumulator_wraps_modulo_its_width():
    fmt = LNSFormat(int_bits=3, frac_bits=4)
    model = HybridMAC(fmt, guard_bits=0)
    big = fmt.pack(0, fmt.log_max)
    one = fmt.pack(0, 0)
    # The largest product is E[r] << (q_max - q_min) units; twice it exceeds the accumulator.
    lin = int(model.linear(np.array([big]))[0])
    assert lin < 1 << (model.acc_bits - 1) <= 2 * lin
    # +max +max -max -max +1: partial sums wrap, the final sum (1) is still exact.
    a = np.array([big, big, big ^ (1 << fmt.log_bits), big ^ (1 << fmt.log_bits), one])
    assert hybrid_dot(fmt, a, np.full(5, one), guard_bits=0) == one
    # Two largest products: the true sum does not fit, the result is the wrapped (negative) one.
    wrapped = 2 * lin - (1 << model.acc_bits)
    assert wrapped < 0
    got = hybrid_dot(fmt, np.full(2, big), np.full(2, one), guard_bits=0)
    assert got == model.to_lns(np.array([wrapped]))[0] and got >> fmt.log_bits == 1
    # With a guard bit the same sum saturates to the largest magnitude instead.
    assert hybrid_dot(fmt, np.full(2, big), np.full(2, one), guard_bits=1) == big


def test_hybrid_validates_parameters():
    fmt = LNSFormat(int_bits=5, frac_bits=10)
    with pytest.raises(ValueError, match=r"guard_bits must be an integer in \[0, 32\], not 33"):
        HybridMAC(fmt, guard_bits=33)
    with pytest.raises(ValueError, match=r"lin_frac_bits must be an integer in \[10, 18\]"):
        HybridMAC(fmt, lin_frac_bits=9)
    with pytest.raises(ValueError, match=r"fmt.frac_bits must be at most 16"):
        HybridMAC(LNSFormat(int_bits=5, frac_bits=17))
    with pytest.raises(ValueError, match=r"method must be one of"):
        HybridMAC(fmt, method="table")
    with pytest.raises(ValueError, match=r"max_error must be in \[0.6, 4\] ulp"):
        HybridMAC(fmt, max_error=0.5)
    with pytest.raises(TypeError, match=r"fmt must be a golden.LNSFormat"):
        hybrid_dot((5, 10), 0, 0)
    with pytest.raises(ValueError, match="a, b and last must have one shape"):
        hybrid_stream_sums(fmt, np.zeros(3, int), np.zeros(3, int), np.zeros(2, int))
    with pytest.raises(ValueError, match="last must hold only 0 or 1"):
        hybrid_stream_sums(fmt, np.zeros(3, int), np.zeros(3, int), np.full(3, 2))
