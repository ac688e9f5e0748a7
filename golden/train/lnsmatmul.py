"""The LNS matrix multiply of the training emulation: :func:`lnsgen.golden.matmul`, or an adder
tree.

``lns_matmul(fmt, a, b)`` computes ``a @ b`` on LNS codes: every product is
:func:`lnsgen.golden.mul` (exact in the log domain, saturating/flushing like the hardware
multiplier) and every sum is a chain of :func:`lnsgen.golden.addsub` additions in a fixed order
(``order=``):

``"sequential"`` (default)
    ``((0 + p_0) + p_1) + ... + p_{K-1}``: one accumulator per output, fed in ``k`` order, as a
    systolic-array PE does: this *is* :func:`lnsgen.golden.matmul` (the benches' reference),
    called as it is.
``"pairwise"``
    An adder tree: level by level, ``p_0 + p_1``, ``p_2 + p_3``, ...; an odd last element is
    carried unchanged to the next level.
"""

from __future__ import annotations

import numpy as np

from ..adder import addsub_unchecked
from ..arith import mul_unchecked
from ..format import LNSFormat
from ..gaussian import gaussian_logs
from ..matmul import matmul

__all__ = ["ORDERS", "lns_matmul"]

ORDERS = ("sequential", "pairwise")

#: Products held at once by the pairwise order (bounds memory).
_BLOCK = 1 << 22


def lns_matmul(fmt: LNSFormat, a, b, *, order: str = "sequential", method: str = "interp",
               max_error: float = 1.0) -> np.ndarray:
    """``a @ b`` on LNS codes, ``a`` of shape (M, K) and ``b`` of shape (K, N).

    Parameters
    ----------
    fmt : LNSFormat
    a, b : array_like of int
        LNS codes (``K = 0`` gives zeros).
    order : {"sequential", "pairwise"}
        Summation order over ``K`` (see the module docstring).
    method, max_error :
        The adder's Gaussian-log approximation (see :func:`lnsgen.golden.addsub`).

    Returns
    -------
    numpy.ndarray of int64, shape (M, N): canonical codes.

    Raises
    ------
    TypeError, ValueError
        If ``order`` is unknown, an operand is not codes of ``fmt`` or the shapes do not chain
        (and as :func:`lnsgen.golden.matmul` does).
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    gaussian_logs(fmt, method, max_error)
    a = fmt.check_codes(a, "a")
    b = fmt.check_codes(b, "b")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"lns_matmul needs (M, K) @ (K, N) operands, got {a.shape} @ {b.shape}")
    M, K = a.shape
    N = b.shape[1]
    if K == 0:
        return np.full((M, N), fmt.zero, dtype=np.int64)
    if order == "sequential":
        return matmul(fmt, a, b, method=method, max_error=max_error)
    out = np.empty((M, N), dtype=np.int64)
    rows = max(1, _BLOCK // max(1, K * N))
    for r0 in range(0, M, rows):
        p = np.asarray(mul_unchecked(fmt, a[r0:r0 + rows, :, None], b[None]))  # (rows, K, N)
        while p.shape[1] > 1:
            half = p.shape[1] // 2
            q = np.asarray(addsub_unchecked(fmt, p[:, 0:2 * half:2], p[:, 1:2 * half:2], 0,
                                            method, max_error))
            p = np.concatenate([q, p[:, -1:]], axis=1) if p.shape[1] % 2 else q
        out[r0:r0 + rows] = p[:, 0]
    return out
