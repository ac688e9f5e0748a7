"""Fixed-point function approximation: hardware tables and their exact integer evaluation.

A :class:`FixedFunction` is a real function sampled on an integer grid: input ``x`` (an integer
in ``[lo, hi]``) means ``x * 2 ** -in_frac``, output ``y`` means ``y * 2 ** -out_frac``. An
approximation method turns it into tables plus an integer evaluation rule; the rule written
here is *the* definition of what the hardware computes (``hdl/funcapprox.py`` transcribes it,
reading the tables from these objects), so golden and RTL agree bit for bit by construction.

Methods
-------
:class:`DirectTable`
    One entry per input: ``y = T[x - lo]``, rounded to nearest. Exact to 0.5 ulp; the size grows
    with the domain, so it is for small formats and small sub-domains.
:class:`PiecewiseLinear`
    ``u = x - lo`` splits into a segment index ``s = u >> k`` and an offset ``t = u & (2**k - 1)``;
    ``y = (c0[s] + ((c1[s] * t) >> k) + 2 ** (g - 1)) >> g`` with ``g`` guard bits. ``c1`` is the
    chord over the segment and ``c0`` is centred so the error is balanced (minimax for a convex or
    concave segment, measured exactly over every input of the segment).

:func:`fit_piecewise_linear` searches ``k`` and ``g`` for the fewest table bits meeting a
maximum error, measured exhaustively against the float64 function.

Memory stays bounded whatever the domain: errors, directions and output ranges are measured
over chunks of :data:`EVAL_CHUNK` inputs, and a direct table is only built (at most
:data:`MAX_DIRECT_ENTRIES` entries) when it is the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from .checks import check_choice, check_int, check_real

__all__ = [
    "EVAL_CHUNK",
    "MAX_DIRECT_ENTRIES",
    "DirectTable",
    "FixedFunction",
    "PiecewiseLinear",
    "bits_for",
    "fit_piecewise_linear",
]


def bits_for(values) -> tuple[int, bool]:
    """``(width, signed)`` of the narrowest integer shape that holds every value."""
    values = np.asarray(values, dtype=np.int64)
    lo, hi = (int(values.min()), int(values.max())) if values.size else (0, 0)
    if lo >= 0:
        return max(1, hi.bit_length()), False
    return max((-lo - 1).bit_length(), hi.bit_length()) + 1, True


#: Most fractional bits of an input or output. lnsgen uses at most 25 (23 + the near-zero
#: guard bits); the bound keeps table values and their int64 products well inside 63 bits.
MAX_FRAC = 40
#: Rounding rules of :class:`DirectTable`.
ROUNDINGS = ("nearest", "odd")
#: Inputs evaluated at once when a table is fitted or measured (bounds the temporaries).
EVAL_CHUNK = 1 << 20
#: Largest :class:`DirectTable` (entries): 256 MB of int64, built from 256 MB of float64.
MAX_DIRECT_ENTRIES = 1 << 25


@dataclasses.dataclass(frozen=True)
class FixedFunction:
    """A real function on an integer grid.

    Parameters
    ----------
    name : str
        Short name, used for table names in the hardware.
    f : callable
        Vectorized float64 function of the real input.
    lo, hi : int
        Integer input domain, both ends included.
    in_frac, out_frac : int
        Fractional bits of input and output, 0 to :data:`MAX_FRAC`.

    Raises
    ------
    TypeError
        If ``name`` is not a string, ``f`` is not callable or a bound is not an integer.
    ValueError
        If ``hi < lo``, the domain has more than ``2 ** 40`` inputs, or a fraction width is
        outside ``[0, MAX_FRAC]``.
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    lo: int
    hi: int
    in_frac: int
    out_frac: int

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, not {self.name!r}")
        if not callable(self.f):
            raise TypeError(f"f must be a callable of a float64 array, not {self.f!r}")
        for field in ("lo", "hi"):
            check_int(field, getattr(self, field))
        for field in ("in_frac", "out_frac"):
            check_int(field, getattr(self, field), 0, MAX_FRAC)
        if self.hi < self.lo:
            raise ValueError(f"{self.name}: empty domain [{self.lo}, {self.hi}]")
        if self.hi - self.lo >= 1 << 40:  # every method evaluates the whole domain
            raise ValueError(f"{self.name}: hi - lo must be below 2**40, not {self.hi - self.lo}")

    @property
    def size(self) -> int:
        return self.hi - self.lo + 1

    @property
    def in_bits(self) -> int:
        """Bits of ``u = x - lo``."""
        return max(1, (self.size - 1).bit_length())

    def grid(self) -> np.ndarray:
        return np.arange(self.lo, self.hi + 1, dtype=np.int64)

    def grid_chunks(self, size: int | None = None):
        """The grid in consecutive pieces of at most ``size`` (:data:`EVAL_CHUNK`) inputs."""
        size = EVAL_CHUNK if size is None else size
        for start in range(self.lo, self.hi + 1, size):
            yield np.arange(start, min(start + size, self.hi + 1), dtype=np.int64)

    def exact(self, x, extra_frac: int = 0) -> np.ndarray:
        """The real function value at integer inputs, scaled by ``2 ** (out_frac + extra_frac)``."""
        x = np.asarray(x, dtype=np.float64) * 2.0 ** -self.in_frac
        return self.f(x) * 2.0 ** (self.out_frac + extra_frac)

    def check_domain(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.int64)
        if x.size and (x.min() < self.lo or x.max() > self.hi):
            raise ValueError(f"{self.name}: inputs must lie in [{self.lo}, {self.hi}]")
        return x


