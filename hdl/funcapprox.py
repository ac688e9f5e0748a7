"""Hardware evaluation of :mod:`lnsgen.golden.funcapprox` approximations inside a stalling pipeline.

The tables come from the golden objects, and the arithmetic below is a transcription of their
``evaluate`` methods: same index/offset split, same floor of the slope product, same rounding.
Each evaluator takes exactly :data:`STAGES` register stages, so callers can align paths.

Tables are Amaranth :class:`~amaranth.lib.memory.Memory` ROMs with a synchronous read port
enabled by the pipeline's enable; Yosys maps them to block RAM or to LUTs as it sees fit (the
synthesis report says which it chose).
"""

from amaranth.hdl import Module, Mux, Signal, unsigned
from amaranth.lib.memory import Memory

from lnsgen.golden.funcapprox import DirectTable, PiecewiseLinear, bits_for

from .pipeline import Pipeline

__all__ = ["STAGES", "evaluate", "evaluate_shared", "stages"]

#: Register stages of every evaluator: the ROM read; a register on the ROM's output (block
#: RAM clock-to-output is slow, ~6 ns on ECP5, and must not share a cycle with the multiply);
#: the multiply-add and rounding.
STAGES = 3


def stages(split: bool = False) -> int:
    """Register stages of an evaluator: :data:`STAGES`, one more with ``split`` (the
    multiplier's product registered before the add and rounding: the multiply alone then
    fills a cycle, as an FPGA's DSP block without its own registers needs)."""
    return STAGES + (1 if split else 0)


def _rom(m: Module, pipe: Pipeline, name: str, columns: dict, addr):
    """A ROM whose word concatenates the ``columns`` (name -> int array), read at ``addr``.

    Returns the columns of the word read, one stage after ``addr``, with their own shapes.
    """
    shapes = {k: bits_for(v) for k, v in columns.items()}
    # A one-entry table would have a zero-width address, which Verilog can only write as the
    # range [-1:0]: pad it to two entries (the address, zero-extended, stays 0).
    depth = max(2, len(next(iter(columns.values()))))
    width = sum(w for w, _ in shapes.values())
    words = [0] * depth
    offset = 0
    for key, values in columns.items():
        w, _ = shapes[key]
        for i, v in enumerate(values.tolist()):
            words[i] |= (int(v) & ((1 << w) - 1)) << offset
        offset += w
    rom = Memory(shape=unsigned(width), depth=depth, init=words)
    m.submodules[f"{name}_rom"] = rom
    port = rom.read_port(domain="sync")
    m.d.comb += [port.addr.eq(addr), port.en.eq(pipe.enable)]
    out, offset = {}, 0
    for key, (w, is_signed) in shapes.items():
        field = port.data[offset:offset + w]
        out[key] = field.as_signed() if is_signed else field
        offset += w
    return out


def _lookup(m: Module, pipe: Pipeline, approx: PiecewiseLinear, x, name: str):
    """The segment's ROM word and the offset ``t`` of ``approx`` at ``x``, one stage later
    (ROM output columns unregistered; ``t`` None for segments of one point)."""
    func = approx.func
    u = Signal(unsigned(func.in_bits), name=f"{name}_u")
    m.d.comb += u.eq(x - func.lo)
    in_range = (x >= func.lo) & (x <= func.hi)
    k = approx.offset_bits
    cols = _rom(m, pipe, name, approx.tables, Mux(in_range, u[k:], 0))
    t1 = pipe.stage(u[:k], name=f"{name}_t1") if k else None
    return cols, t1


def _finish(pipe: Pipeline, approx: PiecewiseLinear, c0, product, name: str, *,
            wide: bool = False):
    """``c0 + floor(product / 2**k)``, rounded off the guard bits, registered (at the
    approximation's own output width, or at full width when an offset was added to ``c0``)."""
    k, g = approx.offset_bits, approx.guard_bits
    # floor((c1 * t) / 2**k): an arithmetic shift of the signed product, as numpy's >>.
    y = c0 if product is None else c0 + (product >> k)
    rounded = (y + ((1 << g) >> 1)) >> g
    if wide:
        return pipe.stage(rounded, name=f"{name}_y")
    width, is_signed = approx.out_shape
    return pipe.stage(rounded[:width].as_signed() if is_signed else rounded[:width],
                      name=f"{name}_y")


def _check_approx(approx):
    if not isinstance(approx, (DirectTable, PiecewiseLinear)):
        raise TypeError(f"approx must be a DirectTable or PiecewiseLinear, not {approx!r}")


