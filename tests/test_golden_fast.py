"""The table-driven fast paths of golden (lnsgen.golden.kernel) against the rule-by-rule
definitions they replaced, kept here verbatim as the reference: every input pair of small
formats, large random samples of 16- to 18-bit ones, and matrix products of every kind."""

import importlib

import numpy as np
import pytest

from lnsgen import golden
from lnsgen.golden import LNSFormat
from lnsgen.golden import kernel as gk
from lnsgen.golden.accumulate import Accumulator, interleaved_sum, lns_sum
from lnsgen.golden.gaussian import gaussian_logs

gm = importlib.import_module("lnsgen.golden.matmul")   # the package exports the function

# The definitions as they were before the fast paths (golden/adder.py, arith.py, matmul.py) ---


def ref_addsub(fmt, a, b, op, method="interp", max_error=1.0):
    plus, minus = gaussian_logs(fmt, method, max_error)
    sa, la, za = fmt.unpack(a)
    sb, lb, zb = fmt.unpack(b)
    sb = sb ^ op
    swap = lb > la
    lx, ly = np.where(swap, lb, la), np.where(swap, la, lb)
    sx, sy = np.where(swap, sb, sa), np.where(swap, sa, sb)
    both_zero = za & zb
    y_zero = np.where(swap, za, zb)
    d = np.where(y_zero, plus.d_min, ly - lx)
    opposite = sx != sy
    phi = np.where(opposite, minus.evaluate(np.minimum(d, -1)), plus.evaluate(d))
    phi = np.where(y_zero, 0, phi)
    log = lx + phi
    zero = both_zero | (opposite & (d == 0)) | (log < fmt.log_min)
    log = np.minimum(log, fmt.log_max)
    return np.asarray(fmt.pack(np.where(zero, 0, sx), np.where(zero, fmt.zero_log, log)))


def ref_mul(fmt, a, b):
    sa, la, za = fmt.unpack(a)
    sb, lb, zb = fmt.unpack(b)
    zero = za | zb | (la + lb < fmt.log_min)
    log = np.minimum(la + lb, fmt.log_max)
    return np.asarray(fmt.pack(np.where(zero, 0, sa ^ sb), np.where(zero, fmt.zero_log, log)))


def ref_matmul(fmt, a, b, compensation="none", method="interp", max_error=1.0):
    """Products by ref_mul, then the sequential (Kahan) sum over k with ref_addsub."""
    prods = ref_mul(fmt, a[:, :, None], b[None, :, :])
    s = np.full((a.shape[0], b.shape[1]), fmt.zero, dtype=np.int64)
    c = s.copy()
    add = lambda x, y: ref_addsub(fmt, x, y, 0, method, max_error)
    sub = lambda x, y: ref_addsub(fmt, x, y, 1, method, max_error)
    for k in range(a.shape[1]):
        x = prods[:, k]
        if compensation == "none":
            s = add(s, x)
        else:
            y = sub(x, c)
            t = add(s, y)
            c = sub(sub(t, s), y)
            s = t
    return s


def all_pairs(fmt):
    codes = fmt.all_codes()
    return (x.ravel() for x in np.meshgrid(codes, codes, indexing="ij"))


SMALL = [LNSFormat(i, f) for i in range(1, 8) for f in range(1, 8 - i)]   # every W <= 8


def special_codes(fmt, n, rng):
    """Random codes with zeros (both sign bits), extremes and near-equal pairs mixed in."""
    a = rng.integers(0, fmt.n_codes, n)
    b = rng.integers(0, fmt.n_codes, n)
    q = n // 8
    b[:q] = a[:q] ^ (1 << fmt.log_bits)                                  # x - x
    b[q:2 * q] = np.clip(a[q:2 * q] + rng.integers(-40, 41, q), 0, fmt.n_codes - 1)
    a[2 * q:3 * q:2] = fmt.zero
    b[2 * q + 1:3 * q:2] = fmt.zero | (1 << fmt.log_bits)                 # negative zero
    top = fmt.pack(rng.integers(0, 2, q), fmt.log_max - rng.integers(0, 1 << fmt.frac_bits, q))
    bottom = fmt.pack(rng.integers(0, 2, q), fmt.log_min + rng.integers(0, 1 << fmt.frac_bits, q))
    a[3 * q:4 * q], b[3 * q:4 * q] = top, np.roll(top, 1)
    a[4 * q:5 * q], b[4 * q:5 * q] = bottom, np.roll(bottom, 1)
    return a, b


