"""Formal testbench around an lnsgen stream unit.

:class:`FormalTop` wraps any unit that follows the lnsgen stream contract (a
:class:`~amaranth.lib.wiring.Component` with an input stream ``i``, an output stream ``o`` and an
integer ``latency``; see :mod:`lnsgen.hdl.pipeline`) in a module whose only inputs are the clock, the
reset, ``i.valid``, ``i.payload`` and ``o.ready``. Those are left unconstrained, so the solver
drives them with any sequence it likes (the ``AnySeq`` of a test bench, but as ports, which also
makes them show up by name in counterexample traces).

Property sets
-------------
``protocol`` (``mode prove``)
    ``count_range``: an in-flight counter (accepted inputs minus delivered outputs, cleared by
    reset) stays in ``[0, latency]``: no beat is dropped or duplicated.
    ``valid_needs_input``: ``o.valid`` implies at least one beat in flight: outputs appear only
    for inputs.
    ``latency``: ``o.valid`` equals the valid bit of a shadow chain of ``latency`` registers fed
    by ``i.valid`` and advanced by ``i.ready`` (the unit's stall enable): every accepted input
    comes out exactly ``latency`` enabled cycles later, in order.
    ``hold``: after a cycle with ``o.valid & ~o.ready`` (and no reset), ``o.valid`` is still high
    and ``o.payload`` unchanged.
    ``reset_empty``: the unit is empty (``o.valid`` low) in the cycle after a reset and at power-up.
    ``inv_count`` and ``inv_stages`` strengthen the others for k-induction; they are true
    properties too. ``inv_count``: the counter equals the number of valid bits in the shadow
    chain (the counter is state of the bench, unconstrained in an induction step).
    ``inv_stages``: the unit's own stage valid bits (its ``stage_valid`` attribute, those of
    its :class:`lnsgen.hdl.pipeline.StallPipeline`) equal the shadow chain. Without it
    k-induction cannot prove ``latency`` for a unit with more than one stage at any depth: an
    arbitrarily long stall freezes any unreachable state of the hidden stages.
``equiv`` (``mode prove``)
    ``equiv``: when ``o.valid`` is high, ``o.payload`` equals ``spec`` of the input accepted
    ``latency`` enabled cycles earlier. The expected code is computed when the input is accepted
    and carried by a shadow chain advanced by the same enable.
``sums`` (``mode prove``), for the accumulators
    Units that emit one beat per input marked ``last``. ``sum_count_range``: a counter of
    sums owed (inputs with ``last`` accepted minus outputs delivered, cleared by reset) stays
    in ``[0, 1]``: no sum is dropped or duplicated.
    ``valid_needs_sum``: ``o.valid`` implies a sum is owed.
    ``hold`` and ``reset_empty`` as for ``protocol``.
    ``inv_busy`` (strengthening, a true property too): a sum is owed exactly while the unit
    refuses input.
``tiles`` (``mode prove``), for the systolic arrays
    One output row per array row for every input beat marked ``last``, FIFOs, a grid that
    stops as a whole. See :mod:`.tiles`: rows owed in range, outputs only for inputs, no FIFO
    overflow, no deadlock, rows in tile order, ``hold`` and ``reset_empty``.
``cover`` (``mode cover``)
    Reachability of the interesting protocol states (pipeline full and stalled, a delivery right
    after a stall, back-to-back deliveries; for an array, the grid stopped by a full FIFO and a
    whole tile delivered instead of the first), so the proofs above are not vacuous.
"""

from __future__ import annotations

from amaranth.asserts import Initial
from amaranth.back import rtlil
from amaranth.hdl import (
    Assert,
    Cat,
    Cover,
    Elaboratable,
    Fragment,
    Module,
    ResetSignal,
    Signal,
    Value,
)

from lnsgen.hdl import LNSSystolicArray

from .tiles import add_tile_covers, add_tile_properties

__all__ = ["PROPERTY_SETS", "FormalTop", "pipeline_valid_bits"]

