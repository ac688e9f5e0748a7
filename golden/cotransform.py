"""phi- by cotransformation through the phi+ table: one interpolator for both Gaussian logs.

An adder needs phi+ (same signs) or phi- (opposite signs), never both for one operation. The
``"cotrans"`` method therefore builds a single interpolator ``E`` of phi+, and computes phi-
from two small tables and one evaluation of ``E`` (Arnold's cotransformation, in the form of
Coleman et al.). With ``d = d_H + d_L`` (both negative)::

    1 - 2**d = (1 - 2**d_H) + 2**d_H * (1 - 2**d_L)
    phi-(d)  = phi-(d_H) + phi+(z),   z = d_H + phi-(d_L) - phi-(d_H) < 0

so phi- needs ``T1 = phi-(d_H)`` on a coarse grid, ``T2 = phi-(d_L)`` on a short range next to
0 (where phi- is singular), and phi+ at ``z``, where phi+ is smooth. No leading-one detector,
no normalizing shift, no second interpolator: phi-'s singularity is all in ``T2``.

Integer definition (``F = frac_bits``; every ``d`` of the tables' region, in ulps):

``u = -1 - d``
    (``~d``: no adder), split into ``u_H = u >> j`` and ``u_L = u & (2**j - 1)``, so
    ``d_H = -u_H * 2**j`` and ``d_L = -(u_L + 1)`` lies in ``[-2**j, -1]``: never 0.
``T1[u_H]``, ``T2[u_L]``
    ``phi-(d_H)``, ``phi-(d_L)`` rounded to ``F + G`` fractional bits (``T1[0] = 0``, unused).
``E``
    phi+ as a piecewise-linear interpolator (or a direct table) with ``F + h`` fractional
    output bits, whose input is ``w = -1 - x`` for ``x <= 0`` on a grid of ``F + zf``
    fractional bits (``w >= 0``: again no adder). It is used *before* its own rounding:
    ``E(x) = c0 + floor(c1 * t / 2**k)`` with ``H = h + g`` fractional bits beyond ``F``
    (``g`` its guard bits); ``E(x) = 0`` below its domain and ``E(0) = 2**(F+H)`` (exactly 1).
phi+ (``d`` in the table region)
    ``(E(d * 2**zf) + 2**(H-1)) >> H``.
phi-
    ``zq = (-u_H * 2**(j+G) - T1[u_H] + T2[u_L] + 2**(G-zf-1)) >> (G - zf)`` (``z`` on
    ``E``'s input grid, rounded); with ``S = max(G, H)``, ``s = T2[u_L] * 2**(S-G)`` if
    ``u_H = 0``, else ``s = T1[u_H] * 2**(S-G) + E(zq) * 2**(S-H)``; and
    ``phi- = (s + 2**(S-1)) >> S``: one rounding. phi+ is the same sum with ``s =
    E * 2**(S-H)``, so the hardware has one adder for both.

:func:`cotransformation` searches ``j``, ``G``, ``zf``, ``h`` and ``E``'s own error bound for the
smallest estimated area (:func:`estimated_area`) that keeps both phi+ and phi- below
``max_error`` ulps over every ``d`` and monotone; the tables are what the hardware
(``lnsgen.hdl.compact``) reads.
"""

from __future__ import annotations

import functools

import numpy as np

from .checks import check_format
from .format import LNSFormat
from .funcapprox import FixedFunction, PiecewiseLinear, bits_for, fit_piecewise_linear

__all__ = ["AREA_PER_PP_BIT", "AREA_PER_TABLE_BIT", "CotransformView", "Cotransformation",
           "cotransformation", "estimated_area", "zero_boundary"]

#: Rough OSU 0.18 um costs (um^2) the search weighs candidates with: a table bit as
#: minimized logic, a partial-product bit of a multiplier (measured with lnsgen.synth.breakdown
#: on this project's tables and multipliers; only the ratio matters to the search).
AREA_PER_TABLE_BIT = 3.5
AREA_PER_PP_BIT = 180.0


def zero_boundary(fmt: LNSFormat, kind: str, *, unbounded: bool = False) -> int:
    """:attr:`lnsgen.golden.gaussian.GaussianLog.zero_below` of ``fmt`` and ``kind`` without
    building any table (the same search, run on a bare instance). With ``unbounded``, the
    boundary as if ``d`` could go below the format's ``-2 * log_max``: where phi rounds to 0
    for the fraction width alone."""
    from .gaussian import GaussianLog

    probe = GaussianLog.__new__(GaussianLog)
    probe.fmt, probe.kind = fmt, kind
    probe.d_min = -2 * fmt.log_max
    if unbounded:
        probe.d_min = min(probe.d_min, -(fmt.frac_bits + 4) << fmt.frac_bits)
    probe.d_max = 0 if kind == "plus" else -1
    return probe._zero_boundary()


