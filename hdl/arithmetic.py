"""The number systems a processing element can compute in (Gemmini's ``Arithmetic``, for LNS).

A :class:`~lnsgen.hdl.pe.ProcessingElement` keeps ``slots`` running sums in flight and moves
its operands east and south; what a sum *is* comes from a :class:`PEArithmetic`:

``term(m, pipe, a, b, valid)``
    what an operand pair contributes, :attr:`~PEArithmetic.term_stages` register stages
    later (an LNS product; a product made linear; the operand pair itself for a fused
    multiply-add; an integer product);
``step(m, pipe, acc, term)``
    the next running sum from the current one and a term, exactly ``slots`` stages later (the
    PE feeds the result straight back: the sums live in the step's registers);
``finish(m, pipe, acc)``
    the result code of a finished sum, :attr:`~PEArithmetic.finish_stages` later (the one
    rounding of the hybrid's exact sum; the sum itself elsewhere).

Every arithmetic has a golden twin in :mod:`lnsgen.golden.arithmetic` (:attr:`~PEArithmetic.
golden`), whose ``matmul`` the array computes bit for bit.

==================== ============================================ ============================
arithmetic           term / step                                  golden
==================== ============================================ ============================
:class:`LNSPE`       LNS product / Gaussian-log add (plain or     ``LNSArithmetic``
                     Kahan, :class:`~.step.AccumulationStep`)
:class:`HybridPE`    linear product / wide integer add; finish:   ``HybridArithmetic``
                     one rounding to LNS
:class:`FloatPE`     ``(a, b)`` / IEEE fused multiply-add          ``FloatArithmetic``
:class:`IntPE`       integer product / wrapping add               ``IntArithmetic``
==================== ============================================ ============================
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, signed, unsigned

from lnsgen.golden.arithmetic import (
    FloatArithmetic,
    HybridArithmetic,
    IntArithmetic,
    LNSArithmetic,
    MatmulArithmetic,
)
from lnsgen.golden.checks import check_format, check_int
from lnsgen.golden.gaussian import METHODS, gaussian_logs
from lnsgen.golden.ieee import FloatFormat

from . import fma as _fma
from . import hybrid as _hybrid
from .adder import adder_path
from .convert import float_layout
from .mul import lns_product
from .number import lns_layout
from .pipeline import Pipeline
from .step import AccumulationStep

__all__ = ["LNSPE", "FloatPE", "HybridPE", "IntPE", "PEArithmetic"]


class PEArithmetic:
    """A processing element's number system (see the module).

    Attributes
    ----------
    golden : lnsgen.golden.arithmetic.MatmulArithmetic
        The golden model of the array's product in this arithmetic.
    operand_shape, result_shape : Shape or Layout
        An operand (``a``, ``b``) and a finished sum; as wide as the golden codes.
    zero_operand : int
        The code a bubble carries (an exact zero).
    term_stages, slots, finish_stages : int
        Register stages of :meth:`term`, :meth:`step` (the interleaved sums) and
        :meth:`finish`.
    acc_names : tuple of str
        One name per value of a running sum (``("s",)``; ``("s", "c")`` with Kahan's
        correction); :meth:`step` takes and returns that many values.
    """

    golden: MatmulArithmetic
    term_stages = 1
    finish_stages = 0
    acc_names = ("s",)

    def acc_zero(self) -> tuple:
        """The values a running sum starts from."""
        return tuple(0 for _ in self.acc_names)

    def acc_shapes(self) -> tuple:
        return tuple(self.result_shape for _ in self.acc_names)

    def term(self, m: Module, pipe: Pipeline, a, b, valid):
        raise NotImplementedError

    def step(self, m: Module, pipe: Pipeline, acc: tuple, term) -> tuple:
        raise NotImplementedError

    def finish(self, m: Module, pipe: Pipeline, acc: tuple):
        """The finished sum's result code (the sum itself, with no stages, by default)."""
        return acc[0]


