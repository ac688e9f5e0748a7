"""LNS adder/subtractor: operand ordering, Gaussian-log evaluation and the final add."""

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format
from lnsgen.golden.gaussian import METHODS, gaussian_logs

from . import funcapprox
from .bits import highest_one
from .compact import COMPACT_LATENCIES, CompactAddSubPath
from .number import lns_layout
from .pipeline import Pipeline, StallPipeline

__all__ = ["LATENCIES", "AddSubPath", "LNSAddCore", "LNSAdder", "adder_input_layout",
           "adder_path"]

#: The FPGA datapath's default latency (``AddSubPath``, block-RAM friendly).
PIPELINED_LATENCY = 5
#: The FPGA datapath's register stages after the first five, by latency: ``select`` registers
#: the selected ``Lx + phi`` before the range checks and saturation (the final stage's carry
#: chains were the adder's critical path), ``near`` registers the select's inputs (the
#: near-zero path's last sum, ``g + log2(1 + m)``, then has a cycle of its own), ``product``
#: registers the interpolators' products before their adds (a DSP multiply alone in its
#: cycle); ``address`` registers the table addresses (the near-zero path's leading one and
#: normalization then has a cycle before its table) and puts the tables in LUTs (an ECP5
#: block RAM's clock-to-output alone is 5.6 ns); ``partial`` replaces the multipliers by
#: partial products with a register inside their adder tree (an unregistered DSP block is
#: 6.9 ns with its routing). The table cuts are :data:`lnsgen.hdl.funcapprox.CUTS`.
PIPELINED_CUTS = {5: (), 6: ("select",), 7: ("near", "select"),
                  8: ("product", "near", "select"),
                  9: ("address", "product", "near", "select"),
                  10: ("address", "partial", "product", "near", "select")}
#: Every latency the adder is built with: the compact datapath's (tables as logic, for
#: standard cells) and the pipelined one's.
LATENCIES = (*COMPACT_LATENCIES, *PIPELINED_CUTS)
#: Latency when none is asked for: the pipelined datapath for the table methods it has.
DEFAULT_LATENCY = {"direct": PIPELINED_LATENCY, "interp": PIPELINED_LATENCY}


def adder_path(fmt: LNSFormat, *, method: str = "interp", max_error: float = 1.0,
               latency: int | None = None):
    """The adder datapath for ``method`` at ``latency`` (None: the method's default).

    Latency 5 to 10 is :class:`AddSubPath` (``"direct"`` and ``"interp"`` only; the stages
    beyond 5 are :data:`PIPELINED_CUTS`); 1 to 3 is
    :class:`~lnsgen.hdl.compact.CompactAddSubPath`. Both are bit-exact with
    :func:`lnsgen.golden.addsub`.
    """
    check_format(fmt)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if latency is None:
        latency = DEFAULT_LATENCY.get(method, COMPACT_LATENCIES[-1])
    allowed = LATENCIES if method in DEFAULT_LATENCY else COMPACT_LATENCIES
    if isinstance(latency, bool) or latency not in allowed:
        raise ValueError(f"latency must be one of {allowed} for method {method!r}, "
                         f"not {latency!r}")
    if latency in PIPELINED_CUTS:
        return AddSubPath(fmt, method=method, max_error=max_error, latency=latency)
    gaussian_logs(fmt, method, max_error)  # max_error checked with golden's message
    return CompactAddSubPath(fmt, method=method, max_error=max_error, latency=latency)


def adder_input_layout(fmt: LNSFormat) -> data.StructLayout:
    """``{a, b, op}``: ``a`` in the low ``fmt.width`` bits, then ``b``, then ``op`` (1 = a - b)."""
    return data.StructLayout({"a": lns_layout(fmt), "b": lns_layout(fmt), "op": unsigned(1)})


