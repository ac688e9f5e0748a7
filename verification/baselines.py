"""Bench models of the conventional baselines: IEEE FMA, integer MAC, hybrid (ELMA) MAC.

Each is a :class:`lnsgen.verification.models.UnitModel` (payload fields, stimuli, golden
reference) for :func:`lnsgen.verification.vectors.run_vectors` and the cocotb benches. The
``fmt`` a model's functions take is the unit's own format object:

* FMA: a :class:`lnsgen.golden.ieee.FloatFormat` (:data:`FMA_MODEL`);
* integer MAC: a :class:`lnsgen.golden.intmac.IntMACFormat` (:data:`INTMAC_MODEL`);
* hybrid MAC: a :class:`lnsgen.golden.LNSFormat`; the accumulator's parameters are the model's
  (:func:`hybrid_model`, :data:`HYBRID_MODEL` for the defaults).

References call the golden models only; stimuli favour the cases where bugs live.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from lnsgen.golden import LNSFormat, from_float
from lnsgen.golden.fma import fma, quiet_nan
from lnsgen.golden.hybrid import hybrid_stream_sums
from lnsgen.golden.ieee import FloatFormat
from lnsgen.golden.intmac import IntMACFormat

from .models import UnitModel

__all__ = ["FMA_MODEL", "HYBRID_MODEL", "INTMAC_MODEL", "HybridModel", "fma_special_words",
           "fma_stimuli", "hybrid_model", "hybrid_stimuli", "intmac_stimuli", "words_near"]


# IEEE fused multiply-add ---------------------------------------------------------------------


def fma_special_words(ffmt: FloatFormat) -> list[int]:
    """Zeros, infinities, NaNs (quiet and signalling), 1, the extreme normals and subnormals,
    both signs."""
    m = ffmt.man_bits
    one = ffmt.bias << m
    base = [0, 1, (1 << m) - 1, 1 << m, one, one + 1, ffmt.inf - 1, ffmt.inf, ffmt.inf + 1,
            quiet_nan(ffmt), ffmt.inf | ((1 << m) - 1), (ffmt.bias + 1) << m,
            (ffmt.bias - 1) << m | ((1 << m) - 1)]
    return base + [w | ffmt.sign_bit for w in base]


def words_near(ffmt: FloatFormat, x: np.ndarray) -> np.ndarray:
    """Words near float64 values (truncated significand; only used to aim stimuli)."""
    sign = np.signbit(x).astype(np.int64)
    mag = np.abs(x)
    frac, exp = np.frexp(mag)            # mag = frac * 2**exp, frac in [0.5, 1)
    m = ffmt.man_bits
    field = exp - 1 + ffmt.bias
    normal = field >= 1
    with np.errstate(all="ignore"):
        man = np.where(normal, np.floor((2 * frac - 1) * (1 << m)),
                       np.floor(np.ldexp(mag, m - ffmt.emin))).astype(np.int64)
    word = np.where(normal, (np.clip(field, 1, ffmt.exp_max_field) << m) | man,
                    np.clip(man, 0, (1 << m) - 1))
    word = np.where(field >= ffmt.exp_max_field, ffmt.inf - 1, word)
    word = np.where(mag == 0, 0, word)
    return word | (sign << (ffmt.width - 1))


def _targeted_triples(ffmt: FloatFormat, n: int, rng) -> tuple[np.ndarray, ...]:
    m = ffmt.man_bits
    kind = rng.integers(0, 10, n)
    finite = rng.integers(0, ffmt.inf, n) | (rng.integers(0, 2, n) << (ffmt.width - 1))
    a = np.where(kind < 8, finite, rng.integers(0, ffmt.n_codes, n))
    sub = rng.integers(0, 1 << m, n) | (rng.integers(0, 2, n) << (ffmt.width - 1))
    near_one = ((np.clip(ffmt.bias + rng.integers(-3, 4, n), 0, ffmt.exp_max_field - 1) << m)
                | rng.integers(0, 1 << m, n))
    b = np.where(kind == 0, sub, np.where(kind < 5, near_one, finite[::-1]))
    # c near -a*b (cancellation, exact zero sums) or a*b, nudged by a few ulps; or at a random
    # exponent distance (far above / far below: the sticky and far cases); or special.
    prod = ffmt.decode(a) * ffmt.decode(b)
    with np.errstate(all="ignore"):
        scale = np.ldexp(1.0, rng.integers(-3 * m - 8, 3 * m + 8, n))
        target = np.where(kind < 5, -prod, np.where(kind < 7, prod, prod * scale))
        target = np.where(np.isfinite(target), target, 1.0)
    c = words_near(ffmt, target) + rng.integers(-2, 3, n) * (kind < 7)
    c = np.clip(c, 0, ffmt.n_codes - 1)
    specials = np.array(fma_special_words(ffmt))
    c = np.where(kind == 9, rng.choice(specials, n), c)
    a = np.where(rng.random(n) < 0.03, rng.choice(specials, n), a)
    b = np.where(rng.random(n) < 0.03, rng.choice(specials, n), b)
    # A small subnormal times a large power of two, minus a subnormal: the addend's sticky bit
    # lands just below the rounding position (the case that needs golden.fma.GUARD = 3).
    jam = rng.random(n) < 0.05
    sign = rng.integers(0, 2, n) << (ffmt.width - 1)
    a = np.where(jam, rng.integers(1, 8, n) | sign, a)
    b = np.where(jam, rng.integers(ffmt.bias, ffmt.exp_max_field, n) << m, b)
    c = np.where(jam, rng.integers(1, 1 << min(m, 4), n) | (sign ^ ffmt.sign_bit), c)
    return a, b, c


def fma_stimuli(ffmt: FloatFormat, n: int | None, rng) -> dict:
    """Every triple (``n is None``; formats of at most 7 bits), or every triple of special
    words followed by ``n`` targeted random ones: ``c`` near ``-a*b`` (cancellation, exact zero
    sums) and near ``a*b``, at every exponent distance, subnormal and special operands, the
    sticky-below-guard case, uniform words."""
    if n is None:
        if ffmt.width > 7:
            raise ValueError(f"{ffmt.name} has {ffmt.n_codes ** 3:,} triples: too many for an "
                             f"exhaustive bench; give a vector count")
        words = ffmt.all_words()
        a, b, c = (x.ravel() for x in np.meshgrid(words, words, words, indexing="ij"))
        return {"a": a, "b": b, "c": c}
    specials = np.array(fma_special_words(ffmt))
    sa, sb, sc = (x.ravel() for x in np.meshgrid(specials, specials, specials, indexing="ij"))
    a, b, c = _targeted_triples(ffmt, n, rng)
    return {"a": np.concatenate([sa, a]), "b": np.concatenate([sb, b]),
            "c": np.concatenate([sc, c])}


#: The FMA's bench model; ``fmt`` is a :class:`~lnsgen.golden.ieee.FloatFormat`.
FMA_MODEL = UnitModel(
    lambda ffmt: [("a", ffmt.width), ("b", ffmt.width), ("c", ffmt.width)], fma_stimuli,
    lambda ffmt, x: fma(ffmt, x["a"], x["b"], x["c"]))


# Integer MAC ---------------------------------------------------------------------------------


def intmac_stimuli(fmt: IntMACFormat, n: int | None, rng) -> dict:
    """Every ``(a, b, c)`` (``n is None``; at most 2**20 of them), or the cross product of
    extreme codes (0, +-1, the most negative and most positive) followed by ``n`` random
    triples: uniform, extreme operands, and ``c`` near the accumulator's limits (wraps)."""
    ab, acc = fmt.ab_bits, fmt.acc_bits
    if n is None:
        if 2 * ab + acc > 20:
            raise ValueError(f"{fmt.name} has 2**{2 * ab + acc} inputs: too many for an "
                             f"exhaustive bench; give a vector count")
        a, b, c = (x.ravel() for x in np.meshgrid(np.arange(1 << ab), np.arange(1 << ab),
                                                  np.arange(1 << acc), indexing="ij"))
        return {"a": a, "b": b, "c": c}

    def extremes(bits):
        return np.array([0, 1, (1 << bits) - 1, 1 << (bits - 1), (1 << (bits - 1)) - 1,
                         (1 << (bits - 1)) + 1])

    ea, eb, ec = (x.ravel() for x in np.meshgrid(extremes(ab), extremes(ab), extremes(acc),
                                                 indexing="ij"))
    kind = rng.integers(0, 4, (3, n))
    a = np.where(kind[0] == 0, rng.choice(extremes(ab), n), rng.integers(0, 1 << ab, n))
    b = np.where(kind[1] == 0, rng.choice(extremes(ab), n), rng.integers(0, 1 << ab, n))
    near_limit = ((1 << (acc - 1)) + rng.integers(-(1 << (2 * ab - 1)), 1 << (2 * ab - 1), n)) \
        % (1 << acc)
    c = np.where(kind[2] == 0, near_limit, rng.integers(0, 1 << acc, n))
    return {"a": np.concatenate([ea, a]), "b": np.concatenate([eb, b]),
            "c": np.concatenate([ec, c])}


