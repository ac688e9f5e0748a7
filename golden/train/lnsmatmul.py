"""Bit-exact, vectorized LNS matrix multiply: ``golden.mul`` products, ``golden.addsub`` sums.

``lns_matmul(fmt, a, b)`` computes ``a @ b`` on LNS codes: every product is :func:`lnsgen.golden.mul`
(exact in the log domain, saturating/flushing like the hardware multiplier) and every sum is a
chain of :func:`lnsgen.golden.addsub` additions in a fixed order (``order=``):

``"sequential"`` (default)
    ``((0 + p_0) + p_1) + ... + p_{K-1}``: one accumulator per output, fed in ``k`` order, as a
    systolic-array PE or :func:`lnsgen.golden.accumulate.lns_sum` does.
``"pairwise"``
    An adder tree: level by level, ``p_0 + p_1``, ``p_2 + p_3``, ...; an odd last element is
    carried unchanged to the next level.

Two implementations give the same bits (the tests check it):

``impl="golden"``
    Literally :func:`lnsgen.golden.mul` on the broadcast operands and :func:`lnsgen.golden.addsub` in the
    order above: the reference, slow.
``impl="fast"`` (default)
    The same integer rules on an unpacked ``(log, sign)`` form, with ``phi+`` and ``phi-`` read
    from one lookup table built from :func:`lnsgen.golden.gaussian.gaussian_logs` (the adder's own
    tables, so a change of the adder's approximation carries over). Zero is a log far below
    ``log_min`` (so ``0 + y``, ``x * 0`` and cancellation need no special case), and the
    Gaussian-log lookup takes ``d = max(Ly - Lx, d_min - 1)`` with a zero entry at
    ``d_min - 1``: exactly the golden adder's "zero operand adds nothing" rule. About 4x faster
    than ``impl="golden"``. Formats whose ``d`` domain exceeds
    :data:`lnsgen.golden.gaussian.LUT_LIMIT` fall back to ``"golden"``.
"""

from __future__ import annotations

import functools

import numpy as np

from ..adder import add
from ..arith import mul
from ..format import LNSFormat
from ..gaussian import LUT_LIMIT, gaussian_logs

