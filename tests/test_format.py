"""The LNS format object: validation, layout and packing."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lnsgen.golden import MAX_FRAC_BITS, MAX_INT_BITS, LNSFormat


@pytest.mark.parametrize("kwargs, message", [
    ({"int_bits": 0, "frac_bits": 4}, r"int_bits must be an integer in \[1, 10\], not 0"),
    ({"int_bits": 11, "frac_bits": 4}, r"int_bits must be an integer in \[1, 10\], not 11"),
    ({"int_bits": 4, "frac_bits": 0}, r"frac_bits must be an integer in \[1, 23\], not 0"),
    ({"int_bits": 4, "frac_bits": -3}, r"frac_bits must be an integer in \[1, 23\], not -3"),
    ({"int_bits": 10, "frac_bits": 23}, r"int_bits \+ frac_bits must be at most 31"),
])
def test_bad_widths_name_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LNSFormat(**kwargs)


@pytest.mark.parametrize("value", [4.0, "4", None, True])
def test_non_integer_widths_are_type_errors(value):
    with pytest.raises(TypeError, match=r"int_bits must be an integer in \[1, 10\]"):
        LNSFormat(int_bits=value, frac_bits=4)


def test_numpy_integers_are_accepted():
    assert LNSFormat(int_bits=np.int64(5), frac_bits=np.uint8(10)).width == 16


def test_format_is_frozen_and_hashable():
    fmt = LNSFormat(int_bits=5, frac_bits=10)
    with pytest.raises(AttributeError):
        fmt.int_bits = 6
    assert {fmt: 1}[LNSFormat(int_bits=5, frac_bits=10)] == 1


def test_16bit_layout():
    fmt = LNSFormat(int_bits=5, frac_bits=10)
    assert (fmt.width, fmt.log_bits, fmt.log_max, fmt.log_min) == (16, 15, 16383, -16383)
    assert fmt.zero == 0x4000
    assert fmt.max_value == 2.0 ** (16383 / 1024)
    assert fmt.min_value == 2.0 ** (-16383 / 1024)
    assert fmt.pack(1, -1) == 0xFFFF


@given(st.integers(1, MAX_INT_BITS), st.integers(1, MAX_FRAC_BITS), st.data())
def test_pack_unpack_round_trip(int_bits, frac_bits, data):
    if int_bits + frac_bits > 31:
        return
    fmt = LNSFormat(int_bits=int_bits, frac_bits=frac_bits)
    code = data.draw(st.integers(0, fmt.n_codes - 1))
    sign, log, is_zero = fmt.unpack(code)
    assert fmt.zero_log <= log <= fmt.log_max
    assert bool(is_zero) == (log == fmt.zero_log)
    assert fmt.pack(sign, log) == code


def test_unpack_rejects_codes_outside_the_format():
    fmt = LNSFormat(int_bits=3, frac_bits=4)
    with pytest.raises(ValueError, match=r"code must hold codes in \[0, 255\]"):
        fmt.unpack([0, 256])
    with pytest.raises(TypeError, match="integer array"):
        fmt.unpack([0.5])
