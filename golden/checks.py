"""Argument checks shared by the public functions of :mod:`lnsgen.golden` (and of :mod:`lnsgen.hdl`).

Every check raises at the API boundary with a message that names the parameter and what it
accepts, instead of letting numpy fail later with a message about its own internals.
``TypeError`` is for a value of the wrong kind, ``ValueError`` for one of the right kind outside
the accepted range (or an unknown name).
"""

from __future__ import annotations

import numbers

import numpy as np

from .format import LNSFormat

__all__ = [
    "check_axis",
    "check_bits",
    "check_choice",
    "check_codes_broadcast",
    "check_format",
    "check_int",
    "check_real",
    "code_arrays_broadcast",
]


def check_format(fmt, name: str = "fmt") -> LNSFormat:
    """``fmt`` itself if it is a :class:`lnsgen.golden.LNSFormat`, else a ``TypeError``."""
    if not isinstance(fmt, LNSFormat):
        raise TypeError(f"{name} must be a golden.LNSFormat, not {fmt!r}")
    return fmt


def check_int(name: str, value, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int (Python or numpy integer, not bool) in ``[lo, hi]``."""
    lo_text = "-inf" if lo is None else str(lo)
    hi_text = "inf" if hi is None else str(hi)
    what = f"an integer in [{lo_text}, {hi_text}]" if hi is not None else (
        f"an integer >= {lo}" if lo is not None else "an integer")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {what}, not {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name} must be {what}, not {value!r}")
    return int(value)


def check_real(name: str, value, accepted: str, ok) -> float:
    """``value`` as a float if it is a real number for which ``ok(value)`` holds.

    ``accepted`` describes the range in the message, e.g. ``"in [0.51, 4] ulp"``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number {accepted}, not {value!r}")
    if not ok(float(value)):  # NaN fails every comparison, so it lands here
        raise ValueError(f"{name} must be {accepted}, not {value!r}")
    return float(value)


def check_choice(name: str, value, choices) -> str:
    """``value`` if it is one of ``choices`` (strings), else a ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, not {value!r}")
    return value


def check_bits(name: str, value) -> np.ndarray:
    """An array of 0/1 flags (bool or integer dtype), as int64."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must hold integers 0 or 1, not {arr.dtype} values")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must hold only 0 or 1; got values in [{arr.min()}, {arr.max()}]")
    return arr


def check_codes_broadcast(fmt: LNSFormat, **arrays) -> list[np.ndarray]:
    """The named arrays of codes, checked for ``fmt`` and for shapes that broadcast together."""
    checked = [fmt.check_codes(v, name) for name, v in arrays.items()]
    _check_broadcast(arrays, checked)
    return checked


def code_arrays_broadcast(fmt: LNSFormat, **arrays) -> list[np.ndarray]:
    """:func:`check_codes_broadcast` but for the values, which the caller checks (e.g. chunk by
    chunk, while the data is in cache, with :meth:`LNSFormat.check_code_range`'s message)."""
    checked = [fmt.code_array(v, name) for name, v in arrays.items()]
    _check_broadcast(arrays, checked)
    return checked


def _check_broadcast(names, checked) -> None:
    try:
        np.broadcast_shapes(*(a.shape for a in checked))
    except ValueError:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(names, checked))
        raise ValueError(f"{' and '.join(names)} must have shapes that broadcast together; "
                         f"got {shapes}") from None


def check_axis(name: str, axis, ndim: int) -> int:
    """``axis`` checked against an array of ``ndim`` dimensions (negative counts from the end)."""
    if ndim == 0:
        raise ValueError(f"x must have at least one dimension to sum along {name}")
    return check_int(name, axis, -ndim, ndim - 1)
