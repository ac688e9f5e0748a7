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

__all__ = ["CUTS", "STAGES", "evaluate", "evaluate_shared", "stages"]

#: Register stages of every evaluator: the ROM read; a register on the ROM's output (block
#: RAM clock-to-output is slow, ~6 ns on ECP5, and must not share a cycle with the multiply);
#: the multiply-add and rounding.
STAGES = 3
#: Optional register stages, each one cycle more: ``address`` registers the table address
#: (the read then starts a cycle of its own instead of following the caller's address
#: arithmetic) and asks for the tables as logic (``rom_style = "logic"``: between the
#: address register and the word register a table is a LUT function, where a block RAM
#: would put its slow clock-to-output, ~5.6 ns on ECP5, in front of the next stage's logic);
#: ``partial`` builds the multiplier from its partial products, a register after the first
#: adder of their tree (no DSP block: one without its own registers is slower than that);
#: ``product`` registers the product before the add and rounding (the multiply alone fills a
#: cycle).
CUTS = ("address", "partial", "product")


def _check_cuts(cuts) -> frozenset:
    cuts = frozenset(cuts)
    if not cuts <= set(CUTS):
        raise ValueError(f"cuts must be among {CUTS}, not {sorted(cuts - set(CUTS))}")
    return cuts


def stages(cuts=()) -> int:
    """Register stages of an evaluator with the optional ``cuts`` (:data:`CUTS`)."""
    return STAGES + len(_check_cuts(cuts))


