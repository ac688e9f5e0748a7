"""LNS accumulator: sums of a value stream, plain or Kahan-compensated, at one value per cycle.

The adder is pipelined (latency ``L``), so a single running sum could take a new value only
every ``L`` cycles (every ``4 L`` with Kahan's four dependent operations). Instead the
accumulator keeps ``lanes`` interleaved partial sums, exactly as many as a step takes cycles,
so every cycle can start a step:

* value ``k`` of a sum goes to lane ``k % lanes``; each lane holds ``(s, c)``;
* a step is ``s + x`` (plain: one adder, ``lanes = L``) or Kahan's
  ``y = x - c; t = s + y; c = (t - s) - y; s = t`` (four adders in a chain, ``lanes = 4 L``),
  :class:`~lnsgen.hdl.step.AccumulationStep` in a pipeline that never stalls;
  a lane's next value issues ``lanes`` cycles after its previous one, exactly when that step's
  result leaves the chain, and is forwarded from there;
* after the value marked ``last``, the chain drains and the lane values are added in lane order,
  ``((p0 + p1) + p2) + ...``, on the first adder (lanes that got no value are skipped: they hold
  exact zero); the sum then waits in the output register until it is read.

:func:`lnsgen.golden.accumulate.stream_sums` with the same ``lanes`` gives bit-identical sums.
Throughput: one value per cycle within a sum; between sums the input stalls for the drain,
the reduction (about ``L + 1`` cycles per used lane) and the output handshake.
"""

from amaranth.hdl import Array, Module, Signal, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format
from lnsgen.golden.gaussian import METHODS, gaussian_logs

from .adder import adder_path
from .number import lns_layout
from .pipeline import Pipeline
from .step import AccumulationStep

__all__ = ["LNSAccumulator", "accumulator_input_layout"]


def accumulator_input_layout(fmt: LNSFormat) -> data.StructLayout:
    """``{value, last}``: the value in the low ``fmt.width`` bits, ``last`` above it."""
    return data.StructLayout({"value": lns_layout(fmt), "last": unsigned(1)})