__all__ = ["IMPLS", "ORDERS", "LNSKernel", "kernel", "lns_matmul"]

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

    def sub(self, la, sa, lb, sb):
        """``a - b``: ``a + (-b)`` (the sign of a zero is ignored)."""
        return self.add(la, sa, lb, sb ^ self.neg)

    # Element-wise golden operations on codes -------------------------------------------------

    def add_codes(self, a, b):
        """:func:`lnsgen.golden.add` on codes (broadcast), through the unpacked form."""
        return self.pack(*self.add(*self.unpack(a), *self.unpack(b)))

    def sub_codes(self, a, b):
        """:func:`lnsgen.golden.sub` on codes (broadcast)."""
        return self.pack(*self.sub(*self.unpack(a), *self.unpack(b)))

    def sum_codes(self, x, axis: int = -1):
        """:func:`lnsgen.golden.accumulate.lns_sum` (plain, sequential from index 0) on codes."""
        l, s = self.unpack(np.moveaxis(np.asarray(x), axis, 0))
        if l.shape[0] == 0:
            return np.full(l.shape[1:], self.fmt.zero, dtype=np.int64)
        acc_l, acc_s = l[0], s[0]                       # 0 + x_0 = x_0 exactly
        for k in range(1, l.shape[0]):
            acc_l, acc_s = self.add(acc_l, acc_s, l[k], s[k])
        return self.pack(acc_l, acc_s)

    def kahan_step_codes(self, p, c, x):
        """:meth:`lnsgen.golden.accumulate.Accumulator.step` with ``"kahan"`` on codes:
        ``y = x - c; t = p + y; c = (t - p) - y; p = t``; returns ``(t, c)``."""
        lp, sp = self.unpack(p)
        lc, sc = self.unpack(c)
        lx, sx = self.unpack(x)
        ly, sy = self.sub(lx, sx, lc, sc)
        lt, st = self.add(lp, sp, ly, sy)
        lc, sc = self.sub(*self.sub(lt, st, lp, sp), ly, sy)
        return self.pack(lt, st), self.pack(lc, sc)

    # Matrix multiply ----------------------------------------------------------------------

    # The sequential matmul on a one-array form ------------------------------------------

    def _tables3(self):
        """The Gaussian-log table for the one-array form ``e = 3 l + s`` (``s`` 0 or 1).

        For ``ex = max(ea, eb)`` and ``ey = min(ea, eb)``, ``d = ex - ey = 3 (Lx - Ly) +
        (sx - sy)``: ``3 j`` for equal signs, ``3 j - 1`` or ``3 j + 1`` for opposite ones
        (never ambiguous since ``|sx - sy| <= 1``), and ``1`` for ``x - x``. Equal logs with
        opposite signs cancel, so the tie rule of the sign does not matter. The table holds
        ``3 phi``, so ``ex + table[d]`` keeps the sign of ``x``.
        """
        if getattr(self, "_lut3", None) is None:
            n, cap = self.neg, self.cap
            j = np.arange(cap)
            lut3 = np.zeros(3 * cap + 3, dtype=np.int64)       # d >= 3 cap - 1: y adds nothing
            lut3[3 * j] = 3 * self.lut[j]
            lut3[3 * j[1:] - 1] = 3 * self.lut[n + j[1:]]
            lut3[3 * j + 1] = 3 * self.lut[n + j]
            self._lut3 = lut3.astype(self.dtype)
            self._dcap = 3 * cap + 2
        return self._lut3

    def _sequential_sparse(self, la, sa, lb, sb):
        """``a @ b`` in the sequential order, skipping the products whose ``a`` is zero.

        Bit-exact with the dense loop because the golden adder treats a zero operand as an
        exact identity (``s + 0 = s``, ``0 + p = p``): the sum of each output runs over its
        non-zero ``a[i, k]`` in increasing ``k``. Rows are sorted by their count of non-zero
        ``a`` so that the rows still active at step ``t`` are a prefix. Values are held as one
        array ``e = 3 l + s`` (:meth:`_tables3`), so an addition is max, min, subtract, cap,
        lookup, add and the underflow flush; saturation is checked only where a partial sum
        is within one doubling of ``log_max``.
        """
        M = la.shape[0]
        K, N = lb.shape
        lut3 = self._tables3()
        dt = self.dtype
        emin, ezero = 3 * self.log_min, 3 * self.zero_l
        nz = la >= self.log_min
        cnt = nz.sum(axis=1)
        rows = np.argsort(-cnt, kind="stable")
        cnt = cnt[rows]
        kmax = int(cnt[0]) if M else 0
        acc = np.full((M, N), ezero, dtype=dt)
        if kmax:
            bits_b = (sb != 0).astype(dt)
            eb = np.concatenate([3 * lb + bits_b, 3 * lb + (1 - bits_b)])   # b, then -b
            r, k = np.nonzero(nz[rows])                # row-major: k increasing in each row
            pos = np.arange(r.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            gidx = np.zeros((kmax, M), dtype=np.intp)  # padding: a zero a, product zero
            av = np.full((kmax, M), ezero, dtype=dt)
            gidx[pos, r] = k + K * (sa[rows[r], k] != 0)                    # -b for a < 0
            av[pos, r] = 3 * la[rows[r], k]
            # active[t] = rows with more than t non-zero a (cnt is non-increasing)
            active = np.searchsorted(-cnt, -np.arange(kmax), side="right")
            big = int(active[0]) * N
            s1, s2, s3 = (np.empty(big, dtype=dt) for _ in range(3))
            mask = np.empty(big, dtype=bool)
            lbz = lb[lb >= self.log_min]
            # A product can saturate only if the largest logs can; a sum only near log_max.
            mul_sat = lbz.size and int(la.max()) + int(lbz.max()) > self.log_max
            add_sat = 3 * (self.log_max - (1 << self.fmt.frac_bits) - 2)
            t0 = 0
            while t0 < kmax:
                m0 = int(active[t0])
                t1 = min(kmax, t0 + max(1, _SEQ_BLOCK // max(1, m0 * N)))
                p = eb[gidx[t0:t1, :m0]]
                p += av[t0:t1, :m0, None]              # 3 (la + lb) + (sa xor sb)
                if mul_sat:
                    self._saturate3(p)
                np.copyto(p, ezero, where=p < emin)
                for t in range(t1 - t0):
                    m = int(active[t0 + t])
                    e, pt = acc[:m], p[t, :m]
                    if t0 + t == 0:
                        e[...] = pt                    # 0 + p_0 = p_0
                        continue
                    n = m * N
                    ex, d, ph, mk = (x[:n].reshape(m, N) for x in (s1, s2, s3, mask))
                    np.maximum(e, pt, out=ex)
                    np.minimum(e, pt, out=d)
                    np.subtract(ex, d, out=d)
                    np.minimum(d, self._dcap, out=d)
                    lut3.take(d, out=ph)
                    np.add(ex, ph, out=e)
                    np.less(e, emin, out=mk)
                    np.copyto(e, ezero, where=mk)
                    if ex.max() > add_sat:
                        self._saturate3(e)
                t0 = t1
        out = np.empty_like(acc)
        out[rows] = acc
        zero = out < 3 * self.log_min
        l = np.floor_divide(out, 3)
        s = out - 3 * l
        l[zero] = self.zero_l
        return l, s

    def _saturate3(self, e):
        """Clamp the logs of a one-array form above ``log_max`` (in place, keeping signs)."""
        over = e >= 3 * (self.log_max + 1)
        if over.any():
            e[over] = 3 * self.log_max + (e[over] % 3)

    def matmul(self, a, b, order: str = "sequential", sparse: bool = True):
        la, sa = self.unpack(a)
        lb, sb = self.unpack(b)
        M, K = la.shape
        N = lb.shape[1]
        if K == 0:
            return np.full((M, N), self.fmt.zero, dtype=np.int64)
        if order == "sequential" and sparse:
            # Skip the zero operands of whichever side has fewer non-zero products to do
            # (a @ b = (b.T @ a.T).T exactly: mul commutes and the k order is the same).
            nza = int((la >= self.log_min).sum()) * N
            nzb = int((lb >= self.log_min).sum()) * M
            if nzb < nza:
                t = np.ascontiguousarray
                l, s = self._sequential_sparse(t(lb.T), t(sb.T), t(la.T), t(sa.T))
                return self.pack(l.T, s.T)
            return self.pack(*self._sequential_sparse(la, sa, lb, sb))
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
        The adder's Gaussian-log approximation (see :func:`lnsgen.golden.addsub`).

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
