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

For ``"cotrans"`` (:mod:`lnsgen.golden.cotransform`) the datapath is: ``u = ~d`` splits into
``u_H`` and ``u_L`` (wires); ``T1[u_H]`` and ``T2[u_L]`` give ``z`` (one subtraction and one
addition); ``E``'s input is ``z`` (opposite signs) or ``d`` (same signs), one interpolator with
one multiplier; its unrounded value and ``T1`` (or ``T2`` alone next to cancellation) are
summed and rounded once. The ``table`` cut (latency 3) sits between ``z`` and ``E``.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed, unsigned

from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format
from lnsgen.golden.funcapprox import DirectTable, PiecewiseLinear, bits_for
from lnsgen.golden.gaussian import gaussian_logs

from .bits import highest_one

__all__ = ["COMPACT_LATENCIES", "CompactAddSubPath", "Cuts", "block", "rom"]

#: Latencies :class:`CompactAddSubPath` builds.
COMPACT_LATENCIES = (1, 2, 3)


def block(m: Module, name: str) -> Module:
    """A submodule of ``m`` called ``name`` (suffixed if taken), for logic that synthesis
    should report on its own (the per-block breakdown of :mod:`lnsgen.synth.breakdown`).

    A signal belongs to the module that drives it: give every block output a ``Signal``
    driven inside the block."""
    sub = Module()
    for k in range(1, 1000):
        try:
            m.submodules[name if k == 1 else f"{name}_{k}"] = sub
            return sub
        except NameError:  # Amaranth's error for a name already taken
            continue
    raise RuntimeError(f"too many blocks called {name!r}")


def rom(m: Module, name: str, columns: dict, addr) -> dict:
    """A combinational ROM, in a submodule ``rom_<name>`` of ``m``: one ``case`` on ``addr``
    whose word concatenates ``columns``.

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
    sub = block(m, f"rom_{name}")
    index = Signal(unsigned(max(1, len(addr))), name=f"{name}_addr")
    sub.d.comb += index.eq(addr)
    word = Signal(unsigned(width), name=f"{name}_word")
    with sub.Switch(index):
        for i, w in enumerate(words):
            if w:
                with sub.Case(i):
                    sub.d.comb += word.eq(w)
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


def drive(blk: Module, value, name: str) -> Signal:
    """A signal driven with ``value`` inside block ``blk`` (so the logic is counted there)."""
    value = Value.cast(value)
    sig = Signal(value.shape(), name=name)
    blk.d.comb += sig.eq(value)
    return sig


def _index(blk, approx, x, name):
    """``x - lo`` on the approximation's input bits; 0 outside ``[lo, hi]``."""
    func = approx.func
    return drive(blk, Mux((x >= func.lo) & (x <= func.hi), x - func.lo, 0)[:func.in_bits],
                 f"{name}_u")


def _finish(approx: PiecewiseLinear, c0, product):
    """``(c0 + floor(product / 2**k) + 2**(g-1)) >> g`` as golden's PiecewiseLinear does."""
    k, g = approx.offset_bits, approx.guard_bits
    y = c0 if product is None else c0 + (product >> k)
    return (y + ((1 << g) >> 1)) >> g


