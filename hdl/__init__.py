"""lnsgen hardware: Amaranth 0.5 components for LNS arithmetic.

Every unit is an :class:`amaranth.lib.wiring.Component` with an input stream ``i`` and an
output stream ``o`` (:mod:`amaranth.lib.stream`), a fixed ``latency`` and one result per cycle.
Payloads use the bit layout of :mod:`lnsgen.golden.format`.
"""

from .accumulator import LNSAccumulator, accumulator_input_layout
from .adder import LNSAdder, adder_input_layout
from .arithmetic import LNSPE, FloatPE, HybridPE, IntPE, PEArithmetic
from .convert import FloatToLNSConverter, LNSToFloatConverter, float_layout
from .fma import FloatMultiplyAdd, fma_input_layout
from .hybrid import HybridMultiplyAccumulator, hybrid_input_layout
from .intmac import IntMultiplyAdd, intmac_input_layout, intmac_output_layout
from .mac import LNSMultiplyAdd, muladd_input_layout
from .mul import LNSMultiplier
from .number import lns_layout, pair_layout
from .pe import LNSProcessingElement, ProcessingElement
from .systolic import LNSSystolicArray, SystolicArray

__all__ = [
           "LNSPE",
           "FloatMultiplyAdd",
           "FloatPE",
           "FloatToLNSConverter",
           "HybridMultiplyAccumulator",
           "HybridPE",
           "IntMultiplyAdd",
           "IntPE",
           "LNSAccumulator",
           "LNSAdder",
           "LNSMultiplier",
           "LNSMultiplyAdd",
           "LNSProcessingElement",
           "LNSSystolicArray",
           "LNSToFloatConverter",
           "PEArithmetic",
           "ProcessingElement",
           "SystolicArray",
           "accumulator_input_layout",
           "adder_input_layout",
           "float_layout",
           "fma_input_layout",
           "hybrid_input_layout",
           "intmac_input_layout",
           "intmac_output_layout",
           "lns_layout",
           "muladd_input_layout",
           "pair_layout",
]
