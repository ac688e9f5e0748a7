"""LNS matrix product in the exact order of lnsgen's systolic array.

Every element ``C[i, j]`` is one processing element's running sum over ``k`` in increasing
order, starting from exact zero: ``s = ((0 + A[i,0] B[0,j]) + A[i,1] B[1,j]) + ...``, each
product rounded by :func:`lnsgen.golden.mul` and each addition by :func:`lnsgen.golden.addsub`; with
``compensation="kahan"`` the sum carries Kahan's correction term exactly as
:class:`lnsgen.golden.accumulate.Accumulator` does. The array never splits ``K`` (a tile pass takes
any ``K``), so tiling over ``M`` and ``N`` does not change a single bit of the result.

Formats with lookup tables (:func:`lnsgen.golden.kernel.fast`) run the loop over ``k`` on the
unpacked form of :mod:`lnsgen.golden.kernel`, all ``(M, N)`` sums at once, one addition per
step; the plain sum skips the products of a zero operand (the adder treats zero as an exact
identity, so ``s + 0 = s`` and ``0 + p = p``: the sum of each output runs over its non-zero
products in increasing ``k``). Wider formats compose :func:`lnsgen.golden.mul` and
:func:`lnsgen.golden.accumulate.lns_sum` literally.
"""

from __future__ import annotations

import numpy as np

from .accumulate import lns_sum
from .arith import mul_unchecked
from .checks import check_choice, check_format
from .format import LNSFormat
from .gaussian import gaussian_logs
from .kernel import FAR, fast, phi_table, saturate

__all__ = ["MATMUL_COMPENSATIONS", "matmul"]

