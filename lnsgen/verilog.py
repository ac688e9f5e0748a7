"""Verilog for foreign flows: a spec-named module with a header that says what it is.

:func:`generate` converts a :class:`~lnsgen.spec.UnitSpec`'s component with Amaranth's Verilog
backend and puts a header in front of it: the lnsgen version, the full spec and the command
that regenerates it, latency and throughput, the clock and reset, and the bit layout of every
port (struct payloads field by field). The module is named after the spec
(:attr:`~lnsgen.spec.UnitSpec.module_name`), so units of different formats or parameters
compile together in one design.

The text is lint-clean in ``verilator --lint-only -Wall`` together with the waiver file
:data:`WAIVERS` (written beside the Verilog as ``lnsgen.vlt``), which names every class of
warning it waives and why; everything else is fixed at the source (there are no zero-width
signals).
"""

from __future__ import annotations

import pathlib

from amaranth.back import verilog
from amaranth.hdl import Shape, ShapeCastable, Value
from amaranth.lib import data, wiring

import lnsgen

from .spec import ARRAY_KINDS, UnitSpec

__all__ = ["WAIVERS", "WAIVER_FILE", "generate", "header", "port_lines", "write"]

#: Name of the waiver file written beside generated Verilog.
WAIVER_FILE = "lnsgen.vlt"

#: Verilator configuration waiving the warning classes of Amaranth/Yosys's Verilog style.
WAIVERS = """\
`verilator_config
// lnsgen: lint waivers for generated Verilog (pass it first: verilator --lint-only -Wall
// lnsgen.vlt unit.v). Each class below is a property of how Amaranth's Yosys backend writes
// correct Verilog, not a defect of the circuit; every other warning is fixed at the source.
//
// WIDTHEXPAND, WIDTHTRUNC: constants and operands are written at their minimal widths and
// sized by Verilog's context rules ($signed(8'ha8) against a 10-bit operand); the arithmetic
// is Amaranth's, checked bit-exactly against the golden model on Icarus and Verilator.
lint_off -rule WIDTHEXPAND
lint_off -rule WIDTHTRUNC
// UNUSEDSIGNAL: intermediate nets of which only some bits are read (a slice of a wider sum).
lint_off -rule UNUSEDSIGNAL
// PROCASSINIT: registers get their reset value both in an `initial` block (power-up value) and
// in the clocked process (synchronous reset).
lint_off -rule PROCASSINIT
// CASEINCOMPLETE: `casez` on a counter whose unreachable values have no branch (the signal
// keeps its value there, as Amaranth's `Switch` without a default says).
lint_off -rule CASEINCOMPLETE
// CMPCONST, UNSIGNED: range checks written for every width, constant at some (x >= 0 on an
// unsigned table index).
lint_off -rule CMPCONST
lint_off -rule UNSIGNED
// DECLFILENAME: the module is named after the unit's spec; the file name is yours to choose.
lint_off -rule DECLFILENAME
"""

_THROUGHPUT = {
    "acc": "one value per cycle within a sum; one sum per value marked last",
    "hybrid": "one product per cycle within and across sums; one sum per value marked last",
    **{kind: "one MAC per PE per cycle (one input beat per cycle while a pass is open)"
       for kind in ARRAY_KINDS},
}


def _layout_lines(layout, offset: int, prefix: str) -> list[str]:
    """``name [hi:lo]`` for every leaf field of a data layout, recursively."""
    lines = []
    for key, field in layout:
        name = f"{prefix}{key}" if isinstance(key, str) else f"{prefix[:-1]}[{key}]."
        shape = field.shape
        lo = offset + field.offset
        if isinstance(shape, data.Layout):
            lines += _layout_lines(shape, lo, name + "." if isinstance(key, str) else name)
            continue
        width = Shape.cast(shape).width
        label = name.rstrip(".")
        kind = "signed" if Shape.cast(shape).signed else "unsigned"
        lines.append(f"{label} [{lo + width - 1}:{lo}] {kind}" if width > 1
                     else f"{label} [{lo}]")
    return lines


def port_lines(component: wiring.Component) -> list[str]:
    """One line per top-level port (Amaranth's names: ``i__payload``, ``o__valid``, ...),
    then the fields of struct-typed ports with their bit ranges."""
    lines = ["clk input [0]", "rst input [0] (synchronous, active high)"]
    for path, member, value in component.signature.flatten(component):
        name = "__".join(str(p) for p in path)
        width = len(Value.cast(value))
        direction = "input" if member.flow == wiring.In else "output"
        lines.append(f"{name} {direction} [{width - 1}:0]" if width > 1
                     else f"{name} {direction} [0]")
        shape = member.shape
        if isinstance(shape, ShapeCastable) and isinstance(shape, data.Layout):
            lines += ["    " + line for line in _layout_lines(shape, 0, "")]
    return lines


def header(spec: UnitSpec, component) -> str:
    """The comment block that opens the generated file."""
    latency = getattr(component, "latency", None)
    throughput = _THROUGHPUT.get(spec.kind, "one input and one result per cycle")
    lines = [
        f"lnsgen {lnsgen.__version__}: {spec.name} ({spec.kind_info.summary})",
        f"spec: {spec.to_json()}",
        f"regenerate: lnsgen verilog {' '.join(spec.command_line())}",
        f"module: {spec.module_name}",
        (f"latency: {latency} cycles" if spec.kind not in ("acc", "hybrid", *ARRAY_KINDS)
         else f"latency: at most {latency} cycles from the input marked last to its result")
        if latency is not None else "latency: not fixed",
        f"throughput: {throughput}; the pipeline stalls as a whole while o__ready is low",
        ("streams: valid/ready (amaranth.lib.stream); a beat moves when valid and ready are both "
        "high at the rising edge of clk"),
        "ports (bit ranges of struct payloads under each port):",
        *("  " + line for line in port_lines(component)),
        f"lint: verilator --lint-only -Wall {WAIVER_FILE} <this file>",
    ]
    return "".join(f"// {line}\n" if line else "//\n" for line in lines)


def generate(spec: UnitSpec, *, component=None) -> str:
    """The Verilog of ``spec`` (module :attr:`~UnitSpec.module_name`) with its header.

    Source locations are left out so the text does not depend on where lnsgen is installed,
    and nothing in it depends on the date: the same spec gives the same file.
    """
    if not isinstance(spec, UnitSpec):
        raise TypeError(f"spec must be an lnsgen.spec.UnitSpec, not {spec!r}")
    component = spec.build() if component is None else component
    body = verilog.convert(component, name=spec.module_name, emit_src=False)
    return header(spec, component) + body


def write(spec: UnitSpec, path, *, waivers: bool = True):
    """Write :func:`generate` to ``path`` and :data:`WAIVERS` beside it (``lnsgen.vlt``).

    Returns the component the Verilog was generated from (its ``latency`` and ports)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    component = spec.build()
    path.write_text(generate(spec, component=component))
    if waivers:
        (path.parent / WAIVER_FILE).write_text(WAIVERS)
    return component
