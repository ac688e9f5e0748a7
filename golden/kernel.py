"""Table-driven fast paths of the golden operations (same bits as the rule-by-rule definitions).

For formats of up to :data:`FAST_MAX_WIDTH` bits, every public operation of
:mod:`lnsgen.golden` on codes runs through lookup tables built once per format, on int32 arrays,
in cache-sized chunks; the operations' definitions (in :mod:`lnsgen.golden.arith`,
:mod:`lnsgen.golden.adder` and :mod:`lnsgen.golden.gaussian`) are unchanged, and the tests
compare the two over every input pair of small formats and large random samples of 16-bit ones.
Wider formats use the definitions directly.

The unpacked form
-----------------
A code with sign ``s`` and log field ``L`` becomes one integer ``e = 4 * (L - zero_log) + s``
(``zero_log = log_min - 1``), so real values have ``e`` in ``[4, 4 * (2 ** log_bits - 1) + 1]``,
ordered by magnitude. Zero becomes :data:`FAR`, far below every real value. Then:

* ``a + b`` is ``ex + PHI[d]`` with ``ex = max(ea, eb)`` and ``d = ex - min(ea, eb)``:
  ``d = 4 j`` for equal signs and ``4 j +- 1`` for opposite ones (``j = Lx - Ly``), never
  ambiguous, so one table holds ``4 * phi+(-j)`` and ``4 * phi-(-j)`` and adding it keeps the
  sign of ``x``. ``d = 1`` is exact cancellation (the entry is :data:`FAR`). Indices past the
  table read its last entry, 0 (``mode="clip"``): where phi is 0, and a zero ``y``. The sign
  of ``x`` on equal logs does not matter: equal signs give the same sign, opposite ones cancel.
* ``a * b`` is ``TM[a] + T[b] = 4 * (La + Lb - zero_log) + sa + sb``: the low two bits are 0, 1
  or 2 (``sa = sb = 1``, a positive product), read by the packing table. A chunk with no zero
  operand and no product out of range skips the tables: its codes are the sign bits' xor beside
  the log fields' sum modulo ``2 ** log_bits``.
* Packing reads one table indexed by ``e`` (clipped at 0): zero below ``e = 4``, the
  saturated largest magnitude above ``log_max``.

Sums of many terms keep the unpacked form between additions (:meth:`PhiTable.sum_step`;
:func:`lnsgen.golden.matmul`).
"""

from __future__ import annotations

import functools

import numpy as np

from .format import LNSFormat
from .gaussian import gaussian_logs

__all__ = ["CHUNK", "FAR", "FAST_MAX_WIDTH", "MUL_CHUNK", "PhiTable", "Tables", "fast",
           "phi_table", "saturate", "tables"]

#: Widest format (code bits) with lookup tables; the packing table has ``6 * 2 ** (W - 1)``
#: int64 entries (3 MB at 17 bits, 6 MB at 18).
FAST_MAX_WIDTH = 18
#: The unpacked zero: below every real value by more than any table offset.
FAR = -(1 << 29)
#: Elements per chunk of an element-wise operation (the int32 temporaries stay in cache).
CHUNK = 1 << 15
#: Elements per chunk of a multiplication (fewer temporaries, more Python calls per chunk).
MUL_CHUNK = 1 << 16


def fast(fmt: LNSFormat) -> bool:
    """Whether ``fmt`` has lookup tables (its codes have at most :data:`FAST_MAX_WIDTH` bits)."""
    return fmt.width <= FAST_MAX_WIDTH


