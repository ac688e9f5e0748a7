"""What a bench needs to know about each unit: its payload fields, stimuli and golden reference.

A model never computes expected values itself: ``reference`` calls the golden package. The
stimuli favour the cases where bugs live (zero, saturation and flush boundaries, both signs),
and ``exhaustive`` enumerates every input combination of a small format.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from lnsgen import golden
from lnsgen.golden import LNSFormat, accumulate
from lnsgen.golden.arithmetic import FloatArithmetic, IntArithmetic
from lnsgen.golden.converters import float_to_lns, lns_to_float
from lnsgen.golden.ieee import FloatFormat
from lnsgen.spec import ARRAY_KINDS

__all__ = ["VARIANTS", "MatmulModel", "UnitModel", "adder_dense_vectors", "model_for", "pack_fields"]


def pack_fields(fields: list[tuple[str, int]], values: dict) -> list[int]:
    """Packed payloads (Python ints, any width) from per-field arrays; first field lowest."""
    n = np.size(next(iter(values.values())))
    packed = np.zeros(n, dtype=object)
    offset = 0
    for name, width in fields:
        field = np.asarray(values[name], dtype=np.int64).ravel() & ((1 << width) - 1)
        packed += field.astype(object) << offset
        offset += width
    return packed.tolist()


def _corner_codes(fmt: LNSFormat) -> np.ndarray:
    """Codes at every boundary of the format, both signs."""
    logs = np.array([fmt.log_min, fmt.log_min + 1, -1, 0, 1, fmt.log_max - 1, fmt.log_max,
                     fmt.log_max // 2, fmt.log_max // 2 + 1, fmt.log_min // 2, fmt.log_min // 2 - 1])
    codes = [fmt.pack(s, logs) for s in (0, 1)]
    return np.concatenate(codes + [np.array([fmt.zero, fmt.zero | (1 << fmt.log_bits)])])


def _operand_pairs(fmt: LNSFormat, n: int | None, rng) -> dict:
    """All pairs (``n is None``), or the corner-case cross product followed by ``n`` random pairs.

    Random pairs mix three populations: uniform codes; logs near half the range, whose sums and
    differences land on the saturation and flush boundaries; and zeros of both signs.
    """
    if n is None:
        a, b = np.meshgrid(fmt.all_codes(), fmt.all_codes(), indexing="ij")
        return {"a": a.ravel(), "b": b.ravel()}
    corners = _corner_codes(fmt)
    ca, cb = (x.ravel() for x in np.meshgrid(corners, corners, indexing="ij"))
    kind = rng.integers(0, 8, size=(2, n))
    uniform = rng.integers(0, fmt.n_codes, size=(2, n))
    half = fmt.log_max // 2
    near = fmt.pack(rng.integers(0, 2, size=(2, n)),
                    rng.integers(-3, 4, size=(2, n)) + rng.choice([-half, half], size=(2, n)))
    zeros = fmt.zero | (rng.integers(0, 2, size=(2, n)) << fmt.log_bits)
    ops = np.where(kind < 5, uniform, np.where(kind < 7, near, zeros))
    return {"a": np.concatenate([ca, ops[0]]), "b": np.concatenate([cb, ops[1]])}


@dataclasses.dataclass(frozen=True)
class UnitModel:
    """The bench's view of a unit.

    Attributes
    ----------
    fields : callable
        ``fields(fmt)`` lists ``(name, width)`` of the input payload, lowest bits first.
    stimuli : callable
        ``stimuli(fmt, n, rng)`` gives a dict of field arrays: every input combination when
        ``n`` is None, else corner cases plus ``n`` random vectors.
    reference : callable
        ``reference(fmt, inputs)`` gives the expected output payloads (from ``golden``).
    one_to_one : bool
        One output per input (False for accumulators: one output per sum), which makes the
        input-to-output latency measurable.
    """

    fields: Callable[[LNSFormat], list]
    stimuli: Callable
    reference: Callable
    one_to_one: bool = True

    def describe_input(self, fmt: LNSFormat, name: str, value: int) -> str:
        widths = dict(self.fields(fmt))
        if widths[name] == fmt.width:
            return fmt.describe(value)
        return str(value)

    def describe_output(self, fmt: LNSFormat, value: int) -> str:
        return fmt.describe(value)

    def output_limit(self, fmt: LNSFormat, inputs: dict) -> Callable[[int], int]:
        """``limit(n)``: the most output beats that may have left once ``n`` inputs were
        accepted (an output only follows the inputs it depends on). One per input here."""
        return lambda n: n

    def values_per_beat(self, fmt: LNSFormat) -> int:
        """Numbers an input beat carries: its fields as wide as an LNS code (an array's beat
        has one per row and one per column)."""
        return sum(width == fmt.width for _, width in self.fields(fmt))


def _two_operands(fmt):
    return [("a", fmt.width), ("b", fmt.width)]


def _mul_without_saturation(fmt, x):
    """A deliberately wrong multiplier model (wraps instead of saturating), to prove that
    the bench catches a golden/hardware disagreement."""
    sa, la, za = fmt.unpack(x["a"])
    sb, lb, zb = fmt.unpack(x["b"])
    log = la + lb
    zero = za | zb | (log < fmt.log_min)
    return fmt.pack(np.where(zero, 0, sa ^ sb), np.where(zero, fmt.zero_log, log))


def _adder_fields(fmt):
    return [("a", fmt.width), ("b", fmt.width), ("op", 1)]


def _adder_vectors(fmt: LNSFormat, n: int | None, rng) -> dict:
    """Every ``(a, b, op)`` (``n is None``), or corner cases plus ``n`` random ones.

    Random vectors are drawn so that the adder's hard cases are common: near cancellation
    (``|b|`` within a few ulps of ``|a|``, effective subtraction), ``d`` around the boundaries
    of the Gaussian-log regions (near zero, ``-1.0``, where phi rounds to 0), uniform codes,
    and zeros.
    """
    if n is None:
        pairs = _operand_pairs(fmt, None, rng)
        count = len(pairs["a"])
        return {"a": np.tile(pairs["a"], 2), "b": np.tile(pairs["b"], 2),
                "op": np.repeat([0, 1], count)}
    pairs = _operand_pairs(fmt, n, rng)
    a, b = pairs["a"].copy(), pairs["b"].copy()
    corners = len(a) - n
    F = fmt.frac_bits
    sign_a, log_a, _ = fmt.unpack(a[corners:])
    kind = rng.integers(0, 8, size=n)
    # d offsets: within a few ulps of 0, of -1.0, and of the phi-rounds-to-zero edge (~ -(F+1)).
    edges = np.array([0, -(1 << F), -(F + 1) * (1 << F), -(F + 2) * (1 << F)])
    offset = -np.abs(rng.choice(edges, size=n) + rng.integers(-4, 5, size=n))
    offset = np.where(kind < 3, -rng.integers(0, 4, size=n), offset)
    log_b = np.clip(log_a + offset * rng.choice([-1, 1], size=n), fmt.log_min, fmt.log_max)
    sign_b = np.where(rng.random(n) < 0.5, sign_a, 1 - sign_a)
    targeted = fmt.pack(sign_b, log_b)
    b[corners:] = np.where(kind < 6, targeted, b[corners:])
    op = rng.integers(0, 2, size=len(a))
    return {"a": a, "b": b, "op": op}


def adder_dense_vectors(fmt: LNSFormat, rng, *, exhaustive_width: int = 7,
                        random: int = 10_000, codes: int = 1024) -> dict:
    """Every ``(a, b, op)`` of a format up to ``exhaustive_width`` bits; above, a dense sample:
    every code ``a`` (or ``codes`` random ones, if there are more) against each ``b`` within 2
    ulps of its magnitude (three in four with the effective signs opposite: near cancellation,
    where ``phi-`` is most negative), then every difference ``d`` of the logs once with equal
    and once with opposite effective signs (every input of phi+ and phi-, as the formal
    equivalence proofs take them), then the weighted random vectors of :func:`_adder_vectors`
    (corners, Gaussian-log region edges)."""
    if fmt.width <= exhaustive_width:
        return _adder_vectors(fmt, None, rng)
    every_d = _every_difference(fmt, rng)
    base = (fmt.all_codes() if fmt.n_codes <= codes
            else rng.integers(0, fmt.n_codes, size=codes))
    a = np.repeat(base, 5)
    sign_a, log_a, zero_a = fmt.unpack(a)
    log_b = np.clip(np.where(zero_a, 0, log_a) + np.tile(np.arange(-2, 3), base.size),
                    fmt.log_min, fmt.log_max)
    op = rng.integers(0, 2, size=a.size)
    opposite = rng.random(a.size) < 0.75
    sign_b = sign_a ^ op ^ opposite  # effective sign of b (after op) opposite to a's
    near = {"a": a, "b": fmt.pack(sign_b, log_b), "op": op}
    rest = _adder_vectors(fmt, random, rng)
    return {k: np.concatenate([near[k], every_d[k], rest[k]]) for k in near}


#: Formats with more differences than this (above 16 bits) take a random sample of them.
EVERY_DIFFERENCE_MAX = 1 << 16


def _every_difference(fmt: LNSFormat, rng) -> dict:
    """``(a, b, op)`` with ``log b - log a`` taking every value in ``[log_min - log_max, 0]``
    (``a`` at the top of the range, ``b`` below it), each with the effective signs equal and
    opposite, and random ``op`` and sign of ``a``."""
    d = np.arange(fmt.log_min - fmt.log_max, 1, dtype=np.int64)
    if d.size > EVERY_DIFFERENCE_MAX:  # wide formats: a random sample, the region edges kept
        d = np.union1d(rng.choice(d, size=EVERY_DIFFERENCE_MAX, replace=False), d[-4096:])
    d = np.concatenate([d, d])
    opposite = np.arange(d.size) >= d.size // 2
    sign_a = rng.integers(0, 2, size=d.size)
    op = rng.integers(0, 2, size=d.size)
    a = fmt.pack(sign_a, np.full(d.size, fmt.log_max))
    b = fmt.pack(sign_a ^ op ^ opposite, fmt.log_max + d)
    return {"a": a, "b": b, "op": op}


def _adder_reference(method: str, max_error: float):
    return lambda fmt, x: golden.addsub(fmt, x["a"], x["b"], x["op"], method=method,
                                        max_error=max_error)


def _muladd_fields(fmt):
    return [("a", fmt.width), ("b", fmt.width), ("c", fmt.width)]


def _muladd_vectors(fmt: LNSFormat, n: int | None, rng) -> dict:
    """Corner pairs and ``n`` random ``(a, b)`` (as for the multiplier), each with an addend
    ``c`` that is mostly hard for the add: within a few ulps of ``-a*b`` (cancellation) or of
    ``a*b``, ``d`` near the Gaussian-log region edges, uniform, or zero. Every combination of an
    8-bit format is 2**24 vectors: ``n`` must be given (the formal proof covers them all)."""
    if n is None:
        raise ValueError("mac has too many input combinations for an exhaustive bench; give a "
                         "vector count (its formal equivalence proof covers every input)")
    pairs = _operand_pairs(fmt, n, rng)
    count = len(pairs["a"])
    sign, log, zero = fmt.unpack(golden.mul(fmt, pairs["a"], pairs["b"]))
    F = fmt.frac_bits
    kind = rng.integers(0, 10, size=count)
    edges = np.array([0, 0, 0, -(1 << F), -(F + 1) * (1 << F), -(F + 2) * (1 << F)])
    offset = rng.choice(edges, size=count) + rng.integers(-3, 4, size=count)
    near_log = np.clip(np.where(zero, 0, log) + offset * rng.choice([-1, 1], size=count),
                       fmt.log_min, fmt.log_max)
    near_sign = np.where(kind < 4, 1 - sign, sign)  # opposite sign: cancellation
    near = fmt.pack(near_sign, near_log)
    c = np.where(kind < 6, near, np.where(kind < 9, rng.integers(0, fmt.n_codes, size=count),
                                          fmt.zero))
    return {"a": pairs["a"], "b": pairs["b"], "c": c}


def _accumulator_fields(fmt):
    return [("value", fmt.width), ("last", 1)]


def _accumulator_stream(fmt: LNSFormat, n: int | None, rng) -> dict:
    """About ``n`` values (at least 2,000 when ``n`` is None) in sums of varied length.

    Lengths favour the cases an interleaved accumulator gets wrong: 1, fewer than, exactly and
    just more than the lane count, plus long sums. Values mix uniform codes, exact and near
    negations of the previous value (cancellation), tiny updates next to large values, zeros.
    """
    n = 2000 if n is None else n
    lengths = []
    while sum(lengths) < n:
        kind = rng.integers(0, 6)
        lengths.append(int(rng.choice([1, 2, 3, 4, 5, 6, 19, 20, 21, 41])) if kind < 3
                       else int(rng.integers(1, 64)) if kind < 5 else int(rng.integers(64, 400)))
    total = sum(lengths)
    last = np.zeros(total, dtype=np.int64)
    last[np.cumsum(lengths) - 1] = 1
    values = rng.integers(0, fmt.n_codes, size=total)
    kind = rng.integers(0, 8, size=total)
    sign, log, _ = fmt.unpack(np.roll(values, 1))
    near = fmt.pack(1 - sign, np.clip(log + rng.integers(-2, 3, size=total), fmt.log_min,
                                      fmt.log_max))
    small = fmt.pack(rng.integers(0, 2, size=total),
                     rng.integers(fmt.log_min, fmt.log_min // 2 + 1, size=total))
    values = np.where(kind == 5, near, np.where(kind == 6, small, values))
    values = np.where(kind == 7, fmt.zero, values)
    return {"value": values, "last": last}


def _accumulator_reference(spec):
    def reference(fmt, x):
        lanes = spec.build().lanes  # interleaved lanes are a property of the hardware
        return accumulate.stream_sums(
            fmt, x["value"], x["last"], lanes,
            compensation="kahan" if spec["compensated"] else "none",
            method=spec["method"], max_error=spec["max_error"])
    return reference


@dataclasses.dataclass(frozen=True)
class ConverterModel(UnitModel):
    """Bench view of a float-to-LNS (``to_lns``) or LNS-to-float converter of ``ffmt``."""

    ffmt: FloatFormat | None = None
    to_lns: bool = True

    def describe_input(self, fmt: LNSFormat, name: str, value: int) -> str:
        return self.ffmt.describe(value) if self.to_lns else fmt.describe(value)

    def describe_output(self, fmt: LNSFormat, value: int) -> str:
        return fmt.describe(value) if self.to_lns else self.ffmt.describe(value)

    def values_per_beat(self, fmt: LNSFormat) -> int:
        return 1


def _words_near(ffmt: FloatFormat, values, rng, n: int) -> np.ndarray:
    """``n`` words within a few ulps of the given magnitudes (either sign)."""
    sig, exp = np.frexp(rng.choice(np.asarray(values, dtype=np.float64), size=n))
    # frexp's significand is in [0.5, 1): exponent field exp - 1 + bias, fraction from sig.
    field = np.clip(exp - 1 + ffmt.bias, 1, ffmt.exp_max_field - 1)
    man = np.floor((sig * 2 - 1) * (1 << ffmt.man_bits)).astype(np.int64)
    word = (field << ffmt.man_bits) + man + rng.integers(-3, 4, size=n)
    word = np.clip(word, 0, ffmt.inf)
    return word | (rng.integers(0, 2, size=n) << (ffmt.width - 1))


def _float_words(ffmt: FloatFormat):
    """Every word (``n is None``, formats up to 16 bits), or specials and boundaries plus ``n``
    random words: uniform, near the LNS format's largest and smallest magnitudes (saturation
    and flush), subnormals, and powers of two."""
    def stimuli(fmt: LNSFormat, n: int | None, rng) -> dict:
        if n is None:
            if ffmt.width > 16:
                raise ValueError(f"{ffmt.name} has too many words for an exhaustive bench; "
                                 f"give a vector count")
            return {"x": ffmt.all_words()}
        specials = np.array([0, 1, (1 << ffmt.man_bits) - 1, 1 << ffmt.man_bits, ffmt.inf,
                             ffmt.inf + 1, ffmt.inf | (1 << (ffmt.man_bits - 1)),
                             ffmt.n_codes // 2 - 1, ffmt.pack(0, ffmt.bias, 0)])
        specials = np.concatenate([specials, specials | ffmt.sign_bit])
        kind = rng.integers(0, 8, size=n)
        uniform = rng.integers(0, ffmt.n_codes, size=n)
        edges = _words_near(ffmt, [fmt.max_value, fmt.min_value, 1.0], rng, n)
        sub = rng.integers(0, 1 << ffmt.man_bits, size=n) | (rng.integers(0, 2, size=n)
                                                             << (ffmt.width - 1))
        powers = ffmt.pack(rng.integers(0, 2, size=n), rng.integers(1, ffmt.exp_max_field,
                                                                     size=n), 0)
        words = np.where(kind < 4, uniform, np.where(kind < 6, edges,
                                                     np.where(kind < 7, sub, powers)))
        return {"x": np.concatenate([specials, words])}
    return stimuli


def _lns_codes_for(ffmt: FloatFormat):
    """Every code (``n is None``), or corner codes plus ``n`` random codes: uniform, near the
    float's overflow threshold, its smallest normal and subnormal, and zeros of both signs."""
    def stimuli(fmt: LNSFormat, n: int | None, rng) -> dict:
        if n is None:
            return {"x": fmt.all_codes()}
        F = fmt.frac_bits
        # Float boundaries as LNS logs (in ulps), clipped to the format's range.
        edges = np.log2([ffmt.max_value, ffmt.min_normal, ffmt.min_subnormal / 2]) * (1 << F)
        logs = np.clip(np.rint(rng.choice(edges, size=n)).astype(np.int64)
                       + rng.integers(-3, 4, size=n), fmt.log_min, fmt.log_max)
        near = fmt.pack(rng.integers(0, 2, size=n), logs)
        kind = rng.integers(0, 8, size=n)
        zeros = fmt.zero | (rng.integers(0, 2, size=n) << fmt.log_bits)
        codes = np.where(kind < 4, rng.integers(0, fmt.n_codes, size=n),
                         np.where(kind < 7, near, zeros))
        return {"x": np.concatenate([_corner_codes(fmt), codes])}
    return stimuli