def _rom(m: Module, pipe: Pipeline, name: str, columns: dict, addr, cuts=frozenset()):
    """A ROM whose word concatenates the ``columns`` (name -> int array), read at ``addr``.

    Returns the columns of the word read, one stage after ``addr``, with their own shapes
    (as logic with the ``address`` cut, see :data:`CUTS`).
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
    attrs = {"rom_style": "logic"} if "address" in cuts else None
    rom = Memory(shape=unsigned(width), depth=depth, init=words, attrs=attrs)
    m.submodules[f"{name}_rom"] = rom
    port = rom.read_port(domain="sync")
    m.d.comb += [port.addr.eq(addr), port.en.eq(pipe.enable)]
    out, offset = {}, 0
    for key, (w, is_signed) in shapes.items():
        field = port.data[offset:offset + w]
        out[key] = field.as_signed() if is_signed else field
        offset += w
    return out


def _address(m: Module, pipe: Pipeline, approx, x, name: str, cuts):
    """The table address of ``x`` (0 outside ``[lo, hi]``) and the offset bits below it
    (None for whole-entry tables), registered with the ``address`` cut."""
    func = approx.func
    u = Signal(unsigned(func.in_bits), name=f"{name}_u")
    m.d.comb += u.eq(x - func.lo)
    in_range = (x >= func.lo) & (x <= func.hi)
    k = getattr(approx, "offset_bits", 0)
    addr, t = Mux(in_range, u[k:], 0), (u[:k] if k else None)
    if "address" in cuts:
        addr = pipe.stage(addr, name=f"{name}_addr")
        t = pipe.stage(t, name=f"{name}_t0") if k else None
    return addr, t


def _lookup(m: Module, pipe: Pipeline, approx: PiecewiseLinear, x, name: str, cuts):
    """The segment's ROM word and the offset ``t`` of ``approx`` at ``x``, one stage later
    (two with the ``address`` cut; ROM output columns unregistered; ``t`` None for segments
    of one point)."""
    addr, t = _address(m, pipe, approx, x, name, cuts)
    cols = _rom(m, pipe, name, approx.tables, addr, cuts)
    t1 = pipe.stage(t, name=f"{name}_t1") if t is not None else None
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


def evaluate(m: Module, pipe: Pipeline, approx, x, *, name: str, offset=None, cuts=()):
    """``approx.evaluate(x)`` (plus ``offset``), :func:`stages` ``(cuts)`` stages after ``x``.

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
    cuts : iterable of str
        Optional register stages (:data:`CUTS`).
    """
    _check_approx(approx)
    cuts = _check_cuts(cuts)
    if isinstance(approx, DirectTable):
        addr, _ = _address(m, pipe, approx, x, name, cuts)
        col = _rom(m, pipe, name, approx.tables, addr, cuts)
        q = pipe.stage(col["y"], name=f"{name}_q")
        if offset is not None:
            q = q + pipe.delay(offset, _offset_delay(cuts), name=f"{name}_offset")
        if "partial" in cuts:
            q = pipe.stage(q, name=f"{name}_q_partial")
        if "product" in cuts:
            q = pipe.stage(q, name=f"{name}_q_split")
        return pipe.stage(q, name=f"{name}_y")
    cols, t1 = _lookup(m, pipe, approx, x, name, cuts)
    cols = {key: pipe.stage(v, name=f"{name}_{key}") for key, v in cols.items()}
    c0 = _offset(pipe, approx, cols["c0"], offset, name, cuts)
    product = None if t1 is None else _multiply(pipe, cols["c1"],
                                                pipe.stage(t1, name=f"{name}_t"), name, cuts)
    c0 = _partial_stage(pipe, c0, name, cuts)
    if "product" in cuts:
        c0, product = _split(pipe, c0, product, name)
    return _finish(pipe, approx, c0, product, name, wide=offset is not None)


def _multiply(pipe: Pipeline, c1, t, name: str, cuts):
    """``c1 * t``; with the ``partial`` cut, from its partial products: each pair of rows
    (``t``'s bits ``2j`` and ``2j + 1``) summed and registered, the pair sums added after."""

    def tree(terms):
        while len(terms) > 1:
            terms = [a + b for a, b in zip(terms[::2], terms[1::2])] + terms[len(terms) & ~1:]
        return terms[0]

    if "partial" not in cuts:
        return c1 * t
    rows = [Mux(t[j], c1 << j, 0) for j in range(len(t))]
    return tree([pipe.stage(tree(rows[j:j + 2]), name=f"{name}_partial{j // 2}")
                 for j in range(0, len(rows), 2)])


def _partial_stage(pipe: Pipeline, c0, name: str, cuts):
    """``c0`` delayed to meet the product of :func:`_multiply`."""
    return pipe.stage(c0, name=f"{name}_c0_partial") if "partial" in cuts else c0


def _split(pipe: Pipeline, c0, product, name: str):
    """``c0`` and the product, registered (the ``product`` cut)."""
    c0 = pipe.stage(c0, name=f"{name}_c0_split")
    if product is not None:
        product = pipe.stage(product, name=f"{name}_product_split")
    return c0, product


def _offset_delay(cuts) -> int:
    """Stages from ``x`` to the registered ROM output: the read, its register, and the
    ``address`` cut before them."""
    return 2 + int("address" in cuts)


def _offset(pipe: Pipeline, approx: PiecewiseLinear, c0, offset, name: str, cuts):
    """``c0`` (registered after the ROM) plus ``offset`` (given with ``x``,
    :func:`_offset_delay` stages earlier) at the coefficients' scale."""
    if offset is None:
        return c0
    delayed = pipe.delay(offset, _offset_delay(cuts), name=f"{name}_offset")
    return c0 + (delayed << approx.guard_bits)


def _multiplies(approx) -> bool:
    return isinstance(approx, PiecewiseLinear) and approx.offset_bits > 0


def evaluate_shared(m: Module, pipe: Pipeline, uses, select, *, name: str,
                    offsets=None, cuts=()) -> list:
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
    cuts : iterable of str
        Optional register stages (:data:`CUTS`), as for :func:`evaluate`.

    Returns
    -------
    list
        One result per entry of ``uses``, as :func:`evaluate` would return it when selected.
    """
    for approx, _, _ in uses:
        _check_approx(approx)
    cuts = _check_cuts(cuts)
    shared = [i for i, (approx, _, _) in enumerate(uses) if _multiplies(approx)]
    offsets = [None] * len(uses) if offsets is None else list(offsets)
    outs = [None if i in shared else evaluate(m, pipe, approx, x, name=n, offset=offsets[i],
                                              cuts=cuts)
            for i, (approx, x, n) in enumerate(uses)]
    if not shared:
        return outs
    looked = {i: _lookup(m, pipe, uses[i][0], uses[i][1], uses[i][2], cuts) for i in shared}
    # aligned with the ROM outputs
    if _offset_delay(cuts) > 2:
        select = pipe.delay(select, _offset_delay(cuts) - 2, name=f"{name}_sel_early")
    sel = pipe.stage(select, name=f"{name}_sel")
    c1, t = looked[shared[0]][0]["c1"], looked[shared[0]][1]
    for i in shared[1:]:
        c1 = Mux(sel == i, looked[i][0]["c1"], c1)
        t = Mux(sel == i, looked[i][1], t)
    c1, t = pipe.stage(c1, name=f"{name}_c1"), pipe.stage(t, name=f"{name}_t")
    if "partial" in cuts:
        product = _multiply(pipe, c1, t, name, cuts)
    else:
        product = Signal((c1 * t).shape(), name=f"{name}_product")
        m.d.comb += product.eq(c1 * t)
    if "product" in cuts:
        product = pipe.stage(product, name=f"{name}_product_split")
    for i in shared:
        approx, _, n = uses[i]
        c0 = _offset(pipe, approx, pipe.stage(looked[i][0]["c0"], name=f"{n}_c0"),
                     offsets[i], n, cuts)
        c0 = _partial_stage(pipe, c0, n, cuts)
        if "product" in cuts:
            c0 = pipe.stage(c0, name=f"{n}_c0_split")
        outs[i] = _finish(pipe, approx, c0, product, n, wide=offsets[i] is not None)
    return outs