class Tables:
    """Unpacking and packing tables of one format (see the module docstring).

    Attributes
    ----------
    unpack_table : numpy.ndarray of int32
        ``e`` of every code.
    mul_table : numpy.ndarray of int32
        ``unpack_table + 4 * zero_log``: ``mul_table[a] + unpack_table[b]`` indexes
        ``pack_table`` with the product.
    pack_table : numpy.ndarray of int64
        The code of every ``e`` from 0 to the largest sum or product.
    """

    def __init__(self, fmt: LNSFormat):
        if not fast(fmt):
            raise ValueError(f"{fmt} is wider than {FAST_MAX_WIDTH} bits: no lookup tables")
        self.fmt = fmt
        lb = fmt.log_bits
        self.zero_log = fmt.zero_log
        #: Largest unpacked value of a real number, ``4 * (log_max - zero_log) + 1``.
        self.e_max = 4 * (fmt.log_max - fmt.zero_log) + 1
        sign, log, zero = fmt.unpack(fmt.all_codes())
        e = np.where(zero, FAR, 4 * (log - fmt.zero_log) + sign)
        self.unpack_table = e.astype(np.int32)
        self.mul_table = np.where(zero, FAR, e + 4 * fmt.zero_log).astype(np.int32)
        # Products reach 4 * (2 * log_max - zero_log) + 2, sums e_max + 4 * phi+(0) (phi+(0)
        # is 2**F ulps, give or take the approximation's error, which is at most 4 ulps).
        n = 4 * (2 * fmt.log_max - fmt.zero_log + (1 << fmt.frac_bits) + 8)
        idx = np.arange(n, dtype=np.int64)
        u, r = idx >> 2, idx & 3
        log = np.minimum(u + fmt.zero_log, fmt.log_max)
        neg = (r & 1).astype(np.int64)                         # slot 2: sa = sb = 1, positive
        codes = (neg << lb) | (log & ((1 << lb) - 1))
        self.pack_table = np.where(u < 1, fmt.zero, codes).astype(np.int64)

    # Element-wise -------------------------------------------------------------------------

    def unpack(self, codes, out=None) -> np.ndarray:
        """``e`` (int32) of valid codes."""
        return self.unpack_table.take(codes, mode="clip", out=out)

    def pack(self, e, out=None) -> np.ndarray:
        """Codes (int64) of unpacked values: zero below 4, saturated above ``e_max``."""
        return self.pack_table.take(e, mode="clip", out=out)

    def mul(self, a, b, *, check=None) -> np.ndarray:
        """:func:`lnsgen.golden.mul` of codes of equal or broadcasting shapes (valid ones, or
        checked here with ``check=(name_a, name_b)``).

        A chunk with no zero operand and no product outside the range is the sign bits'
        exclusive or beside the log fields' sum modulo ``2 ** log_bits`` (two's complement);
        the others go through the tables.
        """
        return _chunked(self._mul_chunk, a, b, 4, MUL_CHUNK,
                        check=None if check is None else (self.fmt, *check))

    def _mul_chunk(self, a, b, out, t):
        fmt = self.fmt
        half, mask = 1 << (fmt.log_bits - 1), (1 << fmt.log_bits) - 1
        x, y, u, v = t
        np.copyto(x, a, casting="unsafe")                # codes of <= 18 bits fit in int32
        np.copyto(y, b, casting="unsafe")
        np.bitwise_xor(x, half, out=u)                   # u = L - zero_log, 0 for zero
        u &= mask
        np.bitwise_xor(y, half, out=v)
        v &= mask
        if u.min() >= 1 and v.min() >= 1:
            u += v                                       # La + Lb - 2 zero_log
            if u.min() > half and u.max() <= mask + half:
                np.bitwise_xor(x, y, out=v)
                v &= 1 << fmt.log_bits
                x += y
                x &= mask
                np.bitwise_or(v, x, out=out)
                return
        self.mul_table.take(a, mode="clip", out=x)
        self.unpack_table.take(b, mode="clip", out=y)
        np.add(x, y, out=x)
        self.pack_table.take(x, mode="clip", out=out)