def _check_func(func) -> FixedFunction:
    if not isinstance(func, FixedFunction):
        raise TypeError(f"func must be a FixedFunction, not {func!r}")
    return func


class _Method:
    func: FixedFunction

    def error_ulp(self) -> np.ndarray:
        """Signed error, in output ulps, at every input of the domain."""
        x = self.func.grid()
        return self.evaluate(x) - self.func.exact(x)

    def max_abs_error(self) -> float:
        """``max |error_ulp()|``, measured in chunks (bounded memory)."""
        worst = 0.0
        for x in self.func.grid_chunks():
            worst = max(worst, float(np.abs(self.evaluate(x) - self.func.exact(x)).max()))
        return worst

    def direction(self) -> int:
        """:func:`_direction` of the outputs over the whole domain, measured in chunks."""
        return _chunked_direction(self.evaluate(x) for x in self.func.grid_chunks())

    @property
    def table_bits(self) -> int:
        return sum(len(t) * bits_for(t)[0] for t in self.tables.values())

    @property
    def out_shape(self) -> tuple[int, bool]:
        lo = hi = None
        for x in self.func.grid_chunks():
            y = self.evaluate(x)
            lo = int(y.min()) if lo is None else min(lo, int(y.min()))
            hi = int(y.max()) if hi is None else max(hi, int(y.max()))
        return bits_for([lo, hi])


class DirectTable(_Method):
    """One rounded entry per input.

    Parameters
    ----------
    func : FixedFunction
    rounding : {"nearest", "odd"}
        ``"nearest"``: ties round up, as ``floor(v + 1/2)``. ``"odd"``: round to odd
        (``floor(v)``, with the lowest bit set when ``v`` is not an integer), which keeps the
        information a later rounding to fewer bits needs: rounding a round-to-odd value with
        at least two extra bits to nearest gives the correctly rounded result.

    Raises
    ------
    ValueError
        If ``rounding`` is unknown, or (``"odd"``) a value lies so close to an integer that
        float64 cannot tell whether it is one.

    Attributes
    ----------
    tables : dict
        ``{"y": int64 array}`` indexed by ``x - lo``.
    """

    method = "direct"

    def __init__(self, func: FixedFunction, *, rounding: str = "nearest"):
        self.func = _check_func(func)
        check_choice("rounding", rounding, ROUNDINGS)
        if func.size > MAX_DIRECT_ENTRIES:
            raise ValueError(f"{func.name}: a direct table of {func.size:,} entries is too large "
                             f"(at most {MAX_DIRECT_ENTRIES:,}, 2**{MAX_DIRECT_ENTRIES.bit_length() - 1})")
        self.rounding = rounding
        exact = func.exact(func.grid())
        if rounding == "nearest":
            y = np.floor(exact + 0.5)
        else:
            y = np.floor(exact)
            inexact = exact != y
            close = np.minimum(exact - y, y + 1 - exact) < 2.0 ** -20
            if (inexact & close).any():
                x = func.grid()[np.argmax(inexact & close)]
                raise ValueError(f"{func.name}: cannot round to odd at input {x}: the value is "
                                 f"within float64 error of an integer")
            y = np.where(inexact, y + (1 - y % 2), y)
        self.tables = {"y": y.astype(np.int64)}

    def evaluate(self, x) -> np.ndarray:
        x = self.func.check_domain(x)
        return self.tables["y"][x - self.func.lo]

    def describe(self) -> str:
        odd = ", rounded to odd" if self.rounding == "odd" else ""
        return f"direct table, {self.func.size} entries{odd}"