def evaluate(m: Module, pipe: Pipeline, approx, x, *, name: str, offset=None,
             split: bool = False):
    """``approx.evaluate(x)`` (plus ``offset``), :func:`stages` ``(split)`` stages after ``x``.

    Parameters
    ----------
    approx : golden.funcapprox.DirectTable or PiecewiseLinear
        The approximation, tables included.
    x : Value
        The integer input. Outside ``[lo, hi]`` the result is unspecified (but defined): the
        caller selects it away.
    offset : Value, optional
        An integer, in output units and in the same cycle as ``x``, added to the result. It is
        added to ``c0`` (scaled by the guard bits, which leaves the final rounding unchanged)
        in the multiply stage, beside the multiplier rather than after it, so a caller's later
        sum loses an operand while the ROM output still has a stage of its own.
    """
    _check_approx(approx)
    if isinstance(approx, DirectTable):
        func = approx.func
        u = Signal(unsigned(func.in_bits), name=f"{name}_u")
        m.d.comb += u.eq(x - func.lo)
        in_range = (x >= func.lo) & (x <= func.hi)
        col = _rom(m, pipe, name, approx.tables, Mux(in_range, u, 0))
        q = pipe.stage(col["y"], name=f"{name}_q")
        if offset is not None:
            q = q + pipe.delay(offset, 2, name=f"{name}_offset")
        if split:
            q = pipe.stage(q, name=f"{name}_q_split")
        return pipe.stage(q, name=f"{name}_y")
    cols, t1 = _lookup(m, pipe, approx, x, name)
    cols = {key: pipe.stage(v, name=f"{name}_{key}") for key, v in cols.items()}
    c0 = _offset(pipe, approx, cols["c0"], offset, name)
    product = None if t1 is None else cols["c1"] * pipe.stage(t1, name=f"{name}_t")
    if split:
        c0, product = _split(pipe, c0, product, name)
    return _finish(pipe, approx, c0, product, name, wide=offset is not None)


def _split(pipe: Pipeline, c0, product, name: str):
    """``c0`` and the product, registered (the ``split`` stage)."""
    c0 = pipe.stage(c0, name=f"{name}_c0_split")
    if product is not None:
        product = pipe.stage(product, name=f"{name}_product_split")
    return c0, product


def _offset(pipe: Pipeline, approx: PiecewiseLinear, c0, offset, name: str):
    """``c0`` (registered after the ROM) plus ``offset`` (given with ``x``, two stages
    earlier) at the coefficients' scale."""
    if offset is None:
        return c0
    return c0 + (pipe.delay(offset, 2, name=f"{name}_offset") << approx.guard_bits)


def _multiplies(approx) -> bool:
    return isinstance(approx, PiecewiseLinear) and approx.offset_bits > 0


def evaluate_shared(m: Module, pipe: Pipeline, uses, select, *, name: str,
                    offsets=None, split: bool = False) -> list:
    """Several approximations of which one at most is needed per input, on one multiplier.

    Every ``approx`` of ``uses`` reads its own ROM; the slope and offset of the one that
    ``select`` names are multiplexed onto one multiplier (one DSP instead of one each), and
    each result is finished from that product. Same :func:`stages` as :func:`evaluate`.

    Parameters
    ----------
    uses : list of tuple
        ``(approx, x, name)`` triples, as for :func:`evaluate`.
    select : Value
        Index into ``uses`` of the approximation whose result is needed, in the same cycle as
        the ``x``. The other results are unspecified (but defined).
    offsets : list of Value, optional
        One per entry of ``uses``, added to its result as for :func:`evaluate` (each in its
        own approximation's output units).
    split : bool
        Register the product (and every ``c0``) before the adds, as for :func:`evaluate`.

    Returns
    -------
    list
        One result per entry of ``uses``, as :func:`evaluate` would return it when selected.
    """
    for approx, _, _ in uses:
        _check_approx(approx)
    shared = [i for i, (approx, _, _) in enumerate(uses) if _multiplies(approx)]
    offsets = [None] * len(uses) if offsets is None else list(offsets)
    outs = [None if i in shared else evaluate(m, pipe, approx, x, name=n, offset=offsets[i],
                                              split=split)
            for i, (approx, x, n) in enumerate(uses)]
    if not shared:
        return outs
    looked = {i: _lookup(m, pipe, uses[i][0], uses[i][1], uses[i][2]) for i in shared}
    sel = pipe.stage(select, name=f"{name}_sel")  # aligned with the ROM outputs
    c1, t = looked[shared[0]][0]["c1"], looked[shared[0]][1]
    for i in shared[1:]:
        c1 = Mux(sel == i, looked[i][0]["c1"], c1)
        t = Mux(sel == i, looked[i][1], t)
    c1, t = pipe.stage(c1, name=f"{name}_c1"), pipe.stage(t, name=f"{name}_t")
    product = Signal((c1 * t).shape(), name=f"{name}_product")
    m.d.comb += product.eq(c1 * t)
    if split:
        product = pipe.stage(product, name=f"{name}_product_split")
    for i in shared:
        approx, _, n = uses[i]
        c0 = _offset(pipe, approx, pipe.stage(looked[i][0]["c0"], name=f"{n}_c0"),
                     offsets[i], n)
        if split:
            c0 = pipe.stage(c0, name=f"{n}_c0_split")
        outs[i] = _finish(pipe, approx, c0, product, n, wide=offsets[i] is not None)
    return outs
