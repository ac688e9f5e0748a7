"""ELMA-style hybrid multiply-accumulate: LNS products summed exactly in linear fixed point.

After Johnson (2018), "Rethinking floating point for deep learning" (exact log-linear
multiply-add, ELMA): a product of two LNS numbers is a log add, exact; it is converted to
linear fixed point by a small power-of-two table, summed *exactly* in a wide (Kulisch-style)
two's complement accumulator, and only the final sum is rounded back to LNS, once. The
accumulation loop is an integer add, which closes in one cycle, so the hardware
(:class:`lnsgen.hdl.HybridMultiplyAccumulator`) takes one product per cycle.

For an LNS format with ``F`` fractional bits and linear precision ``T = lin_frac_bits``:

1. **Product**: ``p = a * b`` is :func:`lnsgen.golden.mul`: the log fields add; a product beyond
   the format's range saturates to the largest magnitude, one below it flushes to zero (as the
   LNS multiplier and multiply-add do).
2. **To linear**: a non-zero product with log ``L`` (in ulps) is ``2 ** q * 2 ** (r / 2**F)``,
   ``q = floor(L / 2**F)``, ``0 <= r < 2**F``. The table :attr:`HybridMAC.exp2` holds
   ``E[r] = round(2 ** (T + r / 2**F))`` (to nearest; ``2**T <= E[r] < 2**(T+1)``); the linear
   value is ``+-E[r] << (q - q_min)`` in units of ``2 ** (q_min - T)``, ``q_min`` being ``q`` of
   the smallest magnitude. It is exact in those units: every product is a whole number of them.
3. **Accumulate**: the signed sum of ``acc_bits = T + 1 + (q_max - q_min) + guard_bits + 1``
   bits. It **wraps** modulo ``2 ** acc_bits`` (two's complement); ``guard_bits`` is how many
   doublings of the largest product fit: any sum of up to ``2 ** guard_bits`` products is
   exact, and since the wrap is modular, so is any longer sum whose *final* value fits,
   whatever its partial sums did. A final sum beyond ``+-2 ** (acc_bits - 1)`` units comes out
   wrapped (wrong), not saturated. Sums smaller than that but above the largest LNS magnitude
   saturate correctly in step 4.
4. **Back to LNS, one rounding**: ``S = 0`` gives the canonical zero. Else, with ``M = |S|``
   and ``n`` its leading-one position, the ``K = frac_bits + 4`` bits after the leading one are
   the fraction ``f`` (bits further down are truncated; zeros fill in below a short ``M``), and
   ``L = (n + q_min - T) * 2**F + table(f)`` where :attr:`HybridMAC.log2` is the table of
   ``log2(1 + (f + 1/2) / 2**K)`` in ulps (the midpoint of the truncated interval), rounded to
   nearest (``method="direct"``) or piecewise linear (``"interp"``, from
   :func:`lnsgen.golden.funcapprox.fit_piecewise_linear`), exactly as the float-to-LNS
   converters build it. ``L`` saturates above ``log_max`` and flushes to zero below
   ``log_min``; the sign is the sum's. The error of ``L`` against ``log2 M`` (plus the scale)
   is below ``max_error`` ulps, truncation included (``direct``: at most
   ``0.5 + 2**F * 2**-(K+1) / ln 2``, 0.545 ulp).

Accuracy in one line: each product is linearized with a relative error of at most
``2 ** -(T + 1)``; the sum of those is exact; the result is within ``max_error`` ulp of it.
"""

from __future__ import annotations

import functools

import numpy as np

from .arith import mul
from .checks import check_axis, check_bits, check_choice, check_format, check_int, check_real
from .converters import CONVERTER_METHODS, DIRECT_AUTO_ENTRIES, TRUNCATE_GUARD
from .fma import _bit_length
from .format import LNSFormat
from .funcapprox import DirectTable, FixedFunction, fit_piecewise_linear

__all__ = ["GUARD_BITS_RANGE", "MAX_FRAC_BITS", "HybridMAC", "hybrid_dot", "hybrid_stream_sums"]

#: ``frac_bits`` accepted: the power-of-two table has ``2 ** frac_bits`` entries.
MAX_FRAC_BITS = 16
#: ``guard_bits`` accepted.
GUARD_BITS_RANGE = (0, 32)
#: ``lin_frac_bits - frac_bits`` accepted.
LIN_EXTRA_RANGE = (0, 8)
#: Default ``lin_frac_bits - frac_bits``: linearization error at most 2**-(F+4) relative,
#: about 0.09 ulp of the log.
LIN_EXTRA_DEFAULT = 3
#: Accepted ``max_error`` of an ``"interp"`` log table (ulps of the log, truncation included).
MAX_ERROR_RANGE = (0.6, 4.0)