class PiecewiseLinear(_Method):
    """Uniform piecewise-linear interpolation with integer coefficients.

    Parameters
    ----------
    func : FixedFunction
    offset_bits : int
        ``k``: low bits of ``u = x - lo`` used as the offset in a segment (segments hold
        ``2 ** k`` inputs).
    guard_bits : int
        ``g``: extra fractional bits of the coefficients, dropped by the final rounding.

    Attributes
    ----------
    tables : dict
        ``{"c0": ..., "c1": ...}``, one entry per segment.
    """

    method = "interp"

    def __init__(self, func: FixedFunction, *, offset_bits: int, guard_bits: int,
                 direction: int = 0):
        _check_func(func)
        offset_bits = check_int("offset_bits", offset_bits, 0, func.in_bits)
        guard_bits = check_int("guard_bits", guard_bits, 0, 16)
        if isinstance(direction, bool) or direction not in (-1, 0, 1):
            raise ValueError(f"direction must be -1, 0 or 1, not {direction!r}")
        self.func = func
        self.offset_bits = k = offset_bits
        self.guard_bits = g = guard_bits
        n_seg = (func.size + (1 << k) - 1) >> k
        starts = func.lo + (np.arange(n_seg, dtype=np.int64) << k)
        # Chord slope over the whole segment (to the next segment's first input); the last
        # segment's chord stops at hi, since the function may not exist past it.
        ends = np.minimum(starts + (1 << k), func.hi)
        y0 = func.exact(starts, g)
        run = np.maximum(ends - starts, 1)
        c1 = np.rint((func.exact(ends, g) - y0) * (1 << k) / run).astype(np.int64)
        c0 = np.rint(y0).astype(np.int64)
        # Centre the error of every segment, measured over its inputs (in chunks of the
        # domain; a segment split between chunks gets the extremes of both parts).
        emax = np.full(n_seg, -np.inf)
        emin = np.full(n_seg, np.inf)
        for x in func.grid_chunks():
            u = x - func.lo
            s, t = u >> k, u & ((1 << k) - 1)
            err = (c0[s] + ((c1[s] * t) >> k)) - func.exact(x, g)
            first = np.flatnonzero(np.diff(s, prepend=s[0] - 1))       # runs of one segment
            seg = s[first]
            emax[seg] = np.maximum(emax[seg], np.maximum.reduceat(err, first))
            emin[seg] = np.minimum(emin[seg], np.minimum.reduceat(err, first))
        c0 -= np.rint((emax + emin) / 2).astype(np.int64)
        self.tables = {"c0": c0, "c1": c1}
        if direction:
            self._make_monotone(direction)

    def _make_monotone(self, direction: int):
        """Shift segments (by guard units) so the output never steps against ``direction``.

        Balancing each segment's error on its own can leave a segment's first output a step
        behind the previous segment's last one; moving the later segment closes the step and
        keeps every segment linear. The error bound is checked afterwards by the caller.

        Segment by segment, ``c0[s]`` moves by the fewest guard units (at most ``2 ** (g + 1)``)
        that put its first output at or past the last output of segment ``s - 1`` as already
        moved. That rule is evaluated for every segment at once, from the previous pass's
        neighbours, until nothing moves: each pass fixes at least one more segment of the
        chain, and the fixed point is the segment-by-segment result (the rule is monotone in
        the neighbour), so the result is the same as a loop over the segments.
        """
        k, g = self.offset_bits, self.guard_bits
        c0, c1 = self.tables["c0"], self.tables["c1"]
        if len(c0) < 2:
            return
        half = (1 << g) >> 1
        orig = c0[1:].copy()
        last_t = (1 << k) - 1                 # every segment but the last one is full
        cap = 1 << (g + 1)
        while True:
            prev = (c0[:-1] + ((c1[:-1] * last_t) >> k) + half) >> g
            if direction > 0:
                need = (prev << g) - half - orig
            else:
                need = orig + half + 1 - ((prev + 1) << g)
            moved = orig + direction * np.clip(need, 0, cap)
            if np.array_equal(moved, c0[1:]):
                return
            c0[1:] = moved

    def evaluate(self, x) -> np.ndarray:
        return self._evaluate(self.func.check_domain(x))

    def _evaluate(self, x: np.ndarray) -> np.ndarray:
        """:meth:`evaluate` of int64 inputs known to lie in the domain."""
        k, g = self.offset_bits, self.guard_bits
        u = x - self.func.lo
        s = u >> k
        u &= (1 << k) - 1
        u *= self.tables["c1"].take(s)
        u >>= k
        u += self.tables["c0"].take(s)
        u += (1 << g) >> 1
        u >>= g
        return u

    def describe(self) -> str:
        return (f"piecewise linear, {len(self.tables['c0'])} segments of 2^{self.offset_bits}, "
                f"{self.guard_bits} guard bits")


def _direction(values: np.ndarray) -> int:
    """+1 if ``values`` never decrease, -1 if they never increase, 0 otherwise."""
    steps = np.diff(values)
    return 1 if (steps >= 0).all() else -1 if (steps <= 0).all() else 0


