"""The accumulation step of the accumulator and of the systolic array's processing element.

A step turns a running sum ``s`` (with its compensation ``c``) and a new term ``x`` into the
next ``(s', c')``, on :class:`~lnsgen.hdl.adder.LNSAddCore` adders inside a
:class:`~lnsgen.hdl.pipeline.Pipeline`:

* plain: one adder, ``s' = s + x`` (``c'`` is exact zero);
* Kahan-compensated: four adders in a chain,
  ``y = x - c; t = s + y; u = t - s; c' = u - y; s' = t``.

The step takes ``latency = adders * L`` stages (``L`` the adder's latency): the callers keep that
many independent sums in flight so that a new step can start every cycle
(:class:`~lnsgen.hdl.accumulator.LNSAccumulator`'s lanes, :class:`~lnsgen.hdl.pe.
LNSProcessingElement`'s slots). Bit-exact with the step of :mod:`lnsgen.golden.accumulate`.
"""

from amaranth.hdl import Const, Module

from lnsgen.golden import LNSFormat

from .adder import LNSAddCore
from .pipeline import Pipeline

__all__ = ["AccumulationStep"]


class AccumulationStep:
    """``s' = s + x``, plain or Kahan-compensated, on one or four chained adder cores.

    Parameters
    ----------
    fmt : golden.LNSFormat
    compensated : bool
        Kahan's step on four adders instead of a plain add on one.
    method, max_error, adder_latency :
        The adders' ``method``, ``max_error`` and ``latency`` (see
        :class:`~lnsgen.hdl.adder.LNSAddCore`).

    Attributes
    ----------
    cores : list of LNSAddCore
        The adders, in chain order (one, or four for Kahan); :meth:`build` adds them to the
        module as ``adder0`` ... ``adder3``.
    adder_latency : int
        ``L``, the stages of one adder.
    latency : int
        Stages from ``(s, c, x)`` to ``(s', c')``: ``L`` plain, ``4 L`` with Kahan.
    """

    def __init__(self, fmt: LNSFormat, *, compensated: bool = False, method: str = "interp",
                 max_error: float = 1.0, adder_latency: int | None = None):
        if not isinstance(compensated, bool):
            raise TypeError(f"compensated must be a bool, not {compensated!r}")
        self.fmt = fmt
        self.compensated = compensated
        self.cores = [LNSAddCore(fmt, method=method, max_error=max_error, latency=adder_latency)
                      for _ in range(4 if compensated else 1)]
        self.adder_latency = self.cores[0].latency
        self.latency = len(self.cores) * self.adder_latency

    def build(self, m: Module, pipe: Pipeline, *, s, c, x):
        """The step from ``(s, c)`` and ``x``: ``(s', c')``, :attr:`latency` stages of ``pipe``
        later.

        Adds the cores to ``m`` (enabled by ``pipe.enable``) and drives their inputs in
        ``m``'s comb domain. A caller that shares the first core between steps and other
        work (the accumulator's final reduction) overrides its ``a``, ``b`` and ``op`` in
        ``m`` afterwards, under its own condition.

        Parameters
        ----------
        s, c, x : Value
            LNS codes: the running sum, its compensation (unused by a plain step: None is
            accepted there) and the new term.

        Returns
        -------
        tuple
            ``(s', c')``; ``c'`` of a plain step is the constant exact zero.
        """
        for k, core in enumerate(self.cores):
            m.submodules[f"adder{k}"] = core
            m.d.comb += core.en.eq(pipe.enable)

        def issue(core, a, b, op):
            m.d.comb += [core.a.eq(a), core.b.eq(b), core.op.eq(op)]

        if not self.compensated:
            issue(self.cores[0], s, x, 0)
            return self.cores[0].result, Const(self.fmt.zero, self.fmt.width)

        # Each add waits for the one before it (L stages); the operands it takes from further
        # back are delayed to meet it.
        L = self.adder_latency
        add_y, add_t, add_u, add_c = self.cores
        issue(add_y, x, c, 1)                                       # y = x - c
        y = add_y.result
        s_l = pipe.delay(s, L, name="s_l")
        issue(add_t, s_l, y, 0)                                     # t = s + y
        t = add_t.result
        issue(add_u, t, pipe.delay(s_l, L, name="s_2l"), 1)         # u = t - s
        issue(add_c, add_u.result, pipe.delay(y, 2 * L, name="y_3l"), 1)  # c' = u - y
        return pipe.delay(t, 2 * L, name="t_4l"), add_c.result      # s' = t
