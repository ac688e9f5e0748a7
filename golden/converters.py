"""IEEE float words to LNS codes and back, exactly as the hardware converters compute them.

Float to LNS (:class:`FloatToLNS`)
    A finite non-zero float is ``2 ** e * (1 + f)`` (a subnormal is first normalized: the
    leading one of its fraction becomes the implicit bit), so its log is
    ``e + log2(1 + f)``. The fraction ``f`` indexes a table of ``log2(1 + f)`` in ulps of the
    log; the result is ``e * 2 ** F + table(f)``, then saturated to the largest magnitude or
    flushed to zero as in :func:`lnsgen.golden.from_float`. Special words follow
    :mod:`lnsgen.golden.convert`'s rules: ``+-0`` give the canonical zero, ``+-inf`` saturate with
    their sign, NaN gives zero (the hardware cannot raise; this is ``nan="zero"``).

    ``method="direct"``: one correctly rounded entry per fraction (``2 ** man_bits``
    entries), so the result equals :func:`lnsgen.golden.from_float` of the float's value.
    ``method="interp"``: piecewise-linear (:func:`lnsgen.golden.funcapprox.fit_piecewise_linear`) on
    the top ``min(man_bits, F + TRUNCATE_GUARD)`` fraction bits; the error, truncation
    included, stays below ``max_error`` ulps of the log.

LNS to float (:class:`LNSToFloat`)
    A non-zero code with log ``L`` (in ulps) is ``2 ** q * 2 ** (r / 2 ** F)`` with
    ``q = floor(L / 2 ** F)`` and ``0 <= r < 2 ** F``. A table gives the fraction
    ``2 ** (r / 2 ** F) - 1`` with two extra bits beyond the float's ``man_bits``; the
    significand is shifted right for a subnormal result (the bits shifted out kept as a sticky
    bit) and rounded to nearest, ties to even. Overflow gives ``+-inf`` and underflow ``+-0``
    (IEEE round to nearest); every zero code gives ``+0``.

    ``method="direct"``: the table is rounded to odd (:class:`~lnsgen.golden.funcapprox.DirectTable`),
    which makes the final rounding correct: the result is the float nearest to the LNS value,
    subnormals included. ``method="interp"``: piecewise-linear, faithful to within
    ``max_error`` units of the extended fraction before the final rounding.

``method="auto"`` (the default of the hardware) takes ``"direct"`` when its table has at most
:data:`DIRECT_AUTO_ENTRIES` entries. A direct table may have up to :data:`MAX_DIRECT_ENTRIES`.
"""

from __future__ import annotations

import functools

import numpy as np

from .checks import check_choice, check_format, check_real
from .format import LNSFormat
from .funcapprox import DirectTable, FixedFunction, fit_piecewise_linear
from .ieee import FloatFormat

__all__ = [
    "CONVERTER_METHODS",
    "DIRECT_AUTO_ENTRIES",
    "MAX_DIRECT_ENTRIES",
    "TRUNCATE_GUARD",
    "FloatToLNS",
    "LNSToFloat",
    "float_to_lns",
    "lns_to_float",
]

CONVERTER_METHODS = ("auto", "direct", "interp")
#: ``"auto"`` picks a direct table up to this many entries (a 1k x 11-bit table for fp16).
DIRECT_AUTO_ENTRIES = 1 << 12
#: Largest direct table accepted (64k entries: one ulp of a 16-bit fraction).
MAX_DIRECT_ENTRIES = 1 << 16
#: ``"interp"`` float-to-LNS keeps this many fraction bits beyond the log's ``frac_bits``;
#: truncating the rest costs at most ``2 ** -(TRUNCATE_GUARD + 1) / ln 2`` ulp (0.045).
TRUNCATE_GUARD = 4
#: Extra fraction bits of the LNS-to-float table (round bit and sticky-carrying bit).
EXTRA_BITS = 2
#: Accepted ``max_error`` for ``"interp"`` (ulps of the log, or of the extended fraction).
MAX_ERROR_RANGE = (0.6, 4.0)


def check_float_format(ffmt, name: str) -> FloatFormat:
    """``ffmt`` if it is a :class:`~lnsgen.golden.ieee.FloatFormat`, else a ``TypeError``."""
    if not isinstance(ffmt, FloatFormat):
        raise TypeError(f"{name} must be a golden.ieee.FloatFormat, not {ffmt!r}")
    return ffmt


def _resolve_method(method, entries: int, what: str) -> str:
    check_choice("method", method, CONVERTER_METHODS)
    if method == "auto":
        return "direct" if entries <= DIRECT_AUTO_ENTRIES else "interp"
    if method == "direct" and entries > MAX_DIRECT_ENTRIES:
        raise ValueError(f"method='direct' needs a table of {entries:,} entries ({what}); "
                         f"at most {MAX_DIRECT_ENTRIES:,} are accepted: use method='interp'")
    return method