def _phi_plus_of_w(in_frac: int):
    """phi+ at ``x = -1 - w`` (``w`` in units of ``2**-in_frac``) as a function of real ``w``."""
    step = 2.0 ** -in_frac

    def f(w):
        return np.log1p(np.exp2(-w - step)) / np.log(2)
    return f


def estimated_area(engine, t1, t2) -> float:
    """Estimated um^2 of the tables and ``E``'s multiplier (see :data:`AREA_PER_TABLE_BIT`)."""
    bits = engine.table_bits + len(t1) * bits_for(t1)[0] + len(t2) * bits_for(t2)[0]
    pp = 0
    if isinstance(engine, PiecewiseLinear) and engine.offset_bits:
        pp = bits_for(engine.tables["c1"])[0] * engine.offset_bits
    return AREA_PER_TABLE_BIT * bits + AREA_PER_PP_BIT * pp


class Cotransformation:
    """phi+ and phi- of a format from one phi+ approximation ``E`` and two tables.

    Parameters
    ----------
    fmt : LNSFormat
    engine : PiecewiseLinear or DirectTable
        ``E``: phi+ of ``x = -1 - w`` over ``w`` in ``[0, -1 - lo]``, ``lo`` the smallest
        ``x`` (at most ``plus_below * 2**zf``; lower when the format's range stops before
        phi+ rounds to 0, since ``z`` can go there), ``in_frac = F + zf``,
        ``out_frac = F + h``.
    low_bits : int
        ``j``: bits of ``u_L``.
    guard_bits : int
        ``G``: extra fractional bits of ``T1`` and ``T2``, at least ``zf`` and 1.
    plus_below, minus_below : int
        The zero boundaries of phi+ and phi- (the tables' lowest ``d``).

    Attributes
    ----------
    zf, h : int
        Extra fractional bits of ``E``'s input and output.
    t1, t2 : ndarray
        The tables (``F + G`` fractional bits).
    """

    method = "cotrans"

    def __init__(self, fmt: LNSFormat, engine, *, low_bits: int, guard_bits: int,
                 plus_below: int, minus_below: int):
        self.fmt = check_format(fmt)
        F = fmt.frac_bits
        self.engine = engine
        self.zf = engine.func.in_frac - F
        self.h = engine.func.out_frac - F
        if self.zf < 0 or self.h < 1:
            raise ValueError("the engine needs in_frac >= frac_bits and out_frac > frac_bits")
        if self.x_lo_of(engine) > plus_below << self.zf:
            raise ValueError("the engine must cover phi+ from plus_below")
        if guard_bits < max(1, self.zf):
            raise ValueError(f"guard_bits must be at least max(1, zf) = {max(1, self.zf)}, "
                             f"not {guard_bits}")
        if low_bits < 1:
            raise ValueError(f"low_bits must be at least 1, not {low_bits}")
        self.j, self.G = low_bits, guard_bits
        self.plus_below, self.minus_below = plus_below, minus_below
        self.x_lo = -1 - engine.func.hi  # E's lowest input x (d * 2**zf, z)
        self.H = self.h + (engine.guard_bits if isinstance(engine, PiecewiseLinear) else 0)
        if isinstance(engine, PiecewiseLinear):
            if (engine.tables["c1"] > 0).any():
                raise ValueError("E's slopes must all be <= 0 (phi+ falls as w grows)")
            #: The ROM columns of E: offsets and slope magnitudes.
            self.engine_tables = {"c0": engine.tables["c0"], "n": -engine.tables["c1"]}
        else:
            self.engine_tables = dict(engine.tables)
        self.S = max(self.G, self.H)
        u_max = -1 - minus_below
        n_hi = (u_max >> low_bits) + 1
        with np.errstate(divide="ignore"):
            d_hi = -(np.arange(n_hi, dtype=np.int64) << low_bits)
            t1 = np.rint(np.log2(-np.expm1(d_hi * 2.0 ** -F * np.log(2))) * 2.0 ** (F + self.G))
        t1[0] = 0
        d_lo = -(np.arange(1 << low_bits, dtype=np.int64) + 1)
        t2 = np.rint(np.log2(-np.expm1(d_lo * 2.0 ** -F * np.log(2))) * 2.0 ** (F + self.G))
        self.t1, self.t2 = t1.astype(np.int64), t2.astype(np.int64)
        #: The ``T2`` the hardware stores: ``T2`` plus the rounding half of ``z``, so that
        #: ``z`` needs no adder for it (the final sum takes it back out with its constant).
        self.z_half = (1 << (self.G - self.zf)) >> 1
        self.t2_stored = self.t2 + self.z_half

    @staticmethod
    def x_lo_of(engine) -> int:
        return -1 - engine.func.hi

    # Evaluation ---------------------------------------------------------------------------

    def engine_at(self, x) -> np.ndarray:
        """``E(x)`` in units of ``2**-(F + H)``, before ``E``'s rounding: 0 below ``E``'s
        domain, ``2**(F+H)`` at 0."""
        x = np.asarray(x, dtype=np.int64)
        w = -1 - x
        inside = (x >= self.x_lo) & (x < 0)
        out = np.zeros(x.shape, dtype=np.int64)
        eng = self.engine
        if isinstance(eng, PiecewiseLinear):
            k = eng.offset_bits
            s, t = w[inside] >> k, w[inside] & ((1 << k) - 1)
            out[inside] = self.engine_tables["c0"][s] - ((self.engine_tables["n"][s] * t) >> k)
        else:
            out[inside] = eng.evaluate(w[inside])
        return np.where(x == 0, 1 << (self.fmt.frac_bits + self.H), out)

    def plus(self, d) -> np.ndarray:
        """phi+ (ulps) for ``d`` in ``[plus_below, 0]``."""
        d = np.asarray(d, dtype=np.int64)
        return (self.engine_at(d << self.zf) + (1 << (self.H - 1))) >> self.H

    def minus_fields(self, d) -> dict:
        """The hardware's intermediate values for ``d`` in ``[minus_below, -1]``:
        ``u_hi``, ``u_lo``, ``t1``, ``t2``, ``zq`` (E's input), ``ez`` (E there)."""
        d = np.asarray(d, dtype=np.int64)
        u = -1 - d
        u_hi, u_lo = u >> self.j, u & ((1 << self.j) - 1)
        a, b = self.t1[u_hi], self.t2[u_lo]
        shift = self.G - self.zf
        zq = (-(u_hi << (self.j + self.G)) - a + self.t2_stored[u_lo]) >> shift
        ez = np.where(u_hi == 0, 0, self.engine_at(np.minimum(zq, 0)))
        return {"u_hi": u_hi, "u_lo": u_lo, "t1": a, "t2": b, "zq": zq, "ez": ez}

    def minus(self, d) -> np.ndarray:
        """phi- (ulps) for ``d`` in ``[minus_below, -1]``."""
        f = self.minus_fields(d)
        S, G, H = self.S, self.G, self.H
        s = np.where(f["u_hi"] == 0, f["t2"] << (S - G),
                     (f["t1"] << (S - G)) + (f["ez"] << (S - H)))
        return (s + (1 << (S - 1))) >> S

    def view(self, kind: str) -> CotransformView:
        """The part of the method one :class:`~lnsgen.golden.gaussian.GaussianLog` shows."""
        return CotransformView(self, kind)


