"""The systolic matrix unit in Amaranth's simulator: parameters, shapes, cycles; and the tiling
driver against golden.matmul."""

import numpy as np
import pytest

from lnsgen import golden
from lnsgen.golden import LNSFormat
from lnsgen.hdl import LNSProcessingElement, LNSSystolicArray
from lnsgen.verification.matmul import TileDriver
from lnsgen.verification.utilization import measure

F16 = LNSFormat(int_bits=5, frac_bits=10)
F8 = LNSFormat(int_bits=3, frac_bits=4)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"rows": 0, "cols": 2}, ValueError, r"rows must be in \[1, 32\], not 0"),
    ({"rows": 2, "cols": 33}, ValueError, r"cols must be in \[1, 32\], not 33"),
    ({"rows": "2", "cols": 2}, TypeError, r"rows must be an integer in \[1, 32\], not '2'"),
    ({"rows": True, "cols": 2}, TypeError, r"rows must be an integer"),
    ({"rows": 2, "cols": 2, "compensated": 1}, TypeError, r"compensated must be a bool, not 1"),
    ({"rows": 2, "cols": 2, "method": "cordic"}, ValueError, r"method must be one of"),
])
def test_bad_parameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        LNSSystolicArray(F16, **kwargs)


def test_bad_format():
    with pytest.raises(TypeError, match="fmt must be a golden.LNSFormat"):
        LNSSystolicArray((5, 10), rows=2, cols=2)


def test_geometry():
    plain = LNSSystolicArray(F16, rows=3, cols=2)
    kahan = LNSSystolicArray(F16, rows=2, cols=2, compensated=True)
    assert plain.slots == LNSProcessingElement.slots_for(F16) == 5
    assert kahan.slots == 20 and kahan.tile_rows == 40
    assert plain.tile_rows == 15


@pytest.mark.parametrize("rows, cols, compensated, k", [
    (1, 1, False, 1), (3, 2, False, 7), (1, 2, True, 3)])
def test_shapes_bit_exact_in_amaranth_sim(rows, cols, compensated, k):
    """Non-square arrays and both PE kinds, several passes back to back (measure() compares
    every output row with golden.matmul)."""
    array = LNSSystolicArray(F8, rows=rows, cols=cols, compensated=compensated)
    result = measure(array, k, 3, seed=rows * 10 + cols)
    # Every output row of the three passes came, and each equals golden.matmul's.
    assert result["rows_received"] == result["rows_expected"] == 3 * array.tile_rows
    assert result["mismatches"] == 0


def test_measure_raises_on_a_wrong_row(monkeypatch):
    """The check inside measure() is a real one (not an assert that python -O strips): a
    golden model that differs in one element of each pass (a 1x1 array: 5 rows a pass) makes
    it raise."""
    import lnsgen.verification.utilization as util
    real = golden.matmul

    def off_by_one(fmt, a, b, **kw):
        c = np.array(real(fmt, a, b, **kw))
        c[0, 0] ^= 1
        return c
    monkeypatch.setattr(util.golden, "matmul", off_by_one)
    with pytest.raises(util.MismatchError, match=r"2 rows differ from golden.matmul, 10 of 10"):
        util.measure(LNSSystolicArray(F8, rows=1, cols=1), 2, 2)


def test_utilization_at_large_k():
    """The design target: with no stalls, back-to-back passes with K >= 8 x the array size
    keep at least 90% of the MAC slots busy."""
    array = LNSSystolicArray(F16, rows=2, cols=2)
    result = measure(array, 16, 4)
    assert result["utilization"] >= 0.9, result
    # A lone pass pays the pipeline fill and the output drain once.
    assert measure(array, 16, 1)["utilization"] < result["utilization"]