def _chunked_direction(pieces) -> int:
    """:func:`_direction` of the concatenation of ``pieces`` (consecutive arrays)."""
    up = down = True
    last = None
    for y in pieces:
        if last is not None:
            y = np.concatenate([[last], y])
        steps = np.diff(y)
        up &= bool((steps >= 0).all())
        down &= bool((steps <= 0).all())
        last = y[-1]
    return 1 if up else -1 if down else 0


def _accepts(cand, max_error: float, direction: int) -> bool:
    """Whether ``cand`` is monotone in ``direction`` (when not 0; as :func:`_direction` of
    all its outputs says) and errs by less than ``max_error`` everywhere: one pass over the
    domain in chunks, stopping at the first chunk that fails."""
    last, strict = None, False
    for x in cand.func.grid_chunks():
        y = cand._evaluate(x)
        if np.abs(y - cand.func.exact(x)).max() >= max_error:
            return False
        if direction:
            steps = np.diff(y if last is None else np.concatenate([[last], y]))
            if (steps * direction < 0).any():
                return False
            strict |= bool((steps != 0).any())
            last = y[-1]
    # _direction calls a constant sequence non-decreasing (+1), never non-increasing
    return direction >= 0 or strict


class _DirectStats:
    """What the fit needs of a :class:`DirectTable` (error, direction, bits), measured in
    chunks without building it."""

    def __init__(self, func: FixedFunction):
        worst, lo, hi = 0.0, None, None

        def rounded():
            nonlocal worst, lo, hi
            for x in func.grid_chunks():
                exact = func.exact(x)
                y = np.floor(exact + 0.5).astype(np.int64)
                worst = max(worst, float(np.abs(y - exact).max()))
                lo = int(y.min()) if lo is None else min(lo, int(y.min()))
                hi = int(y.max()) if hi is None else max(hi, int(y.max()))
                yield y
        self.direction = _chunked_direction(rounded())
        self.max_abs_error = worst
        self.table_bits = func.size * bits_for([lo, hi])[0]


def fit_piecewise_linear(func: FixedFunction, *, max_error: float, monotone: bool = True,
                         guard_bits=range(1, 9)) -> PiecewiseLinear | DirectTable:
    """The smallest (in table bits) interpolator whose error stays below ``max_error`` ulps.

    With ``monotone``, segments are shifted where needed (see ``PiecewiseLinear``) and a
    candidate must be monotone in the same direction as the rounded function: a step backwards
    at a segment boundary would make ``a + b`` decrease while ``b`` grows. Falls back to a
    :class:`DirectTable` (0.5 ulp) when it is smaller or nothing else fits.

    The search: for segment lengths ``2 ** k``, ``k = 1, 2, ...``, the first guard-bit count
    that meets the bound gives the candidate of that ``k``; the search stops at the first
    ``k > 4`` with no candidate; the answer is the first of the direct table and the
    candidates in that order with the fewest table bits. Errors and directions are measured
    over every input, in chunks. Candidates with ``k <= 4`` are measured last, and not at all
    when their segment count alone (at least 1 bit per entry of each of the two tables) is
    more bits than an answer already found: the answer is the same, and a wide domain never
    builds millions of tiny segments.

    Raises
    ------
    ValueError
        If even a direct table misses ``max_error``, or the answer is a direct table larger
        than :data:`MAX_DIRECT_ENTRIES`.
    """
    _check_func(func)
    check_real("max_error", max_error, "above 0 (output ulps)", lambda v: v > 0)
    guard_bits = list(guard_bits)
    for g in guard_bits:
        check_int("guard_bits", g, 0, 16)
    direct = _DirectStats(func)
    if direct.max_abs_error >= max_error:
        raise ValueError(f"{func.name}: even a direct table misses max_error={max_error} ulp")
    direction = direct.direction if monotone else 0

    def candidate(k):
        for g in guard_bits:
            cand = PiecewiseLinear(func, offset_bits=k, guard_bits=g, direction=direction)
            if _accepts(cand, max_error, direction):
                return cand
        return None

    found = {}
    for k in range(5, func.in_bits + 1):
        cand = candidate(k)
        if cand is None:
            break  # segments this long no longer fit; longer ones fit even less
        found[k] = cand
    for k in range(1, min(4, func.in_bits) + 1):
        fewest = min([direct.table_bits] + [c.table_bits for c in found.values()])
        n_seg = (func.size + (1 << k) - 1) >> k
        if 2 * n_seg > fewest:
            continue
        cand = candidate(k)
        if cand is not None:
            found[k] = cand
    best, best_bits = None, direct.table_bits
    for k in sorted(found):
        if found[k].table_bits < best_bits:
            best, best_bits = found[k], found[k].table_bits
    return DirectTable(func) if best is None else best