class PhiTable:
    """The Gaussian logarithms of one format and adder approximation, in the unpacked form.

    ``table[d]`` for ``d = ex - ey`` (see the module docstring). Entries past the real
    differences are 0, and so is the last one, which every larger ``d`` reads.

    Attributes
    ----------
    table : numpy.ndarray of int32
    lowest : int
        The most negative real entry (``4 * phi-(-1)``): a sum whose larger operand has
        ``e >= 4 - lowest`` cannot underflow.
    highest : int
        The largest entry (``4 * phi+(0)``): a sum whose larger operand has
        ``e <= e_max - highest`` cannot overflow.
    """

    def __init__(self, fmt: LNSFormat, method: str, max_error: float):
        self.tables = tables(fmt)
        plus, minus = gaussian_logs(fmt, method, max_error)
        # phi is 0 for every j past the larger zero boundary (and past any real difference).
        jtab = max(0, min(2 * fmt.log_max, max(-plus.zero_below, -minus.zero_below)))
        j = np.arange(jtab + 1, dtype=np.int64)
        table = np.zeros(4 * (jtab + 1), dtype=np.int64)
        table[4 * j] = 4 * plus.evaluate(-j)
        if jtab >= 1:
            pm = 4 * minus.evaluate(-j[1:])
            table[4 * j[1:] - 1] = pm
            table[4 * j[1:] + 1] = pm
        self.lowest = int(table.min())
        self.highest = int(table.max())
        table[1] = FAR                                          # x - x: exact zero
        self.table = table.astype(np.int32)
        self.fmt = fmt

    def add(self, ea, eb, out, tmp) -> np.ndarray:
        """``ex + table[ex - ey]`` into ``out`` (unflushed; ``tmp`` is scratch; ``out`` may be
        ``ea`` or ``eb``)."""
        np.maximum(ea, eb, out=tmp)
        np.minimum(ea, eb, out=out)
        np.subtract(tmp, out, out=out)
        self.table.take(out, mode="clip", out=out)
        np.add(out, tmp, out=out)
        return out

    def addsub(self, a, b, op, *, check=None) -> np.ndarray:
        """:func:`lnsgen.golden.addsub` of codes (``op`` a scalar 0 or 1; valid codes, or
        checked here with ``check=(name_a, name_b)``)."""
        return _chunked(functools.partial(self._addsub_chunk, op), a, b, 3,
                        check=None if check is None else (self.fmt, *check))

    def _addsub_chunk(self, op, a, b, out, t):
        tab = self.tables
        tab.unpack(a, out=t[0])
        tab.unpack(b, out=t[1])
        if op:
            np.bitwise_xor(t[1], 1, out=t[1])
        self.add(t[0], t[1], t[0], t[2])
        tab.pack(t[0], out=out)

    # Sums in the unpacked form -----------------------------------------------------------

    def sum_step(self, s, x, tmp) -> np.ndarray:
        """``s + x`` in place in ``s``, flushed and saturated so it can be added again.

        Between steps every value is real (``4 <= e <= e_max``) or far (below ``FAR +
        e_max``): an underflowed sum is set to :data:`FAR` when it can have happened, a
        cancelled one (``FAR + ex``) is far already. Checking the larger operands' range
        first skips the two passes in the common case.
        """
        np.maximum(s, x, out=tmp)
        np.minimum(s, x, out=s)
        np.subtract(tmp, s, out=s)
        self.table.take(s, mode="clip", out=s)
        np.add(s, tmp, out=s)
        if s.size:
            if tmp.min() < 4 - self.lowest:
                np.copyto(s, FAR, where=s < 4)
            if tmp.max() > self.tables.e_max - self.highest:
                saturate(s, self.tables.e_max)
        return s


def saturate(e, e_max: int) -> None:
    """Clamp unpacked values above ``e_max`` to the largest magnitude, keeping the sign."""
    over = e > e_max
    if over.any():
        e[over] = (e_max - 1) + (e[over] & 1)


def _chunked(fn, a, b, n_tmp: int, chunk: int | None = None, *, check=None) -> np.ndarray:
    """``fn(a, b, out, tmp)`` over chunks of the flattened, broadcast operands; returns int64
    codes of the broadcast shape.

    ``check=(fmt, name_a, name_b)``: the operands' values are checked here, each chunk just
    before it is used (it is then read from cache), with :meth:`LNSFormat.check_code_range`'s
    error; operands that broadcast are checked whole first.
    """
    shape = np.broadcast_shapes(a.shape, b.shape)
    if a.shape != shape or b.shape != shape:
        if check is not None:
            check[0].check_code_range(a, check[1])
            check[0].check_code_range(b, check[2])
            check = None
        a, b = (np.ascontiguousarray(np.broadcast_to(x, shape)) for x in (a, b))
    out = np.empty(shape, dtype=np.int64)
    n = out.size
    chunk = CHUNK if chunk is None else chunk
    fa, fb, fo = a.reshape(-1), b.reshape(-1), out.reshape(-1)
    tmp = [np.empty(min(n, chunk), dtype=np.int32) for _ in range(n_tmp)]
    limit = None if check is None else check[0].n_codes
    for i in range(0, n, chunk):
        m = min(chunk, n - i)
        ca, cb = fa[i:i + m], fb[i:i + m]
        if limit is not None and (int(ca.view(np.uint64).max()) >= limit
                                  or int(cb.view(np.uint64).max()) >= limit):
            check[0].check_code_range(a, check[1])
            check[0].check_code_range(b, check[2])
        fn(ca, cb, fo[i:i + m], [t[:m] for t in tmp])
    return out


@functools.lru_cache(maxsize=16)
def tables(fmt: LNSFormat) -> Tables:
    """The (cached) :class:`Tables` of a format of at most :data:`FAST_MAX_WIDTH` bits."""
    return Tables(fmt)


@functools.lru_cache(maxsize=32)
def phi_table(fmt: LNSFormat, method: str, max_error: float) -> PhiTable:
    """The (cached) :class:`PhiTable` of a format and adder approximation (checked by the
    caller)."""
    return PhiTable(fmt, method, max_error)
