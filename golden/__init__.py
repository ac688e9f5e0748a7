"""lnsgen's golden model: bit-exact numpy models of every LNS unit.

This package is the single source of truth for the number format and for every table the
hardware uses. It depends on numpy only (never on amaranth).
"""

from .format import LNSFormat, MAX_FRAC_BITS, MAX_INT_BITS, MAX_WIDTH
from .convert import from_float, to_float
from .arith import abs, div, mul, neg
from .adder import add, addsub, sub
from .matmul import matmul

__all__ = [
    "LNSFormat", "MAX_INT_BITS", "MAX_FRAC_BITS", "MAX_WIDTH",
    "from_float", "to_float", "mul", "div", "neg", "abs", "add", "sub", "addsub", "matmul",
]
