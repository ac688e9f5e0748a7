"""A systolic array of processing elements: C = A x B, one MAC per PE per cycle.

The array is generic over its arithmetic (:mod:`lnsgen.hdl.arithmetic`: LNS plain or Kahan,
the hybrid LNS/fixed-point one, IEEE fused multiply-add, integers); :class:`LNSSystolicArray`
is the LNS one. Everything below holds for each.

Dataflow: output-stationary with time-interleaved rows. PE ``(r, c)`` owns ``T = slots``
elements of the output tile, ``C[r T + t, c]`` for ``t < T``, one per interleaved sum of its
:class:`~lnsgen.hdl.pe.LNSProcessingElement`. A tile pass therefore computes a ``rows T x cols`` tile
of C for any K; it is ``K T`` input beats, beat ``n = k T + t`` carrying column ``k`` of A for
the tile rows ``r T + t`` (one value per array row) and row ``k`` of B (one value per array
column, the same for the T beats of one ``k``). ``last`` is set on the T beats of the final
``k``. A values move east and B values south one PE per cycle; the inputs are skewed so that
PE ``(r, c)`` sees beat ``n`` at cycle ``n + r + c``.

Why this dataflow: the LNS adder's latency would stall a PE that owns one output; interleaving
``T`` outputs per PE keeps every adder busy every cycle with no extra registers (the sums live
in the adder pipelines), passes of any K need no reduction step, and each output is a plain
sequential sum over k, which :func:`lnsgen.golden.matmul` models bit-exactly.

Flow control: the whole array moves in lockstep on one enable. It advances when the input
offers a beat, or with a bubble when no pass is open (which lets the last pass drain). Finished
sums are deskewed into one FIFO per array row and leave as rows of the tile, in order (row
``r T + t`` of the tile is beat ``r T + t`` of the pass's output). When a row of results is
due soon at a FIFO that may be full by then, the array stops, so backpressure never loses a
result. The FIFO depth is chosen so that this stop can never wait on the row the output is
waiting for.

Why the enable is a register, copied: an enable computed in the cycle it is used has to reach
every register of the array in that cycle (16,000 flip-flops in a 4x4 array of 16-bit PEs at
adder latency 10; on ECP5 that net alone took 9 ns). The decision is therefore made ahead,
from registers only: the outputs' half (a row due within four steps at a FIFO that may be full
by then) is registered a cycle before it is used, the inputs' half reads a two-beat input
queue (a beat counts for the next step from the cycle after it arrived). It is loaded into one
register per array row and per array column, which move the input side (queue slice, input
register, skew); the PEs, the deskew and the FIFO writes move on the same enable a cycle later,
from one register per PE and per row loaded from the row's copy: each level of this tree is a
short hop, and no net carries more than one PE's loads. The copies are marked ``keep`` so that
synthesis tools do not merge them again. A register whose enable is its source's, one cycle
later, reads each of the source's states exactly once, so the PEs compute what they would in
lockstep with the inputs.
"""

from typing import NamedTuple

from amaranth.hdl import Cat, Module, Mux, Shape, Signal, Value, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format

from .arithmetic import LNSPE, PEArithmetic
from .pe import LNSProcessingElement, ProcessingElement, _value_shape
from .pipeline import Pipeline

__all__ = ["MAX_ARRAY_DIM", "STOP_MARGIN", "LNSSystolicArray", "SystolicArray", "array_input_layout",
           "array_output_layout"]

#: Rows of FIFO depth beyond what the output order needs, because the grid's stop is decided
#: three cycles before a write it prevents (counting a row due within four steps at a FIFO
#: that may be full by then). The ``tiles`` proofs pass with less at the shapes they cover
#: (the pass of slack in the depth absorbs the early stop); the rows are kept for the
#: shapes they do not.
STOP_MARGIN = 3
#: Largest number of rows or columns (a 32 x 32 array of 16-bit LNS MACs is already far past
#: the FPGAs the synthesis flow targets).
MAX_ARRAY_DIM = 32


def array_input_layout(fmt_or_shape, rows: int, cols: int) -> data.StructLayout:
    """``{a, b, last}``: ``a[r]`` for array row ``r`` (lowest bits), ``b[c]`` for column ``c``;
    each an LNS code of a format, or of the given operand shape."""
    shape = _value_shape(fmt_or_shape)
    return data.StructLayout({"a": data.ArrayLayout(shape, rows),
                              "b": data.ArrayLayout(shape, cols),
                              "last": unsigned(1)})