class HybridMAC:
    """The hybrid multiply-accumulate of an LNS format: tables, widths and arithmetic.

    Parameters
    ----------
    fmt : LNSFormat
        Operand and result format; ``frac_bits`` at most 16.
    guard_bits : int
        Accumulator bits above the largest product, 0 to 32 (default 8: 256 largest products).
    lin_frac_bits : int or None
        ``T``, fraction bits of a linearized product, ``frac_bits`` to ``frac_bits + 8``
        (default ``frac_bits + 3``).
    method : {"auto", "direct", "interp"}
        The final ``log2(1 + f)`` table: ``"auto"`` takes ``"direct"`` up to 4096 entries.
    max_error : float
        For ``"interp"``: bound on the final conversion's error in ulps of the log, truncation
        included, 0.6 to 4 (default 1.0, faithful).

    Raises
    ------
    TypeError, ValueError
        If a parameter is of the wrong type or outside its range (the message names it).

    Attributes
    ----------
    q_min, q_max : int
        ``floor(log / 2**F)`` of the smallest and largest magnitudes.
    lin_frac_bits : int
        ``T``.
    acc_bits : int
        Width of the two's complement accumulator.
    exp2 : DirectTable
        ``E[r] = round(2 ** (T + r / 2**F))``, ``0 <= r < 2**F``.
    log_bits_in : int
        ``K``, fraction bits after the leading one that index the log table.
    log2 : DirectTable or PiecewiseLinear
        ``log2(1 + (f + 1/2) / 2**K)`` in ulps of the log.
    method : {"direct", "interp"}
    """

    def __init__(self, fmt: LNSFormat, *, guard_bits: int = 8, lin_frac_bits: int | None = None,
                 method: str = "auto", max_error: float = 1.0):
        self.fmt = check_format(fmt)
        F = fmt.frac_bits
        if F > MAX_FRAC_BITS:
            raise ValueError(f"fmt.frac_bits must be at most {MAX_FRAC_BITS} for the hybrid MAC "
                             f"(its power-of-two table has 2**frac_bits entries), not {F}")
        self.guard_bits = check_int("guard_bits", guard_bits, *GUARD_BITS_RANGE)
        if lin_frac_bits is None:
            lin_frac_bits = F + LIN_EXTRA_DEFAULT
        lo, hi = F + LIN_EXTRA_RANGE[0], F + LIN_EXTRA_RANGE[1]
        self.lin_frac_bits = T = check_int("lin_frac_bits", lin_frac_bits, lo, hi)
        check_choice("method", method, CONVERTER_METHODS)
        lo_e, hi_e = MAX_ERROR_RANGE
        self.max_error = check_real("max_error", max_error, f"in [{lo_e}, {hi_e:g}] ulp",
                                    lambda v: lo_e <= v <= hi_e)
        self.q_min, self.q_max = fmt.log_min >> F, fmt.log_max >> F
        self.acc_bits = T + 1 + (self.q_max - self.q_min) + self.guard_bits + 1
        self.exp2 = DirectTable(FixedFunction("exp2", np.exp2, 0, (1 << F) - 1, F, T))
        self.log_bits_in = K = F + TRUNCATE_GUARD
        self.method = method if method != "auto" else (
            "direct" if 1 << K <= DIRECT_AUTO_ENTRIES else "interp")
        half = 2.0 ** -(K + 1)
        func = FixedFunction("log2p1", lambda f: np.log2(1.0 + f + half), 0, (1 << K) - 1, K, F)
        if self.method == "direct":
            self.log2 = DirectTable(func)
        else:
            budget = self.max_error - 2.0 ** F * half / np.log(2)
            self.log2 = fit_piecewise_linear(func, max_error=budget)
        # int64 holds every accumulator value (and wraps modulo 2**64, a multiple of 2**acc_bits).
        self._wide = self.acc_bits > 62

    # Steps ---------------------------------------------------------------------------------

    def _ints(self, x):
        return np.asarray(x).astype(object) if self._wide else np.asarray(x, dtype=np.int64)

    def linear(self, product):
        """Signed linear values of LNS product codes, in units of ``2 ** (q_min - T)``
        (int64, or Python ints when ``acc_bits > 62``)."""
        fmt = self.fmt
        sign, log, zero = fmt.unpack(product)
        F = fmt.frac_bits
        q, r = log >> F, log & ((1 << F) - 1)
        shift = np.where(zero, 0, q - self.q_min)
        mag = self._ints(self.exp2.evaluate(r)) << self._ints(shift)
        return np.where(zero, 0, np.where(sign == 1, -mag, mag))

    def wrap(self, total):
        """``total`` reduced to the accumulator's two's complement range."""
        A = self.acc_bits
        total = self._ints(total)
        return ((total + (1 << (A - 1))) & ((1 << A) - 1)) - (1 << (A - 1))

    def to_lns(self, total):
        """LNS codes of accumulator values (signed, in the accumulator's range)."""
        fmt, K, F = self.fmt, self.log_bits_in, self.fmt.frac_bits
        total = self._ints(total)
        shape = total.shape
        total = total.reshape(-1)  # 1-d: object arithmetic on 0-d arrays gives bare ints
        zero = total == 0
        mag = np.abs(total)
        n = _bit_length(np.where(zero, 1, mag)) - 1
        down, up = self._ints(np.maximum(n - K, 0)), self._ints(np.maximum(K - n, 0))
        f = np.asarray(((mag >> down) << up) & ((1 << K) - 1), dtype=np.int64)
        log = ((n + self.q_min - self.lin_frac_bits) << F) + self.log2.evaluate(f)
        zero = zero | (log < fmt.log_min)
        log = np.minimum(log, fmt.log_max)
        sign = np.asarray(total < 0, dtype=np.int64)
        code = fmt.pack(np.where(zero, 0, sign), np.where(zero, fmt.zero_log, log))
        return code.reshape(shape)

    # Whole operations ----------------------------------------------------------------------

    def dot(self, a, b, axis: int = -1):
        """``sum(a * b)`` along ``axis`` of LNS codes (broadcast together), one rounding."""
        fmt = self.fmt
        a, b = fmt.check_codes(a, "a"), fmt.check_codes(b, "b")
        try:
            shape = np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ValueError(f"a and b must have shapes that broadcast together; got a "
                             f"{a.shape}, b {b.shape}") from None
        axis = check_axis("axis", axis, len(shape))
        lin = self.linear(mul(fmt, a, b))
        total = self.wrap(np.sum(np.broadcast_to(lin, shape), axis=axis))
        code = np.asarray(self.to_lns(total))
        return code if code.ndim else int(code)

    def stream_sums(self, a, b, last) -> np.ndarray:
        """The sums the hardware emits for a stream of products ``a * b`` with ``last`` flags:
        each runs from the beat after a ``last`` to the next ``last`` (inclusive); beats after
        the final ``last`` form no sum. ``a``, ``b`` and ``last`` have one shape."""
        fmt = self.fmt
        a, b = fmt.check_codes(a, "a").ravel(), fmt.check_codes(b, "b").ravel()
        last = check_bits("last", last).ravel()
        if not a.shape == b.shape == last.shape:
            raise ValueError(f"a, b and last must have one shape; got a {a.shape}, b {b.shape}, "
                             f"last {last.shape}")
        lin = self.linear(mul(fmt, a, b))
        ends = np.flatnonzero(last)
        if not len(ends):
            return np.zeros(0, dtype=np.int64)
        starts = np.concatenate([[0], ends[:-1] + 1])
        # Cumulative sums (exact, or modulo 2**64 in int64: both agree modulo 2**acc_bits).
        with np.errstate(over="ignore"):
            csum = np.concatenate([self._ints([0]), np.cumsum(lin)])
            totals = csum[ends + 1] - csum[starts]
        return np.asarray(self.to_lns(self.wrap(totals)), dtype=np.int64)


