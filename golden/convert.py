"""Conversion between float64 and LNS codes.

Rules (the hardware converters follow the same ones):

* ``x`` is rounded to nearest in the log domain: the log field is
  ``rint(log2(|x|) * 2 ** frac_bits)``, computed in float64, ties to even. Exact ties do
  not occur for finite floats (``log2`` of a float is rational only at powers of two), so
  the tie rule only matters within float64 rounding of ``log2``.
* ``+-0.0`` convert to the canonical zero code (LNS has a single zero).
* A magnitude whose rounded log is above ``log_max`` saturates to the largest magnitude;
  one whose rounded log is below ``log_min`` flushes to zero. Subnormal floats follow the
  same rule (they are far below the smallest magnitude of every format but the widest).
* ``+-inf`` saturate to the largest magnitude with their sign.
* NaN has no LNS code: by default it raises ``ValueError``; ``nan="zero"`` maps it to zero.
"""

from __future__ import annotations

import numpy as np

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
    """
    if nan not in _NAN_RULES:
        raise ValueError(f"nan must be one of {_NAN_RULES}, not {nan!r}")
    x = np.asarray(x, dtype=np.float64)
    isnan = np.isnan(x)
    if nan == "raise" and isnan.any():
        where = np.argwhere(isnan)[0]
        raise ValueError(
            f"x holds NaN (first at index {tuple(int(i) for i in where)}); LNS has no NaN "
            f"code: pass nan='zero' to map NaN to zero"
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


def to_float(fmt: LNSFormat, code):
    """The float64 values of LNS codes (exact up to float64 rounding of ``exp2``)."""
    sign, log, is_zero = fmt.unpack(code)
    mag = np.exp2(log.astype(np.float64) * fmt.ulp)
    value = np.where(is_zero, 0.0, np.where(sign == 1, -mag, mag))
    return value if value.ndim else float(value)
