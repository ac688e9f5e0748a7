"""Leading-one detection: the priority encoders of the datapaths that normalize a magnitude.

Two forms, one per need of the callers:

* :func:`highest_one`, the position of the highest set bit, for the narrow fields of the LNS
  adder's near-zero region (``-d``, :mod:`lnsgen.hdl.adder` and :mod:`lnsgen.hdl.compact`) and
  of a subnormal float fraction (:mod:`lnsgen.hdl.convert`);
* :func:`leading_zeros`, the count above it, as a balanced tree, for the wide sums of the
  fused multiply-add (:mod:`lnsgen.hdl.fma`) and of the hybrid accumulator
  (:mod:`lnsgen.hdl.hybrid`).

Both are expressions (no registers, no module): the caller drives the result into a signal
of its own, in the block where the logic belongs.
"""

from amaranth.hdl import Const, Mux, Value

__all__ = ["highest_one", "leading_zeros"]


def highest_one(value) -> Value:
    """Position of the highest set bit of ``value``; 0 when no bit, or only bit 0, is set.

    A priority encoder written as a chain of multiplexers from bit 1 up, so the highest set bit
    wins. Its result is ``ceil(log2(len(value)))`` bits wide (one bit for a value of one bit).
    Where ``value`` may be 0, the caller has to tell that case apart (it reads as bit 0 set).
    """
    value = Value.cast(value)
    position = Const(0, 1)
    for bit in range(1, len(value)):
        position = Mux(value[bit], bit, position)
    return position


def leading_zeros(value) -> Value:
    """Leading zeros of ``value`` (``len(value)`` when it is 0), as a balanced tree of
    half-width counts: ``depth = ceil(log2(width))`` levels of a mux and a small add."""
    value = Value.cast(value)

    def count(lo: int, hi: int):  # bits [lo, hi) -> (count, all zero)
        if hi - lo == 1:
            return ~value[lo], ~value[lo]
        mid = (lo + hi) // 2
        c_hi, z_hi = count(mid, hi)
        c_lo, z_lo = count(lo, mid)
        return Mux(z_hi, (hi - mid) + c_lo, c_hi), z_hi & z_lo

    return count(0, len(value))[0]
