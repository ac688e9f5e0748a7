"""The IEEE formats and the float/LNS converter models, against references that share no code
with them: numpy's own float16/float32 bit views and casts, a nearest-value search over every
word of a format (:func:`lnsgen.verification.formal.spec.nearest_float_words`, also the formal proofs'
reference) and float64 ``log2``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnsgen import golden
from lnsgen.golden import LNSFormat
from lnsgen.golden.converters import (
    DIRECT_AUTO_ENTRIES,
    FloatToLNS,
    LNSToFloat,
    float_to_lns,
    lns_to_float,
)
from lnsgen.golden.funcapprox import DirectTable, FixedFunction
from lnsgen.golden.ieee import BF16, FP16, FP32, FloatFormat
from lnsgen.verification.formal.spec import nearest_float_words

LNS8 = LNSFormat(3, 4)
LNS16 = LNSFormat(5, 10)
E5M2 = FloatFormat(5, 2)


# Formats ---------------------------------------------------------------------------------------

def test_fp16_words_decode_as_numpy_float16():
    words = FP16.all_words()
    ref = words.astype(np.uint16).view(np.float16).astype(np.float64)
    got = FP16.decode(words)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    assert np.array_equal(got[~np.isnan(ref)], ref[~np.isnan(ref)])
    assert np.array_equal(np.signbit(got), np.signbit(ref))


def test_bf16_words_are_the_top_half_of_float32():
    words = BF16.all_words()
    with np.errstate(invalid="ignore"):  # signalling NaNs
        ref = (words.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    got = BF16.decode(words)
    ok = ~np.isnan(ref)
    assert np.array_equal(got[ok], ref[ok]) and np.isnan(got[~ok]).all()


def test_fp32_words_decode_as_numpy_float32():
    words = np.random.default_rng(0).integers(0, 1 << 32, size=200_000)
    words = np.concatenate([words, [0, 1, 0x7F7FFFFF, 0x7F800000, 0x80000001, 0x00800000]])
    with np.errstate(invalid="ignore"):
        ref = words.astype(np.uint32).view(np.float32).astype(np.float64)
    got = FP32.decode(words)
    ok = ~np.isnan(ref)
    assert np.array_equal(got[ok], ref[ok]) and np.isnan(got[~ok]).all()


@pytest.mark.parametrize("ffmt, name, bias, max_value", [
    (FP16, "fp16", 15, 65504.0), (BF16, "bf16", 127, (2 - 2**-7) * 2.0**127),
    (FP32, "fp32", 127, float(np.finfo(np.float32).max)), (E5M2, "fp8_e5m2", 15, 57344.0)])
def test_format_constants(ffmt, name, bias, max_value):
    assert (ffmt.name, ffmt.bias) == (name, bias)
    assert ffmt.max_value == pytest.approx(max_value, rel=1e-12)
    assert ffmt.min_subnormal == 2.0 ** (ffmt.emin - ffmt.man_bits)


# Float to LNS ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", [LNS8, LNS16, LNSFormat(4, 7), LNSFormat(8, 12)], ids=str)
@pytest.mark.parametrize("src", [FP16, BF16, E5M2], ids=str)
def test_direct_float_to_lns_is_from_float(fmt, src):
    """Every word, specials and subnormals included: the direct table is correctly rounded, so
    the converter equals from_float of the word's value (NaN -> zero)."""
    words = src.all_words()
    got = float_to_lns(fmt, src, words, method="direct")
    assert np.array_equal(got, golden.from_float(fmt, src.decode(words), nan="zero"))


def _log_error(fmt, code, value):
    """Error of the converted codes' logs in ulps, where the value is inside the range."""
    inside = np.isfinite(value) & (np.abs(value) > fmt.min_value) & (np.abs(value) < fmt.max_value)
    _, log, zero = fmt.unpack(code[inside])
    assert not zero.any()
    return log - np.log2(np.abs(value[inside])) * (1 << fmt.frac_bits)


@pytest.mark.parametrize("src, words", [
    (FP16, FP16.all_words()), (BF16, BF16.all_words()),
    (FP32, np.random.default_rng(2).integers(0, 1 << 32, size=300_000))], ids=["fp16", "bf16", "fp32"])
@pytest.mark.parametrize("max_error", [0.6, 1.0, 2.0])
def test_interp_float_to_lns_error_bound(src, words, max_error):
    conv = FloatToLNS(LNS16, src, method="interp", max_error=max_error)
    got = conv.evaluate(words)
    err = _log_error(LNS16, got, src.decode(words))
    assert np.abs(err).max() < max_error
    # Specials follow the same rules as the direct table.
    special = (src.fields(words)[1] == src.exp_max_field) | ((words & ~src.sign_bit) == 0)
    assert np.array_equal(got[special], golden.from_float(LNS16, src.decode(words[special]),
                                                          nan="zero"))


@pytest.mark.parametrize("src", [FP16, BF16], ids=str)
@pytest.mark.parametrize("method", ["direct", "interp"])
def test_float_to_lns_is_monotone(src, method):
    """Bigger positive floats never get smaller logs (the table is monotone and its top entry
    meets the next binade)."""
    words = np.arange(1, src.inf, dtype=np.int64)
    code = float_to_lns(LNS16, src, words, method=method)
    _, log, zero = LNS16.unpack(code)
    assert (np.diff(np.where(zero, LNS16.zero_log, log)) >= 0).all()