class CompactAddSubPath:
    """``Lx + phi(d)`` with the tables as logic, in 1 to 3 register stages.

    Bit-exact with :func:`lnsgen.golden.addsub` for ``method`` and ``max_error``. The logic is
    built in named blocks (submodules, see :func:`block`): ``order`` (operand ordering),
    ``address`` (table indices and region flags), ``rom_*`` (each table), ``mult`` (the
    multipliers and their operand selects), ``lod`` (leading one and normalizing shift),
    ``interp`` (interpolation sums, rounding, the choice of phi) and ``result`` (``Lx + phi``,
    saturation, flush, sign); the registers and the stall logic stay in the parent.

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

    #: The product in front of it is not registered at all (see
    #: :attr:`lnsgen.hdl.adder.AddSubPath.split_product`).
    split_product = False

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
        blk = block(m, "order")
        a_zero = a.log == fmt.zero_log
        b_zero = b.log == fmt.zero_log
        b_sign = b.sign ^ op
        diff = drive(blk, (a.log - b.log).as_signed(), "diff")
        swap = drive(blk, diff < 0, "swap")  # |b| > |a|; on a tie x = a, as in golden
        opposite = a.sign ^ b_sign
        values = {
            "d": Mux(swap, diff, -diff)[:fmt.log_bits + 2].as_signed(),
            "lx": Mux(swap, b.log, a.log),
            "sx": Mux(swap, b_sign, a.sign),
            "opposite": opposite,
            "both_zero": a_zero & b_zero,
            "y_zero": Mux(swap, a_zero, b_zero),
            "cancel": opposite & (diff == 0),
        }
        return {k: drive(blk, v, k) for k, v in values.items()}

    # Gaussian-log engines -----------------------------------------------------------------

    def _engine_tables(self, m, s):
        """Table reads for ``direct`` and ``interp``: returns the values that cross the
        ``table`` cut (ROM words, offsets, region flags)."""
        plus, minus = self.phi_plus, self.phi_minus
        d, opposite = s["d"], s["opposite"]
        adr = block(m, "address")
        out = {}
        if plus.table is not None:
            out["plus_used"] = drive(adr, d >= plus.zero_below, "plus_used")
        if minus.table is not None:
            out["minus_used"] = drive(adr, d >= minus.zero_below, "minus_used")
        if minus.near_above is not None:
            out["near"] = drive(adr, opposite & (d > minus.near_above), "near")
        if self.method == "cotrans":
            return {**out, **self._cotrans_tables(m, s)}
        if self.method == "direct":
            for key, g in (("plus", plus), ("minus", minus)):
                if g.table is not None:
                    x = d if key == "plus" else Mux(d < -1, d, -1)
                    out[f"{key}_y"] = rom(m, f"phi_{key}", g.table.tables,
                                          _index(adr, g.table, x, f"phi_{key}"))["y"]
            return out
        # interp: phi+, phi- and g share one multiplier (one of them is needed per beat);
        # log2(1 + m) of the near region has its own.
        uses = [(plus.table, "plus"), (minus.table, "minus")]
        if minus.g is not None:
            uses.append((minus.g, "g"))
        uses = [u for u in uses if u[0] is not None]
        shared = []
        for approx, key in uses:
            u = _index(adr, approx, d, f"phi_{key}")
            if isinstance(approx, DirectTable):
                out[f"{key}_y"] = rom(m, f"phi_{key}", approx.tables, u)["y"]
                continue
            k = approx.offset_bits
            cols = rom(m, f"phi_{key}", approx.tables, u[k:])
            out[f"{key}_c0"] = cols["c0"]
            if k:
                shared.append((key, cols["c1"], u[:k]))
        if shared:
            # The shared multiplier's operands are chosen before the table cut, so that the
            # cut holds one slope and one offset instead of three of each.
            sel = block(m, "mult_select")
            near = out.get("near", Const(0, 1))
            c1, t = shared[0][1], shared[0][2]
            for key, c, tt in shared[1:]:
                pick = near if key == "g" else opposite & ~near
                c1, t = Mux(pick, c, c1), Mux(pick, tt, t)
            out["c1"], out["t"] = drive(sel, c1, "c1"), drive(sel, t, "t")
        if minus.near_above is not None:
            out.update(self._near_tables(m, d))
        return out

    def _near_tables(self, m, d):
        """Leading one of ``-d`` and the ``log2(1 + m)`` table read (interp's near region)."""
        F = self.fmt.frac_bits
        l2 = self.phi_minus.log2p1
        lod = block(m, "lod")
        u = drive(lod, (-d)[:F], "near_u")
        e = Signal(range(F), name="near_e")
        lod.d.comb += e.eq(highest_one(u))
        shift = drive(lod, F - 1 - e, "near_shift")
        mant = drive(lod, (u << shift[:len(Const(F - 1))])[:F - 1], "near_m")
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

    def _cotrans_tables(self, m, s):
        """``"cotrans"`` before the table cut: ``T1``, ``T2`` and ``z`` for phi-, and the
        input of the shared phi+ interpolator ``E`` (``z`` or ``d``)."""
        cot = self.phi_plus.table.cot
        zf, j, G = cot.zf, cot.j, cot.G
        d, opposite = s["d"], s["opposite"]
        adr = block(m, "address")
        u_bits = max(1, int(-1 - cot.minus_below).bit_length())
        u = drive(adr, (~d)[:u_bits], "cot_u")
        u_hi, u_lo = u[j:] if u_bits > j else Const(0, 1), u[:min(j, u_bits)]
        t1 = rom(m, "cot_t1", {"t1": cot.t1}, u_hi)["t1"]
        t2 = rom(m, "cot_t2", {"t2": cot.t2_stored}, u_lo)["t2"]
        zb = block(m, "cotrans_z")
        width = u_bits + G + 4
        z = Signal(signed(width), name="cot_z")
        shift = G - zf
        zb.d.comb += z.eq(-(u_hi << (j + G)) - t1 + t2)  # t2 holds z's rounding half
        zq = z >> shift
        x = drive(zb, Mux(opposite, zq, d << zf), "e_x")
        return {"e_x": x, "t1": t1, "t2": t2, "hi_zero": drive(adr, u_hi == 0, "cot_hi_zero")}

    def _cotrans_phi(self, m, tv):
        """``"cotrans"`` after the table cut: ``E`` at its input, then phi+ or phi- from one
        sum and one rounding."""
        cot = self.phi_plus.table.cot
        F, G, H, S = self.fmt.frac_bits, cot.G, cot.H, cot.S
        eng = cot.engine
        x = tv["e_x"]
        adr = block(m, "e_address")
        w = drive(adr, (~x)[:eng.func.in_bits], "e_w")
        inside = drive(adr, (x >= cot.x_lo) & (x < 0), "e_inside")
        at_zero = drive(adr, x == 0, "e_at_zero")
        fin = block(m, "interp")
        if isinstance(eng, DirectTable):
            e_raw = rom(m, "e", cot.engine_tables, w)["y"]
        else:
            k = eng.offset_bits
            cols = rom(m, "e", cot.engine_tables, w[k:])
            e_raw = cols["c0"]
            if k:
                product = drive(block(m, "mult"), cols["n"] * w[:k], "e_product")
                e_raw = e_raw - (product >> k)
        opposite, hi_zero = tv["opposite"], tv["hi_zero"]
        used = Mux(opposite, tv.get("minus_used", 0), tv["plus_used"])
        # Next to cancellation (u_H = 0) phi- is T2 alone: E is unused there even where z
        # happens to be exactly 0 (T2 = -z's half), so the mask comes before E(0) = 1.
        e = Mux(opposite & hi_zero, 0, Mux(at_zero, 1 << (F + H), Mux(inside, e_raw, 0)))
        table = Mux(opposite, Mux(hi_zero, tv["t2"], tv["t1"]), 0)
        # The rounding half, less z's half where the stored T2 is summed.
        half = Mux(used & opposite & hi_zero, (1 << (S - 1)) - (cot.z_half << (S - G)),
                   1 << (S - 1))
        total = drive(fin, Mux(used, (table << (S - G)) + (e << (S - H)), 0) + half, "phi_sum")
        return drive(fin, total >> S, "phi")

    def _engine_phi(self, m, tv):
        """``phi`` (integer ulps) after the table cut: finish the interpolations, select."""
        if self.method == "cotrans":
            return self._cotrans_phi(m, tv)
        plus, minus = self.phi_plus, self.phi_minus
        F = self.fmt.frac_bits
        mult = block(m, "mult")
        fin = block(m, "interp")
        product = None
        if "c1" in tv:
            product = drive(mult, tv["c1"] * tv["t"], "phi_product")

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
                l2_prod = (drive(mult, tv["l2_c1"] * tv["l2_t"], "l2_product")
                           if "l2_t" in tv else None)
                y_l2 = _finish(l2, tv["l2_c0"], l2_prod)
            width = max(F, self.fmt.log_bits) + G + 8
            total = Signal(signed(width), name="near_total")
            fin.d.comb += total.eq(value("g", minus.g) + y_l2
                                   + ((tv["near_e"] - F) << (F + G)) + (1 << (G - 1)))
            minus_pick = Mux(tv["near"], total >> G, minus_pick)
        plus_pick = Mux(tv["plus_used"], phi_plus, 0) if "plus_used" in tv else 0
        return drive(fin, Mux(tv["opposite"], minus_pick, plus_pick), "phi")

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
        phi = self._engine_phi(m, s2)
        res = block(m, "result")
        log = Signal(range(*self.sum_log_range()), name="sum_log")
        res.d.comb += log.eq(s2["lx"] + Mux(s2["y_zero"], 0, phi))
        zero = s2["both_zero"] | s2["cancel"] | (log < fmt.log_min)
        res_log = Mux(zero, fmt.zero_log, Mux(log > fmt.log_max, fmt.log_max, log))
        code = drive(res, Cat(res_log[:fmt.log_bits], s2["sx"] & ~zero), "code")
        return pipe.stage(code, name="result")
