"""The golden matrix products of every array arithmetic, against independent references."""

import numpy as np
import pytest

from lnsgen import golden
from lnsgen.golden import LNSFormat
from lnsgen.golden.arithmetic import FloatArithmetic, HybridArithmetic, IntArithmetic, LNSArithmetic
from lnsgen.golden.hybrid import hybrid_dot
from lnsgen.golden.ieee import FLOAT_FORMATS

LNS8 = LNSFormat(int_bits=3, frac_bits=4)
FP16 = FLOAT_FORMATS["fp16"]


def _fp16_words(x):
    return np.asarray(x, dtype=np.float16).view(np.uint16).astype(np.int64)


def test_float_matmul_is_a_chain_of_single_roundings():
    """Moderate fp16 values: each step's a * b + s is exact in float64 (22-bit products,
    exponents within 30 bits of each other), so numpy's one float64-to-fp16 cast per step is
    the correctly rounded fused multiply-add."""
    rng = np.random.default_rng(0)
    a = rng.uniform(-4, 4, (5, 9)).astype(np.float16)
    b = rng.uniform(-4, 4, (9, 3)).astype(np.float16)
    s = np.zeros((5, 3), dtype=np.float16)
    for k in range(9):
        s = (a[:, k, None].astype(np.float64) * b[None, k, :] + s).astype(np.float16)
    got = FloatArithmetic(FP16).matmul(_fp16_words(a), _fp16_words(b))
    np.testing.assert_array_equal(got, _fp16_words(s))


def test_float_matmul_starts_from_plus_zero():
    """(-x) * y as the only term: -(x y), and an exact zero product gives +0 (RNE: +0 + -0)."""
    ar = FloatArithmetic(FP16)
    a = _fp16_words([[-2.0], [-0.0]])
    b = _fp16_words([[3.0]])
    np.testing.assert_array_equal(ar.matmul(a, b), _fp16_words([[-6.0], [0.0]]))


def test_int_matmul_wraps_like_python_integers():
    ar = IntArithmetic(ab_bits=8, acc_bits=16)
    rng = np.random.default_rng(1)
    a, b = rng.integers(-128, 128, (4, 40)), rng.integers(-128, 128, (40, 3))
    want = np.array([[sum(int(a[i, k]) * int(b[k, j]) for k in range(40)) % (1 << 16)
                      for j in range(3)] for i in range(4)])
    got = ar.matmul(a & 0xFF, b & 0xFF)
    np.testing.assert_array_equal(got, want)


def test_lns_matmul_is_golden_matmul():
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, LNS8.n_codes, (3, 6)), rng.integers(0, LNS8.n_codes, (6, 2))
    for comp in ("none", "kahan"):
        np.testing.assert_array_equal(LNSArithmetic(LNS8, compensation=comp).matmul(a, b),
                                      golden.matmul(LNS8, a, b, compensation=comp))


def test_hybrid_matmul_is_one_exact_dot_per_output():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, LNS8.n_codes, (3, 6)), rng.integers(0, LNS8.n_codes, (6, 2))
    got = HybridArithmetic(LNS8).matmul(a, b)
    want = [[hybrid_dot(LNS8, a[i], b[:, j]) for j in range(2)] for i in range(3)]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("arith, bad, message", [
    (IntArithmetic(ab_bits=8), [[256]], r"a must hold 8-bit codes in \[0, 255\]"),
    (FloatArithmetic(FP16), [[1 << 16]], r"a must hold words in \[0, 65535\]"),
    (LNSArithmetic(LNS8), [[1 << 8]], r"a"),
])
def test_operands_are_checked(arith, bad, message):
    with pytest.raises(ValueError, match=message):
        arith.matmul(bad, [[0]])


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="a's columns equal to b's rows"):
        IntArithmetic().matmul(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 3), dtype=np.int64))
