"""Bit-exact, vectorized LNS matrix multiply: ``golden.mul`` products, ``golden.addsub`` sums.

``lns_matmul(fmt, a, b)`` computes ``a @ b`` on LNS codes: every product is :func:`golden.mul`
(exact in the log domain, saturating/flushing like the hardware multiplier) and every sum is a
chain of :func:`golden.addsub` additions in a fixed order (``order=``):

``"sequential"`` (default)
    ``((0 + p_0) + p_1) + ... + p_{K-1}``: one accumulator per output, fed in ``k`` order, as a
    systolic-array PE or :func:`golden.accumulate.lns_sum` does.
``"pairwise"``
    An adder tree: level by level, ``p_0 + p_1``, ``p_2 + p_3``, ...; an odd last element is
    carried unchanged to the next level.

Two implementations give the same bits (the tests check it):

``impl="golden"``
    Literally :func:`golden.mul` on the broadcast operands and :func:`golden.addsub` in the
    order above: the reference, slow.
``impl="fast"`` (default)
    The same integer rules on an unpacked ``(log, sign)`` form, with ``phi+`` and ``phi-`` read
    from one lookup table built from :func:`golden.gaussian.gaussian_logs` (the adder's own
    tables, so a change of the adder's approximation carries over). Zero is a log far below
    ``log_min`` (so ``0 + y``, ``x * 0`` and cancellation need no special case), and the
    Gaussian-log lookup takes ``d = max(Ly - Lx, d_min - 1)`` with a zero entry at
    ``d_min - 1``: exactly the golden adder's "zero operand adds nothing" rule. About 4x faster
    than ``impl="golden"``. Formats whose ``d`` domain exceeds
    :data:`golden.gaussian.LUT_LIMIT` fall back to ``"golden"``.
"""

from __future__ import annotations

import functools

import numpy as np

from ..adder import add
from ..arith import mul
from ..format import LNSFormat
from ..gaussian import LUT_LIMIT, gaussian_logs

__all__ = ["ORDERS", "IMPLS", "lns_matmul", "LNSKernel", "kernel"]

ORDERS = ("sequential", "pairwise")
IMPLS = ("fast", "golden")

#: Products computed per block (bounds memory: a few arrays of this many elements).
_BLOCK = 1 << 22
#: Products per block of the sequential order (small: the block should stay in cache).
_SEQ_BLOCK = 1 << 16