class LNSAdder(wiring.Component):
    """Add or subtract two LNS numbers.

    Bit-exact with :func:`lnsgen.golden.addsub` for the same ``method`` and ``max_error``: the
    result's log is ``Lx + phi(d)`` (``x`` the operand of larger magnitude, ``d <= 0`` the log
    difference), with phi+ or phi- from the tables of :func:`lnsgen.golden.gaussian.gaussian_logs`.

    Pipeline (latency 5, one result per cycle, stalls as a whole):

    1. order the operands, ``d``, signs, zero and cancellation flags;
    2. table read (phi+, phi-, and for ``"interp"`` the near-zero terms of phi-; for those
       the leading-one position and mantissa of ``-d`` are found in this stage);
    3. table output register;
    4. interpolation (multiply-add) and rounding of each table's output, with ``Lx`` (and the
       near-zero terms' constants) added to its offset ``c0`` beside the multiplier (exact: a
       multiple of the guard scale), giving ``Lx + phi``;
    5. select the ``Lx + phi`` that applies (``Lx`` where phi rounds to 0), saturate/flush.

    Parameters
    ----------
    fmt : golden.LNSFormat
        Number format.
    method : {"interp", "direct", "cotrans"}
        Gaussian-log approximation (see :mod:`lnsgen.golden.gaussian`); ``"cotrans"``
        (:mod:`lnsgen.golden.cotransform`: one phi+ interpolator, phi- by cotransformation)
        is built by the compact datapath only.
    max_error : float
        Error bound in ulps the ``"interp"`` tables are sized for (default 1.0: faithful).
    latency : int or None
        Register stages: 5 is the pipeline above, 6 to 10 the same with more registers
        (:data:`PIPELINED_CUTS`: after the select, before it, after the multipliers, before
        the tables, inside the multipliers); 1, 2 or
        3 the compact datapath for standard cells (:mod:`lnsgen.hdl.compact`: tables as
        logic, registers only after the ordering and after the table reads). None: 5 for
        ``"direct"`` and ``"interp"``, 3 otherwise.

    Attributes
    ----------
    i : In(stream.Signature(adder_input_layout(fmt)))
        ``{a, b, op}``; ``op = 1`` subtracts.
    o : Out(stream.Signature(lns_layout(fmt)))
        ``a + b`` or ``a - b``.
    latency : int
        Cycles from an accepted input to its valid output when not stalled.
    stage_valid : list of Signal
        Available after elaboration: the valid bit of each register stage, input side first
        (:attr:`~lnsgen.hdl.pipeline.StallPipeline.stage_valid`).
    """

    latency = 2 + funcapprox.STAGES

    def __init__(self, fmt: LNSFormat, *, method: str = "interp", max_error: float = 1.0,
                 latency: int | None = None):
        self.path = adder_path(fmt, method=method, max_error=max_error, latency=latency)
        self.latency = self.path.latency
        self.fmt, self.method, self.max_error = self.path.fmt, method, max_error
        self.phi_plus, self.phi_minus = self.path.phi_plus, self.path.phi_minus
        super().__init__({
            "i": In(stream.Signature(adder_input_layout(fmt))),
            "o": Out(stream.Signature(lns_layout(fmt))),
        })

    def elaborate(self, platform):
        m = Module()
        pipe = StallPipeline(m, self.i, self.o, latency=self.latency)
        self.stage_valid = pipe.stage_valid
        p = self.i.payload
        m.d.comb += self.o.payload.eq(self.path.build(m, pipe, p.a, p.b, p.op))
        return m


class LNSAddCore(wiring.Component):
    """The adder's datapath without a handshake: it advances when ``en`` is high.

    For structures that own their own flow control and move many units in lockstep (the
    systolic array's processing elements). ``result`` is ``a + b`` (``a - b`` when ``op``)
    of the inputs ``latency`` enabled cycles earlier, bit-exact with :func:`lnsgen.golden.addsub`.

    Parameters
    ----------
    fmt, method, max_error, latency :
        As for :class:`LNSAdder`.
    """

    latency = 2 + funcapprox.STAGES

    def __init__(self, fmt: LNSFormat, *, method: str = "interp", max_error: float = 1.0,
                 latency: int | None = None):
        self.path = adder_path(fmt, method=method, max_error=max_error, latency=latency)
        self.latency = self.path.latency
        self.fmt = self.path.fmt
        super().__init__({
            "en": In(1),
            "a": In(lns_layout(fmt)), "b": In(lns_layout(fmt)), "op": In(1),
            "result": Out(lns_layout(fmt)),
        })

    def elaborate(self, platform):
        m = Module()
        pipe = Pipeline(m, self.en)
        m.d.comb += self.result.eq(self.path.build(m, pipe, self.a, self.b, self.op))
        return m