def _converter_model(spec, variant: str | None) -> ConverterModel:
    ffmt, to_lns = spec.float_format, spec.kind == "from-float"
    method = "interp" if variant == "interp-table" else spec["method"]
    max_error = spec["max_error"]
    if to_lns:
        return ConverterModel(
            lambda fmt: [("x", ffmt.width)], _float_words(ffmt),
            lambda fmt, x: float_to_lns(fmt, ffmt, x["x"], method=method, max_error=max_error),
            ffmt=ffmt, to_lns=True)
    return ConverterModel(
        lambda fmt: [("x", fmt.width)], _lns_codes_for(ffmt),
        lambda fmt, x: lns_to_float(fmt, ffmt, x["x"], method=method, max_error=max_error),
        ffmt=ffmt, to_lns=False)


# Systolic matrix unit --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class MatmulModel(UnitModel):
    """Bench view of a :class:`lnsgen.hdl.SystolicArray` (any arithmetic): beats of tile passes
    in, tile rows out.

    ``stimuli(fmt, n, rng)`` draws matrix products of many shapes (1x1x1, shapes that are not
    multiples of the tile, K far beyond the array, products that take several passes) until
    at least ``n`` input beats (a fixed set of shapes when ``n`` is None), and lists the passes
    of each through :class:`~lnsgen.verification.matmul.TileDriver`. ``reference`` reads the passes
    back from the beats and multiplies each pass's blocks with the arithmetic's golden
    ``matmul`` (:mod:`lnsgen.golden.arithmetic`).
    """

    spec: object = None

    def output_limit(self, fmt, inputs: dict) -> Callable[[int], int]:
        """A pass's ``tile_rows`` output rows may only leave after its final beat."""
        drv = _driver(self.spec)
        last = np.asarray(inputs["last"])
        group_last = last[drv.slots - 1::drv.slots]
        # after n accepted beats: tile_rows for every pass whose last group is complete
        ends = np.flatnonzero(group_last) * drv.slots + drv.slots
        return lambda n: drv.tile_rows * int(np.searchsorted(ends, n, side="right"))

    def tile_rows(self, fmt) -> int:
        """Output beats per pass: the rows of one C tile."""
        return _driver(self.spec).tile_rows

    def describe_input(self, fmt, name: str, value: int) -> str:
        if name == "last":
            return str(value)
        return _driver(self.spec).arithmetic.describe_operand(value)

    def describe_output(self, fmt, value: int) -> str:
        arith = _driver(self.spec).arithmetic
        w = arith.result_bits
        cols = (value.bit_length() - 1) // w + 1 if value else 1
        mask = (1 << w) - 1
        return "[" + ", ".join(arith.describe_result((value >> (w * c)) & mask)
                               for c in range(cols)) + "]"

    def values_per_beat(self, fmt) -> int:
        """One operand per array row and one per column."""
        drv = _driver(self.spec)
        return drv.rows + drv.cols