#: Property sets and the SymbiYosys mode that checks them.
PROPERTY_SETS = {"protocol": "prove", "equiv": "prove", "cover": "cover", "sums": "prove",
                 "tiles": "prove"}


def pipeline_valid_bits(unit) -> list[Signal]:
    """The stage valid bits of an elaborated ``unit``, first stage first.

    Its ``stage_valid`` attribute (the valid bits of its
    :class:`~lnsgen.hdl.pipeline.StallPipeline`), or ``[]`` for a unit without one.
    """
    return list(getattr(unit, "stage_valid", []))


class FormalTop(Elaboratable):
    """A formal test bench for one stream unit.

    Parameters
    ----------
    unit : wiring.Component
        The unit under test: streams ``i`` and ``o``, attribute ``latency``; for
        ``inv_stages``, ``stage_valid`` (set when it is elaborated); for ``tiles``, the
        attributes of an :class:`lnsgen.hdl.LNSSystolicArray` (see :mod:`.tiles`).
    checks : iterable of str
        Property sets to add, a subset of :data:`PROPERTY_SETS`.
    latency : int or None
        Latency the properties assume; ``None`` takes ``unit.latency``. Anything else is a claim
        to check (a wrong claim must fail).
    spec : callable or None
        For ``"equiv"``: ``spec(payload) -> Value``, the expected output code of an input
        payload (a plain bit vector), built from Amaranth operators only.
    strengthen : bool
        Add ``inv_stages``, the invariant on the unit's internal stage valid bits (default).
        Without it ``protocol`` proves by k-induction only for ``latency == 1``.

    Attributes
    ----------
    properties : dict
        ``(file, line)`` of each property's source location to its name; used to name the
        property a counterexample breaks.
    """

    def __init__(self, unit, *, checks=("protocol",), latency=None, spec=None,
                 strengthen=True):
        checks = tuple(checks)
        for c in checks:
            if c not in PROPERTY_SETS:
                raise ValueError(f"check must be one of {sorted(PROPERTY_SETS)}, not {c!r}")
        if "equiv" in checks and spec is None:
            raise ValueError("the 'equiv' check needs a spec")
        latency = unit.latency if latency is None else latency
        if isinstance(latency, bool) or not isinstance(latency, int) or latency < 1:
            raise ValueError(f"latency must be an integer of at least 1, not {latency!r}")
        self.unit = unit
        self.checks = checks
        self.latency = latency
        self.spec = spec
        self.strengthen = strengthen
        self.properties: dict[tuple[str, int], str] = {}
        #: Yosys selections of submodules whose outputs the solver may drive freely (set by a
        #: property set whose properties do not depend on those values).
        self.cutpoints: list[str] = []

        self.i_valid = Signal()
        self.i_payload = Signal(len(Value.cast(unit.i.payload)))
        self.i_ready = Signal()
        self.o_valid = Signal()
        self.o_payload = Signal(len(Value.cast(unit.o.payload)))
        self.o_ready = Signal()
        self.in_flight = Signal(range(-1, latency + 2))

    def ports(self) -> list[Signal]:
        return [self.i_valid, self.i_payload, self.o_ready,
                self.i_ready, self.o_valid, self.o_payload, self.in_flight]

    def rtlil(self) -> str:
        """The test bench as RTLIL text, top module ``top`` (ports ``clk`` and ``rst`` added)."""
        return rtlil.convert(self, name="top", ports=self.ports())

    # Properties carry their caller's source location, which SymbiYosys prints on failure.
    def add_assert(self, m: Module, name: str, test) -> None:
        """Assert ``test`` in ``m`` on every cycle as property ``name`` (see
        :attr:`properties`; the caller's line is the property's location)."""
        prop = Assert(test, src_loc_at=1)
        self.properties[prop.src_loc] = name
        m.d.comb += prop

    def add_cover(self, m: Module, name: str, test) -> None:
        """Cover ``test`` in ``m`` as property ``name``, like :meth:`add_assert`."""
        prop = Cover(test, src_loc_at=1)
        self.properties[prop.src_loc] = name
        m.d.comb += prop

    def elaborate(self, platform):
        m = Module()
        unit, L = self.unit, self.latency
        # Elaborated first: the invariants read attributes the unit sets when elaborated.
        m.submodules.dut = Fragment.get(unit, platform)
        # The stage invariant belongs to the one-pipeline stream units of ``protocol``.
        unit_valid = pipeline_valid_bits(unit) if "protocol" in self.checks else []
        m.d.comb += [
            unit.i.valid.eq(self.i_valid),
            unit.i.payload.eq(self.i_payload),
            unit.o.ready.eq(self.o_ready),
            self.i_ready.eq(unit.i.ready),
            self.o_valid.eq(unit.o.valid),
            self.o_payload.eq(unit.o.payload),
        ]
        accepted = self.i_valid & self.i_ready
        delivered = self.o_valid & self.o_ready
        stalled = self.o_valid & ~self.o_ready
        enable = self.i_ready

        # Bookkeeping, reset together with the unit.
        count = self.in_flight
        m.d.sync += count.eq(count + accepted - delivered)
        shadow = [Signal(name=f"shadow{k}_valid") for k in range(L)]
        with m.If(enable):
            m.d.sync += shadow[0].eq(self.i_valid)
            m.d.sync += [shadow[k].eq(shadow[k - 1]) for k in range(1, L)]

        # One-cycle-old copies, never reset (only read after their first update).
        past_rst = Signal(reset_less=True)
        past_stalled = Signal(reset_less=True)
        past_payload = Signal.like(self.o_payload, reset_less=True)
        m.d.sync += [past_rst.eq(ResetSignal()), past_stalled.eq(stalled),
                     past_payload.eq(self.o_payload)]

        if {"protocol", "sums", "tiles"} & set(self.checks):
            self.add_assert(m, "hold", ~(past_stalled & ~past_rst) |
                            (self.o_valid & (self.o_payload == past_payload)))
            self.add_assert(m, "reset_empty", ~(past_rst | Initial()) | ~self.o_valid)

        if "protocol" in self.checks:
            self.add_assert(m, "count_range", (count >= 0) & (count <= L))
            self.add_assert(m, "valid_needs_input", ~self.o_valid | (count >= 1))
            self.add_assert(m, "latency", self.o_valid == shadow[-1])
            self.add_assert(m, "inv_count", count == sum(shadow))
            if self.strengthen and unit_valid:
                self.add_assert(m, "inv_stages",
                                Cat(a == b for a, b in zip(unit_valid, shadow)).all())

        if "sums" in self.checks:
            owed = Signal(range(-1, 3), name="sums_owed")
            m.d.sync += owed.eq(owed + (accepted & unit.i.payload.last) - delivered)
            self.add_assert(m, "sum_count_range", (owed >= 0) & (owed <= 1))
            self.add_assert(m, "valid_needs_sum", ~self.o_valid | (owed == 1))
            if self.strengthen:
                self.add_assert(m, "inv_busy", (owed == 1) == ~self.i_ready)

        if "tiles" in self.checks:
            add_tile_properties(self, m)

        if "equiv" in self.checks:
            expected = [Signal.like(self.o_payload, name=f"expected{k}", reset_less=True)
                        for k in range(L)]
            with m.If(enable):
                m.d.sync += expected[0].eq(self.spec(self.i_payload))
                m.d.sync += [expected[k].eq(expected[k - 1]) for k in range(1, L)]
            self.add_assert(m, "equiv", ~self.o_valid | (self.o_payload == expected[-1]))

        if "cover" in self.checks:
            if isinstance(unit, LNSSystolicArray):
                add_tile_covers(self, m)
            else:
                self.add_cover(m, "full_and_stalled", (count == L) & stalled)
            self.add_cover(m, "delivery_after_stall", past_stalled & ~past_rst & delivered)
            past_delivered = Signal(reset_less=True)
            m.d.sync += past_delivered.eq(delivered)
            self.add_cover(m, "back_to_back", past_delivered & ~past_rst & delivered)
        return m
