"""The ``tiles`` property set: the stream protocol of a systolic array, by k-induction.

An :class:`lnsgen.hdl.LNSSystolicArray` is not a fixed-latency pipeline: it emits ``rows`` output rows
for every input beat marked ``last`` (one finished sum per PE, deskewed into a row of the
output tile), buffers them in one FIFO per array row, and stops its whole grid when a row of
results is due and that row's FIFO is full. What can go wrong is a result overwritten in a
full FIFO (lost), a row emitted twice or from nowhere, rows out of tile order, or a deadlock:
the array waiting for a FIFO to drain while the output waits on another, empty, FIFO.

Properties (asserted on every cycle; the bench's counters reset with the array):

``rows_owed_range``
    ``owed``, output rows owed (``rows`` per accepted ``last`` beat minus delivered rows),
    stays in ``[0, bound]`` (``bound``: what the chains and FIFOs can hold): no row is
    duplicated or made up, and results never pile up without limit.
``valid_needs_rows``
    ``o.valid`` implies ``owed >= 1``.
``no_overflow``
    No FIFO is written while full: no result is lost inside the array.
``no_deadlock``
    ``~i.ready`` implies ``o.valid``: the array only ever waits for the consumer. With
    ``rows_owed_range`` this means every owed row is delivered once the consumer reads (each
    delivery lowers ``owed`` and nothing is accepted meanwhile).
``tile_order``
    ``o.last`` is set exactly on every ``tile_rows``-th delivered row.
``hold``, ``reset_empty``
    As for the other stream units (see :mod:`.harness`).

Strengthening invariants (true properties as well; k-induction needs them because a stall
can freeze any unreachable state of the grid for as long as the solver likes). They read
what the array exposes as attributes: ``grid_en``, ``enable_copies``, ``late_enable_copies``,
``fifo_write_enables``, ``grid_take``,
``queue_count``, ``queue_copies``, ``queue_head_last``, ``queued_lasts``, ``last_paths``, ``fifos``, ``out_row`` and
``out_count`` (see :class:`lnsgen.hdl.LNSSystolicArray`).

``inv_shadow``
    A shadow shift register per row of ``last`` beats taken from the input queue into the
    grid, advanced by the array's enables (the grid's for the input register and skew, the
    row's late copy for the PEs), equals
    the (valid and last) bit at every stage of every row's path from the input register
    through the skew, the PEs' east links and the accumulation ring to the FIFO.
``inv_owed``
    ``owed`` equals the ``last`` beats on the rows' paths plus the rows held in the FIFOs,
    plus ``rows`` for each ``last`` beat waiting in the input queue.
``inv_queue``, ``inv_enable_copies``
    The input queue holds at most two beats; every copy of the grid's enable (and of the
    queue's count) equals it; every late copy equals the enable of the cycle before.
``inv_fifo``
    Each FIFO's memory holds at most ``depth - 1`` rows: ``level`` counts them plus the row
    in its output register (``r_rdy``), so ``r_rdy <= level <= depth - 1 + r_rdy``.
``inv_output``
    The output's row and slot counters equal the bench's count of delivered rows.
``inv_skew``
    The difference of FIFO levels between row ``r`` and row 0 is what the shadow and the
    output counters say it must be: row ``r`` has received exactly the results that have left
    row 0's longer-by-``r`` path less those still on the way, and the output has read ``T``
    rows from each FIFO before the next. This is the invariant the FIFO depth rests on.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Signal

__all__ = ["TILE_PROPERTIES", "add_tile_covers", "add_tile_properties"]

TILE_PROPERTIES = ("rows_owed_range", "valid_needs_rows", "no_overflow", "no_deadlock",
                   "tile_order")


def add_tile_properties(top, m: Module) -> None:
    """Add the ``tiles`` properties of :class:`~.harness.FormalTop` ``top`` to ``m``.

    ``top.unit`` is the array (an :class:`lnsgen.hdl.LNSSystolicArray`), already elaborated.
    """
    unit = top.unit
    # No property here depends on a sum's value, only on valid/last flags, FIFO levels and
    # that the FIFOs hold what was written: the PEs' adders (the bulk of the design) are cut,
    # their results free. That only adds behaviours, so the proofs hold for the real adders.
    top.cutpoints.append("top.dut.pe_*.adder*")
    R, T, depth = unit.rows, unit.slots, unit.fifo_depth
    tile_rows = unit.tile_rows
    en = unit.grid_en
    # (valid and last) at every stage of each row's path, input register to the FIFO
    paths = unit.last_paths
    fifos = unit.fifos
    level = [f.level for f in fifos]
    w_rdy = [f.w_rdy for f in fifos]
    out_row, out_count = unit.out_row, unit.out_count

    accepted = top.i_valid & top.i_ready
    delivered = top.o_valid & top.o_ready
    queued = unit.queued_lasts  # `last` beats waiting in the input queue
    bound = sum(len(p) for p in paths) + R * depth + R * len(queued)

    # Bench state, reset with the array.
    owed = Signal(range(-1, bound + 2), name="rows_owed")
    m.d.sync += owed.eq(owed + Mux(accepted & unit.i.payload.last, R, 0) - delivered)
    j = Signal(range(tile_rows), name="rows_delivered")  # modulo tile_rows
    with m.If(delivered):
        m.d.sync += j.eq(Mux(j == tile_rows - 1, 0, j + 1))
    en_before = Signal(name="grid_en_before")  # the grid's enable a cycle ago
    m.d.sync += en_before.eq(en)
    # A shadow shift register of the `last` beats the grid takes, on the grid's enable, and
    # the same a cycle later. Row r's first r + 1 stages (input register, skew) move on the
    # grid's enable: stage k holds shadow[k]. The rest (the PEs) move on the row's late
    # copy, each reading its source's every state once: stage k holds what stage k - 1 of
    # the shadow held a cycle ago, whatever the row.
    late = unit.fifo_write_enables
    longest = max(len(p) for p in paths)
    shadow = [Signal(name=f"shadow{k}_last") for k in range(longest)]
    shadow_before = [Signal(name=f"shadow{k}_last_before") for k in range(longest)]
    with m.If(en):
        m.d.sync += shadow[0].eq(unit.grid_take & unit.queue_head_last)
        m.d.sync += [shadow[k].eq(shadow[k - 1]) for k in range(1, longest)]
    m.d.sync += [b.eq(a) for a, b in zip(shadow, shadow_before)]
    shadows = [[shadow[k] if k <= r else shadow_before[k - 1] for k in range(len(path))]
               for r, path in enumerate(paths)]

    top.add_assert(m, "rows_owed_range", (owed >= 0) & (owed <= bound))
    top.add_assert(m, "valid_needs_rows", ~top.o_valid | (owed >= 1))
    # A row is written when its path's last stage holds a result and the grid moves.
    top.add_assert(m, "no_overflow",
                   ~Cat(p[-1] & we & ~ok for p, we, ok in zip(paths, late, w_rdy)).any())
    top.add_assert(m, "no_deadlock", top.i_ready | top.o_valid)
    top.add_assert(m, "tile_order",
                   ~top.o_valid | (unit.o.payload.last == (j == tile_rows - 1)))

    if not top.strengthen:
        return
    # `last` beats still on row r's path. The last input-side stage (index r) still holds a
    # beat the PEs' side has already copied unless the grid moved a cycle ago: count it then
    # only.
    on_path = [sum(row[:r]) + (row[r] & en_before) + sum(row[r + 1:])
               for r, row in enumerate(shadows)]
    top.add_assert(m, "inv_shadow", Cat(bit == row[k] for p, row in zip(paths, shadows)
                                        for k, bit in enumerate(p)).all())
    top.add_assert(m, "inv_owed", owed == sum(on_path) + sum(level) + R * sum(queued))
    top.add_assert(m, "inv_queue", unit.queue_count <= 2)
    top.add_assert(m, "inv_enable_copies", Cat(c == en for c in unit.enable_copies).all()
                   & Cat(c == en_before for c in unit.late_enable_copies).all()
                   & Cat(c == unit.queue_count for c in unit.queue_copies).all())
    # The memory's own level is not a public attribute of the FIFO; it is level - r_rdy (the
    # first comparison rules out an unreachable level that wrapped round to 0).
    top.add_assert(m, "inv_fifo", Cat((f.level >= f.r_rdy) & (f.level - f.r_rdy <= depth - 1)
                                      for f in fifos).all())
    top.add_assert(m, "inv_output",
                   (j < tile_rows) & (out_row == j // T) & (out_count == j % T))

    def read(r):  # rows read from FIFO r in the current round of T rows per FIFO
        return Mux(out_row > r, T, Mux(out_row == r, out_count, 0))

    for r in range(1, R):
        top.add_assert(m, "inv_skew",
                       level[r] - level[0] == (on_path[0] - on_path[r]) - (read(r) - read(0)))


def add_tile_covers(top, m: Module) -> None:
    """Covers for an array (with the ``cover`` set of :class:`~.harness.FormalTop`): the
    grid stopped by a full FIFO while the consumer stalls, and the final row of a tile
    delivered, so the ``tiles`` proofs are not vacuous about either."""
    unit = top.unit
    top.add_cover(m, "grid_stopped", ~top.i_ready & top.o_valid & ~top.o_ready)
    top.add_cover(m, "tile_delivered", top.o_valid & top.o_ready & unit.o.payload.last)