def _driver(spec):
    """The tile driver of an array spec (its geometry is a property of the hardware)."""
    from lnsgen.spec import pe_arithmetic

    from .matmul import TileDriver
    arith = pe_arithmetic(spec)
    return TileDriver(arith.golden, spec["rows"], spec["cols"], arith.slots)


def _matrix_codes(arith, shape, rng) -> np.ndarray:
    """Operand codes: mostly values of a trained network's scale, some arbitrary codes (NaNs
    and infinities of a float format among them) and exact zeros."""
    kind = rng.random(shape)
    scale = rng.choice([0.01, 1, 30])
    if isinstance(arith, IntArithmetic):
        bits = arith.ab_bits
        values = np.clip(np.rint(rng.standard_normal(shape) * scale),
                         -(1 << (bits - 1)), (1 << (bits - 1)) - 1).astype(np.int64)
        values = values & ((1 << bits) - 1)
        arbitrary = rng.integers(0, 1 << bits, size=shape)
    elif isinstance(arith, FloatArithmetic):
        from .baselines import words_near
        values = words_near(arith.ffmt, rng.standard_normal(shape) * scale)
        arbitrary = rng.integers(0, arith.ffmt.n_codes, size=shape)
    else:
        values = golden.from_float(arith.fmt, rng.standard_normal(shape) * scale)
        arbitrary = rng.integers(0, arith.fmt.n_codes, size=shape)
    values = np.where(kind < 0.1, arbitrary, values)
    return np.where(kind > 0.95, arith.zero, values)