@functools.lru_cache(maxsize=32)
def _model(fmt, guard_bits, lin_frac_bits, method, max_error) -> HybridMAC:
    return HybridMAC(fmt, guard_bits=guard_bits, lin_frac_bits=lin_frac_bits, method=method,
                     max_error=max_error)


def _cached(fmt, guard_bits, lin_frac_bits, method, max_error) -> HybridMAC:
    check_format(fmt)
    try:
        return _model(fmt, guard_bits, lin_frac_bits, method, max_error)
    except TypeError as exc:  # an unhashable parameter: let the constructor name it
        if "unhashable" not in str(exc):
            raise
        return HybridMAC(fmt, guard_bits=guard_bits, lin_frac_bits=lin_frac_bits,
                         method=method, max_error=max_error)


def hybrid_dot(fmt: LNSFormat, a, b, axis: int = -1, *, guard_bits: int = 8,
               lin_frac_bits: int | None = None, method: str = "auto", max_error: float = 1.0):
    """``sum(a * b)`` along ``axis`` as the hybrid MAC computes it (:class:`HybridMAC`)."""
    return _cached(fmt, guard_bits, lin_frac_bits, method, max_error).dot(a, b, axis)


def hybrid_stream_sums(fmt: LNSFormat, a, b, last, *, guard_bits: int = 8,
                       lin_frac_bits: int | None = None, method: str = "auto",
                       max_error: float = 1.0) -> np.ndarray:
    """The sums of a product stream with ``last`` flags (:meth:`HybridMAC.stream_sums`)."""
    return _cached(fmt, guard_bits, lin_frac_bits, method, max_error).stream_sums(a, b, last)
