"""Bounded-memory table fitting (lnsgen.golden.funcapprox) against the fit it replaced, kept
here verbatim (evaluated over whole domains at once) as the reference; and wide formats, which
build in bounded memory or refuse early with an error naming the parameter and the size."""

import subprocess
import sys

import numpy as np
import pytest

from lnsgen.golden import LNSFormat
from lnsgen.golden import funcapprox as fa
from lnsgen.golden.funcapprox import FixedFunction, fit_piecewise_linear
from lnsgen.golden.gaussian import GaussianLog, _g, _log2p1, _phi_minus, _phi_plus

# The fit before bounded memory (golden/funcapprox.py at e7b75ec), renamed ---------------------


class OldDirect:
    method = "direct"

    def __init__(self, func):
        self.func = func
        self.tables = {"y": np.floor(func.exact(func.grid()) + 0.5).astype(np.int64)}

    def evaluate(self, x):
        return self.tables["y"][np.asarray(x) - self.func.lo]

    def error_ulp(self):
        x = self.func.grid()
        return self.evaluate(x) - self.func.exact(x)

    @property
    def table_bits(self):
        return sum(len(t) * fa.bits_for(t)[0] for t in self.tables.values())


class OldPiecewiseLinear:
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

    def error_ulp(self):
        x = self.func.grid()
        return self.evaluate(x) - self.func.exact(x)

    @property
    def table_bits(self):
        return sum(len(t) * fa.bits_for(t)[0] for t in self.tables.values())

    def __init__(self, func: FixedFunction, *, offset_bits: int, guard_bits: int,
                 direction: int = 0):
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
        # Centre the error of every segment, measured over its inputs (past hi included:
        # harmless, and it keeps the arrays rectangular).
        t = np.arange(1 << k, dtype=np.int64)
        xs = starts[:, None] + t[None, :]
        approx = c0[:, None] + ((c1[:, None] * t[None, :]) >> k)
        with np.errstate(all="ignore"):  # inputs past hi may be outside f's domain
            err = approx - func.exact(xs, g)
        inside = xs <= func.hi
        emax = np.where(inside, err, -np.inf).max(axis=1)
        emin = np.where(inside, err, np.inf).min(axis=1)
        c0 -= np.rint((emax + emin) / 2).astype(np.int64)
        self.tables = {"c0": c0, "c1": c1}
        if direction:
            self._make_monotone(direction)

    def _make_monotone(self, direction: int):
        """Shift segments (by guard units) so the output never steps against ``direction``.

        Balancing each segment's error on its own can leave a segment's first output a step
        behind the previous segment's last one; moving the later segment closes the step and
        keeps every segment linear. The error bound is checked afterwards by the caller.
        """
        k, lo = self.offset_bits, self.func.lo
        c0 = self.tables["c0"]
        last_x = lambda s: min(lo + ((s + 1) << k) - 1, self.func.hi)
        for s in range(1, len(c0)):
            prev = int(self.evaluate(np.array([last_x(s - 1)]))[0])
            for _ in range(1 << (self.guard_bits + 1)):
                first = int(self.evaluate(np.array([lo + (s << k)]))[0])
                if (first - prev) * direction >= 0:
                    break
                c0[s] += direction

    def evaluate(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.int64)
        k, g = self.offset_bits, self.guard_bits
        u = x - self.func.lo
        s, t = u >> k, u & ((1 << k) - 1)
        y = self.tables["c0"][s] + ((self.tables["c1"][s] * t) >> k)
        return (y + ((1 << g) >> 1)) >> g


def _direction(values: np.ndarray) -> int:
    """+1 if ``values`` never decrease, -1 if they never increase, 0 otherwise."""
    steps = np.diff(values)
    return 1 if (steps >= 0).all() else -1 if (steps <= 0).all() else 0