class CotransformView:
    """phi+ or phi- of a :class:`Cotransformation`, with the interface of a table of
    :mod:`lnsgen.golden.funcapprox` (``func``, ``evaluate``, ``table_bits``, ``describe``).

    ``table_bits`` counts ``E`` in phi+ and ``T1 + T2`` in phi- (``E`` is shared)."""

    method = "cotrans"

    def __init__(self, cot: Cotransformation, kind: str):
        from .gaussian import phi_exact

        self.cot, self.kind = cot, kind
        F = cot.fmt.frac_bits
        lo, hi = (cot.plus_below, 0) if kind == "plus" else (cot.minus_below, -1)
        self.func = FixedFunction(f"phi_{kind}", functools.partial(phi_exact, kind), lo, hi,
                                  F, F)

    def evaluate(self, x) -> np.ndarray:
        x = self.func.check_domain(x)
        return self.cot.plus(x) if self.kind == "plus" else self.cot.minus(x)

    @property
    def table_bits(self) -> int:
        cot = self.cot
        if self.kind == "plus":
            return cot.engine.table_bits
        return len(cot.t1) * bits_for(cot.t1)[0] + len(cot.t2) * bits_for(cot.t2)[0]

    def describe(self) -> str:
        cot = self.cot
        if self.kind == "plus":
            return (f"E = phi+ on a grid of 2^-{cot.fmt.frac_bits + cot.zf}, "
                    f"{cot.h} extra output bits: {cot.engine.describe()}")
        return (f"cotransformation through E: T1 {len(cot.t1)} entries, T2 {len(cot.t2)} "
                f"entries (low {cot.j} bits of -1-d), {cot.G} guard bits")