def _matmul_stimuli(spec):
    def stimuli(fmt, n: int | None, rng) -> dict:
        drv = _driver(spec)
        arith = drv.arithmetic
        tr, cols, big = drv.tile_rows, drv.cols, 8 * max(drv.rows, drv.cols)
        shapes = [(1, 1, 1), (tr, 1, cols), (tr + 1, 2, cols + 1), (3, big + 3, 2),
                  (2 * tr, 5, 2 * cols), (max(1, tr - 1), 7, max(1, cols - 1))]
        beats = [drv.beats(p) for (M, K, N) in shapes
                 for p in drv.passes(_matrix_codes(arith, (M, K), rng),
                                     _matrix_codes(arith, (K, N), rng))]
        total = sum(len(b["last"]) for b in beats)
        while n is not None and total < n:
            M, K, N = (int(rng.integers(1, 2 * tr + 1)), int(rng.integers(1, 41)),
                       int(rng.integers(1, 2 * cols + 1)))
            for p in drv.passes(_matrix_codes(arith, (M, K), rng),
                                _matrix_codes(arith, (K, N), rng)):
                beats.append(drv.beats(p))
                total += len(beats[-1]["last"])
        return {name: np.concatenate([b[name] for b in beats]) for name in beats[0]}
    return stimuli


