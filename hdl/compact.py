"""The LNS adder's datapath for standard cells: tables as logic, one to three register stages.

:class:`~lnsgen.hdl.adder.AddSubPath` is pipelined for FPGAs (latency 5, a register on every
block-RAM output). In standard cells there is no block RAM: a table is logic (a ``case``
statement that Yosys and ABC minimize), and a pipeline register costs a flip-flop plus a
multiplexer for the stall enable on every bit (the OSU 0.18 um cells have no enable
flip-flop). :class:`CompactAddSubPath` computes the same function of the same golden tables
(any method of :data:`lnsgen.golden.gaussian.METHODS`) with

* ``latency = 1``: everything combinational, the result registered;
* ``latency = 2``: plus a register after operand ordering (``d``, ``Lx``, flags);
* ``latency = 3``: plus a register after the table reads.

Every value that crosses a cut goes through :meth:`Cuts.cut`, so the stages stay aligned.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed, unsigned

from lnsgen.golden import LNSFormat
from lnsgen.golden.funcapprox import DirectTable, PiecewiseLinear, bits_for
from lnsgen.golden.gaussian import gaussian_logs

from .number import check_format

__all__ = ["COMPACT_LATENCIES", "CompactAddSubPath", "Cuts", "rom"]

#: Latencies :class:`CompactAddSubPath` builds.
COMPACT_LATENCIES = (1, 2, 3)


def rom(m: Module, name: str, columns: dict, addr) -> dict:
    """A combinational ROM: one ``case`` on ``addr`` whose word concatenates ``columns``.

    Parameters
    ----------
    columns : dict
        Column name to an integer array (one entry per address); each column gets the
        narrowest shape holding its values.
    addr : Value
        Row index; rows past the end read 0.

    Returns
    -------
    dict
        Column name to a value of the column's own shape (signed where it has negatives).
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
    word = Signal(unsigned(width), name=f"{name}_word")
    with m.Switch(addr):
        for i, w in enumerate(words):
            if w:
                with m.Case(i):
                    m.d.comb += word.eq(w)
    out, offset = {}, 0
    for key, (w, is_signed) in shapes.items():
        field = word[offset:offset + w]
        out[key] = field.as_signed() if is_signed else field
        offset += w
    return out


class Cuts:
    """The register cuts of a compact datapath.

    Parameters
    ----------
    pipe : lnsgen.hdl.pipeline.Pipeline
    enabled : set of str
        Names of the cuts that are registers; the others are wires.
    """

    def __init__(self, pipe, enabled):
        self.pipe, self.enabled = pipe, set(enabled)

    def cut(self, name: str, values: dict) -> dict:
        """``values`` (name -> Value) after cut ``name``: registered if it is enabled."""
        if name not in self.enabled:
            return dict(values)
        return {k: self.pipe.stage(v, name=f"{name}_{k}") for k, v in values.items()}


def _index(m, approx, x, name):
    """``x - lo`` on the approximation's input bits; 0 outside ``[lo, hi]``."""
    func = approx.func
    u = Signal(unsigned(func.in_bits), name=f"{name}_u")
    m.d.comb += u.eq(Mux((x >= func.lo) & (x <= func.hi), x - func.lo, 0))
    return u


def _finish(approx: PiecewiseLinear, c0, product):
    """``(c0 + floor(product / 2**k) + 2**(g-1)) >> g`` as golden's PiecewiseLinear does."""
    k, g = approx.offset_bits, approx.guard_bits
    y = c0 if product is None else c0 + (product >> k)
    return (y + ((1 << g) >> 1)) >> g


