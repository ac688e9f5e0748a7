"""Hardware evaluation of :mod:`golden.funcapprox` approximations inside a stalling pipeline.

The tables come from the golden objects, and the arithmetic below is a transcription of their
``evaluate`` methods: same index/offset split, same floor of the slope product, same rounding.
Each evaluator takes exactly :data:`STAGES` register stages, so callers can align paths.

Tables are Amaranth :class:`~amaranth.lib.memory.Memory` ROMs with a synchronous read port
enabled by the pipeline's enable; Yosys maps them to block RAM or to LUTs as it sees fit (the
synthesis report says which it chose).
"""

from amaranth.hdl import Module, Mux, Signal, unsigned
from amaranth.lib.memory import Memory

from golden.funcapprox import DirectTable, PiecewiseLinear, bits_for

from .pipeline import StallPipeline

__all__ = ["STAGES", "evaluate"]

#: Register stages of every evaluator: the ROM read; a register on the ROM's output (block
#: RAM clock-to-output is slow, ~6 ns on ECP5, and must not share a cycle with the multiply);
#: the multiply-add and rounding.
STAGES = 3


def _rom(m: Module, pipe: StallPipeline, name: str, columns: dict, addr):
    """A ROM whose word concatenates the ``columns`` (name -> int array), read at ``addr``.

    Returns the columns of the word read, one stage after ``addr``, with their own shapes.
    """
    shapes = {k: bits_for(v) for k, v in columns.items()}
    depth = len(next(iter(columns.values())))
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


def evaluate(m: Module, pipe: StallPipeline, approx, x, *, name: str):
    """``approx.evaluate(x)``, :data:`STAGES` stages after ``x``.

    Parameters
    ----------
    approx : golden.funcapprox.DirectTable or PiecewiseLinear
        The approximation, tables included.
    x : Value
        The integer input. Outside ``[lo, hi]`` the result is unspecified (but defined): the
        caller selects it away.
    """
    func = approx.func
    n = func.in_bits
    u = Signal(unsigned(n), name=f"{name}_u")
    m.d.comb += u.eq(x - func.lo)
    in_range = (x >= func.lo) & (x <= func.hi)
    if isinstance(approx, DirectTable):
        col = _rom(m, pipe, name, approx.tables, Mux(in_range, u, 0))
        return pipe.stage(pipe.stage(col["y"], name=f"{name}_q"), name=f"{name}_y")
    if not isinstance(approx, PiecewiseLinear):
        raise TypeError(f"approx must be a DirectTable or PiecewiseLinear, not {approx!r}")
    k, g = approx.offset_bits, approx.guard_bits
    seg, off = u[k:], u[:k]
    cols = _rom(m, pipe, name, approx.tables, Mux(in_range, seg, 0))
    cols = {key: pipe.stage(v, name=f"{name}_{key}") for key, v in cols.items()}
    t = pipe.stage(pipe.stage(off, name=f"{name}_t1"), name=f"{name}_t") if k else None
    # floor((c1 * t) / 2**k): an arithmetic shift of the signed product, as numpy's >>.
    y = cols["c0"] if t is None else cols["c0"] + ((cols["c1"] * t) >> k)
    rounded = (y + ((1 << g) >> 1)) >> g
    width, is_signed = approx.out_shape
    return pipe.stage(rounded[:width].as_signed() if is_signed else rounded[:width],
                      name=f"{name}_y")
