"""The ``cotrans`` Gaussian logs (golden.cotransform) against float64, over every d.

References are computed here from the definitions (``log2(1 +- 2**d)`` through log1p/expm1), not
with the code under test. Formats with few integer bits matter: there the range of ``d`` stops
before phi+ rounds to 0, and the cotransformation's ``z`` falls below that range (the first
version of the method returned 0 for such ``z`` and erred by 23 ulps at ``lns16_i3f12``).
"""

import numpy as np
import pytest

from lnsgen.golden import LNSFormat
from lnsgen.golden.cotransform import Cotransformation, cotransformation
from lnsgen.golden.gaussian import gaussian_logs

FORMATS = [(1, 4), (2, 6), (3, 4), (3, 12), (5, 10), (6, 9), (4, 12), (5, 6)]


def reference(kind, d, frac_bits):
    x = np.asarray(d, dtype=np.float64) * 2.0 ** -frac_bits
    if kind == "plus":
        return np.log1p(np.exp2(x)) / np.log(2.0) * 2.0 ** frac_bits
    return np.log2(-np.expm1(x * np.log(2.0))) * 2.0 ** frac_bits


def domain(fmt, kind):
    top = (1 << (fmt.int_bits + fmt.frac_bits - 1)) - 1  # log_max from the bit layout
    return np.arange(-2 * top, 1 if kind == "plus" else 0, dtype=np.int64)


@pytest.mark.parametrize("fmt_bits", FORMATS, ids=lambda b: f"i{b[0]}f{b[1]}")
@pytest.mark.parametrize("kind", ["plus", "minus"])
def test_faithful_and_monotone_over_every_d(fmt_bits, kind):
    fmt = LNSFormat(*fmt_bits)
    g = gaussian_logs(fmt, "cotrans")[0 if kind == "plus" else 1]
    d = domain(fmt, kind)
    phi = g.evaluate(d)
    err = phi - reference(kind, d, fmt.frac_bits)
    worst = int(np.argmax(np.abs(err)))
    assert abs(err[worst]) < 1.0, f"error {err[worst]:.4f} ulp at d={d[worst]}"
    steps = np.diff(phi)
    wrong = d[1:][(steps < 0) | (steps > 1)] if kind == "plus" else d[1:][steps > 0]
    assert wrong.size == 0, f"phi_{kind} steps the wrong way at d = {wrong[:10].tolist()}"


@pytest.mark.parametrize("fmt_bits", FORMATS, ids=lambda b: f"i{b[0]}f{b[1]}")
def test_tables_hold_the_cotransformation_terms(fmt_bits):
    """T1 = phi-(d_H), T2 = phi-(d_L) to half a unit of F + G bits; z stays in E's domain."""
    fmt = LNSFormat(*fmt_bits)
    F = fmt.frac_bits
    cot = cotransformation(fmt)
    scale = 2.0 ** (F + cot.G)
    d_hi = -(np.arange(1, len(cot.t1)) << cot.j)
    assert np.abs(cot.t1[1:] - reference("minus", d_hi, F) * 2.0 ** cot.G).max() <= 0.5
    d_lo = -(np.arange(len(cot.t2)) + 1)
    assert np.abs(cot.t2 - reference("minus", d_lo, F) * scale / 2.0 ** F).max() <= 0.5
    f = cot.minus_fields(np.arange(cot.minus_below, 0))
    assert (f["zq"][f["u_hi"] > 0] <= 0).all()


@pytest.mark.parametrize("fmt_bits", [(3, 4), (5, 10)], ids=lambda b: f"i{b[0]}f{b[1]}")
def test_phi_plus_at_zero_is_exactly_one(fmt_bits):
    fmt = LNSFormat(*fmt_bits)
    cot = cotransformation(fmt)
    assert int(cot.engine_at(np.array([0]))[0]) == 1 << (fmt.frac_bits + cot.H)
    assert int(gaussian_logs(fmt, "cotrans")[0].evaluate(0)) == 1 << fmt.frac_bits


def test_cotransformation_rejects_bad_parameters():
    fmt = LNSFormat(3, 4)
    cot = cotransformation(fmt)
    args = {"plus_below": cot.plus_below, "minus_below": cot.minus_below}
    with pytest.raises(ValueError, match=r"guard_bits must be at least max\(1, zf\) = 1, not 0"):
        Cotransformation(fmt, cot.engine, low_bits=2, guard_bits=0, **args)
    with pytest.raises(ValueError, match="low_bits must be at least 1, not 0"):
        Cotransformation(fmt, cot.engine, low_bits=0, guard_bits=2, **args)
    with pytest.raises(ValueError, match="must cover phi[+] from plus_below"):
        Cotransformation(fmt, cot.engine, low_bits=2, guard_bits=2,
                         plus_below=4 * cot.plus_below, minus_below=cot.minus_below)


def test_table_bits_count_the_shared_interpolator_once():
    fmt = LNSFormat(5, 10)
    plus, minus = gaussian_logs(fmt, "cotrans")
    cot = cotransformation(fmt)
    assert plus.table_bits == cot.engine.table_bits
    assert minus.table_bits == sum(len(t) * (int(np.abs(t).max()).bit_length() + 1)
                                   for t in (cot.t1, cot.t2))


@pytest.mark.parametrize("max_error", [0.51, 0.6, 2.5])
def test_other_error_bounds_hold(max_error):
    """Tight bounds fall back to larger tables (a direct T2 at 0.51), loose ones shrink E."""
    fmt = LNSFormat(5, 6)
    for kind, g in zip(("plus", "minus"), gaussian_logs(fmt, "cotrans", max_error)):
        d = domain(fmt, kind)
        phi = g.evaluate(d)
        assert np.abs(phi - reference(kind, d, fmt.frac_bits)).max() < max_error
        steps = np.diff(phi)
        assert ((steps >= 0) & (steps <= 1)).all() if kind == "plus" else (steps <= 0).all()
    loose = gaussian_logs(fmt, "cotrans", 2.5)[0].table_bits
    assert loose < gaussian_logs(fmt, "cotrans", 1.0)[0].table_bits