def old_fit(func: FixedFunction, *, max_error: float, monotone: bool = True,
                         guard_bits=range(1, 9)):
    """The smallest (in table bits) interpolator whose error stays below ``max_error`` ulps.

    With ``monotone``, segments are shifted where needed (see ``PiecewiseLinear``) and a
    candidate must be monotone in the same direction as the rounded function: a step backwards
    at a segment boundary would make ``a + b`` decrease while ``b`` grows. Falls back to a
    :class:`DirectTable` (0.5 ulp) when it is smaller or nothing else fits.
    """
    guard_bits = list(guard_bits)
    best = OldDirect(func)
    if np.abs(best.error_ulp()).max() >= max_error:
        raise ValueError(f"{func.name}: even a direct table misses max_error={max_error} ulp")
    direction = _direction(best.evaluate(func.grid())) if monotone else 0
    for k in range(1, func.in_bits + 1):
        found = False
        for g in guard_bits:
            cand = OldPiecewiseLinear(func, offset_bits=k, guard_bits=g, direction=direction)
            if direction and _direction(cand.evaluate(func.grid())) != direction:
                continue
            if np.abs(cand.error_ulp()).max() < max_error:
                found = True
                if cand.table_bits < best.table_bits:
                    best = cand
                break  # more guard bits only cost bits
        if not found and k > 4:
            break  # segments this long no longer fit; longer ones fit even less
    return best


# The same tables ------------------------------------------------------------------------------


def same(new, old):
    assert new.method == old.method
    if new.method == "interp":
        assert (new.offset_bits, new.guard_bits) == (old.offset_bits, old.guard_bits)
    assert new.tables.keys() == old.tables.keys()
    for name in new.tables:
        np.testing.assert_array_equal(new.tables[name], old.tables[name])


def gaussian_functions(fmt, max_error):
    """The FixedFunctions (and their bounds) that GaussianLog fits for ``fmt``."""
    out = []
    for kind in ("plus", "minus"):
        gl = GaussianLog(fmt, kind, "interp", max_error=max_error)
        if gl.table is not None:
            out.append((gl.table.func, max_error))
        if gl.g is not None:
            budget = (max_error - 0.5) * (1 << gl.sum_guard) / 2
            out += [(gl.g.func, budget), (gl.log2p1.func, budget)]
    return out


@pytest.mark.parametrize("int_bits, frac_bits, max_error", [
    (5, 2, 1.0), (5, 3, 1.0), (5, 4, 1.0), (5, 5, 0.6), (5, 6, 1.0), (5, 7, 2.0), (5, 8, 1.0),
    (5, 9, 4.0), (5, 10, 1.0), (6, 9, 1.0), (1, 6, 1.0), (2, 5, 0.51), (3, 4, 1.0),
    (4, 11, 1.0), (3, 12, 3.0)])
def test_gaussian_fits_equal_the_old_fit(int_bits, frac_bits, max_error):
    fmt = LNSFormat(int_bits, frac_bits)
    for func, bound in gaussian_functions(fmt, max_error):
        same(fit_piecewise_linear(func, max_error=bound), old_fit(func, max_error=bound))


@pytest.mark.parametrize("in_frac, out_frac, max_error", [(10, 10, 1.0), (12, 10, 0.7),
                                                         (8, 14, 1.0), (13, 7, 2.0)])
def test_converter_like_fits_equal_the_old_fit(in_frac, out_frac, max_error):
    half = 2.0 ** -(in_frac + 1)
    funcs = [FixedFunction("log2p1", lambda f: np.log2(1.0 + f + half), 0, (1 << in_frac) - 1,
                           in_frac, out_frac),
             FixedFunction("exp2m1", lambda r: np.exp2(r) - 1.0, 0, (1 << in_frac) - 1,
                           in_frac, out_frac),
             FixedFunction("g", _g, -(1 << in_frac) + 1, -1, in_frac, out_frac)]
    for func in funcs:
        same(fit_piecewise_linear(func, max_error=max_error), old_fit(func, max_error=max_error))
        same(fit_piecewise_linear(func, max_error=max_error, monotone=False),
             old_fit(func, max_error=max_error, monotone=False))


def test_chunked_measurements_equal_whole_domain_ones(monkeypatch):
    """Chunks that split segments (and a direct table's runs) give the same fit, errors,
    directions and output shapes as measuring the whole domain at once."""
    func = FixedFunction("phi_plus", _phi_plus, -6000, 0, 9, 9)
    whole = fit_piecewise_linear(func, max_error=1.0)
    monkeypatch.setattr(fa, "EVAL_CHUNK", 1000)                         # not a power of two
    chunked = fit_piecewise_linear(func, max_error=1.0)
    same(chunked, whole)
    assert chunked.max_abs_error() == np.abs(whole.error_ulp()).max()
    assert chunked.out_shape == fa.bits_for(whole.evaluate(func.grid()))
    assert chunked.direction() == fa._direction(whole.evaluate(func.grid())) == 1
    minus = FixedFunction("phi_minus", _phi_minus, -6000, -512, 9, 9)
    same(fit_piecewise_linear(minus, max_error=1.0), old_fit(minus, max_error=1.0))