class AddSubPath:
    """The LNS add/sub datapath, built into any :class:`~lnsgen.hdl.pipeline.Pipeline`.

    :meth:`build` returns the registered result ``latency`` pipeline stages after its inputs
    (5 to 10: :data:`PIPELINED_CUTS`). Validates ``method`` and ``max_error`` and holds the
    Gaussian-log tables.
    """

    latency = 2 + funcapprox.STAGES

    def __init__(self, fmt: LNSFormat, *, method: str = "interp", max_error: float = 1.0,
                 latency: int = PIPELINED_LATENCY):
        self.fmt = check_format(fmt)
        if isinstance(latency, bool) or latency not in PIPELINED_CUTS:
            raise ValueError(f"latency must be one of {tuple(PIPELINED_CUTS)}, not {latency!r}")
        self.latency = latency
        self.cuts = PIPELINED_CUTS[latency]
        #: Whether a product in front of this adder (multiply-add, LNS PE) takes two stages
        #: (:func:`~lnsgen.hdl.mul.lns_product` with ``pipe``): behind the deepest datapath,
        #: built for a ~6 ns LUT-only stage, the log sum and its range checks would be the
        #: longest stage.
        self.split_product = "partial" in self.cuts
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        if method not in DEFAULT_LATENCY:
            raise ValueError(f"method {method!r} has no pipelined datapath: build it with "
                             f"latency {COMPACT_LATENCIES} (lnsgen.hdl.compact)")
        self.method = method
        self.max_error = max_error
        # Validates max_error too, with the golden model's message.
        self.phi_plus, self.phi_minus = gaussian_logs(fmt, method, max_error)

    def build(self, m: Module, pipe: Pipeline, a, b, op):
        """``a + b`` (``a - b`` where ``op``), :attr:`latency` stages of ``pipe`` later."""
        fmt = self.fmt

        # Stage 1: order by magnitude. The zero code's log field is below every other, so an
        # ordinary signed compare puts zero last; x is a on ties, as in golden.
        a_zero = a.log == fmt.zero_log
        b_zero = b.log == fmt.zero_log
        b_sign = b.sign ^ op
        swap = b.log > a.log
        d_shape = signed(fmt.log_bits + 2)
        d = Signal(d_shape)
        m.d.comb += d.eq(Mux(Mux(swap, a_zero, b_zero), self.phi_plus.d_min,
                             Mux(swap, a.log - b.log, b.log - a.log)))
        lx = pipe.stage(Mux(swap, b.log, a.log), name="lx")
        sx = pipe.stage(Mux(swap, b_sign, a.sign), name="sx")
        opposite = pipe.stage(a.sign ^ b_sign, name="opposite")
        zero_in = pipe.stage(a_zero & b_zero, name="both_zero")
        y_zero = pipe.stage(Mux(swap, a_zero, b_zero), name="y_zero")
        d1 = pipe.stage(d, name="d")
        # -d for the near-zero path's leading one, from the subtraction that made d (a
        # negation in the next stage would lengthen its path to the table address).
        near_u = (pipe.stage(Mux(swap, b.log - a.log, a.log - b.log)[:fmt.frac_bits],
                             name="near_u")
                  if self.phi_minus.near_above is not None else None)

        # Stages 2-4: the tables evaluate; the last stage picks the one that applies. What it
        # needs beside them is delayed by the tables' STAGES.
        table_cuts = [cut for cut in self.cuts if cut in funcapprox.CUTS]
        S = funcapprox.stages(table_cuts)

        # phi+ (same signs), phi- (opposite signs) and the near-zero term g (opposite signs,
        # -1 < d < 0) are never needed for the same beat: they share one multiplier.
        # log2(1 + m) is needed beside g and has its own.
        plus, minus = self.phi_plus, self.phi_minus
        in_near = (opposite & (d1 > minus.near_above) if minus.near_above is not None
                   else Const(0, 1))
        # Every table adds Lx to its offset c0 beside its multiplier (g at its finer scale), so
        # the last stage only selects Lx + phi: the adds there made the adder's critical path.
        near_lx = lx << minus.sum_guard if minus.sum_guard is not None else None
        tables = [(plus.table, ~opposite, "phi_plus", lx),
                  (minus.table, opposite & ~in_near, "phi_minus", lx),
                  (minus.g, in_near, "near_g", near_lx)]
        tables = [entry for entry in tables if entry[0] is not None]
        select = 0
        for index, (_, wanted, _, _) in enumerate(tables):
            select = Mux(wanted, index, select)
        ys = funcapprox.evaluate_shared(
            m, pipe, [(approx, d1, name) for approx, _, name, _ in tables], select,
            name="phi_shared", offsets=[offset for *_, offset in tables], cuts=table_cuts)
        y = {name: out for (_, _, name, _), out in zip(tables, ys)}

        def used(phi, name):
            if phi.table is None:
                return 0
            return pipe.delay(d1 >= phi.zero_below, S, name=f"{name}_used")

        plus_y, plus_used = y.get("phi_plus", 0), used(plus, "phi_plus")
        minus_y, minus_used = y.get("phi_minus", 0), used(minus, "phi_minus")
        near_phi, near_used = self._near(m, pipe, d1, near_u, y.get("near_g"),
                                         cuts=table_cuts)

        # One stage more with the "near" cut: what the select reads, registered (the
        # near-zero sum g + log2(1 + m) before it), and the rest delayed to meet it.
        late = 1 if "near" in self.cuts else 0

        def at_select(value, name):
            if not late or isinstance(value, int):
                return value
            return pipe.stage(value, name=f"{name}_sel")

        plus_y, minus_y = at_select(plus_y, "phi_plus_y"), at_select(minus_y, "phi_minus_y")
        near_phi = at_select(near_phi, "near_phi")
        plus_used, minus_used = at_select(plus_used, "phi_plus_used"), \
            at_select(minus_used, "phi_minus_used")
        near_used = at_select(near_used, "near_used")
        lx4, sx4 = pipe.delay(lx, S + late, name="lx"), pipe.delay(sx, S + late, name="sx")
        opposite4 = pipe.delay(opposite, S + late, name="opposite")
        cancel4 = pipe.delay(opposite & (d1 == 0), S + late, name="cancel")
        zero_in4 = pipe.delay(zero_in, S + late, name="both_zero")
        y_zero4 = pipe.delay(y_zero, S + late, name="y_zero")

        # The select: the tables' results already hold Lx; where phi rounds to 0, Lx alone.
        log = Signal(range(*self.sum_log_range()), name="sum_log")
        m.d.comb += log.eq(Mux(y_zero4, lx4, Mux(
            opposite4, Mux(near_used, near_phi, Mux(minus_used, minus_y, lx4)),
            Mux(plus_used, plus_y, lx4))))
        exact_zero = zero_in4 | cancel4
        if "select" in self.cuts:  # the range checks and saturation get a stage of their own
            log = pipe.stage(log, name="sum_log_sel")
            exact_zero = pipe.stage(exact_zero, name="exact_zero")
            sx4 = pipe.stage(sx4, name="sx_sel")
        zero = exact_zero | (log < fmt.log_min)
        res_log = Mux(zero, fmt.zero_log, Mux(log > fmt.log_max, fmt.log_max, log))
        return pipe.stage(Cat(res_log[:fmt.log_bits], sx4 & ~zero), name="result")

    def sum_log_range(self) -> tuple[int, int]:
        """``(lo, hi + 1)``: every ``Lx + phi`` the last stage may select, and the zero code's
        log field (``Lx`` of a zero ``x``).

        ``phi+`` is at most ``2**F`` (at ``d = 0``); ``phi-`` is most negative next to
        cancellation (``d = -1``: about ``-(F + 0.53) * 2**F``, and the table there may err by
        up to ``max_error``). Both bounds are read from golden's tables rather than derived, so
        they hold for every method. With few integer bits the low bound lies far below
        ``log_min`` (at ``int_bits = 1``, ``F = 4``: -100 against ``log_min = -15``): a width
        of ``log_bits`` plus a fixed margin would wrap such a sum to a huge value instead of
        flushing it to zero.
        """
        fmt = self.fmt
        phi_lo = min(0, int(self.phi_minus.evaluate(self.phi_minus.d_max)))
        phi_hi = max(0, int(self.phi_plus.evaluate(self.phi_plus.d_max)))
        return fmt.zero_log + min(0, phi_lo), fmt.log_max + phi_hi + 1

    def _near(self, m, pipe, d, u, g, *, cuts=()):
        """``Lx + phi-`` for ``-2**F < d < 0``: leading one of ``u = -d`` (registered beside
        ``d``), ``log2(1 + m) + g(d)``
        (``g`` evaluated by the caller, ``Lx`` already added to it)."""
        phi = self.phi_minus
        if phi.near_above is None:
            return 0, 0
        F = self.fmt.frac_bits
        e = Signal(range(F), name="near_e")
        m.d.comb += e.eq(highest_one(u))
        shift = Signal(range(F), name="near_shift")
        mant = Signal(unsigned(F - 1), name="near_m")
        m.d.comb += [shift.eq(F - 1 - e), mant.eq((u << shift)[:F - 1])]
        G = phi.sum_guard
        # log2(-d) = (e - F) + log2(1 + m), and the final rounding's half: added to the
        # log2(1 + m) table's offset beside its multiplier (exact, and it leaves
        # the last stage one sum). e - F is signed, so the shift keeps the sign. g holds Lx
        # (as Lx << G) already.
        width = max(F, self.fmt.log_bits) + G + 8
        base = Signal(signed(width), name="near_base")
        m.d.comb += base.eq(((e - F) << (F + G)) + (1 << (G - 1)))
        l2 = funcapprox.evaluate(m, pipe, phi.log2p1, mant, name="near_log2p1", offset=base,
                                 cuts=cuts)
        total = Signal(signed(width), name="near_total")
        m.d.comb += total.eq(g + l2)
        near_phi = total >> G
        used = pipe.delay(d > phi.near_above, funcapprox.stages(cuts), name="near_used")
        return near_phi, used
