"""Properties of the golden conversions and multiply-type operations, checked against float64."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lnsgen import golden
from lnsgen.golden import LNSFormat

FORMATS = [LNSFormat(int_bits=i, frac_bits=f) for i, f in [(3, 4), (5, 10), (6, 9), (8, 23)]]
fmts = st.sampled_from(FORMATS)


def codes(fmt):
    return st.integers(0, fmt.n_codes - 1)


def exact_log(fmt, code):
    """The log2 magnitude of a code from the format definition (None for zero)."""
    _, log, zero = fmt.unpack(code)
    return None if zero else int(log) / 2 ** fmt.frac_bits


@given(fmts, st.floats(allow_nan=False, allow_infinity=False))
def test_from_float_is_within_half_an_ulp_of_the_log(fmt, x):
    code = golden.from_float(fmt, x)
    if x == 0:
        assert code == fmt.zero
        return
    log2x = np.log2(abs(x))
    got = exact_log(fmt, code)
    if got is None:  # flushed: x is below the smallest magnitude by more than half an ulp
        assert log2x * 2 ** fmt.frac_bits < fmt.log_min - 0.5 + 1e-9
        return
    assert golden.to_float(fmt, code) * x > 0  # sign kept
    if log2x * 2 ** fmt.frac_bits > fmt.log_max + 0.5:
        assert golden.to_float(fmt, code) == pytest.approx(np.copysign(fmt.max_value, x))
    else:
        assert abs(got - log2x) <= fmt.ulp / 2 * (1 + 1e-9)


@given(fmts, st.data())
def test_to_float_from_float_round_trip_is_exact_on_codes(fmt, data):
    code = data.draw(codes(fmt))
    canonical = golden.abs(fmt, code) if golden.to_float(fmt, code) == 0 else code
    assert golden.from_float(fmt, golden.to_float(fmt, code)) == canonical


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_special_floats(fmt):
    x = np.array([np.inf, -np.inf, 0.0, -0.0, 5e-324, -1e-310, 1e308])
    got = golden.from_float(fmt, x)
    top = fmt.pack(0, fmt.log_max)
    expected = [top, top | (1 << fmt.log_bits), fmt.zero, fmt.zero, fmt.zero, fmt.zero, top]
    assert got.tolist() == expected


def test_nan_raises_unless_mapped():
    fmt = FORMATS[1]
    with pytest.raises(ValueError, match=r"NaN \(first at index \(1,\)\)"):
        golden.from_float(fmt, [1.0, np.nan])
    assert golden.from_float(fmt, [np.nan], nan="zero").tolist() == [fmt.zero]
    with pytest.raises(ValueError, match=r"nan must be one of \('raise', 'zero'\)"):
        golden.from_float(fmt, 1.0, nan="ignore")


@given(fmts, st.data())
def test_mul_is_exact_in_the_log_domain_up_to_saturation(fmt, data):
    a, b = data.draw(codes(fmt)), data.draw(codes(fmt))
    la, lb = exact_log(fmt, a), exact_log(fmt, b)
    p = golden.mul(fmt, a, b)
    if la is None or lb is None:
        assert p == fmt.zero
        return
    ideal = (la + lb) * 2 ** fmt.frac_bits
    got = exact_log(fmt, p)
    if ideal > fmt.log_max:
        assert got * 2 ** fmt.frac_bits == fmt.log_max
    elif ideal < fmt.log_min:
        assert p == fmt.zero
    else:
        assert got * 2 ** fmt.frac_bits == ideal
        fa, fb, fp = (golden.to_float(fmt, c) for c in (a, b, p))
        assert np.sign(fp) == np.sign(fa * fb)
        assert fp == pytest.approx(fa * fb, rel=1e-12)


@given(fmts, st.data())
def test_div_is_exact_in_the_log_domain_up_to_saturation(fmt, data):
    a, b = data.draw(codes(fmt)), data.draw(codes(fmt))
    la, lb = exact_log(fmt, a), exact_log(fmt, b)
    q = golden.div(fmt, a, b)
    if la is None:
        assert q == fmt.zero
        return
    if lb is None:
        assert golden.abs(fmt, q) == fmt.pack(0, fmt.log_max)
        assert (q >> fmt.log_bits) == (a >> fmt.log_bits)
        return
    ideal = (la - lb) * 2 ** fmt.frac_bits
    sign = (a >> fmt.log_bits) ^ (b >> fmt.log_bits)
    if ideal > fmt.log_max:  # saturates to the largest magnitude, with the quotient's sign
        assert q == fmt.pack(sign, fmt.log_max)
    elif ideal < fmt.log_min:  # flushes to the canonical zero
        assert q == fmt.zero
    else:
        fa, fb, fq = (golden.to_float(fmt, c) for c in (a, b, q))
        assert fq == pytest.approx(fa / fb, rel=1e-12)
        assume(ideal != 0)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_div_saturates_and_flushes_at_the_range_ends(fmt):
    """Quotients just past either end of the log range, and just inside, with every sign: the
    expected codes come from the format's definition (sign bit, log field), not from golden."""
    hi, lo = fmt.log_max, fmt.log_min
    cases = [  # (sign a, log a, sign b, log b, expected sign, expected log or None for zero)
        (0, hi, 1, -1, 1, hi),           # log_max + 1: saturates, negative
        (1, hi, 1, lo, 0, hi),           # 2 log_max: saturates, positive
        (1, hi - 1, 0, -1, 1, hi),       # exactly log_max: kept
        (0, lo, 0, 1, 0, None),          # log_min - 1: flushes
        (1, lo, 0, hi, 0, None),         # -2 log_max: flushes to the canonical (positive) zero
        (1, lo + 1, 1, 1, 0, lo),        # exactly log_min: kept
    ]
    for sa, la, sb, lb, sq, lq in cases:
        a, b = fmt.pack(sa, la), fmt.pack(sb, lb)
        want = fmt.zero if lq is None else fmt.pack(sq, lq)
        assert golden.div(fmt, a, b) == want, (fmt, sa, la, sb, lb)
    many = golden.div(fmt, np.array([fmt.pack(0, hi)] * 2), np.array([fmt.pack(0, -1),
                                                                      fmt.pack(1, lo)]))
    assert many.tolist() == [fmt.pack(0, hi), fmt.pack(1, hi)]


