"""The Gaussian logarithms phi+ and phi- as the hardware computes them.

For ``d = log|y| - log|x| <= 0`` (in ulps of the log, ``2 ** -F`` with ``F = frac_bits``)::

    phi+(d) = log2(1 + 2**d)     (same signs)      in (0, 1]
    phi-(d) = log2(1 - 2**d)     (opposite signs)  in (-inf, 0), singular at d = 0

and ``log|x + y| = log|x| + phi(d)``. :class:`GaussianLog` maps every representable ``d`` to an
integer ``phi`` in ulps, and that integer function is the whole of the adder's approximation:
the adder's result is ``Lx + phi(d)``, so the error of a sum is exactly the error of ``phi``.

Regions (the same for every method):

``zero``
    ``d < zero_below``: the exact ``|phi|`` is below half an ulp, so ``phi = 0`` (no table).
``table``
    phi+ on ``[zero_below, 0]``; phi- on ``[zero_below, near_above)``: one
    :mod:`lnsgen.golden.funcapprox` approximation of phi itself.
``near`` (phi- with ``method="interp"`` only)
    ``-1.0 < d < 0``, where phi- is singular: ``phi-(d) = log2(-d) + g(d)`` with the smooth
    ``g(d) = log2((1 - 2**d) / -d)``. ``log2(-d)`` is a leading-one position ``e`` plus
    ``log2(1 + m)`` of the normalized mantissa ``m``; ``g`` and ``log2(1 + m)`` are two
    interpolators with ``SUM_GUARD`` extra output bits, summed before one final rounding.

Methods: ``"direct"`` (a rounded table of phi over the table region, phi- near zero included;
0.5 ulp), ``"interp"`` (piecewise-linear, sized by :func:`fit_piecewise_linear` for
``max_error``) and ``"cotrans"`` (one piecewise-linear interpolator of phi+ serves phi- too,
through two small tables: :mod:`lnsgen.golden.cotransform`; no near region).
"""

from __future__ import annotations

import functools

import numpy as np

from .checks import check_choice, check_format, check_real
from .format import LNSFormat
from .funcapprox import MAX_DIRECT_ENTRIES, DirectTable, FixedFunction, fit_piecewise_linear

__all__ = [
    "MAX_ERROR_RANGE",
    "MAX_MAX_ERROR",
    "METHODS",
    "MIN_MAX_ERROR",
    "SUM_GUARD",
    "GaussianLog",
    "gaussian_logs",
    "phi_exact",
    "sum_guard",
]

METHODS = ("direct", "interp", "cotrans")
#: Extra fractional bits of the two near-region terms, kept until their sum is rounded (at
#: least; see :func:`sum_guard`).
SUM_GUARD = 2
#: Accepted ``max_error`` (ulps). Just above 0.5 only a direct table could do, and the
#: near-region terms would need ever more guard bits (:func:`sum_guard`); 0.51 needs 8.
MIN_MAX_ERROR, MAX_MAX_ERROR = 0.51, 4.0
MAX_ERROR_RANGE = f"[{MIN_MAX_ERROR}, {MAX_MAX_ERROR:g}]"
#: Domains smaller than this are evaluated once into a lookup table (values unchanged).
LUT_LIMIT = 1 << 22


def phi_exact(kind: str, d_real) -> np.ndarray:
    """phi+ or phi- in float64 (accurate near d = 0 through expm1/log1p)."""
    check_choice("kind", kind, ("plus", "minus"))
    d = np.asarray(d_real, dtype=np.float64)
    if kind == "plus":
        return np.log1p(np.exp2(d)) / np.log(2)
    with np.errstate(divide="ignore"):
        return np.log2(-np.expm1(d * np.log(2)))


def _phi_plus(x):
    return phi_exact("plus", x)


def _phi_minus(x):
    return phi_exact("minus", x)


def _g(x):
    return np.log2(-np.expm1(x * np.log(2)) / -x)


def _log2p1(x):
    return np.log2(1.0 + x)


