"""The catalogue of generable units, shared by the Verilog CLI, the benches and synthesis."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from amaranth.back import verilog
from amaranth.lib import wiring

from lnsgen.golden import LNSFormat
from lnsgen.golden.ieee import FLOAT_FORMATS

from .accumulator import LNSAccumulator
from .adder import LNSAdder
from .convert import FloatToLNSConverter, LNSToFloatConverter
from .mac import LNSMultiplyAdd
from .mul import LNSMultiplier
from .systolic import LNSSystolicArray

__all__ = ["ARRAY_UNITS", "CONVERTER_UNITS", "UNITS", "Unit", "build_unit", "to_verilog"]


@dataclasses.dataclass(frozen=True)
class Unit:
    """A generable unit: its CLI name, one line of help, and how to build it."""

    name: str
    help: str
    build: Callable[[LNSFormat], wiring.Component]


UNITS: dict[str, Unit] = {u.name: u for u in [
    Unit("mul", "LNS multiplier, a * b (latency 1)", lambda fmt: LNSMultiplier(fmt)),
    Unit("div", "LNS divider, a / b (latency 1)", lambda fmt: LNSMultiplier(fmt, divide=True)),
    Unit("add", "LNS adder/subtractor, a + b or a - b by an op bit, piecewise-linear "
         "Gaussian logs (latency 5)", lambda fmt: LNSAdder(fmt, method="interp")),
    Unit("add-direct", "LNS adder/subtractor with direct Gaussian-log tables (latency 5)",
         lambda fmt: LNSAdder(fmt, method="direct")),
    Unit("mac", "LNS multiply-add, a * b + c (latency 6)", lambda fmt: LNSMultiplyAdd(fmt)),
    Unit("acc", "LNS accumulator, one sum per `last` (5 interleaved lanes)",
         lambda fmt: LNSAccumulator(fmt)),
    Unit("acc-kahan", "Kahan-compensated LNS accumulator (4 adders, 20 interleaved lanes)",
         lambda fmt: LNSAccumulator(fmt, compensated=True)),
]}

#: Converters in the catalogue: ``from-<float>`` (IEEE word in, LNS code out) and ``to-<float>``,
#: for each format of :data:`lnsgen.golden.ieee.FLOAT_FORMATS`; tables chosen by ``method="auto"``.
CONVERTER_UNITS: dict[str, tuple[str, str]] = {
    f"{way}-{name}": (way, name) for name in FLOAT_FORMATS for way in ("from", "to")
}
for _name, (_way, _float) in CONVERTER_UNITS.items():
    _ffmt = FLOAT_FORMATS[_float]
    UNITS[_name] = Unit(
        _name, f"{_ffmt.name} word to LNS code (latency 5)" if _way == "from"
        else f"LNS code to {_ffmt.name} word (latency 5): the nearest word (ties to even) "
        f"for frac_bits <= 12 (direct table); faithful, within one {_ffmt.name} ulp, above "
        f"(interpolated table)",
        (lambda fmt, f=_ffmt: FloatToLNSConverter(fmt, f)) if _way == "from"
        else (lambda fmt, f=_ffmt: LNSToFloatConverter(fmt, f)))

#: Systolic arrays in the catalogue: name -> LNSSystolicArray geometry.
ARRAY_UNITS: dict[str, dict] = {
    f"mm{n}x{n}{'-kahan' if comp else ''}": {"rows": n, "cols": n, "compensated": comp}
    for n in (2, 4, 8) for comp in (False, True)
}
for _name, _geometry in ARRAY_UNITS.items():
    UNITS[_name] = Unit(
        _name, f"{_geometry['rows']}x{_geometry['cols']} systolic LNS matrix unit"
        f"{', Kahan-compensated sums' if _geometry['compensated'] else ''}",
        lambda fmt, g=_geometry: LNSSystolicArray(fmt, **g))


def build_unit(name: str, fmt: LNSFormat) -> wiring.Component:
    """The component called ``name`` in :data:`UNITS`, for format ``fmt``."""
    if not isinstance(name, str) or name not in UNITS:  # a list would fail as unhashable
        raise ValueError(f"unit must be one of {sorted(UNITS)}, not {name!r}")
    return UNITS[name].build(fmt)


def to_verilog(component: wiring.Component, name: str) -> str:
    """Verilog text of ``component`` as module ``name`` (ports ``clk``, ``rst``, ``i__*``, ``o__*``).

    Source locations are left out so the text does not depend on where lnsgen is installed.
    """
    return verilog.convert(component, name=name, emit_src=False)