@given(fmts, st.data())
def test_neg_abs_and_sign_rules(fmt, data):
    a = data.draw(codes(fmt))
    fa = golden.to_float(fmt, a)
    assert golden.to_float(fmt, golden.neg(fmt, a)) == -fa
    assert golden.to_float(fmt, golden.abs(fmt, a)) == abs(fa)
    assert golden.neg(fmt, golden.neg(fmt, a)) == (a if fa != 0 else fmt.zero)
    b = data.draw(codes(fmt))
    assert golden.mul(fmt, golden.neg(fmt, a), b) == golden.neg(fmt, golden.mul(fmt, a, b))


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_zero_rules(fmt):
    rng = np.random.default_rng(0)
    x = rng.integers(0, fmt.n_codes, 1000)
    neg_zero = fmt.zero | (1 << fmt.log_bits)
    for z in (fmt.zero, neg_zero):
        assert (golden.mul(fmt, x, z) == fmt.zero).all()
        assert (golden.mul(fmt, z, x) == fmt.zero).all()
        assert (golden.div(fmt, z, x) == fmt.zero).all()
        assert golden.neg(fmt, z) == fmt.zero


def test_vectorized_over_any_shape():
    fmt = FORMATS[1]
    a = np.arange(24).reshape(2, 3, 4) * 100
    b = a[:, :1, :]  # broadcasts
    assert golden.mul(fmt, a, b).shape == (2, 3, 4)
    assert golden.from_float(fmt, np.ones((3, 1))).shape == (3, 1)
    assert golden.to_float(fmt, golden.from_float(fmt, np.ones((3, 1)))).shape == (3, 1)
