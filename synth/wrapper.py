"""A register ring around any unit, so that place and route measures register-to-register paths.

Without it, nextpnr would time the paths from input pads through the unit to output pads,
which depend on where the pads land and say nothing about the unit. With a register on every
port, the clock's achieved frequency is limited by the unit's logic (plus one hop of routing to
the ring), which is the number one would see inside a real design.
"""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

__all__ = ["RegisteredPorts"]


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