class LNSAccumulator(wiring.Component):
    """Sum a stream of LNS values; a value with ``last`` set closes the sum.

    There is no empty sum: every beat carries a value (send an exact zero with ``last`` to close
    a sum with nothing more to add).

    Parameters
    ----------
    fmt : golden.LNSFormat
    compensated : bool
        Kahan-compensated lanes (four adders) instead of plain ones (one adder).
    method, max_error :
        The adders' Gaussian-log approximation (see :class:`~lnsgen.hdl.LNSAdder`).
    adder_latency : int or None
        Pipeline stages of each adder (one of :data:`lnsgen.hdl.adder.LATENCIES`, see
        :func:`~lnsgen.hdl.adder.adder_path`; None: the method's default). The interleaved
        sums follow it (fewer stages, fewer slots or lanes).

    Attributes
    ----------
    i : In(stream.Signature(accumulator_input_layout(fmt)))
    o : Out(stream.Signature(lns_layout(fmt)))
        One sum per ``last``.
    lanes : int
        Interleaved partial sums (the golden model's ``lanes``).
    latency : int
        Upper bound on the cycles from accepting a ``last`` value to offering its sum.
    """

    def __init__(self, fmt: LNSFormat, *, compensated: bool = False, method: str = "interp",
                 max_error: float = 1.0, adder_latency: int | None = None):
        self.fmt = check_format(fmt)
        if not isinstance(compensated, bool):
            raise TypeError(f"compensated must be a bool, not {compensated!r}")
        self.compensated = compensated
        self._adder_args = {"method": method, "max_error": max_error,
                            "adder_latency": adder_latency}
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        gaussian_logs(fmt, method, max_error)  # validates max_error, builds the tables once
        self.adder_latency = adder_path(fmt, method=method, max_error=max_error,
                                        latency=adder_latency).latency
        self.depth = 4 if compensated else 1
        self.lanes = self.depth * self.adder_latency
        # The drain (the operand register, then the chain), then per lane a reduction step
        # (its operands registered, the adder, the write of the total), then the output.
        self.latency = self.lanes + 1 + (self.lanes - 1) * (self.adder_latency + 2) + 3
        super().__init__({
            "i": In(stream.Signature(accumulator_input_layout(fmt))),
            "o": Out(stream.Signature(lns_layout(fmt))),
        })

    def elaborate(self, platform):
        fmt, L, lanes = self.fmt, self.adder_latency, self.lanes
        W = fmt.width
        m = Module()
        # The step chain never stalls. Its data delays are reset-less (valid bits qualify them);
        # its valid bits are flags, cleared by reset, so a step in flight when `rst` rises is
        # cancelled rather than written back later.
        pipe = Pipeline(m, 1)

        # Lane state and control.
        s_regs = [Signal(W, name=f"s{j}", init=fmt.zero) for j in range(lanes)]
        c_regs = [Signal(W, name=f"c{j}", init=fmt.zero) for j in range(lanes)]
        touched = Signal(lanes)
        lane = Signal(range(max(lanes, 2)))  # one bit even with one lane (adder latency 1)
        first_round = Signal(init=1)
        total = Signal(W)
        r = Signal(range(lanes + 1))
        busy = Signal()

        # The step chain. A step's operands are chosen at issue time (its lane's state, a
        # `lanes`-way multiplexer) and registered; the chain takes them a cycle later, so the
        # adder's first stage does not follow the multiplexer (the accumulator's critical path
        # when it did). Outputs (lane, s', c') leave the chain `depth * L` cycles after that.
        step = Signal()
        s_sel, c_sel = Signal(W), Signal(W)
        s_in, c_in = Signal(W), Signal(W)
        x = pipe.stage(self.i.payload.value.as_value(), name="x_issued")
        s_issued = pipe.stage(s_sel, name="s_issued")
        c_issued = pipe.stage(c_sel, name="c_issued")
        lane_issued = pipe.stage(lane, name="lane_issued")
        chain = AccumulationStep(fmt, compensated=self.compensated, **self._adder_args)
        out_s, out_c = chain.build(m, pipe, s=s_in, c=c_in, x=x)
        step_valids = pipe.flags(step, 1 + chain.latency, name="step_valid")
        out_valid = step_valids[-1]
        lane_before_out = pipe.delay(lane_issued, chain.latency - 1, name="step_lane")
        out_lane = pipe.stage(lane_before_out, name="step_lane_out")

        # The final reduction shares the chain's first adder (idle then: the chain has drained);
        # its operands are registered too.
        first = chain.cores[0]
        reduce_op = Signal()
        reduce_a, reduce_b = Signal(W), Signal(W)
        reduce_issued = pipe.flag(reduce_op, 1, name="reduce_issued")
        reduce_a_issued = pipe.stage(reduce_a, name="reduce_a_issued")
        reduce_b_issued = pipe.stage(reduce_b, name="reduce_b_issued")
        with m.If(reduce_issued):
            m.d.comb += [first.a.eq(reduce_a_issued), first.b.eq(reduce_b_issued),
                         first.op.eq(0)]
        reduce_done = pipe.flag(reduce_issued, L, name="reduce_done")

        # Write back finished steps. A lane's previous result may land in the cycle it issues
        # (forwarded into the operand register) or in the next one, as the chain takes the
        # operands (forwarded at the chain's input).
        with m.If(out_valid):
            with m.Switch(out_lane):
                for j in range(lanes):
                    with m.Case(j):
                        m.d.sync += [s_regs[j].eq(out_s), c_regs[j].eq(out_c)]
        m.d.comb += [s_sel.eq(fmt.zero), c_sel.eq(fmt.zero), s_in.eq(s_issued),
                     c_in.eq(c_issued)]
        with m.If(~first_round):
            m.d.comb += [s_sel.eq(Array(s_regs)[lane]), c_sel.eq(Array(c_regs)[lane])]
            with m.If(out_valid & (out_lane == lane)):
                m.d.comb += [s_sel.eq(out_s), c_sel.eq(out_c)]
        # Decided at issue, from the step a stage before the chain's end: a register selects.
        forward_issued = pipe.stage(~first_round & step_valids[-2] & (lane_before_out == lane),
                                    name="forward_issued")
        with m.If(forward_issued):
            m.d.comb += [s_in.eq(out_s), c_in.eq(out_c)]

        in_flight = _any_in_flight(m, step, out_valid, 1 + chain.latency)

        # Handshakes are plain assignments from the state (not statements inside the FSM): an
        # `always @*` that reads only initialized registers never runs in Icarus until one of
        # them changes, which would leave these ports X after reset.
        with m.FSM() as fsm:
            with m.State("ACCUMULATE"):
                with m.If(self.i.valid):
                    m.d.sync += touched.eq(touched | (1 << lane))
                    with m.If(self.i.payload.last):
                        m.next = "DRAIN"
                    with m.Elif(lane == lanes - 1):
                        m.d.sync += [lane.eq(0), first_round.eq(0)]
                    with m.Else():
                        m.d.sync += lane.eq(lane + 1)
            with m.State("DRAIN"):
                with m.If(~in_flight):
                    m.d.sync += [total.eq(s_regs[0]), r.eq(1), busy.eq(0)]
                    m.next = "REDUCE"
            with m.State("REDUCE"):
                m.d.comb += [reduce_a.eq(total), reduce_b.eq(Array(s_regs)[r])]
                with m.If(busy):
                    with m.If(reduce_done):
                        m.d.sync += [total.eq(first.result), busy.eq(0), r.eq(r + 1)]
                with m.Elif(r == lanes):
                    m.next = "OUTPUT"
                with m.Elif(touched.bit_select(r, 1)):
                    m.d.comb += reduce_op.eq(1)
                    m.d.sync += busy.eq(1)
                with m.Else():
                    m.d.sync += r.eq(r + 1)
            with m.State("OUTPUT"):
                with m.If(self.o.ready):
                    m.d.sync += [lane.eq(0), first_round.eq(1), touched.eq(0)]
                    m.next = "ACCUMULATE"
        m.d.comb += [
            self.i.ready.eq(fsm.ongoing("ACCUMULATE")),
            step.eq(self.i.valid & fsm.ongoing("ACCUMULATE")),
            self.o.valid.eq(fsm.ongoing("OUTPUT")),
            self.o.payload.eq(total),
        ]
        return m


def _any_in_flight(m: Module, step, done, cycles: int):
    """High while a step issued earlier has not been written back (``done``, ``step`` delayed
    by ``cycles``)."""
    count = Signal(range(cycles + 2), name="in_flight")
    # `done` must come from a flag (a delay line reset with the counter): otherwise steps
    # issued before a reset would leave it afterwards and drive the count below zero (the
    # accumulator then never drains).
    m.d.sync += count.eq(count + step - done)
    return count != 0