def _check_max_error(max_error) -> float:
    lo, hi = MAX_ERROR_RANGE
    return check_real("max_error", max_error, f"in [{lo}, {hi:g}] ulp", lambda v: lo <= v <= hi)


class FloatToLNS:
    """The float-to-LNS converter of a (float format, LNS format) pair.

    Parameters
    ----------
    fmt : LNSFormat
        Result format.
    src : FloatFormat
        Input format.
    method : {"auto", "direct", "interp"}
    max_error : float
        For ``"interp"``: bound on the error of the log in ulps, truncation included
        (0.6 to 4; default 1.0, faithful).

    Attributes
    ----------
    method : {"direct", "interp"}
        The method in use (``"auto"`` resolved).
    table_bits_in : int
        Fraction bits that index the table (``man_bits``, or fewer for ``"interp"``).
    table : DirectTable or PiecewiseLinear
        ``log2(1 + f)`` in ulps of the log.
    subnormals : bool
        Whether some subnormal input converts to a non-zero code (else the hardware needs no
        normalizer: every subnormal flushes to zero).
    """

    def __init__(self, fmt: LNSFormat, src: FloatFormat, *, method: str = "auto",
                 max_error: float = 1.0):
        self.fmt = check_format(fmt)
        self.src = check_float_format(src, "src")
        max_error = _check_max_error(max_error)
        F, M = fmt.frac_bits, src.man_bits
        self.method = _resolve_method(method, 1 << M, f"2**man_bits for {src.name}")
        self.max_error = max_error
        kept = M if self.method == "direct" else min(M, F + TRUNCATE_GUARD)
        self.table_bits_in = kept
        # Truncated fractions stand for the middle of the range of fractions they cover.
        half = 2.0 ** -(kept + 1) if kept < M else 0.0
        func = FixedFunction("log2p1", lambda f: np.log2(1.0 + f + half), 0, (1 << kept) - 1,
                             kept, F)
        if self.method == "direct":
            self.table = DirectTable(func)
        else:
            budget = max_error - 2.0 ** F * half / np.log(2)
            self.table = fit_piecewise_linear(func, max_error=budget)
        # The largest subnormal has exponent emin - 1 and a log below emin (in ulps, emin << F).
        self.subnormals = (src.emin << F) >= fmt.log_min

    def normalize(self, exp, man):
        """``(e, f)`` with the value ``2 ** e * (1 + f / 2 ** man_bits)`` of a finite non-zero
        float's biased exponent and fraction (subnormals shifted by their leading zeros)."""
        src = self.src
        M = src.man_bits
        sub = exp == 0
        # Leading one of a subnormal fraction, as a priority encoder finds it.
        lead = np.zeros(np.shape(man), dtype=np.int64)
        for bit in range(1, M):
            lead = np.where(man >> bit != 0, bit, lead)
        shift = M - lead
        e = np.where(sub, src.emin - shift, exp - src.bias)
        f = np.where(sub, (man << shift) & ((1 << M) - 1), man)
        return e, f

    def evaluate(self, word):
        """LNS codes of float words (any shape)."""
        fmt, src = self.fmt, self.src
        sign, exp, man = src.fields(word)
        special = exp == src.exp_max_field
        e, f = self.normalize(exp, man)
        kept = self.table_bits_in
        log = (e << fmt.frac_bits) + self.table.evaluate(f >> (src.man_bits - kept))
        zero = ((exp == 0) & (man == 0)) | (special & (man != 0)) | (~special & (log < fmt.log_min))
        log = np.where(special | (log > fmt.log_max), fmt.log_max, log)
        code = fmt.pack(np.where(zero, 0, sign), np.where(zero, fmt.zero_log, log))
        return code if np.ndim(code) else int(code)