def _matmul_reference(spec, *, reverse_k: bool = False):
    """Golden tile rows; ``reverse_k`` sums over k backwards, a deliberately wrong order that
    is equally accurate, to prove the bench tells accumulation orders apart."""
    def reference(fmt, x: dict) -> list[int]:
        drv = _driver(spec)
        T, R = drv.slots, drv.rows
        a = np.stack([x[f"a{r}"] for r in range(R)])       # (R, beats)
        b = np.stack([x[f"b{c}"] for c in range(drv.cols)])  # (cols, beats)
        ends = np.flatnonzero(x["last"][T - 1::T]) * T + T   # a pass ends after a `last` group
        out, start = [], 0
        for end in ends:
            K = (end - start) // T
            # beat k T + t holds A[r T + t, k] in a[r]: back to the (tile_rows, K) block
            block_a = a[:, start:end].reshape(R, K, T).transpose(0, 2, 1).reshape(R * T, K)
            block_b = b[:, start:end:T].T
            if reverse_k:
                block_a, block_b = block_a[:, ::-1], block_b[::-1]
            out += pack_fields(drv.output_fields(), drv.outputs(drv.matmul(block_a, block_b)))
            start = end
        return out
    return reference


# The registry ------------------------------------------------------------------------------------

#: Deliberately wrong references (per kind), to prove that the benches catch a disagreement:
#: a multiplier that wraps instead of saturating, an array summed over k backwards (equally
#: accurate, another order), the faithful interpolated table for an LNS-to-float converter
#: that uses the correctly rounded direct one.
VARIANTS = {"mul": ("wraps",), "mm": ("reversed-k",), "mm-fma": ("reversed-k",),
            "to-float": ("interp-table",)}