# Element-wise --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", SMALL, ids=lambda f: f.name)
def test_every_pair_of_small_formats(fmt):
    a, b = all_pairs(fmt)
    assert gk.fast(fmt)
    np.testing.assert_array_equal(golden.mul(fmt, a, b), ref_mul(fmt, a, b))
    for method in ("interp", "direct"):
        for op in (0, 1):
            np.testing.assert_array_equal(golden.addsub(fmt, a, b, op, method=method),
                                          ref_addsub(fmt, a, b, op, method))


@pytest.mark.parametrize("fmt, max_error", [(LNSFormat(3, 4), 0.6), (LNSFormat(2, 5), 3.0),
                                            (LNSFormat(4, 3), 4.0)], ids=str)
def test_every_pair_other_error_bounds(fmt, max_error):
    a, b = all_pairs(fmt)
    op = (a + b) & 1                                                     # mixed op array
    np.testing.assert_array_equal(golden.addsub(fmt, a, b, op, max_error=max_error),
                                  ref_addsub(fmt, a, b, op, max_error=max_error))


@pytest.mark.parametrize("fmt", [LNSFormat(1, 9), LNSFormat(3, 7), LNSFormat(5, 5)], ids=str)
def test_every_pair_of_11_bit_formats(fmt):
    a, b = all_pairs(fmt)
    np.testing.assert_array_equal(golden.add(fmt, a, b), ref_addsub(fmt, a, b, 0))
    np.testing.assert_array_equal(golden.sub(fmt, a, b), ref_addsub(fmt, a, b, 1))
    np.testing.assert_array_equal(golden.mul(fmt, a, b), ref_mul(fmt, a, b))


@pytest.mark.parametrize("fmt", [LNSFormat(5, 10), LNSFormat(6, 9), LNSFormat(6, 10),
                                 LNSFormat(8, 9), LNSFormat(2, 13)], ids=str)
def test_random_samples_of_wide_table_formats(fmt):
    rng = np.random.default_rng(fmt.width)
    a, b = special_codes(fmt, 1 << 20, rng)
    assert gk.fast(fmt)
    for method in ("interp", "direct"):
        np.testing.assert_array_equal(golden.add(fmt, a, b, method=method),
                                      ref_addsub(fmt, a, b, 0, method))
        np.testing.assert_array_equal(golden.sub(fmt, a, b, method=method),
                                      ref_addsub(fmt, a, b, 1, method))
    np.testing.assert_array_equal(golden.mul(fmt, a, b), ref_mul(fmt, a, b))
    c = np.roll(a, 7)
    np.testing.assert_array_equal(golden.muladd(fmt, a, b, c),
                                  ref_addsub(fmt, ref_mul(fmt, a, b), c, 0))
    # Real data: whole chunks of products in range (the multiplier's fast chunks).
    x = golden.from_float(fmt, rng.standard_normal(1 << 18) * 4)
    y = golden.from_float(fmt, rng.standard_normal(1 << 18) * 4)
    np.testing.assert_array_equal(golden.mul(fmt, x, y), ref_mul(fmt, x, y))
    np.testing.assert_array_equal(golden.add(fmt, x, y), ref_addsub(fmt, x, y, 0))


