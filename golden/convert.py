"""Conversion between float64 and LNS codes.

Rules (the hardware converters follow the same ones):

* ``x`` is rounded to nearest in the log domain: the log field is
  ``rint(log2(|x|) * 2 ** frac_bits)``, computed in float64, ties to even. Exact ties do
  not occur for finite floats (``log2`` of a float is rational only at powers of two), so
  the tie rule only matters within float64 rounding of ``log2``.
* ``+0.0`` and ``-0.0`` both convert to the canonical zero code (sign bit clear: LNS has a
  single zero), and every zero code converts back to ``+0.0``.
* Overflow saturates: a magnitude whose rounded log is above ``log_max`` (so anything from
  ``max_value * 2 ** (ulp / 2)`` up, within float64 rounding of ``log2``) gives the largest
  magnitude with the sign of ``x``.
* Underflow flushes: a magnitude whose rounded log is below ``log_min`` (anything below
  ``min_value * 2 ** (-ulp / 2)``; the exact tie flushes too, since ``log_min`` is odd and
  ties go to even) gives the canonical zero, whatever the sign of ``x``.
* Subnormal float64 values (below ``2 ** -1022``) follow the same rule, and since the
  smallest magnitude of every format is at least ``2 ** -512`` (``int_bits <= 10``), they
  always flush to zero. (Narrower floats are widened to float64 first, where their subnormals
  are normal numbers: float32's ``2 ** -149`` has a code when ``int_bits >= 9``.)
* ``+-inf`` saturate to the largest magnitude with their sign.
* NaN has no LNS code: by default it raises ``ValueError``; ``nan="zero"`` maps it to the
  canonical zero.
* ``x`` must hold real numbers: booleans, integers and floats of any precision are converted
  to float64 first; complex values, strings and other objects raise ``TypeError``, ragged
  nested sequences and integers too large for float64 raise ``ValueError``.
"""

from __future__ import annotations

import numpy as np

from .checks import check_choice, check_format
from .format import LNSFormat

__all__ = ["from_float", "to_float"]

_NAN_RULES = ("raise", "zero")


def from_float(fmt: LNSFormat, x, *, nan: str = "raise"):
    """LNS codes nearest (in the log domain) to the floats ``x``.

    Parameters
    ----------
    fmt : LNSFormat
        Target format.
    x : array_like of float
        Values of any shape.
    nan : {"raise", "zero"}
        What to do with NaN inputs.

    Returns
    -------
    numpy.ndarray of int64 (or int for a scalar input)

    Raises
    ------
    TypeError
        If ``fmt`` is not an LNSFormat or ``x`` does not hold real numbers.
    ValueError
        If ``x`` holds NaN and ``nan="raise"``, ``nan`` is not a known rule, or ``x`` is a
        ragged sequence.
    """
    check_format(fmt)
    check_choice("nan", nan, _NAN_RULES)
    x = _as_float64(x)
    isnan = np.isnan(x)
    if nan == "raise" and isnan.any():
        where = np.argwhere(isnan)[0] if x.ndim else ()
        at = f" (first at index {tuple(int(i) for i in where)})" if x.ndim else ""
        raise ValueError(
            f"x holds NaN{at}; LNS has no NaN code: pass nan='zero' to map NaN to zero"
        )
    mag = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.log2(mag) * float(1 << fmt.frac_bits)
    # inf and huge magnitudes clip to log_max; tiny ones (and -inf from log2(0)) to zero.
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=fmt.log_max + 1.0, neginf=fmt.zero_log - 1.0)
    log = np.rint(np.clip(scaled, fmt.zero_log - 1.0, fmt.log_max + 1.0)).astype(np.int64)
    log = np.minimum(log, fmt.log_max)
    is_zero = (log < fmt.log_min) | (mag == 0.0) | isnan
    sign = np.signbit(x).astype(np.int64)
    return fmt.pack(np.where(is_zero, 0, sign), np.where(is_zero, fmt.zero_log, log))


def _as_float64(x) -> np.ndarray:
    """``x`` as a float64 array, or an error naming ``x`` (never a silent conversion)."""
    try:
        arr = np.asarray(x)
    except ValueError:  # numpy >= 1.24 refuses ragged nested sequences
        raise ValueError("x must be an array_like of real numbers with a regular shape "
                         "(not a ragged nested sequence)") from None
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind == "O":  # Python objects: real numbers only (ints may be huge)
        try:
            if all(isinstance(v, (int, float, np.integer, np.floating)) for v in arr.ravel()):
                return arr.astype(np.float64)
        except OverflowError:
            raise ValueError("x holds an integer too large for float64") from None
    kind = {"c": "complex", "U": "string", "S": "bytes", "O": "non-numeric"}.get(
        arr.dtype.kind, str(arr.dtype))
    raise TypeError(f"x must hold real numbers (bool, int or float), not {kind} values")


def to_float(fmt: LNSFormat, code):
    """The float64 values of LNS codes (exact up to float64 rounding of ``exp2``).

    Every zero code (sign bit set or not) gives ``+0.0``.

    Raises
    ------
    TypeError
        If ``fmt`` is not an LNSFormat or ``code`` is not an integer array.
    ValueError
        If a code is negative or wider than ``fmt.width`` bits.
    """
    check_format(fmt)
    sign, log, is_zero = fmt.unpack(code)
    mag = np.exp2(log.astype(np.float64) * fmt.ulp)
    value = np.where(is_zero, 0.0, np.where(sign == 1, -mag, mag))
    return value if value.ndim else float(value)