class LNSPE(PEArithmetic):
    """LNS: the product in one stage (two behind the deepest adder), then one (or Kahan's
    four) Gaussian-log adders.

    Parameters
    ----------
    fmt : golden.LNSFormat
    compensated : bool
    method, max_error, adder_latency :
        The adders' (see :class:`~lnsgen.hdl.LNSAdder`).
    """

    def __init__(self, fmt, *, compensated: bool = False, method: str = "interp",
                 max_error: float = 1.0, adder_latency: int | None = None):
        self.fmt = check_format(fmt)
        if not isinstance(compensated, bool):
            raise TypeError(f"compensated must be a bool, not {compensated!r}")
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        gaussian_logs(fmt, method, max_error)  # validates max_error; tables are cached
        path = adder_path(fmt, method=method, max_error=max_error, latency=adder_latency)
        latency = path.latency
        self.split_product = path.split_product
        self.term_stages = 1 + int(self.split_product)
        self.compensated = compensated
        self.adder_args = {"method": method, "max_error": max_error,
                           "adder_latency": adder_latency}
        self.slots = (4 if compensated else 1) * latency
        self.acc_names = ("s", "c") if compensated else ("s",)
        self.operand_shape = self.result_shape = lns_layout(fmt)
        self.zero_operand = fmt.zero
        self.golden = LNSArithmetic(fmt, compensation="kahan" if compensated else "none",
                                    method=method, max_error=max_error)

    def acc_zero(self):
        return tuple(self.fmt.zero for _ in self.acc_names)

    def term(self, m, pipe, a, b, valid):
        if self.split_product:
            product = lns_product(self.fmt, a, b, pipe=pipe)
            valid = pipe.stage(valid, name="product_valid")
        else:
            product = lns_product(self.fmt, a, b)
        return pipe.stage(Mux(valid, product, self.fmt.zero), name="product")

    def step(self, m, pipe, acc, term):
        step = AccumulationStep(self.fmt, compensated=self.compensated, **self.adder_args)
        s_out, c_out = step.build(m, pipe, s=acc[0], c=acc[1] if self.compensated else None,
                                  x=term)
        return (s_out, c_out) if self.compensated else (s_out,)


class HybridPE(PEArithmetic):
    """ELMA-style: the LNS product made linear, summed exactly in a wide integer (one add
    per cycle, so one slot), rounded to LNS once per finished sum.

    Parameters
    ----------
    fmt : golden.LNSFormat
    guard_bits, lin_frac_bits, method, max_error :
        As for :class:`~lnsgen.hdl.hybrid.HybridMultiplyAccumulator`.
    """

    slots = 1
    term_stages = _hybrid.LINEAR_STAGES
    finish_stages = _hybrid.ROUNDING_STAGES

    def __init__(self, fmt, *, guard_bits: int = 8, lin_frac_bits: int | None = None,
                 method: str = "auto", max_error: float = 1.0):
        self.fmt = check_format(fmt)
        self.golden = HybridArithmetic(fmt, guard_bits=guard_bits, lin_frac_bits=lin_frac_bits,
                                       method=method, max_error=max_error)
        self.model = self.golden.model
        self.operand_shape = self.result_shape = lns_layout(fmt)
        self.zero_operand = fmt.zero

    def acc_shapes(self):
        return (signed(self.model.acc_bits),)

    def term(self, m, pipe, a, b, valid):
        # A bubble's operand is the exact zero, whose linear value is 0.
        return _hybrid.linear_product(m, pipe, self.model, a, b)

    def step(self, m, pipe, acc, term):
        A = self.model.acc_bits
        return (pipe.stage((acc[0] + term)[:A].as_signed(), name="acc"),)

    def finish(self, m, pipe, acc):
        return _hybrid.round_to_lns(m, pipe, self.model, acc[0])


class FloatPE(PEArithmetic):
    """IEEE: the operand pair registered, then a fused multiply-add of ``latency`` stages.

    Parameters
    ----------
    ffmt : golden.ieee.FloatFormat
    latency : int
        The FMA's stages (see :data:`lnsgen.hdl.fma.CUTS`), default 6.
    """

    def __init__(self, ffmt: FloatFormat, *, latency: int = 6):
        self.golden = FloatArithmetic(ffmt)
        self.ffmt = ffmt
        self.slots = self.latency = check_int("latency", latency, *_fma.LATENCY_RANGE)
        self.operand_shape = self.result_shape = float_layout(ffmt)
        self.zero_operand = 0

    def term(self, m, pipe, a, b, valid):
        w = self.ffmt.width
        return pipe.stage(Cat(Mux(valid, a.as_value(), 0)[:w], b.as_value()), name="operands")

    def step(self, m, pipe, acc, term):
        w = self.ffmt.width
        return (_fma.fma_path(m, pipe, self.ffmt, term[:w], term[w:], acc[0],
                              latency=self.latency),)


class IntPE(PEArithmetic):
    """Integers: the product register, then a one-cycle wrapping add (one slot).

    Parameters
    ----------
    ab_bits, acc_bits : int
        As for :class:`~lnsgen.hdl.intmac.IntMultiplyAdd`.
    """

    slots = 1

    def __init__(self, *, ab_bits: int = 8, acc_bits: int = 32):
        self.golden = IntArithmetic(ab_bits=ab_bits, acc_bits=acc_bits)
        self.ab_bits, self.acc_bits = self.golden.ab_bits, self.golden.acc_bits
        self.operand_shape = unsigned(self.ab_bits)
        self.result_shape = unsigned(self.acc_bits)
        self.zero_operand = 0

    def term(self, m, pipe, a, b, valid):
        product = a.as_signed() * b.as_signed()
        return pipe.stage(Mux(valid, product, 0), name="product")

    def step(self, m, pipe, acc, term):
        return (pipe.stage((acc[0] + term)[:self.acc_bits], name="acc"),)