def test_shapes_broadcasting_scalars_and_chunks(monkeypatch):
    fmt = LNSFormat(5, 10)
    rng = np.random.default_rng(1)
    a = rng.integers(0, fmt.n_codes, (3, 1, 50))
    b = rng.integers(0, fmt.n_codes, (4, 1))
    op = rng.integers(0, 2, (1, 50))
    got = golden.addsub(fmt, a, b, op)
    assert got.shape == (3, 4, 50) and got.dtype == np.int64
    np.testing.assert_array_equal(got, ref_addsub(fmt, a, b, op))
    np.testing.assert_array_equal(golden.mul(fmt, a, b), ref_mul(fmt, a, b))
    x, y = int(a[0, 0, 0]), int(b[0, 0])
    assert golden.add(fmt, x, y) == int(ref_addsub(fmt, x, y, 0))
    assert isinstance(golden.add(fmt, x, y), int) and isinstance(golden.mul(fmt, x, y), int)
    monkeypatch.setattr(gk, "CHUNK", 7)                                 # ragged last chunk
    monkeypatch.setattr(gk, "MUL_CHUNK", 5)
    a2, b2 = special_codes(fmt, 1000, rng)
    np.testing.assert_array_equal(golden.sub(fmt, a2, b2), ref_addsub(fmt, a2, b2, 1))
    np.testing.assert_array_equal(golden.mul(fmt, a2[::3], b2[::3]), ref_mul(fmt, a2[::3],
                                                                             b2[::3]))
    ok = golden.from_float(fmt, rng.normal(size=1000))                  # fast chunks, mixed
    ok[500] = fmt.zero
    np.testing.assert_array_equal(golden.mul(fmt, ok, ok[::-1]), ref_mul(fmt, ok, ok[::-1]))
    empty = np.zeros((0, 3), dtype=np.int64)
    assert golden.add(fmt, empty, empty).shape == (0, 3)


def test_formats_without_tables_use_the_definitions():
    fmt = LNSFormat(7, 12)                                              # 20 bits
    assert not gk.fast(fmt)
    rng = np.random.default_rng(2)
    a, b = special_codes(fmt, 20000, rng)
    np.testing.assert_array_equal(golden.add(fmt, a, b), ref_addsub(fmt, a, b, 0))
    np.testing.assert_array_equal(golden.mul(fmt, a, b), ref_mul(fmt, a, b))
    with pytest.raises(ValueError, match="wider than 18 bits"):
        gk.Tables(fmt)


# Sums and matrix products --------------------------------------------------------------------


def sparse_codes(fmt, shape, rng, density):
    c = rng.integers(0, fmt.n_codes, shape)
    c[rng.random(shape) >= density] = fmt.zero
    return c


MATMUL_FORMATS = [LNSFormat(3, 4), LNSFormat(1, 4), LNSFormat(2, 3), LNSFormat(5, 6),
                  LNSFormat(5, 10)]


@pytest.mark.parametrize("compensation", ["none", "kahan"])
@pytest.mark.parametrize("fmt", MATMUL_FORMATS, ids=str)
def test_matmul_equals_the_sequential_definition(fmt, compensation, monkeypatch):
    rng = np.random.default_rng(fmt.width)
    cases = [((6, 30, 5), 0.2, 1.0), ((5, 12, 9), 1.0, 0.3), ((7, 9, 4), 0.5, 0.5),
             ((3, 5, 2), 0.0, 1.0), ((1, 1, 1), 1.0, 1.0), ((4, 40, 3), 1.0, 1.0)]
    for (M, K, N), da, db in cases:
        a = sparse_codes(fmt, (M, K), rng, da)
        b = sparse_codes(fmt, (K, N), rng, db)
        a[0] = fmt.zero                                                  # an all-zero row
        b[:, -1] |= 1 << fmt.log_bits                                    # negative zeros too
        want = ref_matmul(fmt, a, b, compensation)
        np.testing.assert_array_equal(golden.matmul(fmt, a, b, compensation=compensation), want)
        monkeypatch.setattr(gm, "_BLOCK", 5)                            # one step per block
        np.testing.assert_array_equal(golden.matmul(fmt, a, b, compensation=compensation), want)
        monkeypatch.undo()


