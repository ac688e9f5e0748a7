"""Amaranth shapes of LNS codes, matching the bit layout of :mod:`lnsgen.golden.format`."""

from amaranth.hdl import signed, unsigned
from amaranth.lib import data

from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format

__all__ = ["lns_layout", "pair_layout"]


def lns_layout(fmt: LNSFormat) -> data.StructLayout:
    """One LNS code: the log field in the low bits, the sign in the top bit.

    A value of this layout has exactly the bits of the golden model's integer code.
    """
    check_format(fmt)
    return data.StructLayout({"log": signed(fmt.log_bits), "sign": unsigned(1)})


def pair_layout(fmt: LNSFormat) -> data.StructLayout:
    """Two operands: ``a`` in the low ``fmt.width`` bits, ``b`` above it."""
    return data.StructLayout({"a": lns_layout(fmt), "b": lns_layout(fmt)})