@pytest.mark.parametrize("shape", [(1, 1, 1), (23, 17, 7), (45, 70, 13)])
@pytest.mark.parametrize("compensation", ["none", "kahan"])
def test_tiled_product_equals_golden_matmul(shape, compensation):
    """Tiling with zero padding changes no bit: the assembled tiles of a large product are
    golden.matmul of the whole matrices."""
    M, K, N = shape
    rng = np.random.default_rng(M + K + N)
    a = golden.from_float(F16, rng.standard_normal((M, K)))
    b = golden.from_float(F16, rng.standard_normal((K, N)))
    drv = TileDriver(F16, 2, 3, 5)
    passes = drv.passes(a, b)
    assert len(passes) == -(-M // 10) * -(-N // 3)
    tiles = [(p, golden.matmul(F16, p.a, p.b, compensation=compensation)) for p in passes]
    np.testing.assert_array_equal(drv.assemble(tiles, (M, N)),
                                  golden.matmul(F16, a, b, compensation=compensation))


def test_driver_rejects_mismatched_shapes():
    drv = TileDriver(F16, 2, 2, 5)
    with pytest.raises(ValueError, match=r"a's columns equal to b's rows"):
        drv.passes(np.zeros((3, 4), dtype=np.int64), np.zeros((5, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        TileDriver(F16, 0, 2, 5)


def test_golden_matmul_validates():
    with pytest.raises(ValueError, match="compensation must be one of"):
        golden.matmul(F16, np.zeros((2, 2), dtype=np.int64), np.zeros((2, 2), dtype=np.int64),
                      compensation="neumaier")
    with pytest.raises(ValueError, match="must match"):
        golden.matmul(F16, np.zeros((2, 3), dtype=np.int64), np.zeros((2, 2), dtype=np.int64))


def test_golden_matmul_is_sequential_lns_dot_product():
    """Each element is the left-to-right LNS sum of rounded products (checked by a scalar
    loop over golden.mul and golden.add), and it is close to the float product."""
    rng = np.random.default_rng(3)
    a = golden.from_float(F16, rng.standard_normal((3, 9)))
    b = golden.from_float(F16, rng.standard_normal((9, 2)))
    c = golden.matmul(F16, a, b)
    for i in range(3):
        for j in range(2):
            s = F16.zero
            for k in range(9):
                s = golden.add(F16, s, golden.mul(F16, a[i, k], b[k, j]))
            assert c[i, j] == s
    exact = golden.to_float(F16, a) @ golden.to_float(F16, b)
    np.testing.assert_allclose(golden.to_float(F16, c), exact, rtol=0.02, atol=0.02)


def test_generic_array_and_pe_take_only_a_pe_arithmetic():
    from lnsgen.hdl import ProcessingElement, SystolicArray
    with pytest.raises(TypeError, match="arithmetic must be a PEArithmetic, not 'fp16'"):
        SystolicArray("fp16", rows=2, cols=2)
    with pytest.raises(TypeError, match="arithmetic must be a PEArithmetic"):
        ProcessingElement(F16)


@pytest.mark.parametrize("name, slots, width", [("int", 1, 32), ("hybrid", 1, 16)])
def test_generic_array_geometry(name, slots, width):
    from amaranth.hdl import Value

    from lnsgen.hdl import HybridPE, IntPE, SystolicArray
    arith = IntPE() if name == "int" else HybridPE(F16)
    array = SystolicArray(arith, rows=3, cols=2)
    assert array.slots == slots and array.tile_rows == 3 * slots
    assert len(Value.cast(array.o.payload.c)) == 2 * width


def test_pe_arithmetic_parameters_are_checked():
    from lnsgen.golden.ieee import FLOAT_FORMATS
    from lnsgen.hdl import FloatPE, IntPE
    with pytest.raises(ValueError, match=r"latency must be .*\[1, 7\]"):
        FloatPE(FLOAT_FORMATS["fp16"], latency=9)
    with pytest.raises(ValueError, match="acc_bits"):
        IntPE(ab_bits=8, acc_bits=8)


@pytest.mark.parametrize("fmt, rows, cols, method, latency", [
    (LNSFormat(2, 6), 2, 3, "direct", 5), (LNSFormat(2, 6), 3, 1, "cotrans", 2)])
def test_measure_checks_against_the_arrays_own_method(fmt, rows, cols, method, latency):
    """Odd formats and non-square arrays with the direct and cotrans adders: checked against
    golden with the same method (the interp tables differ from both at these formats, so a
    reference of the wrong method fails)."""
    array = LNSSystolicArray(fmt, rows=rows, cols=cols, method=method, adder_latency=latency)
    assert (array.method, array.max_error) == (method, 1.0)
    result = measure(array, 3, 2, seed=5)
    assert result["mismatches"] == 0 and result["rows_received"] == result["rows_expected"]