class LNSKernel:
    """Unpacked LNS add and multiply for one format and adder approximation.

    The unpacked form of a code is ``(l, s)``: ``l`` the sign-extended log field, or
    :attr:`zero_l` for zero; ``s`` 0 for positive, :attr:`neg` for negative (an offset into the
    Gaussian-log table, so ``sa ^ sb`` selects phi- directly). The sign of a zero is ignored.
    Both are int32 arrays when the format allows (``log_bits <= 26``), else int64.
    """

    def __init__(self, fmt: LNSFormat, method: str = "interp", max_error: float = 1.0):
        plus, minus = gaussian_logs(fmt, method, max_error)
        if plus.d_max - plus.d_min >= LUT_LIMIT:
            raise ValueError(f"{fmt}: Gaussian-log domain too large for the fast kernel")
        self.fmt = fmt
        self.dtype = np.int32 if fmt.log_bits <= 26 else np.int64
        self.log_min, self.log_max = fmt.log_min, fmt.log_max
        # Far enough below log_min that zero + anything and any cancellation stay below it.
        self.zero_l = -4 * (fmt.log_max + 1) - (1 << fmt.frac_bits)
        # The table is indexed by j = Lx - Ly >= 0, capped at cap = 2 * log_max + 1, where
        # entry cap is 0 (y is zero: it adds nothing), plus neg when the signs differ.
        d = np.arange(plus.d_min, 1, dtype=np.int64)           # d = Ly - Lx = -j
        self.cap = -(plus.d_min - 1)
        n = self.cap + 1
        lut = np.zeros(2 * n, dtype=np.int64)
        lut[0:n - 1] = plus.evaluate(d)[::-1]                   # same signs, j = 0 .. cap-1
        lut[n + 1:2 * n - 1] = minus.evaluate(d[:-1])[::-1]     # opposite signs, j >= 1
        lut[n] = self.zero_l                                    # x - x: exact cancellation
        self.lut, self.neg = lut.astype(self.dtype), n

    # Packing ------------------------------------------------------------------------------

    def unpack(self, code):
        s, log, z = self.fmt.unpack(code)
        return (np.where(z, self.zero_l, log).astype(self.dtype),
                np.where(z, 0, s * self.neg).astype(self.dtype))

    def pack(self, l, s):
        l = np.asarray(l, dtype=np.int64)
        zero = l < self.log_min
        return np.asarray(self.fmt.pack(np.where(zero, 0, s != 0),
                                        np.where(zero, self.fmt.zero_log, l)))

    # Arithmetic on the unpacked form ------------------------------------------------------

    def mul(self, la, sa, lb, sb):
        """``a * b``: log sum, saturated above ``log_max``, zero below ``log_min``."""
        l = la + lb
        np.minimum(l, self.log_max, out=l)
        np.putmask(l, l < self.log_min, self.zero_l)
        return l, sa ^ sb

    def add(self, la, sa, lb, sb):
        """``a + b`` with the golden adder's rules (inputs broadcast; outputs new arrays)."""
        lx = np.maximum(la, lb)
        j = np.minimum(la, lb)
        np.subtract(lx, j, out=j)                      # j = Lx - Ly >= 0
        np.minimum(j, self.cap, out=j)                 # a zero y lands on the 0 entry
        j += sa ^ sb
        l = self.lut.take(j)
        l += lx
        np.minimum(l, self.log_max, out=l)
        np.putmask(l, l < self.log_min, self.zero_l)
        return l, np.where(lb > la, sb, sa)            # the sign of the larger (a on ties)

    # Matrix multiply ----------------------------------------------------------------------

    def matmul(self, a, b, order: str = "sequential"):
        la, sa = self.unpack(a)
        lb, sb = self.unpack(b)
        M, K = la.shape
        N = lb.shape[1]
        if K == 0:
            return np.full((M, N), self.fmt.zero, dtype=np.int64)
        if order == "sequential":
            # Products for a block of k at once (one vectorized mul), then the additions in
            # k order, each over all (M, N) outputs.
            laT = np.ascontiguousarray(la.T)[:, :, None]
            saT = np.ascontiguousarray(sa.T)[:, :, None]
            block = max(1, _SEQ_BLOCK // max(1, M * N))
            acc = None
            for k0 in range(0, K, block):
                pl, ps = self.mul(laT[k0:k0 + block], saT[k0:k0 + block],
                                  lb[k0:k0 + block, None, :], sb[k0:k0 + block, None, :])
                for k in range(pl.shape[0]):
                    acc = (pl[k], ps[k]) if acc is None else self.add(*acc, pl[k], ps[k])
            return self.pack(*acc)
        rows = max(1, _BLOCK // max(1, K * N))
        out = np.empty((M, N), dtype=np.int64)
        for r0 in range(0, M, rows):
            pl, ps = self.mul(la[r0:r0 + rows, :, None], sa[r0:r0 + rows, :, None],
                              lb[None], sb[None])
            while pl.shape[1] > 1:
                half = pl.shape[1] // 2
                ql, qs = self.add(pl[:, 0:2 * half:2], ps[:, 0:2 * half:2],
                                  pl[:, 1:2 * half:2], ps[:, 1:2 * half:2])
                if pl.shape[1] % 2:
                    ql = np.concatenate([ql, pl[:, -1:]], axis=1)
                    qs = np.concatenate([qs, ps[:, -1:]], axis=1)
                pl, ps = ql, qs
            out[r0:r0 + rows] = self.pack(pl[:, 0], ps[:, 0])
        return out


@functools.lru_cache(maxsize=32)
def kernel(fmt: LNSFormat, method: str = "interp", max_error: float = 1.0) -> LNSKernel:
    """The (cached) :class:`LNSKernel` of a format."""
    return LNSKernel(fmt, method, max_error)


def _golden_matmul(fmt, a, b, order, method, max_error):
    kw = {"method": method, "max_error": max_error}
    M, K = a.shape
    N = b.shape[1]
    if K == 0:
        return np.full((M, N), fmt.zero, dtype=np.int64)
    prods = np.asarray(mul(fmt, a[:, :, None], b[None, :, :]))      # (M, K, N)
    if order == "sequential":
        s = np.full((M, N), fmt.zero, dtype=np.int64)
        for k in range(K):
            s = add(fmt, s, prods[:, k], **kw)
        return np.asarray(s)
    level = list(np.moveaxis(prods, 1, 0))
    while len(level) > 1:
        nxt = [add(fmt, level[i], level[i + 1], **kw) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return np.asarray(level[0])


def lns_matmul(fmt: LNSFormat, a, b, *, order: str = "sequential", impl: str = "fast",
               method: str = "interp", max_error: float = 1.0) -> np.ndarray:
    """``a @ b`` on LNS codes, ``a`` of shape (M, K) and ``b`` of shape (K, N).

    Parameters
    ----------
    fmt : LNSFormat
    a, b : array_like of int
        LNS codes.
    order : {"sequential", "pairwise"}
        Summation order over ``K`` (see the module docstring).
    impl : {"fast", "golden"}
        Implementation; both give the same bits.
    method, max_error :
        The adder's Gaussian-log approximation (see :func:`golden.addsub`).

    Returns
    -------
    numpy.ndarray of int64, shape (M, N): canonical codes.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    if impl not in IMPLS:
        raise ValueError(f"impl must be one of {IMPLS}, not {impl!r}")
    a = fmt.check_codes(a, "a")
    b = fmt.check_codes(b, "b")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"lns_matmul needs (M, K) @ (K, N) operands, got {a.shape} @ {b.shape}")
    if impl == "fast":
        try:
            k = kernel(fmt, method, max_error)
        except ValueError:
            impl = "golden"
        else:
            return k.matmul(a, b, order)
    return _golden_matmul(fmt, a, b, order, method, max_error)
