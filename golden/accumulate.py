"""Sequential LNS summation, plain and compensated, in the exact order the hardware uses.

Every function here is vectorized over independent sums (any shape) and sequential only along
the summed ``axis``. All arithmetic is :func:`lnsgen.golden.addsub` on LNS codes.

Compensation schemes (``compensation=``):

``"none"``
    ``s = s + x``.
``"kahan"``
    Kahan's loop: ``y = x - c; t = s + y; c = (t - s) - y; s = t``.
``"neumaier"``
    Neumaier's variant, whose correction does not feed the next addition:
    ``t = s + x; c = c + ((s - t) + x)`` if ``|s| >= |x|`` else ``c + ((x - t) + s)``;
    ``s = t``; the result is ``s + c``. In LNS the correction terms are near-cancelling
    subtractions, which the faithful phi- handles.

:class:`Accumulator` is the state-carrying form (``step``) used for updates in place, e.g.
weight updates in training, and by the hardware accumulator's model.
"""

from __future__ import annotations

import numpy as np

from .adder import addsub_unchecked
from .checks import (
    check_axis,
    check_bits,
    check_choice,
    check_codes_broadcast,
    check_format,
    check_int,
)
from .format import LNSFormat
from .gaussian import gaussian_logs

__all__ = ["COMPENSATIONS", "Accumulator", "interleaved_sum", "lns_sum", "stream_sums"]

COMPENSATIONS = ("none", "kahan", "neumaier")


class Accumulator:
    """Running LNS sums with optional compensation, elementwise over arrays of sums.

    Parameters
    ----------
    fmt : LNSFormat
    compensation : {"none", "kahan", "neumaier"}
    method, max_error :
        The adder's Gaussian-log approximation (see :func:`lnsgen.golden.addsub`).

    Raises
    ------
    TypeError, ValueError
        If ``fmt``, ``compensation``, ``method`` or ``max_error`` is not accepted (checked
        here, not at the first step).
    """

    def __init__(self, fmt: LNSFormat, compensation: str = "kahan", *,
                 method: str = "interp", max_error: float = 1.0):
        check_format(fmt)
        check_choice("compensation", compensation, COMPENSATIONS)
        gaussian_logs(fmt, method, max_error)  # checks method and max_error, builds the tables
        self.fmt, self.compensation = fmt, compensation
        self._kw = {"method": method, "max_error": max_error}

    def _add(self, a, b):
        return np.asarray(addsub_unchecked(self.fmt, a, b, 0, **self._kw))

    def _sub(self, a, b):
        return np.asarray(addsub_unchecked(self.fmt, a, b, 1, **self._kw))

    def zeros(self, shape) -> tuple[np.ndarray, np.ndarray]:
        """Initial ``(s, c)``: both exact zero."""
        z = np.full(shape, self.fmt.zero, dtype=np.int64)
        return z, z.copy()

    def step(self, s, c, x):
        """``(s, c)`` after adding ``x`` (all broadcast together).

        Raises
        ------
        TypeError, ValueError
            If ``s``, ``c`` or ``x`` is not an array of codes of the format, or their shapes do
            not broadcast together.
        """
        s, c, x = check_codes_broadcast(self.fmt, s=s, c=c, x=x)
        return self._step(s, c, x)

    def _step(self, s, c, x):
        """:meth:`step` of checked int64 code arrays."""
        if self.compensation == "none":
            return self._add(s, x), c
        if self.compensation == "kahan":
            y = self._sub(x, c)
            t = self._add(s, y)
            c = self._sub(self._sub(t, s), y)
            return t, c
        t = self._add(s, x)
        _, ls, zs = self.fmt.unpack(s)
        _, lx, zx = self.fmt.unpack(x)
        s_bigger = np.where(zs, zx, ls >= lx) | zx  # |s| >= |x|, zero being the smallest
        big, small = np.where(s_bigger, s, x), np.where(s_bigger, x, s)
        c = self._add(c, self._add(self._sub(big, t), small))
        return t, c

    def result(self, s, c):
        """The sum's value: ``s`` (plain, Kahan) or ``s + c`` (Neumaier)."""
        if self.compensation == "neumaier":
            s, c = check_codes_broadcast(self.fmt, s=s, c=c)
            return self._add(s, c)
        return np.asarray(s)


def lns_sum(fmt: LNSFormat, x, axis: int = -1, *, compensation: str = "none",
            method: str = "interp", max_error: float = 1.0):
    """Sum LNS codes ``x`` along ``axis``, sequentially from index 0."""
    acc = Accumulator(fmt, compensation, method=method, max_error=max_error)
    x = fmt.check_codes(x, "x")
    x = np.moveaxis(x, check_axis("axis", axis, x.ndim), 0)
    s, c = acc.zeros(x.shape[1:])
    for row in x:
        s, c = acc._step(s, c, row)
    return acc.result(s, c)


def interleaved_sum(fmt: LNSFormat, x, lanes: int, axis: int = -1, *,
                    compensation: str = "none", method: str = "interp",
                    max_error: float = 1.0):
    """The hardware accumulator's order: element ``k`` goes to partial sum ``k % lanes``;
    at the end the partials are added in lane order, ``((p0 + p1) + p2) + ...``.

    With compensation each lane carries its own ``(s, c)`` and takes a step only for its own
    elements (a lane that gets none stays exact zero); a lane's value is
    :meth:`Accumulator.result` before the partials are combined with plain additions.
    """
    _check_lanes(lanes)
    acc = Accumulator(fmt, compensation, method=method, max_error=max_error)
    x = fmt.check_codes(x, "x")
    x = np.moveaxis(x, check_axis("axis", axis, x.ndim), 0)
    n = x.shape[0]
    s, c = acc.zeros((lanes,) + x.shape[1:])
    for r in range(0, n, lanes):
        chunk = x[r:r + lanes]
        m = len(chunk)
        s2, c2 = acc._step(s[:m], c[:m], chunk)
        s[:m], c[:m] = s2, c2
    partial = acc.result(s, c)
    total = partial[0]
    for p in partial[1:]:
        total = acc._add(total, p)
    return total


def _check_lanes(lanes) -> int:
    try:
        return check_int("lanes", lanes, 1)
    except (TypeError, ValueError) as exc:  # keep the established wording
        raise type(exc)(f"lanes must be a positive integer, not {lanes!r}") from None


def stream_sums(fmt: LNSFormat, values, last, lanes: int, *, compensation: str = "none",
                method: str = "interp", max_error: float = 1.0) -> np.ndarray:
    """The sums a hardware accumulator emits for a stream of ``values`` with ``last`` flags.

    Each sum runs from the beat after a ``last`` to the next ``last`` (inclusive) and is
    :func:`interleaved_sum` of its values. Beats after the final ``last`` form no sum.
    ``values`` and ``last`` (flags 0 or 1) must have the same shape.
    """
    check_format(fmt)
    _check_lanes(lanes)
    Accumulator(fmt, compensation, method=method, max_error=max_error)  # checks the rest
    values = fmt.check_codes(values, "values")
    last = check_bits("last", last)
    if last.shape != values.shape:
        raise ValueError(f"last must have the shape of values, {values.shape}, not {last.shape}")
    values, last = values.ravel(), last.ravel().astype(bool)
    ends = np.flatnonzero(last)
    starts = np.concatenate([[0], ends[:-1] + 1]) if len(ends) else np.array([], dtype=int)
    return np.array([interleaved_sum(fmt, values[a:b + 1], lanes, compensation=compensation,
                                     method=method, max_error=max_error)
                     for a, b in zip(starts, ends)], dtype=np.int64)