def test_monotone_fix_equals_the_segment_loop():
    """The vectorized monotone fix against the old loop, on fits where it moves segments."""
    for func in [FixedFunction("log2p1", _log2p1, 0, 4095, 12, 14),
                 FixedFunction("phi_minus", _phi_minus, -12000, -1024, 10, 10)]:
        for k, g in [(3, 1), (5, 2), (6, 0), (7, 3)]:
            new = fa.PiecewiseLinear(func, offset_bits=k, guard_bits=g, direction=+1
                                     if func.name == "log2p1" else -1)
            old = OldPiecewiseLinear(func, offset_bits=k, guard_bits=g, direction=+1
                                     if func.name == "log2p1" else -1)
            same(new, old)


# Wide formats ---------------------------------------------------------------------------------


def test_direct_method_on_a_wide_format_refuses_early():
    with pytest.raises(ValueError, match=r"method='direct' needs a phi_plus table of "
                                         r"[\d,]+ entries at frac_bits=23; at most 33,554,432"):
        GaussianLog(LNSFormat(8, 23), "plus", "direct")
    big = FixedFunction("f", np.exp2, 0, fa.MAX_DIRECT_ENTRIES, 0, 0)
    with pytest.raises(ValueError, match="a direct table of 33,554,433 entries is too large"):
        fa.DirectTable(big)


BUILD = """
import resource, sys, time
from lnsgen.golden import LNSFormat, add
from lnsgen.golden.gaussian import gaussian_logs
fmt = LNSFormat({int_bits}, {frac_bits})
t0 = time.perf_counter()
plus, minus = gaussian_logs(fmt, "interp", 1.0)
seconds = time.perf_counter() - t0
# one addition through the definitions (no lookup tables at this width)
assert add(fmt, fmt.pack(0, 5 << {frac_bits}), fmt.pack(0, 5 << {frac_bits})) == \\
    fmt.pack(0, 6 << {frac_bits})
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, plus.table_bits,
      minus.table_bits)
"""


def build_in_subprocess(int_bits, frac_bits, limit_gb):
    """Build the interp adder tables of a format in a fresh process whose address space is
    capped at ``limit_gb``: ``(seconds, peak RSS in MB)``."""
    code = ("import resource; resource.setrlimit(resource.RLIMIT_AS, "
            f"({limit_gb << 30}, {limit_gb << 30}))\n"
            + BUILD.format(int_bits=int_bits, frac_bits=frac_bits))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, timeout=7200)
    assert run.returncode == 0, run.stderr[-2000:]
    seconds, rss_kb, *_ = run.stdout.split()
    return float(seconds), int(rss_kb) / 1024


REFUSE = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from lnsgen.golden import LNSFormat
from lnsgen.golden.gaussian import GaussianLog
try:
    GaussianLog(LNSFormat(8, 23), "plus", "direct")
except ValueError as exc:
    print(exc)
"""


def test_wide_direct_table_refuses_within_a_memory_cap():
    """lns32's zero boundary and the refusal need no domain-sized array (the domain has 2**31
    differences): within a 2 GB address space the error is the clear one."""
    run = subprocess.run([sys.executable, "-c", REFUSE], capture_output=True, text=True,
                         check=False, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("method='direct' needs a phi_plus table of 205,")


def test_lns24_interp_tables_build_in_bounded_memory():
    """About 6 s (the fit before bounded memory took 330 s for the same tables)."""
    _, rss_mb = build_in_subprocess(7, 16, 3)
    assert rss_mb < 1500, rss_mb


@pytest.mark.slow
@pytest.mark.parametrize("int_bits, frac_bits", [(8, 20), (8, 23)])
def test_wide_interp_tables_build_in_bounded_memory(int_bits, frac_bits):
    """lns32 (the format that used to grow to 21 GB and die) and a 29-bit one."""
    _, rss_mb = build_in_subprocess(int_bits, frac_bits, 4)
    assert rss_mb < 2500, rss_mb