class LNSToFloat:
    """The LNS-to-float converter of an (LNS format, float format) pair.

    Parameters
    ----------
    fmt : LNSFormat
        Input format.
    dst : FloatFormat
        Result format.
    method : {"auto", "direct", "interp"}
    max_error : float
        For ``"interp"``: bound on the table's error in units of its last bit (``man_bits + 2``
        fraction bits; 0.6 to 4, default 1.0). The result then errs by less than
        ``0.5 + max_error / 4`` ulp of the float.

    Attributes
    ----------
    method : {"direct", "interp"}
    table : DirectTable or PiecewiseLinear
        ``(2 ** (r / 2 ** F) - 1) * 2 ** (man_bits + 2)`` for ``0 <= r < 2 ** F``.
    subnormals, overflow : bool
        Whether some code converts to a subnormal (or zero by underflow) / to infinity, i.e.
        whether the hardware needs the right shifter / the overflow check.
    """

    def __init__(self, fmt: LNSFormat, dst: FloatFormat, *, method: str = "auto",
                 max_error: float = 1.0):
        self.fmt = check_format(fmt)
        self.dst = check_float_format(dst, "dst")
        self.max_error = _check_max_error(max_error)
        F, M = fmt.frac_bits, dst.man_bits
        self.method = _resolve_method(method, 1 << F, f"2**frac_bits for {fmt.name}")
        func = FixedFunction("exp2m1", lambda r: np.exp2(r) - 1.0, 0, (1 << F) - 1, F,
                             M + EXTRA_BITS)
        self.table = (DirectTable(func, rounding="odd") if self.method == "direct"
                      else fit_piecewise_linear(func, max_error=self.max_error))
        q_min, q_max = fmt.log_min >> F, fmt.log_max >> F
        self.subnormals = q_min + dst.bias < 1
        # Rounding may carry into the exponent: the top binade can round up to 2 ** (q_max + 1).
        self.overflow = q_max + 1 + dst.bias >= dst.exp_max_field

    def evaluate(self, code):
        """Float words of LNS codes (any shape)."""
        fmt, dst = self.fmt, self.dst
        F, M = fmt.frac_bits, dst.man_bits
        sign, log, zero = fmt.unpack(code)
        log = np.where(zero, 0, log)
        q, r = log >> F, log & ((1 << F) - 1)
        sig = (1 << (M + EXTRA_BITS)) + self.table.evaluate(r)   # 1.f, M + 2 fraction bits
        biased = q + dst.bias
        # A subnormal result: shift right until the exponent is emin; the bits shifted out
        # only matter as a sticky bit (sig < 2 ** (M + 4), so M + 4 shifts clear it).
        shift = np.clip(1 - biased, 0, M + EXTRA_BITS + 2)
        kept = sig >> shift
        sticky = (sig & ((1 << shift) - 1)) != 0
        lsb, rnd = (kept >> EXTRA_BITS) & 1, (kept >> (EXTRA_BITS - 1)) & 1
        rest = ((kept & ((1 << (EXTRA_BITS - 1)) - 1)) != 0) | sticky
        rounded = (kept >> EXTRA_BITS) + (rnd & (rest | lsb))
        # ``rounded`` holds the implicit bit, which adds one to the exponent field: subnormals
        # (exponent field 0) that round up to 2 ** emin come out as the smallest normal.
        mag = ((np.maximum(biased, 1) - 1) << M) + rounded
        mag = np.minimum(mag, dst.inf)
        word = np.where(zero, 0, (sign << (dst.width - 1)) | mag)
        return word if np.ndim(word) else int(word)


@functools.lru_cache(maxsize=32)
def _float_to_lns(fmt, src, method, max_error):
    return FloatToLNS(fmt, src, method=method, max_error=max_error)


@functools.lru_cache(maxsize=32)
def _lns_to_float(fmt, dst, method, max_error):
    return LNSToFloat(fmt, dst, method=method, max_error=max_error)


def float_to_lns(fmt: LNSFormat, src: FloatFormat, word, *, method: str = "auto",
                 max_error: float = 1.0):
    """LNS codes of ``src`` words, as the hardware converter computes them (tables cached).

    Raises
    ------
    TypeError
        If ``fmt`` or ``src`` is not a format, or ``word`` not an integer array.
    ValueError
        If ``word`` holds a value that is not a word of ``src``, or ``method`` or
        ``max_error`` is not accepted.
    """
    check_format(fmt)
    check_float_format(src, "src")
    check_choice("method", method, CONVERTER_METHODS)
    return _float_to_lns(fmt, src, method, _check_max_error(max_error)).evaluate(word)


def lns_to_float(fmt: LNSFormat, dst: FloatFormat, code, *, method: str = "auto",
                 max_error: float = 1.0):
    """``dst`` words of LNS codes, as the hardware converter computes them (tables cached).

    Raises
    ------
    TypeError
        If ``fmt`` or ``dst`` is not a format, or ``code`` not an integer array.
    ValueError
        If ``code`` holds a value that is not a code of ``fmt``, or ``method`` or
        ``max_error`` is not accepted.
    """
    check_format(fmt)
    check_float_format(dst, "dst")
    check_choice("method", method, CONVERTER_METHODS)
    return _lns_to_float(fmt, dst, method, _check_max_error(max_error)).evaluate(code)
