"""lnsgen's golden model: bit-exact numpy models of every LNS unit.

This package is the single source of truth for the number format and for every table the
hardware uses. It depends on numpy only (never on amaranth).
"""

from .adder import add, addsub, muladd, sub
from .arith import abs, div, mul, neg
from .convert import from_float, to_float
from .format import MAX_FRAC_BITS, MAX_INT_BITS, MAX_WIDTH, LNSFormat
from .matmul import matmul

__all__ = [
    "MAX_FRAC_BITS",
    "MAX_INT_BITS",
    "MAX_WIDTH",
    "LNSFormat",
    "abs",
    "add",
    "addsub",
    "div",
    "from_float",
    "matmul",
    "mul",
    "muladd",
    "neg",
    "sub",
    "to_float",
]