@dataclasses.dataclass(frozen=True)
class _IntMACModel(UnitModel):
    def describe_input(self, fmt: IntMACFormat, name: str, value: int) -> str:
        return fmt.describe(value, fmt.acc_bits if name == "c" else fmt.ab_bits)

    def values_per_beat(self, fmt) -> int:
        return 3


#: The integer MAC's bench model; ``fmt`` is a :class:`~lnsgen.golden.intmac.IntMACFormat`.
INTMAC_MODEL = _IntMACModel(
    lambda fmt: [("a", fmt.ab_bits), ("b", fmt.ab_bits), ("c", fmt.acc_bits)], intmac_stimuli,
    lambda fmt, x: fmt.muladd(x["a"], x["b"], x["c"]))


# Hybrid (ELMA-style) MAC ---------------------------------------------------------------------


def hybrid_stimuli(fmt: LNSFormat, n: int | None, rng) -> dict:
    """About ``n`` products (2,000 when ``n`` is None) in sums of varied length (1, 2, 3, 7,
    40, 300): values of a network's scale, the largest and smallest magnitudes (saturated and
    flushed products), zeros, arbitrary codes, and sums whose second half cancels the first
    exactly (exact zero results)."""
    n = 2000 if n is None else n
    parts, total = [], 0
    while total < n:
        k = int(rng.choice([1, 2, 3, 7, 40, 300]))
        a = from_float(fmt, rng.standard_normal(k) * rng.choice([0.01, 1.0, 50.0]))
        b = from_float(fmt, rng.standard_normal(k))
        kind = rng.integers(0, 10, k)
        a = np.where(kind == 0, fmt.pack(rng.integers(0, 2, k), fmt.log_max), a)
        a = np.where(kind == 1, fmt.pack(rng.integers(0, 2, k), fmt.log_min), a)
        a = np.where(kind == 2, fmt.zero, a)
        a = np.where(kind == 3, rng.integers(0, fmt.n_codes, k), a)
        b = np.where(kind == 4, rng.integers(0, fmt.n_codes, k), b)
        if k > 1 and rng.random() < 0.3:   # the second half cancels the first exactly
            h = k // 2
            a[h:2 * h] = a[:h] ^ (1 << fmt.log_bits)
            b[h:2 * h] = b[:h]
        last = np.zeros(k, dtype=np.int64)
        last[-1] = 1
        parts.append((a, b, last))
        total += k
    return {name: np.concatenate([p[i] for p in parts])
            for i, name in enumerate(("a", "b", "last"))}


