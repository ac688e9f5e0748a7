"""A register ring around any unit, so that place and route measures register-to-register paths.

Without it, nextpnr would time the paths from input pads through the unit to output pads,
which depend on where the pads land and say nothing about the unit. With a register on every
port, the clock's achieved frequency is limited by the unit's logic (plus one hop of routing to
the ring), which is the number one would see inside a real design.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["RegisteredPorts", "ScanPorts"]


def _port_name(prefix: str, path: tuple) -> str:
    """``prefix`` plus a flattened member path, joined like Amaranth joins port names."""
    return "__".join([prefix, *(str(part) for part in path)])


class RegisteredPorts(wiring.Component):
    """Wrap ``unit`` with one register stage on each of its ports.

    The wrapper has the same signature as ``unit``. Each input member of the unit (flow
    ``In`` after flips, so it includes ``o.ready`` of an output stream) is driven by a register
    loaded from the wrapper's port of the same path; each output member is loaded into a
    register that drives the wrapper's port. Nothing about the unit is assumed beyond its
    signature, so every unit of :data:`lnsgen.hdl.UNITS` can be wrapped.

    Parameters
    ----------
    unit : wiring.Component
        The component to wrap; it becomes the submodule ``unit``.

    Raises
    ------
    TypeError
        If ``unit`` is not a :class:`wiring.Component`.

    Attributes
    ----------
    unit : wiring.Component
        The wrapped component.
    latency : int or None
        ``unit.latency + 2`` (one cycle in, one cycle out), or ``None`` if the unit does not
        state a latency.
    """

    def __init__(self, unit: wiring.Component):
        if not isinstance(unit, wiring.Component):
            # A wrapper that failed to construct cannot be used: do not warn that it was not.
            self._MustUse__silence = True
            raise TypeError(f"unit must be an amaranth.lib.wiring.Component, not {unit!r}")
        self.unit = unit
        unit_latency = getattr(unit, "latency", None)
        self.latency = None if unit_latency is None else unit_latency + 2
        # A plain Signature with the same members: the wrapper's ports carry the unit's names
        # and shapes without depending on the unit's own interface classes.
        super().__init__(wiring.Signature(dict(unit.signature.members.items())))

    def _member_pairs(self):
        """``(path, member, unit_value, port_value)`` for every port member, in order."""
        inner = self.unit.signature.flatten(self.unit)
        outer = self.signature.flatten(self)
        for (path, member, unit_value), (port_path, _, port_value) in zip(inner, outer,
                                                                         strict=True):
            assert path == port_path
            yield path, member, unit_value, port_value

    def elaborate(self, platform):
        m = Module()
        m.submodules.unit = self.unit
        for path, member, unit_value, port_value in self._member_pairs():
            if member.flow == In:
                reg = Signal(member.shape, init=member.init, name=_port_name("in", path))
                m.d.sync += reg.eq(port_value)
                m.d.comb += unit_value.eq(reg)
            else:
                reg = Signal(member.shape, init=member.init, name=_port_name("out", path))
                m.d.sync += reg.eq(unit_value)
                m.d.comb += port_value.eq(reg)
        return m


class ScanPorts(wiring.Component):
    """The register ring of :class:`RegisteredPorts`, loaded and read through scan chains, so
    that a unit with more port bits than a package has pins still places.

    The unit and its ring are exactly those of :class:`RegisteredPorts` (every timed path of
    the unit is the same register-to-register path); only the ring's far side changes. Each
    ring input register is loaded from a register of an input scan chain, and each ring output
    register is copied into a register of an output scan chain:

    * ``scan_en`` high: both chains shift by one bit per cycle, ``scan_in`` entering the input
      chain and the output chain leaving on ``scan_out``;
    * ``scan_en`` low: the input chain holds (the unit sees constant inputs) and the output
      chain captures the ring's outputs.

    Every unit output reaches ``scan_out`` and every unit input comes from ``scan_in``, so
    synthesis keeps the whole unit; the cost is one flip-flop per port bit besides the ring.
    This is a measurement harness (pins are not the question), not a way to use the unit.

    Parameters
    ----------
    unit : wiring.Component
        The component to wrap; it becomes the submodule ``ring.unit``.

    Attributes
    ----------
    ring : RegisteredPorts
        The register ring around ``unit``.
    unit : wiring.Component
    latency : int or None
        The ring's latency (the scan chains add no cycles to a captured result).
    scan_bits : int
        Flip-flops of the two chains (the unit's port bits).
    """

    def __init__(self, unit: wiring.Component):
        self.ring = RegisteredPorts(unit)
        self.unit = unit
        self.latency = self.ring.latency
        self.scan_bits = sum(len(Value.cast(v)) for _, _, v in unit.signature.flatten(unit))
        super().__init__({"scan_in": In(1), "scan_en": In(1), "scan_out": Out(1)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.ring = ring = self.ring
        inputs, outputs = [], []
        for path, member, value in ring.signature.flatten(ring):
            (inputs if member.flow == In else outputs).append((path, value))
        # Input chain: scan_in -> first input's bits -> ... -> last input's bits.
        carry = self.scan_in
        for path, value in inputs:
            reg = Signal(len(Value.cast(value)), name=_port_name("scan_in", path))
            with m.If(self.scan_en):
                m.d.sync += reg.eq(Cat(carry, reg[:-1]) if len(reg) > 1 else carry)
            m.d.comb += value.eq(reg)
            carry = reg[-1]
        # Output chain: captured in parallel, shifted towards scan_out.
        regs = [Signal(len(Value.cast(value)), name=_port_name("scan_out", path))
                for path, value in outputs]
        for k, ((path, value), reg) in enumerate(zip(outputs, regs)):
            nxt = regs[k + 1][0] if k + 1 < len(regs) else Const(0, 1)
            with m.If(self.scan_en):
                m.d.sync += reg.eq(Cat(reg[1:], nxt) if len(reg) > 1 else nxt)
            with m.Else():
                m.d.sync += reg.eq(value)
        m.d.comb += self.scan_out.eq(regs[0][0] if regs else 0)
        return m