@pytest.mark.parametrize("compensation", ["none", "kahan"])
def test_matmul_of_real_data_16_bit(compensation):
    """Normal values (long sums near cancellation, products under- and overflowing at the
    extremes) in the default format."""
    fmt = LNSFormat(5, 10)
    rng = np.random.default_rng(7)
    a = golden.from_float(fmt, rng.normal(size=(20, 64)) * np.exp(rng.normal(size=(20, 64)) * 3))
    b = golden.from_float(fmt, rng.normal(size=(64, 15)) * np.exp(rng.normal(size=(64, 15)) * 3))
    np.testing.assert_array_equal(golden.matmul(fmt, a, b, compensation=compensation),
                                  ref_matmul(fmt, a, b, compensation))


@pytest.mark.parametrize("method", ["direct", "interp"])
def test_matmul_wide_format_and_method(method):
    fmt = LNSFormat(7, 12)                                              # no tables: definition
    rng = np.random.default_rng(3)
    a, b = sparse_codes(fmt, (3, 6), rng, 0.8), sparse_codes(fmt, (6, 2), rng, 0.8)
    for comp in ("none", "kahan"):
        np.testing.assert_array_equal(golden.matmul(fmt, a, b, compensation=comp, method=method),
                                      ref_matmul(fmt, a, b, comp, method))


def test_sums_equal_the_definition():
    fmt = LNSFormat(5, 7)
    rng = np.random.default_rng(4)
    x = sparse_codes(fmt, (30, 7, 5), rng, 0.7)
    for comp in ("none", "kahan", "neumaier"):
        acc = Accumulator(fmt, comp)
        s, c = acc.zeros((7, 5))
        rs, rc = s.copy(), c.copy()
        for row in x:
            s, c = acc.step(s, c, row)
            if comp == "none":
                rs = ref_addsub(fmt, rs, row, 0)
            elif comp == "kahan":
                y = ref_addsub(fmt, row, rc, 1)
                t = ref_addsub(fmt, rs, y, 0)
                rc = ref_addsub(fmt, ref_addsub(fmt, t, rs, 1), y, 1)
                rs = t
        if comp != "neumaier":
            np.testing.assert_array_equal(s, rs)
            np.testing.assert_array_equal(c, rc)
            np.testing.assert_array_equal(lns_sum(fmt, x, axis=0, compensation=comp), rs)
    plain = interleaved_sum(fmt, x, 3, axis=0)
    want = None
    for i in range(3):
        part = np.full((7, 5), fmt.zero)
        for row in x[i::3]:
            part = ref_addsub(fmt, part, row, 0)
        want = part if want is None else ref_addsub(fmt, want, part, 0)
    np.testing.assert_array_equal(plain, want)


@pytest.mark.parametrize("bad", [-1, 1 << 16, 1 << 40])
def test_values_checked_chunk_by_chunk_raise_the_usual_error(monkeypatch, bad):
    """add, sub and mul check the codes' values chunk by chunk: a bad one in the last chunk of
    either operand still raises before any result, with the message naming the operand and
    the range of the whole array."""
    fmt = LNSFormat(5, 10)
    monkeypatch.setattr(gk, "CHUNK", 64)
    monkeypatch.setattr(gk, "MUL_CHUNK", 64)
    good = np.arange(1000, dtype=np.int64) * 37 % fmt.n_codes
    for name in ("a", "b"):
        x, y = good.copy(), good[::-1].copy()
        bad_one = x if name == "a" else y
        bad_one[-1] = bad
        lo, hi = bad_one.min(), bad_one.max()
        message = (rf"{name} must hold codes in \[0, 65535\] for LNS16\(int_bits=5, "
                   rf"frac_bits=10\); got values in \[{lo}, {hi}\]")
        for op in (golden.add, golden.sub, golden.mul):
            with pytest.raises(ValueError, match=message):
                op(fmt, x, y)
        with pytest.raises(ValueError, match=message):                  # broadcasting
            golden.mul(fmt, x[:, None], y[None, :])