def model_for(spec, variant: str | None = None) -> UnitModel:
    """The bench model of a :class:`lnsgen.spec.UnitSpec`: payload fields, stimuli and the
    golden reference, for that spec's parameters (method, error bound, geometry, formats).

    Parameters
    ----------
    spec : lnsgen.spec.UnitSpec
    variant : str, optional
        One of :data:`VARIANTS` for the spec's kind: a deliberately wrong reference.

    Raises
    ------
    ValueError
        If ``variant`` does not exist for the kind.
    """
    kind = spec.kind
    if variant is not None and variant not in VARIANTS.get(kind, ()):
        raise ValueError(f"variant must be one of {VARIANTS.get(kind, ())} for unit kind "
                         f"{kind!r}, not {variant!r}")
    if kind in ("mul", "div"):
        op = golden.mul if kind == "mul" else golden.div
        reference = (_mul_without_saturation if variant == "wraps"
                     else lambda fmt, x: op(fmt, x["a"], x["b"]))
        return UnitModel(_two_operands, _operand_pairs, reference)
    if kind == "add":
        return UnitModel(_adder_fields, _adder_vectors,
                         _adder_reference(spec["method"], spec["max_error"]))
    if kind == "mac":
        method, max_error = spec["method"], spec["max_error"]
        return UnitModel(_muladd_fields, _muladd_vectors,
                         lambda fmt, x: golden.muladd(fmt, x["a"], x["b"], x["c"],
                                                      method=method, max_error=max_error))
    if kind == "acc":
        return UnitModel(_accumulator_fields, _accumulator_stream, _accumulator_reference(spec),
                         one_to_one=False)
    if kind in ("from-float", "to-float"):
        return _converter_model(spec, variant)
    if kind in ("fma", "int-mac", "hybrid"):
        from . import baselines
        if kind == "fma":
            return baselines.FMA_MODEL
        if kind == "int-mac":
            return baselines.INTMAC_MODEL
        return baselines.hybrid_model(guard_bits=spec["guard_bits"],
                                      lin_frac_bits=spec["lin_frac_bits"],
                                      method=spec["method"], max_error=spec["max_error"])
    if kind in ARRAY_KINDS:
        return MatmulModel(lambda fmt: _driver(spec).input_fields(), _matmul_stimuli(spec),
                           _matmul_reference(spec, reverse_k=variant == "reversed-k"),
                           one_to_one=False, spec=spec)
    raise ValueError(f"no bench model for unit kind {kind!r}")