class CompactAddSubPath:
    """``Lx + phi(d)`` with the tables as logic, in 1 to 3 register stages.

    Bit-exact with :func:`lnsgen.golden.addsub` for ``method`` and ``max_error``.

    Parameters
    ----------
    fmt : golden.LNSFormat
    method : str
        A method of :data:`lnsgen.golden.gaussian.METHODS`.
    max_error : float
        As for :func:`lnsgen.golden.gaussian.gaussian_logs`.
    latency : {1, 2, 3}
        Register stages (see the module docstring).
    """

    def __init__(self, fmt: LNSFormat, *, method: str, max_error: float, latency: int):
        self.fmt = check_format(fmt)
        if isinstance(latency, bool) or latency not in COMPACT_LATENCIES:
            raise ValueError(f"latency must be one of {COMPACT_LATENCIES} for the compact "
                             f"datapath, not {latency!r}")
        self.method, self.max_error, self.latency = method, max_error, latency
        self.phi_plus, self.phi_minus = gaussian_logs(fmt, method, max_error)
        self.cut_names = {1: set(), 2: {"order"}, 3: {"order", "table"}}[latency]

    # Stage 1: operand ordering ------------------------------------------------------------

    def order(self, m, a, b, op) -> dict:
        """``d = Ly - Lx <= 0``, ``Lx``, the sign of ``x`` and the flags, from one subtractor."""
        fmt = self.fmt
        a_zero = a.log == fmt.zero_log
        b_zero = b.log == fmt.zero_log
        b_sign = b.sign ^ op
        diff = Signal(signed(fmt.log_bits + 1), name="diff")
        m.d.comb += diff.eq(a.log - b.log)
        swap = diff < 0  # |b| > |a|; on a tie x = a, as in golden
        d = Signal(signed(fmt.log_bits + 2), name="d")
        m.d.comb += d.eq(Mux(swap, diff, -diff))
        opposite = a.sign ^ b_sign
        return {
            "d": d,
            "lx": Mux(swap, b.log, a.log),
            "sx": Mux(swap, b_sign, a.sign),
            "opposite": opposite,
            "both_zero": a_zero & b_zero,
            "y_zero": Mux(swap, a_zero, b_zero),
            "cancel": opposite & (diff == 0),
        }

    # Gaussian-log engines -----------------------------------------------------------------

    def _engine_tables(self, m, s):
        """Table reads for ``direct`` and ``interp``: returns the values that cross the
        ``table`` cut (ROM words, offsets, region flags)."""
        plus, minus = self.phi_plus, self.phi_minus
        d, opposite = s["d"], s["opposite"]
        out = {}
        if plus.table is not None:
            out["plus_used"] = d >= plus.zero_below
        if minus.table is not None:
            out["minus_used"] = d >= minus.zero_below
        if minus.near_above is not None:
            out["near"] = opposite & (d > minus.near_above)
        if self.method == "direct":
            for key, g in (("plus", plus), ("minus", minus)):
                if g.table is not None:
                    x = d if key == "plus" else Mux(d < -1, d, -1)
                    out[f"{key}_y"] = rom(m, f"phi_{key}", g.table.tables,
                                          _index(m, g.table, x, f"phi_{key}"))["y"]
            return out
        # interp: phi+, phi- and g share one multiplier (one of them is needed per beat);
        # log2(1 + m) of the near region has its own.
        uses = [(plus.table, "plus", ~opposite), (minus.table, "minus", opposite)]
        if minus.g is not None:
            uses.append((minus.g, "g", opposite))
        uses = [u for u in uses if u[0] is not None]
        shared = []
        for approx, key, _ in uses:
            u = _index(m, approx, d, f"phi_{key}")
            if isinstance(approx, DirectTable):
                out[f"{key}_y"] = rom(m, f"phi_{key}", approx.tables, u)["y"]
                continue
            k = approx.offset_bits
            cols = rom(m, f"phi_{key}", approx.tables, u[k:])
            out[f"{key}_c0"] = cols["c0"]
            if k:
                shared.append((key, cols["c1"], u[:k]))
        if shared:
            near = out.get("near", Const(0, 1))
            c1, t = shared[0][1], shared[0][2]
            for key, c, tt in shared[1:]:
                pick = (near if key == "g" else (opposite & ~near) if key == "minus"
                        else ~opposite)
                c1, t = Mux(pick, c, c1), Mux(pick, tt, t)
            out["c1"], out["t"] = c1, t
        if minus.near_above is not None:
            out.update(self._near_tables(m, d))
        return out

    def _near_tables(self, m, d):
        """Leading one of ``-d`` and the ``log2(1 + m)`` table read (interp's near region)."""
        F = self.fmt.frac_bits
        l2 = self.phi_minus.log2p1
        u = Signal(unsigned(F), name="near_u")
        m.d.comb += u.eq(-d)
        e = Signal(range(F), name="near_e")
        for bit in range(1, F):  # priority encoder: the highest set bit wins
            with m.If(u[bit]):
                m.d.comb += e.eq(bit)
        shift = Signal(range(F), name="near_shift")
        mant = Signal(unsigned(F - 1), name="near_m")
        m.d.comb += [shift.eq(F - 1 - e), mant.eq((u << shift)[:F - 1])]
        out = {"near_e": e}
        if isinstance(l2, DirectTable):
            out["l2_y"] = rom(m, "near_log2p1", l2.tables, mant)["y"]
        else:
            k = l2.offset_bits
            cols = rom(m, "near_log2p1", l2.tables, mant[k:])
            out["l2_c0"], out["l2_c1"] = cols["c0"], cols["c1"]
            if k:
                out["l2_t"] = mant[:k]
        return out

    def _engine_phi(self, m, s, tv):
        """``phi`` (integer ulps) after the table cut: finish the interpolations, select."""
        plus, minus = self.phi_plus, self.phi_minus
        F = self.fmt.frac_bits
        opposite = s["opposite"]
        product = None
        if "c1" in tv:
            product = Signal((tv["c1"] * tv["t"]).shape(), name="phi_product")
            m.d.comb += product.eq(tv["c1"] * tv["t"])

        def value(key, approx):
            if f"{key}_y" in tv:
                return tv[f"{key}_y"]
            return _finish(approx, tv[f"{key}_c0"], product if approx.offset_bits else None)

        phi_plus = value("plus", plus.table) if plus.table is not None else 0
        phi_minus = value("minus", minus.table) if minus.table is not None else 0
        minus_pick = Mux(tv["minus_used"], phi_minus, 0) if "minus_used" in tv else 0
        if minus.near_above is not None:
            G = minus.sum_guard
            l2 = minus.log2p1
            if "l2_y" in tv:
                y_l2 = tv["l2_y"]
            else:
                l2_prod = (tv["l2_c1"] * tv["l2_t"]) if "l2_t" in tv else None
                y_l2 = _finish(l2, tv["l2_c0"], l2_prod)
            width = max(F, self.fmt.log_bits) + G + 8
            total = Signal(signed(width), name="near_total")
            m.d.comb += total.eq(value("g", minus.g) + y_l2
                                 + ((tv["near_e"] - F) << (F + G)) + (1 << (G - 1)))
            minus_pick = Mux(tv["near"], total >> G, minus_pick)
        plus_pick = Mux(tv["plus_used"], phi_plus, 0) if "plus_used" in tv else 0
        return Mux(opposite, minus_pick, plus_pick)

    # The whole path -----------------------------------------------------------------------

    def sum_log_range(self) -> tuple[int, int]:
        """``(lo, hi + 1)`` of every ``Lx + phi`` (see ``AddSubPath.sum_log_range``)."""
        fmt = self.fmt
        phi_lo = min(0, int(self.phi_minus.evaluate(self.phi_minus.d_max)))
        phi_hi = max(0, int(self.phi_plus.evaluate(self.phi_plus.d_max)))
        return fmt.zero_log + phi_lo, fmt.log_max + phi_hi + 1

    def build(self, m: Module, pipe, a, b, op):
        """``a + b`` (``a - b`` where ``op``), registered, :attr:`latency` stages later."""
        fmt = self.fmt
        cuts = Cuts(pipe, self.cut_names)
        s = cuts.cut("order", self.order(m, a, b, op))
        tables = self._engine_tables(m, s)
        keep = {k: s[k] for k in ("lx", "sx", "opposite", "both_zero", "y_zero", "cancel")}
        s2 = cuts.cut("table", {**keep, **tables})
        phi = self._engine_phi(m, s2, s2)
        log = Signal(range(*self.sum_log_range()), name="sum_log")
        m.d.comb += log.eq(s2["lx"] + Mux(s2["y_zero"], 0, phi))
        zero = s2["both_zero"] | s2["cancel"] | (log < fmt.log_min)
        res_log = Mux(zero, fmt.zero_log, Mux(log > fmt.log_max, fmt.log_max, log))
        return pipe.stage(Cat(res_log[:fmt.log_bits], s2["sx"] & ~zero), name="result")