#: Compensation schemes the array implements.
MATMUL_COMPENSATIONS = ("none", "kahan")
#: Products computed per block of steps (a few int32 arrays of this many elements).
_BLOCK = 1 << 16


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

    Raises
    ------
    TypeError, ValueError
        If ``fmt``, an operand, ``compensation``, ``method`` or ``max_error`` is not accepted,
        or the shapes do not chain.
    """
    check_format(fmt)
    if compensation not in MATMUL_COMPENSATIONS:
        raise ValueError(f"compensation must be one of {MATMUL_COMPENSATIONS}, "
                         f"not {compensation!r}")
    gaussian_logs(fmt, method, max_error)   # checks method and max_error
    a = fmt.check_codes(a, "a")
    b = fmt.check_codes(b, "b")
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"a and b must be 2-D, not of shapes {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0] or a.shape[1] < 1:
        raise ValueError(f"a's columns must match b's rows (at least 1): shapes {a.shape} "
                         f"and {b.shape}")
    return matmul_unchecked(fmt, a, b, compensation, method, max_error)


def matmul_unchecked(fmt, a, b, compensation="none", method="interp", max_error=1.0):
    """:func:`matmul` of checked int64 code arrays (no argument checks)."""
    check_choice("compensation", compensation, MATMUL_COMPENSATIONS)
    M, K = a.shape
    N = b.shape[1]
    if K == 0:
        return np.full((M, N), fmt.zero, dtype=np.int64)
    if not fast(fmt):
        products = mul_unchecked(fmt, a[:, :, None], b[None, :, :])  # (M, K, N)
        return np.asarray(lns_sum(fmt, products, axis=1, compensation=compensation,
                                  method=method, max_error=max_error),
                          dtype=np.int64).reshape(M, N)
    phi = phi_table(fmt, method, max_error)
    if compensation == "kahan":
        return phi.tables.pack(_kahan(phi, a, b))
    # Skip the zero operands of whichever side has fewer non-zero products to do
    # (a @ b = (b.T @ a.T).T exactly: mul commutes and the k order is the same).
    if _nonzero(fmt, b) * M < _nonzero(fmt, a) * N:
        return phi.tables.pack(_plain(phi, b.T, a.T)).T
    return phi.tables.pack(_plain(phi, a, b))


def _nonzero(fmt, codes) -> int:
    """How many of ``codes`` are not zero (the log field is not ``zero_log``)."""
    field = codes & ((1 << fmt.log_bits) - 1)
    return int(codes.size - np.count_nonzero(field == 1 << (fmt.log_bits - 1)))


def _operands(phi, a, b):
    """``(alpha, sa, eb2)``: ``alpha = 4 La`` (far for zero) and the sign of ``a``, and the
    unpacked ``b`` then ``-b`` stacked, ``(2K, N)``: the product ``a[i, k] b[k, :]`` in the
    unpacked form is ``alpha[i, k] + eb2[k + K sa[i, k]]``."""
    tab = phi.tables
    ea = tab.unpack(np.ascontiguousarray(a))
    sa = ea & 1
    alpha = ea - sa + 4 * tab.zero_log                  # 4 La (zero: still far below)
    eb = tab.unpack(np.ascontiguousarray(b))
    return alpha, sa, np.concatenate([eb, eb ^ 1])


def _fix_products(p, e_max):
    """Flush (to FAR) and saturate a block of unpacked products in place."""
    if p.size:
        if p.min() < 4:
            np.copyto(p, FAR, where=p < 4)
        if p.max() > e_max:
            saturate(p, e_max)


def _plain(phi, a, b) -> np.ndarray:
    """The plain sequential sums, unpacked, ``(M, N)``: rows are sorted by their count of
    non-zero ``a`` so that the rows still summing at step ``t`` are a prefix."""
    M, K = a.shape
    N = b.shape[1]
    e_max = phi.tables.e_max
    alpha, sa, eb2 = _operands(phi, a, b)
    nz = alpha > FAR // 2
    cnt = nz.sum(axis=1)
    rows = np.argsort(-cnt, kind="stable")
    cnt = cnt[rows]
    kmax = int(cnt[0]) if M else 0
    acc = np.full((M, N), FAR, dtype=np.int32)
    if kmax:
        r, k = np.nonzero(nz[rows])                     # row-major: k increasing in each row
        pos = np.arange(r.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        gidx = np.zeros((kmax, M), dtype=np.intp)       # padding: never read (prefix rule)
        av = np.full((kmax, M), FAR, dtype=np.int32)
        gidx[pos, r] = k + K * sa[rows[r], k]
        av[pos, r] = alpha[rows[r], k]
        # active[t] = rows with more than t non-zero a (cnt is non-increasing)
        active = np.searchsorted(-cnt, -np.arange(kmax), side="right")
        tmp = np.empty(int(active[0]) * N, dtype=np.int32)
        t0 = 0
        while t0 < kmax:
            m0 = int(active[t0])
            t1 = min(kmax, t0 + max(1, _BLOCK // max(1, m0 * N)))
            p = eb2[gidx[t0:t1, :m0]]
            p += av[t0:t1, :m0, None]                   # 4 (La + Lb - zero_log) + sa ^ sb
            _fix_products(p, e_max)
            for t in range(t1 - t0):
                m = int(active[t0 + t])
                if t0 + t == 0:
                    acc[:m] = p[t, :m]                  # 0 + p_0 = p_0
                else:
                    phi.sum_step(acc[:m], p[t, :m], tmp[:m * N].reshape(m, N))
            t0 = t1
    out = np.empty_like(acc)
    out[rows] = acc
    return out


def _kahan(phi, a, b) -> np.ndarray:
    """Kahan-compensated sequential sums, unpacked, ``(M, N)``: ``y = x - c; t = s + y;
    c = (t - s) - y; s = t`` from ``s = c = 0`` over every ``k`` (zero products included: the
    compensation is not an identity for them)."""
    M, K = a.shape
    N = b.shape[1]
    e_max = phi.tables.e_max
    alpha, sa, eb2 = _operands(phi, a, b)
    gidx = (np.arange(K)[:, None] + K * sa.T).astype(np.intp)     # (K, M)
    av = np.ascontiguousarray(alpha.T)
    s = np.full((M, N), FAR, dtype=np.int32)
    c = np.full((M, N), FAR, dtype=np.int32)
    t, u, neg, tmp = (np.empty((M, N), dtype=np.int32) for _ in range(4))
    step = max(1, _BLOCK // max(1, M * N))
    for k0 in range(0, K, step):
        p = eb2[gidx[k0:k0 + step]]
        p += av[k0:k0 + step, :, None]
        _fix_products(p, e_max)
        for y in p:                                     # y = x - c (in place of x)
            np.bitwise_xor(c, 1, out=neg)
            phi.sum_step(y, neg, tmp)
            np.copyto(t, s)                             # t = s + y
            phi.sum_step(t, y, tmp)
            np.bitwise_xor(s, 1, out=neg)               # c = (t - s) - y
            np.copyto(u, t)
            phi.sum_step(u, neg, tmp)
            np.bitwise_xor(y, 1, out=neg)
            phi.sum_step(u, neg, tmp)
            s, t, c, u = t, s, u, c
    return s