class GaussianLog:
    """phi+ or phi- of a format, as integer ulps.

    Parameters
    ----------
    fmt : LNSFormat
    kind : {"plus", "minus"}
    method : {"direct", "interp"}
    max_error : float
        For ``"interp"``: bound on the error in ulps, measured over every input; the
        default 1.0 is faithful rounding.

    Attributes
    ----------
    zero_below : int
        Below this ``d`` phi is 0.
    near_above : int or None
        phi- with ``"interp"``: ``d > near_above`` (i.e. ``-2**F < d < 0``) uses the
        decomposition; None otherwise.
    table : DirectTable or PiecewiseLinear
        The approximation of phi on ``[zero_below, table_hi]``.
    g, log2p1 : approximations or None
        The near-region terms (phi- with ``"interp"``).
    sum_guard : int or None
        Their extra fractional bits (:func:`sum_guard` of ``max_error``), or None.
    """

    def __init__(self, fmt: LNSFormat, kind: str, method: str, *, max_error: float = 1.0):
        check_format(fmt)
        if kind not in ("plus", "minus"):
            raise ValueError(f"kind must be 'plus' or 'minus', not {kind!r}")
        check_choice("method", method, METHODS)
        check_max_error(max_error)
        self.fmt, self.kind, self.method, self.max_error = fmt, kind, method, max_error
        F = fmt.frac_bits
        self.d_min = -2 * fmt.log_max
        self.d_max = 0 if kind == "plus" else -1
        self.zero_below = self._zero_boundary()
        near = method == "interp" and kind == "minus" and F >= 2
        self.near_above = -(1 << F) if near else None
        table_hi = self.d_max if not near else -(1 << F)
        f = _phi_plus if kind == "plus" else _phi_minus
        self.g = self.log2p1 = self.sum_guard = None
        self._lut = None
        if self.zero_below <= table_hi:
            func = FixedFunction(f"phi_{kind}", f, self.zero_below, table_hi, F, F)
            if method == "direct" and func.size > MAX_DIRECT_ENTRIES:
                raise ValueError(
                    f"method='direct' needs a phi_{kind} table of {func.size:,} entries at "
                    f"frac_bits={F}; at most {MAX_DIRECT_ENTRIES:,} (2**"
                    f"{MAX_DIRECT_ENTRIES.bit_length() - 1}) are supported: use method='interp' "
                    f"or fewer frac_bits")
            if method == "cotrans":  # one phi+ interpolator for both (golden.cotransform)
                from .cotransform import cotransformation
                self.table = cotransformation(fmt, max_error).view(kind)
            else:
                self.table = (DirectTable(func) if method == "direct"
                              else fit_piecewise_linear(func, max_error=max_error))
        else:
            self.table = None
        if near:
            # Each term may err by up to this many of its own (finer) ulps; with the final
            # rounding (0.5) the sum stays below max_error.
            self.sum_guard = sum_guard(max_error)
            budget = (max_error - 0.5) * (1 << self.sum_guard) / 2
            self.g = fit_piecewise_linear(
                FixedFunction("g", _g, -(1 << F) + 1, -1, F, F + self.sum_guard),
                max_error=budget)
            self.log2p1 = fit_piecewise_linear(
                FixedFunction("log2p1", _log2p1, 0, (1 << (F - 1)) - 1, F - 1,
                              F + self.sum_guard),
                max_error=budget)

    def _zero_boundary(self) -> int:
        """Smallest d from which ``round(phi(d))`` is non-zero (phi is monotone in d)."""
        F = self.fmt.frac_bits
        # Search only near the analytic boundary |phi| = 2**-(F+1) to keep this cheap.
        half = 2.0 ** -(F + 1)
        if self.kind == "plus":
            edge = np.log2(np.expm1(half * np.log(2)))
        else:
            edge = np.log2(-np.expm1(-half * np.log(2)))
        centre = int(np.floor(edge * (1 << F)))
        window = np.arange(max(self.d_min, centre - 4), min(self.d_max, centre + 4) + 1,
                           dtype=np.int64)
        big = np.abs(phi_exact(self.kind, window * 2.0 ** -F)) * (1 << F) >= 0.5
        if not big.any():
            return self.d_max + 1 if centre > self.d_max else max(self.d_min, centre)
        return max(self.d_min, int(window[np.argmax(big)]))

    # Evaluation --------------------------------------------------------------------------

    def evaluate(self, d) -> np.ndarray:
        """phi(d) in ulps for integer ``d`` in ``[d_min, d_max]`` (any shape).

        For domains up to :data:`LUT_LIMIT` inputs the region-by-region evaluation is done
        once for every ``d`` and looked up afterwards (same values, much faster).
        """
        d = np.asarray(d, dtype=np.int64)
        if d.size and (d.min() < self.d_min or d.max() > self.d_max):
            raise ValueError(f"d must lie in [{self.d_min}, {self.d_max}] for phi_{self.kind}")
        if self._lut is None and self.d_max - self.d_min < LUT_LIMIT:
            self._lut = self.evaluate_regions(self.domain())
        if self._lut is not None:
            return self._lut[d - self.d_min]
        return self.evaluate_regions(d)

    def evaluate_regions(self, d) -> np.ndarray:
        """phi(d) computed region by region, exactly as the hardware does."""
        d = np.asarray(d, dtype=np.int64)
        out = np.zeros(d.shape, dtype=np.int64)
        if self.table is not None:
            hi = self.table.func.hi
            sel = (d >= self.zero_below) & (d <= hi)
            out[sel] = self.table.evaluate(d[sel])
        if self.near_above is not None:
            sel = d > self.near_above
            out[sel] = self.evaluate_near(d[sel])
        return out

    def near_split(self, d):
        """``(e, m)`` of ``u = -d``: ``u = 2**e * (1 + m / 2**(F-1))``, ``0 <= e < F``."""
        F = self.fmt.frac_bits
        u = -np.asarray(d, dtype=np.int64)
        e = np.zeros(u.shape, dtype=np.int64)
        for bit in range(1, F):  # position of the leading one, as a priority encoder would
            e = np.where(u >> bit != 0, bit, e)
        m = (u << (F - 1 - e)) - (1 << (F - 1))
        return e, m

    def evaluate_near(self, d) -> np.ndarray:
        F = self.fmt.frac_bits
        e, m = self.near_split(d)
        G = self.sum_guard
        total = self.g.evaluate(d) + self.log2p1.evaluate(m) + ((e - F) << (F + G))
        return (total + (1 << (G - 1))) >> G

    # Measurement -------------------------------------------------------------------------

    def domain(self) -> np.ndarray:
        return np.arange(self.d_min, self.d_max + 1, dtype=np.int64)

    def error_ulp(self, d=None) -> np.ndarray:
        """Signed error of :meth:`evaluate` in ulps against float64 phi."""
        d = self.domain() if d is None else np.asarray(d, dtype=np.int64)
        exact = phi_exact(self.kind, d * 2.0 ** -self.fmt.frac_bits) * (1 << self.fmt.frac_bits)
        return self.evaluate(d) - exact

    def parts(self) -> dict:
        """The approximations that make up this phi, by name."""
        named = {"table": self.table, "g": self.g, "log2p1": self.log2p1}
        return {k: v for k, v in named.items() if v is not None}

    @property
    def table_bits(self) -> int:
        return sum(p.table_bits for p in self.parts().values())

    def describe(self) -> str:
        return "; ".join(f"{name}: {p.describe()} ({p.table_bits} bits)"
                         for name, p in self.parts().items()) or "no table"