def array_output_layout(fmt_or_shape, cols: int) -> data.StructLayout:
    """``{c, last}``: one row of the output tile; ``last`` on the final row of a pass."""
    return data.StructLayout({"c": data.ArrayLayout(_value_shape(fmt_or_shape), cols),
                              "last": unsigned(1)})


class _QueueSlice(NamedTuple):
    """One slice of the array's two-entry input queue (see :class:`SystolicArray`)."""
    head: Value    # the entry the grid takes next
    tail: Value    # the second entry
    count: Value   # entries held (0..2), this slice's copy
    take: Value    # the grid takes the head this cycle
    rest: Value    # entries left after this cycle's take
    ready: Value   # the slice accepts a beat this cycle


def _check_dim(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer in [1, {MAX_ARRAY_DIM}], not {value!r}")
    if not 1 <= value <= MAX_ARRAY_DIM:
        raise ValueError(f"{name} must be in [1, {MAX_ARRAY_DIM}], not {value}")
    return value


class SystolicArray(wiring.Component):
    """``rows x cols`` multiply-accumulate array computing tiles of ``C = A x B`` in any
    :class:`~lnsgen.hdl.arithmetic.PEArithmetic`.

    Parameters
    ----------
    arithmetic : PEArithmetic
        The PEs' number system.
    rows, cols : int
        Array size, each in ``[1, MAX_ARRAY_DIM]``.

    Attributes
    ----------
    arithmetic : PEArithmetic
    i : In(stream.Signature(array_input_layout(arithmetic.operand_shape, rows, cols)))
        Operand beats of tile passes (see the module documentation for their order).
    o : Out(stream.Signature(array_output_layout(arithmetic.result_shape, cols)))
        Output tile rows, ``tile_rows`` per pass, in order.
    slots : int
        Interleaved sums per PE (``T``): e.g. 5 LNS plain, 20 compensated, 6 for a 6-stage
        FMA, 1 for the integer and hybrid ones.
    tile_rows : int
        Rows of C per pass, ``rows * slots``.
    fifo_depth : int
        Depth of each array row's result FIFO.
    latency : int
        Upper bound on the cycles from a pass's final beat to its final output row, with a
        consumer that is always ready and no pass before it still draining.
    grid_en : Signal
        Available after elaboration: the enable every register of the grid (input and skew
        registers, PEs, deskew) moves on, a register: high when, a cycle earlier, no row of
        results was due soon at a FIFO that may be full by then, and the input queue was to
        hold a beat or no pass was to be open.
    enable_copies : list of Signal
        Available after elaboration: ``grid_en`` and its copies (registers loaded with the
        same value, marked ``keep``), one per array row and per array column, each driving
        that row's or column's input side (queue slice, input register, skew).
    late_enable_copies : list of Signal
        Available after elaboration: ``grid_en`` a cycle later, one register (``keep``) per
        array row (its deskew and FIFO write: :attr:`fifo_write_enables`) and per PE (its
        ``en``), each loaded from its row's copy.
    fifo_write_enables : list of Signal
        Available after elaboration: each array row's late enable copy; the row's FIFO is
        written when its path's last stage holds a result and this is high.
    queue_count : Signal
        Available after elaboration: beats in the input queue (0 to 2); ``i.ready`` is high
        while it has room or the grid takes its head.
    queue_copies : list of Signal
        Available after elaboration: ``queue_count`` and its copies (``keep``), one per queue
        slice: the control (``last``), each row's ``a``, each column's ``b``.
    queue_head_last : Signal
        Available after elaboration: ``last`` of the queue's first beat (meaningful when
        ``queue_count >= 1``).
    queued_lasts : list of Value
        Available after elaboration: whether each queue entry holds a beat marked ``last``.
    grid_take : Signal
        The grid takes the queue's head this cycle (it moves and the queue holds a beat).
    out_row, out_count : Signal
        The output's position in a tile: rows are read from FIFO ``out_row``, ``out_count``
        of its ``slots`` rows read so far this round.
    fifos : list of amaranth.lib.fifo.SyncFIFOBuffered
        Available after elaboration: each array row's result FIFO, of depth ``fifo_depth``.
    pes : list of list of ProcessingElement
        Available after elaboration: ``pes[r][c]`` is the PE of row ``r``, column ``c``.
    last_paths : list of list of Value
        Available after elaboration (the array's and its PEs'): for each row, whether each
        register stage of its path from the input register to its FIFO (the input register,
        ``r`` skew stages, the east links of the row's PEs, then the last PE's
        :attr:`~lnsgen.hdl.pe.ProcessingElement.lasts`) holds a valid beat marked ``last``;
        the final one is the row's FIFO write request. The input register and the skew
        stages (the first ``r + 1``) move on ``grid_en``, the rest a cycle later.
    """

    def __init__(self, arithmetic: PEArithmetic, *, rows: int, cols: int):
        if not isinstance(arithmetic, PEArithmetic):
            raise TypeError(f"arithmetic must be a PEArithmetic, not {arithmetic!r}")
        self.arithmetic = arithmetic
        self.rows = _check_dim(rows, "rows")
        self.cols = _check_dim(cols, "cols")
        self.slots = T = arithmetic.slots
        self.tile_rows = rows * T
        # Rows whose results are written before row q of a pass has all of its results: at
        # most T * ((rows + T - 3) // T + 1) beats; one pass more lets passes overlap;
        # STOP_MARGIN rows more because the grid's stop is decided early. (At least
        # 3: a buffered FIFO of depth 2 has a one-entry core with zero-width addresses, which
        # lint rejects; a deeper FIFO only adds slack.)
        self.fifo_depth = max(3, T * ((rows + T - 3) // T + 2) + STOP_MARGIN)
        # input queue (a beat waits at most two cycles there for a decided step), input
        # register, skew, the PEs' enable a cycle behind, one PE, deskew, FIFO, then every row
        pe_latency = arithmetic.term_stages + T + arithmetic.finish_stages
        self.latency = 2 + 1 + rows + 1 + cols + pe_latency + 3 + self.tile_rows
        self.grid_take = Signal(name="grid_take")
        # (At least one bit: a one-row array's counter would be a zero-width signal.)
        self.out_row = Signal(range(max(rows, 2)), name="row")
        self.out_count = Signal(range(max(T, 2)), name="count")
        super().__init__({
            "i": In(stream.Signature(array_input_layout(arithmetic.operand_shape, rows, cols))),
            "o": Out(stream.Signature(array_output_layout(arithmetic.result_shape, cols))),
        })

    def _processing_element(self) -> ProcessingElement:
        return ProcessingElement(self.arithmetic)

    def elaborate(self, platform):
        arith, R, C, T = self.arithmetic, self.rows, self.cols, self.slots
        m = Module()

        # The grid's enable is decided a cycle ahead and held in registers (all equal;
        # `keep`, so that synthesis does not merge them back into one): one for the control,
        # one per array row and one per column for the input side (queue, input registers,
        # skew). The PEs, the deskew and the FIFO writes move on the same enable a cycle
        # later, from one more register per PE and per row loaded from its row's copy: a
        # two-level tree, each level a short hop. (The PEs see the inputs' every step one
        # cycle later, which changes no value: a register whose enable is its source's,
        # delayed one cycle, reads each of the source's states exactly once.) One enable net
        # over every register of a 4x4 array (16,000 loads) was its critical path: 9 ns of
        # routing on ECP5; one level of copies across the whole array, 4.5 ns.
        en_next = Signal()
        self.enable_copies, self.late_enable_copies = [], []

        def enable_copy(name, source=en_next, copies=self.enable_copies):
            reg = Signal(name=name, attrs={"keep": 1})
            m.d.sync += reg.eq(source)
            copies.append(reg)
            return reg

        en = enable_copy("grid_en")
        self.grid_en = en
        en_row = [enable_copy(f"en_row{r}") for r in range(R)]
        en_col = [enable_copy(f"en_col{c}") for c in range(C)]
        en_out = [enable_copy(f"en_out{r}", en_row[r], self.late_enable_copies)
                  for r in range(R)]
        self.fifo_write_enables = en_out
        pipe = Pipeline(m, en)

        # Input queue of two beats. A beat is counted on for the grid's next step only from
        # the cycle after it arrived (the decision is a register); two entries keep one beat
        # per cycle flowing. The queue is sliced: the control (`last`), each row's `a` and
        # each column's `b` are queued beside their own input register, each slice with its
        # own copy of the count (all equal), so no control net crosses the array (one
        # queue's count steering every payload bit was the critical path, ECP5 4x4: 9 ns of
        # routing).
        beat = self.i.payload
        self.queue_copies = []

        def queue_slice(value, en_copy, name):
            """`value`'s two-entry queue, moving with `en_copy`."""
            value = Value.cast(value)
            head = Signal(len(value), name=f"queue_head_{name}", reset_less=True)
            tail = Signal(len(value), name=f"queue_tail_{name}", reset_less=True)
            count = Signal(range(3), name=f"queue_count_{name}", attrs={"keep": 1})
            self.queue_copies.append(count)
            take, rest, ready = en_copy & (count != 0), Signal(range(3)), Signal()
            arrive = self.i.valid & ready
            m.d.comb += [ready.eq((count != 2) | en_copy), rest.eq(count - take)]
            with m.If(take):
                m.d.sync += head.eq(tail)
            with m.If(arrive):
                with m.If(rest == 0):
                    m.d.sync += head.eq(value)
                with m.Else():
                    m.d.sync += tail.eq(value)
            m.d.sync += count.eq(rest + arrive)
            return _QueueSlice(head, tail, count, take, rest, ready)

        control = queue_slice(beat.last, en, "last")
        take, head_last = control.take, control.head
        self.queue_count = control.count
        m.d.comb += [self.grid_take.eq(take), self.i.ready.eq(control.ready)]
        self.queue_head_last = head_last
        self.queued_lasts = [(control.count >= 1) & head_last,
                             (control.count == 2) & control.tail]

        # Pass bookkeeping: beat n of a pass goes to slot n % T; a pass ends with the beat that
        # has `last` and slot T - 1. Between passes the grid may move without input.
        # (`slot_last` is `slot == T - 1` kept in a register: the comparison sat on the path
        # into every enable copy.)
        slot = Signal(range(max(T, 2)))  # one bit even with one slot (adder latency 1)
        slot_last = Signal(init=T == 1)
        open_pass = Signal()
        open_next = Signal()
        m.d.comb += open_next.eq(open_pass)
        with m.If(take):
            m.d.sync += [slot.eq(Mux(slot_last, 0, slot + 1)),
                         slot_last.eq(Mux(slot_last, T == 1, slot == T - 2))]
            m.d.comb += open_next.eq(~(head_last & slot_last))
        m.d.sync += open_pass.eq(open_next)

        # Input register, then skew: row r by r cycles, column c by c cycles. A row's input
        # register zeroes a bubble's operand.
        valid_in = pipe.flag(take, 1, name="in_valid")
        last_in = pipe.flag(head_last & take, 1, name="in_last")
        a_in = []
        for r in range(R):
            queue_a = queue_slice(beat.a[r], en_row[r], f"a{r}")
            a_in.append(Pipeline(m, en_row[r]).stage(
                Mux(queue_a.take, queue_a.head, arith.zero_operand), name=f"in_a{r}"))
        b_in = []
        for c in range(C):
            queue_b = queue_slice(beat.b[c], en_col[c], f"b{c}")
            b_in.append(Pipeline(m, en_col[c]).stage(queue_b.head, name=f"in_b{c}"))

        self.pes = pes = [[self._processing_element() for _ in range(C)]
                          for _ in range(R)]
        self._skew_last = []  # (valid and last) of row r's input register and skew stages
        row_pipes = [Pipeline(m, en_row[r]) for r in range(R)]
        for r in range(R):
            row_pipe = row_pipes[r]
            for c in range(C):
                pe = pes[r][c]
                m.submodules[f"pe_{r}_{c}"] = pe
                m.d.comb += pe.en.eq(enable_copy(f"en_pe_{r}_{c}", en_row[r],
                                                 self.late_enable_copies))
                if c == 0:
                    west_value = row_pipe.delay(a_in[r], r, name=f"skew_a{r}")
                    west_valid = [valid_in, *row_pipe.flags(valid_in, r, name=f"skew_v{r}")]
                    west_last = [last_in, *row_pipe.flags(last_in, r, name=f"skew_l{r}")]
                    self._skew_last.append([v & lst for v, lst in zip(west_valid, west_last)])
                    m.d.comb += [
                        pe.west.value.eq(west_value),
                        pe.west.valid.eq(west_valid[-1]),
                        pe.west.last.eq(west_last[-1]),
                    ]
                else:
                    m.d.comb += pe.west.eq(pes[r][c - 1].east)
                if r == 0:
                    m.d.comb += pe.north.eq(
                        Pipeline(m, en_col[c]).delay(b_in[c], c, name=f"skew_b{c}"))
                else:
                    m.d.comb += pe.north.eq(pes[r - 1][c].south)

        # (valid and last) at every stage of each row's path, input register to FIFO
        self._last_paths = [[*self._skew_last[r],
                             *(pe.east.valid & pe.east.last for pe in pes[r][:C - 1]),
                             *pes[r][C - 1].lasts] for r in range(R)]

        # Results: deskew each row (column c is c cycles early), then one FIFO per row.
        self.fifos = fifos = []
        row_due = []
        for r in range(R):
            out_pipe = Pipeline(m, en_out[r])
            values = [out_pipe.delay(pes[r][c].sum.value, C - 1 - c, name=f"deskew_{r}_{c}")
                      for c in range(C)]
            due = pes[r][C - 1].sum.valid
            fifo = SyncFIFOBuffered(width=C * Shape.cast(arith.result_shape).width,
                                    depth=self.fifo_depth)
            m.submodules[f"fifo{r}"] = fifo
            m.d.comb += [fifo.w_data.eq(Cat(*values)), fifo.w_en.eq(due & en_out[r])]
            fifos.append(fifo)
            # A row due within the next three steps (or now), at a FIFO that may be full
            # three cycles on: this flag is registered, the enable it stops is decided from
            # it a cycle later and reaches the PEs a cycle after that (three writes may land
            # meanwhile; a read is not counted on).
            due_soon = Cat(*self._last_paths[r][-4:]).any()
            row_due.append(due_soon & (fifo.level >= self.fifo_depth - 3))
        # The outputs' half of the decision is made a cycle earlier still and registered:
        # gathering every row's flags and FIFO level, then reaching every enable copy, in one
        # cycle was the next critical path (ECP5, 4x4: 10 ns, 8 of them routing).
        out_ok = Signal(init=1)
        m.d.sync += out_ok.eq(~Cat(*row_due).any())
        # Move next cycle if no FIFO may overflow then and the grid has a beat for it or no
        # pass is open (a bubble between passes lets the last one drain).
        m.d.comb += en_next.eq(out_ok & ((control.rest != 0) | ~open_next))

        # Output: T rows from FIFO 0, then T from FIFO 1, ...: the tile's rows in order.
        row, count = self.out_row, self.out_count
        for r, fifo in enumerate(fifos):
            with m.If(row == r):
                m.d.comb += [
                    self.o.valid.eq(fifo.r_rdy),
                    self.o.payload.c.eq(fifo.r_data),
                    fifo.r_en.eq(self.o.ready),
                ]
        m.d.comb += self.o.payload.last.eq((row == R - 1) & (count == T - 1))
        with m.If(self.o.valid & self.o.ready):
            m.d.sync += count.eq(Mux(count == T - 1, 0, count + 1))
            with m.If(count == T - 1):
                m.d.sync += row.eq(Mux(row == R - 1, 0, row + 1))
        return m

    @property
    def last_paths(self) -> list[list[Value]]:
        """The (valid and last) bit of every stage of each row's path (see the class)."""
        if not hasattr(self, "_last_paths"):
            raise AttributeError("last_paths is available after the array is elaborated")
        return self._last_paths


class LNSSystolicArray(SystolicArray):
    """The LNS array: a :class:`SystolicArray` of :class:`~lnsgen.hdl.pe.LNSProcessingElement`
    (its ports and attributes; ``pes`` are LNS PEs).

    Parameters
    ----------
    fmt : golden.LNSFormat
    rows, cols : int
        Array size, each in ``[1, MAX_ARRAY_DIM]``.
    compensated : bool
        Kahan-compensated sums in every PE (4 adders per PE, 4 times the slots).
    method, max_error :
        The adders' Gaussian-log approximation (see :class:`~lnsgen.hdl.LNSAdder`).
    adder_latency : int or None
        Pipeline stages of each adder (one of :data:`lnsgen.hdl.adder.LATENCIES`, see
        :func:`~lnsgen.hdl.adder.adder_path`; None: the method's default). The interleaved
        sums follow it (fewer stages, fewer slots or lanes).
    """

    def __init__(self, fmt: LNSFormat, *, rows: int, cols: int, compensated: bool = False,
                 method: str = "interp", max_error: float = 1.0,
                 adder_latency: int | None = None):
        self.fmt = check_format(fmt)
        self._pe_args = {"compensated": compensated, "method": method, "max_error": max_error,
                         "adder_latency": adder_latency}
        self.compensated = compensated
        self.method, self.max_error = method, max_error
        super().__init__(LNSPE(fmt, **self._pe_args), rows=rows, cols=cols)

    def _processing_element(self):
        return LNSProcessingElement(self.fmt, **self._pe_args)
