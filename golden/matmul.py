"""LNS matrix product in the exact order of lnsgen's systolic array.

Every element ``C[i, j]`` is one processing element's running sum over ``k`` in increasing
order, starting from exact zero: ``s = ((0 + A[i,0] B[0,j]) + A[i,1] B[1,j]) + ...``, each
product rounded by :func:`lnsgen.golden.mul` and each addition by :func:`lnsgen.golden.addsub`; with
``compensation="kahan"`` the sum carries Kahan's correction term exactly as
:class:`lnsgen.golden.accumulate.Accumulator` does. The array never splits ``K`` (a tile pass takes
any ``K``), so tiling over ``M`` and ``N`` does not change a single bit of the result.
"""

from __future__ import annotations

import numpy as np

from .accumulate import lns_sum
from .arith import mul
from .format import LNSFormat

__all__ = ["MATMUL_COMPENSATIONS", "matmul"]

#: Compensation schemes the array implements.
MATMUL_COMPENSATIONS = ("none", "kahan")


def matmul(fmt: LNSFormat, a, b, *, compensation: str = "none", method: str = "interp",
           max_error: float = 1.0) -> np.ndarray:
    """``a @ b`` on LNS codes, ``a`` of shape ``(M, K)`` and ``b`` of shape ``(K, N)``.

    Parameters
    ----------
    fmt : LNSFormat
    a, b : array_like of int
        LNS codes; 2-D, with ``a.shape[1] == b.shape[0] >= 1``.
    compensation : {"none", "kahan"}
    method, max_error :
        The adders' Gaussian-log approximation (see :func:`lnsgen.golden.addsub`).

    Returns
    -------
    numpy.ndarray of int64, shape ``(M, N)``
    """
    if compensation not in MATMUL_COMPENSATIONS:
        raise ValueError(f"compensation must be one of {MATMUL_COMPENSATIONS}, "
                         f"not {compensation!r}")
    a = fmt.check_codes(a, "a")
    b = fmt.check_codes(b, "b")
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"a and b must be 2-D, not of shapes {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0] or a.shape[1] < 1:
        raise ValueError(f"a's columns must match b's rows (at least 1): shapes {a.shape} "
                         f"and {b.shape}")
    products = mul(fmt, a[:, :, None], b[None, :, :])  # (M, K, N)
    return np.asarray(lns_sum(fmt, products, axis=1, compensation=compensation, method=method,
                              max_error=max_error), dtype=np.int64).reshape(a.shape[0],
                                                                            b.shape[1])