def sum_guard(max_error: float) -> int:
    """Guard bits of the near-region terms for ``max_error``: :data:`SUM_GUARD`, or more when
    ``max_error`` is so close to 0.5 ulp that each term's share of the error left after the
    final rounding would be under 0.75 of its own ulp (a rounded table alone may err by 0.5).
    At most 8 for ``max_error >= MIN_MAX_ERROR``."""
    guard = SUM_GUARD
    while (max_error - 0.5) * (1 << guard) / 2 < 0.75:
        guard += 1
    return guard


def check_max_error(max_error) -> float:
    """``max_error`` if it is a number in [MIN_MAX_ERROR, MAX_MAX_ERROR] (ulps), else a
    TypeError/ValueError."""
    return check_real("max_error", max_error, f"in {MAX_ERROR_RANGE} ulp",
                      lambda v: MIN_MAX_ERROR <= v <= MAX_MAX_ERROR)


def gaussian_logs(fmt: LNSFormat, method: str = "interp", max_error: float = 1.0):
    """``(phi_plus, phi_minus)`` for a format and method (cached: tables are built once).

    The arguments are checked before the cache is consulted, so an unhashable or wrong one
    gets an error naming it rather than numpy's or the cache's.
    """
    check_format(fmt)
    check_choice("method", method, METHODS)
    check_max_error(max_error)
    return _gaussian_logs(fmt, method, max_error)


@functools.lru_cache(maxsize=64)
def _gaussian_logs(fmt: LNSFormat, method: str, max_error: float):
    return (GaussianLog(fmt, "plus", method, max_error=max_error),
            GaussianLog(fmt, "minus", method, max_error=max_error))