@dataclasses.dataclass(frozen=True)
class HybridModel(UnitModel):
    """Bench view of :class:`lnsgen.hdl.HybridMultiplyAccumulator` with parameters ``params``
    (keyword arguments of :class:`lnsgen.golden.hybrid.HybridMAC`): one output per ``last``."""

    params: tuple = ()

    def output_limit(self, fmt: LNSFormat, inputs: dict) -> Callable[[int], int]:
        """A sum may only leave after its ``last`` product was accepted."""
        ends = np.cumsum(np.asarray(inputs["last"]))
        return lambda n: int(ends[n - 1]) if n else 0

    def values_per_beat(self, fmt: LNSFormat) -> int:
        return 2


def hybrid_model(**params) -> HybridModel:
    """The bench model of a hybrid MAC built with ``params`` (``guard_bits``,
    ``lin_frac_bits``, ``method``, ``max_error``)."""
    return HybridModel(
        lambda fmt: [("a", fmt.width), ("b", fmt.width), ("last", 1)], hybrid_stimuli,
        lambda fmt, x: hybrid_stream_sums(fmt, x["a"], x["b"], x["last"], **params),
        one_to_one=False, params=tuple(sorted(params.items())))


#: The hybrid MAC's bench model at its default parameters; ``fmt`` is an LNSFormat.
HYBRID_MODEL = hybrid_model()