def _direction_ok(values: np.ndarray, kind: str) -> bool:
    steps = np.diff(values)
    return bool((steps >= 0).all() & (steps <= 1).all()) if kind == "plus" \
        else bool((steps <= 0).all())


def _exact(kind: str, d: np.ndarray, F: int) -> np.ndarray:
    from .gaussian import phi_exact
    return phi_exact(kind, d * 2.0 ** -F) * 2.0 ** F


def _engine(fmt: LNSFormat, e_below: int, zf: int, h: int, bound: float):
    F = fmt.frac_bits
    lo = e_below << zf
    func = FixedFunction("phi_plus_e", _phi_plus_of_w(F + zf), 0, -1 - lo, F + zf, F + h)
    return fit_piecewise_linear(func, max_error=bound * (1 << h), monotone=True)


#: Candidates the search tries, in order (``zf``, ``h``, ``E``'s error bound in ulps).
_ENGINE_CANDIDATES = [(1, 3, 0.42), (0, 2, 0.30), (0, 3, 0.25), (1, 2, 0.40)]


@functools.lru_cache(maxsize=16)
def cotransformation(fmt: LNSFormat, max_error: float = 1.0) -> Cotransformation:
    """The ``"cotrans"`` tables of ``fmt`` of smallest :func:`estimated_area` whose phi+ and
    phi- stay below ``max_error`` ulps over every ``d`` and are monotone (phi+ rising by at
    most one ulp per step, phi- never rising).

    Raises
    ------
    ValueError
        If no candidate meets ``max_error`` (it always exists for ``max_error >= 0.51``: the
        last resort is a direct ``T2`` and a direct ``E``).
    """
    check_format(fmt)
    F = fmt.frac_bits
    plus_below = zero_boundary(fmt, "plus")
    minus_below = zero_boundary(fmt, "minus")
    # E also serves z, which may lie below the format's range of d: it covers phi+ down to
    # where it rounds to 0 for the fraction width, whatever the range.
    e_below = min(plus_below, zero_boundary(fmt, "plus", unbounded=True))
    dp = np.arange(plus_below, 1, dtype=np.int64)
    dm = np.arange(minus_below, 0, dtype=np.int64)
    ex_p, ex_m = _exact("plus", dp, F), _exact("minus", dm, F)
    u_bits = max(1, int(-1 - minus_below).bit_length())
    best, best_cost = None, None
    slack = max_error - 0.5  # E's error plus the final rounding's 0.5 must stay below max_error
    # The candidates are sized for max_error = 1 (slack 0.5); looser bounds scale them up.
    scale = max(1.0, slack / 0.5)
    candidates = [(zf, h, b * scale) for zf, h, b in _ENGINE_CANDIDATES if b < slack]
    if not candidates:  # tight bounds: a finer E (its direct table is the last resort)
        h = max(2, int(np.ceil(np.log2(1 / slack))) + 2)
        candidates = [(0, h, slack / 2), (1, h, slack / 2)]
    for zf, h, bound in candidates:
        try:
            engine = _engine(fmt, e_below, zf, h, bound)
        except ValueError:
            continue
        for j in sorted({*range(max(1, F // 2 - 1), F // 2 + 3), u_bits}):
            for G in range(max(1, zf), 12):
                cand = Cotransformation(fmt, engine, low_bits=min(j, u_bits), guard_bits=G,
                                        plus_below=plus_below, minus_below=minus_below)
                cost = estimated_area(engine, cand.t1, cand.t2)
                if best is not None and cost >= best_cost:
                    break  # more guard bits only cost more
                if dm.size:
                    f = cand.minus_fields(dm)
                    if (f["zq"][f["u_hi"] > 0] > 0).any():
                        continue  # z must stay in phi+'s domain
                    ym = cand.minus(dm)
                    if np.abs(ym - ex_m).max() >= max_error or not _direction_ok(ym, "minus"):
                        continue
                yp = cand.plus(dp)
                if np.abs(yp - ex_p).max() >= max_error or not _direction_ok(yp, "plus"):
                    continue
                best, best_cost = cand, cost
                break
    if best is None:
        raise ValueError(f"{fmt}: no cotransformation meets max_error={max_error} ulp")
    return best