def test_subnormal_normalizer_only_where_needed():
    assert FloatToLNS(LNS16, FP16).subnormals          # fp16 subnormals down to 2**-16 have codes
    assert not FloatToLNS(LNS16, BF16).subnormals      # bf16 subnormals are all below 2**-16
    assert not FloatToLNS(LNS8, FP16).subnormals
    # Where the normalizer is left out, every subnormal must indeed flush.
    sub = np.arange(1, 1 << BF16.man_bits)
    assert (float_to_lns(LNS16, BF16, sub) == LNS16.zero).all()


def test_auto_method():
    assert FloatToLNS(LNS16, FP16).method == "direct"
    assert FloatToLNS(LNS16, FP32).method == "interp"
    assert FloatToLNS(LNS16, FP32).table_bits_in == 14
    assert LNSToFloat(LNS16, FP32).method == "direct"
    assert 1 << LNS16.frac_bits <= DIRECT_AUTO_ENTRIES < 1 << 16


# LNS to float ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", [LNS8, LNS16, LNSFormat(4, 6), LNSFormat(6, 9), LNSFormat(7, 8)],
                         ids=str)
@pytest.mark.parametrize("dst", [FP16, BF16, E5M2, FloatFormat(4, 3), FloatFormat(3, 2)],
                         ids=str)
def test_direct_lns_to_float_is_correctly_rounded(fmt, dst):
    """Every code: the nearest float, with gradual underflow and overflow to infinity."""
    codes = fmt.all_codes()
    got = lns_to_float(fmt, dst, codes, method="direct")
    assert np.array_equal(got, nearest_float_words(dst, golden.to_float(fmt, codes)))


def test_direct_lns_to_fp32_is_numpy_cast():
    codes = LNSFormat(8, 12).all_codes()
    ref = golden.to_float(LNSFormat(8, 12), codes).astype(np.float32).view(np.uint32)
    got = lns_to_float(LNSFormat(8, 12), FP32, codes, method="direct")
    assert np.array_equal(got, ref.astype(np.int64))


@pytest.mark.parametrize("dst", [FP16, BF16, FP32], ids=str)
@pytest.mark.parametrize("max_error", [0.6, 1.0, 4.0])
def test_interp_lns_to_float_error_bound(dst, max_error):
    fmt = LNSFormat(6, 12)
    codes = fmt.all_codes()
    got = dst.decode(lns_to_float(fmt, dst, codes, method="interp", max_error=max_error))
    exact = golden.to_float(fmt, codes)
    normal = (np.abs(exact) >= dst.min_normal) & (np.abs(exact) < dst.max_value)
    ulp = np.exp2(np.floor(np.log2(np.abs(exact[normal]))) - dst.man_bits)
    err = np.abs(got[normal] - exact[normal]) / ulp
    assert err.max() < 0.5 + max_error / 4


def test_round_trip_through_a_wider_float_is_the_identity():
    for fmt, dst in ((LNS8, FP16), (LNS8, BF16), (LNS16, FP32)):
        codes = fmt.all_codes()
        back = float_to_lns(fmt, dst, lns_to_float(fmt, dst, codes))
        canonical = np.where(fmt.unpack(codes)[2], fmt.zero, codes)
        assert np.array_equal(back, canonical), (fmt, dst)


@settings(max_examples=40, deadline=None)
@given(int_bits=st.integers(1, 6), frac_bits=st.integers(1, 8),
       exp_bits=st.integers(2, 6), man_bits=st.integers(1, 6))
def test_direct_converters_any_small_formats(int_bits, frac_bits, exp_bits, man_bits):
    """Both directions, every code and word, for arbitrary small format pairs."""
    fmt, ffmt = LNSFormat(int_bits, frac_bits), FloatFormat(exp_bits, man_bits)
    codes = fmt.all_codes()
    assert np.array_equal(lns_to_float(fmt, ffmt, codes, method="direct"),
                          nearest_float_words(ffmt, golden.to_float(fmt, codes)))
    words = ffmt.all_words()
    assert np.array_equal(float_to_lns(fmt, ffmt, words, method="direct"),
                          golden.from_float(fmt, ffmt.decode(words), nan="zero"))


# Tables ----------------------------------------------------------------------------------------

def test_round_to_odd_table():
    func = FixedFunction("third", lambda x: x / 3, 0, 40, 0, 2)   # (4 x) / 3 at integers x
    table = DirectTable(func, rounding="odd").tables["y"]
    exact = np.arange(41) * 4 / 3
    floor = np.floor(exact).astype(np.int64)
    assert np.array_equal(table, np.where(exact == floor, floor, floor | 1))


def test_round_to_odd_refuses_values_float64_cannot_place():
    func = FixedFunction("near", lambda x: 1 + 1e-12 + 0 * x, 0, 3, 0, 0)
    with pytest.raises(ValueError, match="cannot round to odd at input 0"):
        DirectTable(func, rounding="odd")
