"""Special float inputs of ``golden.from_float``, against the rules documented in golden/convert.py.

Expected codes are built from the format's fields (``fmt.pack(sign, log_max)``, ``fmt.zero``),
never by calling the converter: NaN raises or maps to zero, +-inf and overflow saturate with
their sign, -0.0 gives the canonical zero, subnormals and underflow flush to the canonical zero
whatever their sign, and values on either side of the flush boundary land on each side of it.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnsgen import golden
from lnsgen.golden import LNSFormat

FORMATS = [LNSFormat(3, 4), LNSFormat(5, 10), LNSFormat(8, 23), LNSFormat(10, 21),
           LNSFormat(1, 1)]
IDS = [f.name for f in FORMATS]
TINY = np.finfo(np.float64).tiny  # smallest normal float64, 2**-1022
SUBNORMALS = [5e-324, np.nextafter(0.0, 1.0) * 3, TINY / 2, np.nextafter(TINY, 0.0)]


def largest(fmt, sign=0):
    return fmt.pack(sign, fmt.log_max)


def smallest(fmt, sign=0):
    return fmt.pack(sign, fmt.log_min)


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_nan_raises_by_default(fmt):
    with pytest.raises(ValueError, match=r"^x holds NaN; LNS has no NaN code: pass nan='zero'"):
        golden.from_float(fmt, np.nan)
    with pytest.raises(ValueError, match=r"^x holds NaN \(first at index \(1, 0\)\)"):
        golden.from_float(fmt, [[1.0, 2.0], [-np.nan, 3.0]])


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_nan_maps_to_canonical_zero_on_request(fmt):
    got = golden.from_float(fmt, [np.nan, -np.nan, 1.0], nan="zero")
    assert got.tolist() == [fmt.zero, fmt.zero, fmt.pack(0, 0)]


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_infinities_saturate_with_their_sign(fmt):
    got = golden.from_float(fmt, [np.inf, -np.inf])
    assert got.tolist() == [largest(fmt), largest(fmt, 1)]
    for dtype in (np.float16, np.float32):  # narrower floats' infinities too
        assert golden.from_float(fmt, np.array([-np.inf], dtype=dtype)).tolist() == [
            largest(fmt, 1)]


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_zeros_of_both_signs_give_the_canonical_zero(fmt):
    got = golden.from_float(fmt, [0.0, -0.0])
    assert got.tolist() == [fmt.zero, fmt.zero]
    assert golden.from_float(fmt, -0.0) == fmt.zero  # scalar in, int out
    negative_zero_code = fmt.zero | (1 << fmt.log_bits)
    back = golden.to_float(fmt, np.array([fmt.zero, negative_zero_code]))
    assert back.tolist() == [0.0, 0.0] and not np.signbit(back).any()


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_subnormals_flush_to_canonical_zero(fmt):
    assert fmt.min_value >= 2.0 ** -512 > TINY  # why every format flushes them
    x = np.array(SUBNORMALS + [-v for v in SUBNORMALS])
    assert (x != 0).all() and (np.abs(x) < TINY).all()
    assert (golden.from_float(fmt, x) == fmt.zero).all()
    # float32's smallest subnormal is 2**-149 exactly: a normal float64, converted as such, so
    # formats that reach below it (int_bits >= 9) give it a code.
    sub32 = np.array([2.0 ** -149, -(2.0 ** -149)], dtype=np.float32)
    log = -149 << fmt.frac_bits
    expected = [fmt.pack(0, log), fmt.pack(1, log)] if log >= fmt.log_min else [fmt.zero] * 2
    assert golden.from_float(fmt, sub32).tolist() == expected


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_overflow_saturates(fmt):
    half_ulp_up = fmt.max_value * 2.0 ** (fmt.ulp / 2)
    x = np.array([half_ulp_up * 1.001, fmt.max_value * 1e3, 1e308, np.finfo(np.float64).max])
    x = x[np.isfinite(x)]
    assert golden.from_float(fmt, x).tolist() == [largest(fmt)] * len(x)
    assert golden.from_float(fmt, -x).tolist() == [largest(fmt, 1)] * len(x)
    # Just inside the rounding range of the largest code: the same code, not saturation's work.
    assert golden.from_float(fmt, fmt.max_value * 2.0 ** (fmt.ulp / 4)) == largest(fmt)


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_underflow_flushes_and_the_boundary_is_half_an_ulp_below_the_minimum(fmt):
    edge = fmt.min_value * 2.0 ** (-fmt.ulp / 2)  # the rounding boundary, in the log domain
    below = np.array([edge * (1 - 1e-9), fmt.min_value / 16, 1e-300])
    assert (golden.from_float(fmt, below) == fmt.zero).all()
    assert (golden.from_float(fmt, -below) == fmt.zero).all()  # no negative zero
    above = np.array([edge * (1 + 1e-9), fmt.min_value, fmt.min_value * 2.0 ** (fmt.ulp / 4)])
    assert golden.from_float(fmt, above).tolist() == [smallest(fmt)] * 3
    assert golden.from_float(fmt, -above).tolist() == [smallest(fmt, 1)] * 3


@pytest.mark.parametrize("fmt", FORMATS[:2], ids=IDS[:2])
def test_every_code_round_trips(fmt):
    codes = fmt.all_codes()
    *_, is_zero = fmt.unpack(codes)
    canonical = np.where(is_zero, fmt.zero, codes)
    assert (golden.from_float(fmt, golden.to_float(fmt, codes)) == canonical).all()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FORMATS), st.integers(), st.integers(0, 1),
       st.sampled_from([0.0, 0.25, 0.49, 0.51, 0.75]))
def test_rounds_to_nearest_in_the_log_domain(fmt, k, sign, frac):
    """``x = +-2 ** ((k + frac) * ulp)`` converts to log ``k`` or ``k + 1``, whichever is nearer
    (after saturation and flushing at the ends of the range)."""
    k = fmt.log_min - 2 + k % (fmt.log_max - fmt.log_min + 4)  # a little past both ends
    x = (-1.0) ** sign * 2.0 ** ((k + frac) * fmt.ulp)
    nearest = k + (frac > 0.5)
    if nearest > fmt.log_max:
        expected = largest(fmt, sign)
    elif nearest < fmt.log_min:
        expected = fmt.zero
    else:
        expected = fmt.pack(sign, nearest)
    assert golden.from_float(fmt, x) == expected


def test_integer_and_bool_inputs_are_real_numbers():
    fmt = LNSFormat(5, 10)
    assert golden.from_float(fmt, [1, True, False, -2]).tolist() == [
        fmt.pack(0, 0), fmt.pack(0, 0), fmt.zero, fmt.pack(1, 1 << fmt.frac_bits)]
