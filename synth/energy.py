"""Energy per operation from the switching activity of a gate-level simulation.

:func:`lnsgen.synth.breakdown.asic_run` gives every net of a design the same activity (0.1
toggles per cycle). That says nothing about the data a unit really sees: a ReLU network's
activations are half zeros, a dot product's partial sum changes little from one beat to the next,
and a wide carry chain can glitch several times per cycle. This module measures the toggles
instead, on the same mapped netlist:

1. **Synthesis**, exactly as :func:`~lnsgen.synth.breakdown.asic_run` (``hierarchy="unit"``: the
   unit inside the port register ring of :class:`lnsgen.synth.wrapper.RegisteredPorts`, kept as
   its own module ``unit``), which also gives the uniform-activity power for contrast.
2. **Gate-level simulation** of ``netlist.v`` with Icarus Verilog (``iverilog -g2012 -gspecify``)
   and the OSU cells' Verilog models (:func:`lnsgen.synth.asic.find_cell_models`), whose
   ``specify`` path delays make the simulation event-accurate: a glitch of a carry chain is a
   toggle. Icarus treats those delays as inertial (a 10 ps pulse into an ``INVX1`` of 31/38 ps
   delay does not come out, a 100 ps one does), so a glitch shorter than a cell's delay is
   filtered, as in a real gate. ``delays=False`` simulates without them: a net then toggles
   only when its settled value changes from one cycle to the next (the functional activity, a
   glitch-free lower bound; :func:`energy_table` reports both). A generated testbench resets the ring, then drives one input beat per clock cycle
   from a ``$readmemh`` file (``valid`` high, the output always ``ready``), changing the inputs
   on the falling edge; the clock period is ``1000 / clock_mhz`` ns. After ``warmup`` beats it
   starts a VCD of the ring's and the unit's nets (``$dumpvars`` at the window start, so the
   window is exactly one clock period per measured beat) and stops after the last beat. Every
   valid output is logged and compared with the golden model's.
3. **Toggle counting** (:func:`count_toggles`): a streaming VCD reader counts the 0 <-> 1 changes
   of every bit (a change from or to ``x``/``z`` is not a toggle). :func:`parse_netlist` reads
   every cell's connections from ``netlist.v``; each cell pin gets the toggles per clock cycle
   of the net it is on (output pins ``Y``, ``YC``, ``YS``, ``Q`` drive the net; input pins see
   it), a constant gets 0, and every top-level input port its own toggles.
4. **Power** with OpenSTA 2.0.17 (Debian ``opensta``), the same preamble as ``asic_run``
   (:func:`~lnsgen.synth.breakdown.sta_preamble`): each pin's activity (toggles per cycle,
   duty 0.5) then ``report_power`` and per-instance power, the ring split off like
   ``asic_run`` does. Energy per operation is power times the clock period (one operation per
   cycle): dynamic (internal + switching) and leakage apart, the unit's dynamic split into its
   flip-flops (their clock pins included) and its combinational datapath.

What OpenSTA 2.0.17 accepts, and what it does with it:

* ``set_power_activity -pins`` fails in this build (its Tcl procedure calls a procedure that does
  not exist and spells the keyword ``-activiity`` in its help), so every pin's activity goes
  through the command that procedure should have called, ``::sta::set_power_pin_activity
  <pin> <activity> <duty>``; top-level inputs take ``set_power_activity -input_ports``.
* It still propagates activities from the input ports through the combinational logic to the
  first registers, overwriting the activities given to those pins with probabilistic estimates
  (a later OpenSTA fixed that). Inside the unit that cone is the logic fed by ``rst`` (the
  synchronous reset, held low: given duty 0, like every port that stays put, the estimate
  passes the other inputs' measured activities through an AND or OR); the pins it overwrote
  are counted in the result with their total change (``sta_propagated_pins``).
* A clock pin's activity is always 2 transitions per period. Internal power is OpenSTA 2.0.17's
  model: per input-to-output arc, the table energies of both edges *summed* (later versions
  average them) times the input's activity and the probability that the other inputs let it
  through (from the duty, 0.5 here), so output glitches count through the switching power and
  the internal power of the gates they drive. The edge sum makes internal energy about twice
  the energy per transition (a flip-flop's clock pin too) in every figure alike, uniform
  activity included: ratios between units hold. Switching power is ``C V^2 / 2`` per toggle of
  the pin loads (no wire-load model).

Reading the numbers: the cells' delays are fixed per arc (the liberty's delays at one load, no
wire delay), so the glitches are a model's; the figure with delays is an upper estimate for
deep single-cycle logic (a full-swing toggle for every pulse longer than a cell's delay), the
zero-delay one a lower bound.

Checked in ``tests/test_energy.py``: every pin at activity 0.1 gives ``report_power``'s global
0.1 total within 1 %; the toggles of a counter's bits are the counter's; a constant input gives
no datapath energy; the gate-level outputs match the golden models.

Workloads (:func:`workload`): ``dot`` runs the same real dot products (length 64, ReLU-like
activations ``max(N(0, 1), 0)``, weights ``N(0, 0.1)``) in every arithmetic, each beat
``(a, b, c)`` with ``c`` the running sum of the previous beats of its dot product in *that*
arithmetic's golden model (LNS codes from :func:`lnsgen.golden.from_float`, IEEE words rounded
to nearest even, int8 by symmetric max-abs quantization); ``uniform`` draws every operand code
or word uniformly (the contrast). The hybrid MAC takes ``(a, b, last)`` with ``last`` every 64
beats.

:func:`energy_table` measures several units under several workloads (one synthesis per unit)
and :func:`main` (``lnsgen energy``) prints the table and writes ``build/reports/energy.json``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib
import re
import shutil
import subprocess
import time

import numpy as np

from lnsgen import paths

from .asic import find_cell_models, find_iverilog, find_liberty, find_sta
from .breakdown import CLOCK_MHZ, asic_run, instance_powers, run_sta, sta_preamble
from .flow import SynthError

__all__ = ["DEFAULT_UNITS", "DEFAULT_WARMUP", "DUTY", "UNITS", "WORKLOADS", "Stimulus", "Toggles",
           "count_toggles", "dot_values", "energy_table", "float_words", "main",
           "netlist_energy", "parse_netlist", "toggle_energy", "workload"]

#: Clock cycles of reset before the first beat.
RESET_CYCLES = 4
#: Beats simulated before the measured window (pipelines full, no ``x`` left).
DEFAULT_WARMUP = 32
#: Duty cycle given with every activity (OpenSTA weighs each input's internal-power arc by the
#: probability that the other inputs let it through: 0.5 each, as with a global activity).
DUTY = 0.5
#: Output pins of the OSU cells (``Y``; the adders' ``YC``/``YS``; the flip-flops' ``Q``).
OUTPUT_PINS = frozenset({"Y", "YC", "YS", "Q"})
#: Clock pins: OpenSTA gives them the clock's 2 transitions per period.
CLOCK_PINS = frozenset({"CLK"})
_FLIP_FLOPS = frozenset({"DFFPOSX1", "DFFNEGX1", "DFFSR", "LATCH"})
#: The workloads of :func:`workload`.
WORKLOADS = ("dot", "uniform")
#: Length of every dot product of the ``dot`` workload (and of the hybrid MAC's sums).
DOT_LENGTH = 64


def _check_positive_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return int(value)


# Netlist -----------------------------------------------------------------------------------------

@dataclasses.dataclass
class NetlistModule:
    """One module of a Yosys ``write_verilog`` netlist.

    Attributes
    ----------
    name : str
        Module name (escaped names without their backslash).
    ports : dict
        Port name -> ``(direction, msb, lsb)`` (``msb == lsb == None`` for a scalar).
    cells : list of tuple
        ``(cell type, instance name, {pin: connection})``; a connection is ``(net, bit)``
        (``bit`` None for a scalar net) or an ``int`` constant.
    """

    name: str
    ports: dict = dataclasses.field(default_factory=dict)
    cells: list = dataclasses.field(default_factory=list)


_IDENT = r"(?:\\\S+|[A-Za-z_][\w$]*)"
_MODULE_RE = re.compile(rf"^module\s+({_IDENT})\s*\(")
_PORT_RE = re.compile(rf"^\s*(input|output|inout)\s+(?:\[(\d+):(\d+)\]\s+)?({_IDENT})\s*;")
_CELL_RE = re.compile(rf"^\s*({_IDENT})\s+({_IDENT})\s*\(\s*$")
_PIN_RE = re.compile(r"^\s*\.(\w+)\((.*)\),?\s*$")
_BIT_RE = re.compile(rf"^({_IDENT})\s*(?:\[(\d+)\])?$")
_CONST_RE = re.compile(r"^1'b([01])$")


def _ident(name: str) -> str:
    """A Verilog identifier without the backslash and trailing space of an escaped one."""
    return name[1:].rstrip() if name.startswith("\\") else name


def _connection(expr: str):
    """``(net, bit)`` or an int constant of one cell pin's connection (one bit wide)."""
    expr = expr.strip()
    const = _CONST_RE.match(expr)
    if const:
        return int(const.group(1))
    match = _BIT_RE.match(expr)
    if not match:
        raise ValueError(f"unexpected connection of a cell pin: {expr!r}")
    return _ident(match.group(1)), None if match.group(2) is None else int(match.group(2))


def parse_netlist(path) -> dict:
    """Modules, ports and cell connections of a netlist written by ``write_verilog -noattr
    -noexpr -nohex -nodec -simple-lhs``.

    Returns
    -------
    dict
        Module name -> :class:`NetlistModule`. A cell whose type is another module of the
        netlist is a hierarchical instance (its connections are not parsed: whole buses).

    Raises
    ------
    ValueError
        If a cell pin's connection is not one bit of a net or a constant.
    """
    modules, current, cell = {}, None, None
    for line in pathlib.Path(path).read_text().splitlines():
        if current is None:
            match = _MODULE_RE.match(line)
            if match:
                current = NetlistModule(_ident(match.group(1)))
                modules[current.name] = current
            continue
        stripped = line.strip()
        if stripped == "endmodule":
            current = None
            continue
        if stripped.startswith("assign "):
            # A constant or an alias: the simulation gives the net its value, and every pin
            # reads its own net's toggles, so nothing to do here.
            continue
        if cell is not None:
            if stripped == ");":
                current.cells.append(cell)
                cell = None
                continue
            match = _PIN_RE.match(line)
            if match:
                cell[2][match.group(1)] = match.group(2)
            continue
        match = _PORT_RE.match(line)
        if match:
            msb = None if match.group(2) is None else int(match.group(2))
            lsb = None if match.group(3) is None else int(match.group(3))
            current.ports[_ident(match.group(4))] = (match.group(1), msb, lsb)
            continue
        match = _CELL_RE.match(line)
        if match and match.group(1) not in ("module", "input", "output", "inout", "wire", "reg"):
            cell = (_ident(match.group(1)), _ident(match.group(2)), {})
    # Leaf connections as (net, bit) / constants; hierarchical ones stay raw text.
    for module in modules.values():
        module.cells = [(ctype, inst, pins if ctype in modules
                         else {pin: _connection(expr) for pin, expr in pins.items()})
                        for ctype, inst, pins in module.cells]
    return modules


def _leaf_cells(modules: dict, top: str = "top", path: str = "", scope: str = ""):
    """``(sta instance path, VCD scope, cell type, pins)`` of every leaf cell below ``top``;
    and ``(path, scope)`` of every module instance (``top`` first)."""
    leaves, scopes = [], [(path, scope)]
    for ctype, inst, pins in modules[top].cells:
        if ctype in modules:
            sub_leaves, sub_scopes = _leaf_cells(modules, ctype, f"{path}{inst}/",
                                                 f"{scope}.{inst}")
            leaves += sub_leaves
            scopes += sub_scopes
        else:
            leaves.append((f"{path}{inst}", scope, ctype, pins))
    return leaves, scopes


# VCD ---------------------------------------------------------------------------------------------

class Toggles:
    """Toggle counts of every bit of every variable of a VCD (see :func:`count_toggles`).

    Attributes
    ----------
    start_ps, end_ps : int
        First and last time stamps of the file (its time unit).
    """

    def __init__(self, variables: dict, counts: dict, start_ps: int, end_ps: int,
                 last: dict | None = None):
        self._variables = variables
        self._counts = counts
        self._last = last or {}
        self.start_ps = start_ps
        self.end_ps = end_ps

    def __contains__(self, key) -> bool:
        return key in self._variables

    def names(self, scope: str) -> list[str]:
        """Variable names of ``scope`` (dotted, e.g. ``"tb.dut.unit"``)."""
        return sorted(name for s, name in self._variables if s == scope)

    def _position(self, scope: str, name: str, bit: int | None):
        try:
            code, msb, lsb = self._variables[(scope, name)]
        except KeyError:
            raise KeyError(f"no variable {name!r} in scope {scope!r} of the VCD") from None
        width = len(self._counts[code])
        if bit is None:
            if width != 1:
                raise KeyError(f"{scope}.{name} is {width} bits wide: give a bit")
            return code, 0
        if msb is None:
            if bit != 0:
                raise KeyError(f"{scope}.{name} is a scalar: no bit {bit}")
            return code, 0
        pos = msb - bit if msb >= lsb else bit - msb
        if not 0 <= pos < width:
            raise KeyError(f"{scope}.{name} [{msb}:{lsb}] has no bit {bit}")
        return code, pos

    def value(self, scope: str, name: str, bit: int | None = None) -> str:
        """Last value (``"0"``, ``"1"``, ``"x"`` or ``"z"``) of a bit, as for :meth:`count`."""
        code, pos = self._position(scope, name, bit)
        last = self._last.get(code)
        return "x" if last is None else last[pos]

    def count(self, scope: str, name: str, bit: int | None = None) -> int:
        """Toggles of bit ``bit`` (None: a scalar, or the one bit of a 1-bit vector) of
        variable ``name`` in ``scope``.

        Raises
        ------
        KeyError
            If the VCD has no such variable or bit.
        """
        code, pos = self._position(scope, name, bit)
        return self._counts[code][pos]


_RANGE_RE = re.compile(r"^\[(-?\d+)(?::(-?\d+))?\]$")


def count_toggles(path) -> Toggles:
    """Count the toggles of every bit of a VCD file, streaming.

    A toggle is a change of a bit between 0 and 1; changes from or to ``x`` or ``z`` are not
    counted, nor is the first value of a variable (``$dumpvars``). Vector values shorter than
    the vector are extended on the left as the VCD standard says (with 0, or with ``x``/``z``
    when the leftmost digit is one). Variables sharing an identifier code are one net.

    Returns
    -------
    Toggles
    """
    variables, widths = {}, {}
    scope: list[str] = []
    counts: dict = {}
    last: dict = {}
    start = end = None
    with open(path) as vcd:
        for line in vcd:
            if line.startswith("$"):
                words = line.split()
                if not words:
                    continue
                if words[0] == "$scope":
                    scope.append(words[2])
                elif words[0] == "$upscope":
                    scope.pop()
                elif words[0] == "$var":
                    width, code, name = int(words[2]), words[3], words[4]
                    msb = lsb = None
                    if len(words) > 6 and words[5] != "$end":
                        rng = _RANGE_RE.match(words[5])
                        if rng:
                            msb = int(rng.group(1))
                            lsb = int(rng.group(2)) if rng.group(2) is not None else msb
                    variables[(".".join(scope), _ident(name))] = (code, msb, lsb)
                    widths[code] = width
                    counts.setdefault(code, [0] * width)
                continue
            c = line[:1]
            if not c or c.isspace():
                continue
            if c == "#":
                t = int(line[1:])
                if start is None:
                    start = t
                end = t
            elif c in "01xzXZ":
                code = line[1:].strip()
                prev = last.get(code)
                if prev is not None and prev != c and prev in "01" and c in "01":
                    counts[code][0] += 1
                last[code] = c
            elif c in "bB":
                value, code = line[1:].split()
                width = widths[code]
                value = value.lower()
                if len(value) < width:
                    pad = value[0] if value[0] in "xz" else "0"
                    value = pad * (width - len(value)) + value
                prev = last.get(code)
                last[code] = value
                if prev is None or prev == value:
                    continue
                bits = counts[code]
                if "x" in value or "z" in value or "x" in prev or "z" in prev:
                    for k, (p, v) in enumerate(zip(prev, value, strict=True)):
                        if p != v and p in "01" and v in "01":
                            bits[k] += 1
                else:
                    diff = int(prev, 2) ^ int(value, 2)
                    while diff:
                        low = diff & -diff
                        bits[width - low.bit_length()] += 1
                        diff ^= low
    return Toggles(variables, counts, start or 0, end or 0, last)


# Simulation ----------------------------------------------------------------------------------

def _port_width(port) -> int:
    _, msb, lsb = port
    return 1 if msb is None else abs(msb - lsb) + 1


def _port_decl(kind: str, name: str, port) -> str:
    _, msb, lsb = port
    rng = "" if msb is None else f"[{msb}:{lsb}] "
    return f"  {kind} {rng}{name}"


def _testbench(top, scopes, n_beats: int, warmup: int, period_ns: float) -> str:
    """The Verilog testbench of the ring ``top`` (a :class:`NetlistModule`)."""
    ports = top.ports
    needed = {"clk": "input", "rst": "input", "i__payload": "input", "i__valid": "input",
              "o__ready": "input", "o__payload": "output", "o__valid": "output"}
    for name, direction in needed.items():
        if ports.get(name, (None,))[0] != direction:
            raise ValueError(f"the ring has no {direction} port {name!r}: the unit needs a "
                             f"stream input 'i' and a stream output 'o' (ports: {sorted(ports)})")
    width = _port_width(ports["i__payload"])
    decls, conns = [], []
    for name, port in ports.items():
        if name in ("clk", "rst", "i__valid", "i__payload"):
            continue
        if port[0] == "input":
            decls.append(_port_decl("reg", name, port) + " = '1;")   # every ready
        else:
            decls.append(_port_decl("wire", name, port) + ";")
    for name in ports:
        conns.append(f".{name}({name})")
    dumps = " ".join(f"$dumpvars(1, dut{s});" for _, s in scopes)
    half = period_ns / 2
    return "\n".join([
        "// Generated by lnsgen.synth.energy: one beat per clock cycle, toggles in a VCD.",
        "`timescale 1ns/1ps",
        "module lnsgen_energy_tb;",
        f"  localparam integer BEATS = {n_beats};",
        f"  localparam integer WARMUP = {warmup};",
        "  reg clk = 1'b0;",
        "  reg rst = 1'b1;",
        "  reg i__valid = 1'b0;",
        f"  reg [{width - 1}:0] i__payload = '0;",
        *decls,
        f"  reg [{width - 1}:0] stimulus [0:BEATS-1];",
        "  integer beat, outputs;",
        f"  top dut ({', '.join(conns)});",
        f"  always #{half:.6g} clk = ~clk;",
        "  // Outputs are sampled, and inputs changed, on the falling edge.",
        "  always @(negedge clk) if (!rst && o__valid) $fwrite(outputs, \"%h\\n\", o__payload);",
        "  initial begin",
        "    $readmemh(\"stimulus.hex\", stimulus);",
        "    outputs = $fopen(\"outputs.hex\", \"w\");",
        "    $dumpfile(\"activity.vcd\");",
        f"    repeat ({RESET_CYCLES}) @(negedge clk);",
        "    rst = 1'b0;",
        "    for (beat = 0; beat < BEATS; beat = beat + 1) begin",
        "      @(negedge clk);",
        f"      if (beat == WARMUP) begin {dumps} end",
        "      i__payload = stimulus[beat];",
        "      i__valid = 1'b1;",
        "    end",
        "    @(negedge clk);",
        "    $fclose(outputs);",
        "    $finish;",
        "  end",
        "endmodule", ""])


def _simulate(workdir: pathlib.Path, modules: dict, scopes, payload, warmup: int,
              period_ns: float, cell_models: pathlib.Path, delays: bool) -> list:
    """Write the stimulus and testbench, run Icarus (with the cells' ``specify`` delays, or
    none); the logged outputs (ints, or None for a word with ``x``/``z``)."""
    tools = find_iverilog()
    if tools is None:
        raise SynthError("Icarus Verilog (iverilog, vvp) is not installed: "
                         "sudo apt-get install iverilog")
    iverilog, vvp = tools
    top = modules["top"]
    width = _port_width(top.ports["i__payload"])
    digits = (width + 3) // 4
    (workdir / "stimulus.hex").write_text("".join(f"{int(w):0{digits}x}\n" for w in payload))
    (workdir / "tb.v").write_text(_testbench(top, scopes, len(payload), warmup, period_ns))
    shutil.copyfile(cell_models, workdir / "cells.v")
    specify = ["-gspecify"] if delays else []
    for args, log in (([iverilog, "-g2012", *specify, "-Ttyp", "-s", "lnsgen_energy_tb",
                        "-o", "sim.vvp", "cells.v", "netlist.v", "tb.v"], "iverilog.log"),
                      ([vvp, "-n", "sim.vvp"], "vvp.log")):
        proc = subprocess.run(args, cwd=workdir, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=False)
        (workdir / log).write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise SynthError(f"{pathlib.Path(args[0]).name} failed in {workdir}:\n{tail}")
    words = []
    for line in (workdir / "outputs.hex").read_text().split():
        try:
            words.append(int(line, 16))
        except ValueError:
            words.append(None)
    return words


# Activities and power ------------------------------------------------------------------------

def _pin_activities(modules: dict, toggles: Toggles, cycles: int, tb_scope: str):
    """``({pin: activity}, {input port bit: (activity, duty)}, {instance: cell type})`` from
    toggles; clock pins and the ``clk`` port are left out (OpenSTA gives clocks their own
    activity)."""
    leaves, _ = _leaf_cells(modules)
    pins, types = {}, {}
    for inst, scope, ctype, conns in leaves:
        types[inst] = ctype
        for pin, conn in conns.items():
            if pin in CLOCK_PINS:
                continue
            if isinstance(conn, int):
                pins[f"{inst}/{pin}"] = 0.0
                continue
            net, bit = conn
            pins[f"{inst}/{pin}"] = toggles.count(tb_scope + scope, net, bit) / cycles
    ports = {}
    for name, (direction, msb, lsb) in modules["top"].ports.items():
        if direction != "input" or name == "clk":
            continue
        bits = [None] if msb is None else range(min(msb, lsb), max(msb, lsb) + 1)
        for bit in bits:
            port = name if bit is None else f"{name}[{bit}]"
            count = toggles.count(tb_scope, name, bit)
            # A port that stays put (rst, valid, ready) has the duty of its value: OpenSTA
            # propagates from the ports, and a gate fed by rst = 0 then passes its other
            # inputs' activities through.
            value = toggles.value(tb_scope, name, bit)
            duty = float(value) if count == 0 and value in "01" else DUTY
            ports[port] = (count / cycles, duty)
    return pins, ports, types


def _activity_tcl(pins: dict, ports: dict) -> str:
    lines = ["# Generated by lnsgen.synth.energy: toggles per clock cycle of every pin.",
             "# (set_power_activity -pins fails in OpenSTA 2.0.17: its Tcl procedure calls",
             "# get_pins_error, which does not exist; this is the command it should call.)",
             "proc pin_activity {name activity} {",
             f"  ::sta::set_power_pin_activity [get_pins $name] $activity {DUTY}",
             "}",
             "proc port_activity {name activity duty} {",
             "  set_power_activity -input_ports [get_ports $name] -activity $activity -duty $duty",
             "}"]
    lines += [f"port_activity {{{name}}} {act:.9g} {duty:g}"
              for name, (act, duty) in ports.items()]
    lines += [f"pin_activity {{{name}}} {act:.9g}" for name, act in pins.items()]
    return "\n".join(lines) + "\n"


_TOTAL_RE = re.compile(r"^Total\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", re.MULTILINE)
_PROPAGATED_RE = re.compile(r"^power_activity: set (\S+) (\S+) (\S+)", re.MULTILINE)


def _sta_power(workdir: pathlib.Path, sta: str, pins: dict, ports: dict, types: dict,
               period_ns: float) -> dict:
    """OpenSTA ``report_power`` with per-pin activities; the unit's and ring's energies."""
    (workdir / "activity.tcl").write_text(_activity_tcl(pins, ports))
    (workdir / "energy.tcl").write_text("\n".join([
        *sta_preamble(period_ns),
        "source activity.tcl",
        "sta::set_debug power_activity 3",
        "report_power -digits 6",
        "sta::set_debug power_activity 0",
        "report_power -instances [get_cells -hierarchical *] -digits 6 > energy_instances.txt",
        "exit", ""]))
    proc = run_sta(sta, "energy.tcl", workdir, "energy_sta.log")
    total = _TOTAL_RE.search(proc.stdout)
    if not total:
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        raise SynthError(f"sta printed no power report in {workdir}:\n{tail}")
    # Pins OpenSTA 2.0.17 re-derived by propagating from the input ports (see the docstring).
    propagated = {"unit": 0, "ring": 0, "unit_abs_change": 0.0}
    for name, act, _ in _PROPAGATED_RE.findall(proc.stderr):
        if name not in pins:
            continue
        part = "unit" if name.startswith("unit/") else "ring"
        propagated[part] += 1
        if part == "unit":
            propagated["unit_abs_change"] += abs(float(act) - pins[name])
    propagated["unit_abs_change"] = round(propagated["unit_abs_change"], 4)
    sums = {part: np.zeros(4) for part in ("datapath", "registers", "ring")}
    for name, watts in instance_powers(workdir / "energy_instances.txt").items():
        if name not in types:
            continue    # a hierarchical instance
        part = ("ring" if not name.startswith("unit/")
                else "registers" if types[name] in _FLIP_FLOPS else "datapath")
        sums[part] += np.array(watts)
    pj = period_ns * 1e3    # W -> pJ per cycle
    unit = sums["datapath"] + sums["registers"]
    return {
        "dynamic_pj_per_op": round(float(unit[0] + unit[1]) * pj, 4),
        "internal_pj_per_op": round(float(unit[0]) * pj, 4),
        "switching_pj_per_op": round(float(unit[1]) * pj, 4),
        "datapath_pj_per_op": round(float(sums["datapath"][0] + sums["datapath"][1]) * pj, 4),
        "registers_pj_per_op": round(float(sums["registers"][0] + sums["registers"][1]) * pj,
                                     4),
        "leakage_uw": round(float(unit[2]) * 1e6, 5),
        "leakage_pj_per_op": round(float(unit[2]) * pj, 6),
        "pj_per_op": round(float(unit[3]) * pj, 4),
        "power_mw": round(float(unit[3]) * 1e3, 6),
        "ring_pj_per_op": round(float(sums["ring"][3]) * pj, 4),
        "total_power_mw": round(float(total.group(4)) * 1e3, 6),
        "sta_propagated_pins": propagated,
    }


def netlist_energy(netdir, payload, workdir, *, clock_mhz: float = CLOCK_MHZ,
                   warmup: int = DEFAULT_WARMUP, expected=None, latency: int | None = None,
                   activity: float | None = None, delays: bool = True, cell_models=None,
                   keep_vcd: bool = False) -> dict:
    """Energy per operation of the ring netlist in ``netdir`` under the beats ``payload``.

    Parameters
    ----------
    netdir : path-like
        A finished :func:`~lnsgen.synth.breakdown.asic_run` folder (``netlist.v``,
        ``cells.lib``).
    payload : sequence of int
        The ``i__payload`` word of every beat, warm-up beats first.
    workdir : path-like
        Folder of the simulation and power files (inside the project; may be ``netdir``).
    clock_mhz : float
        Clock of the simulation and of the power report.
    warmup : int
        Beats before the measured window; ``len(payload) - warmup`` cycles are measured.
    expected : sequence of int or None
        The output payloads the golden model gives, in order: the outputs of the simulation
        are compared with them (``output_mismatches``).
    latency : int or None
        The unit's latency: with ``expected``, an expected output still missing more than
        ``latency + 2`` cycles (the ring's) after the last beat counts as a mismatch too.
    activity : float or None
        Give every pin and input port this activity instead of its toggles (the cross-check
        against ``report_power`` at a global activity); the simulation still runs.
    delays : bool
        Simulate with the cells' ``specify`` path delays (glitches shorter than a cell's delay
        are filtered, longer ones are toggles), or with none: then a net toggles only when its
        settled value changes from one cycle to the next (the functional activity, a lower
        bound).
    cell_models : path-like or None
        The cells' Verilog models (default :func:`lnsgen.synth.asic.find_cell_models`).
    keep_vcd : bool
        Keep ``activity.vcd`` (deleted once counted otherwise: it is large).

    Returns
    -------
    dict
        ``cycles``, ``clock_mhz``, the unit's ``dynamic_pj_per_op`` (``internal_pj_per_op`` +
        ``switching_pj_per_op``; also split as ``datapath_pj_per_op`` + ``registers_pj_per_op``),
        ``leakage_uw``, ``leakage_pj_per_op``, ``pj_per_op`` (dynamic + leakage) and
        ``power_mw``; ``ring_pj_per_op``; ``total_power_mw`` (ring included);
        ``mean_activity`` (toggles per cycle of the unit's cell outputs) and ``max_activity``;
        ``outputs``, ``expected_outputs`` and ``output_mismatches``; ``sta_propagated_pins``;
        ``runtime_s``.

    Raises
    ------
    ValueError
        If ``warmup`` or ``payload`` is out of range.
    SynthError
        If a tool or the cell models are missing, or a tool fails.
    """
    start = time.monotonic()
    warmup = _check_positive_int("warmup", warmup, 0)
    payload = [int(w) for w in payload]
    if len(payload) <= warmup:
        raise ValueError(f"payload must hold more than warmup = {warmup} beats, not "
                         f"{len(payload)}")
    if not (isinstance(clock_mhz, (int, float)) and math.isfinite(clock_mhz) and clock_mhz > 0):
        raise ValueError(f"clock_mhz must be a positive number, not {clock_mhz!r}")
    cell_models = (pathlib.Path(cell_models) if cell_models is not None
                   else find_cell_models())
    if cell_models is None or not cell_models.is_file():
        raise SynthError("the OSU 0.18 um cells' Verilog models are not installed: run "
                         "`make setup-asic`")
    sta = find_sta()
    if sta is None:
        raise SynthError("OpenSTA (`sta`, Debian package opensta) is not installed")
    netdir = pathlib.Path(netdir).resolve()
    workdir = pathlib.Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    if workdir != netdir:
        for name in ("netlist.v", "cells.lib"):
            shutil.copyfile(netdir / name, workdir / name)
    modules = parse_netlist(workdir / "netlist.v")
    if "top" not in modules:
        raise SynthError(f"{workdir / 'netlist.v'} has no module top")
    _, scopes = _leaf_cells(modules)
    period = 1000.0 / clock_mhz
    outputs = _simulate(workdir, modules, scopes, payload, warmup, period, cell_models,
                        delays)
    toggles = count_toggles(workdir / "activity.vcd")
    if not keep_vcd:
        (workdir / "activity.vcd").unlink()
    cycles = len(payload) - warmup
    pins, ports, types = _pin_activities(modules, toggles, cycles, "lnsgen_energy_tb.dut")
    unit_out = [a for name, a in pins.items()
                if name.startswith("unit/") and name.rsplit("/", 1)[1] in OUTPUT_PINS]
    if activity is not None:
        pins = dict.fromkeys(pins, float(activity))
        ports = dict.fromkeys(ports, (float(activity), DUTY))
    result = {"cycles": cycles, "warmup": warmup, "clock_mhz": clock_mhz,
              **_sta_power(workdir, sta, pins, ports, types, period)}
    mismatches = None
    if expected is not None:
        expected = [int(w) for w in expected]
        mismatches = sum(o != e for o, e in zip(outputs, expected, strict=False))
        mismatches += max(0, len(outputs) - len(expected))
        if latency is not None:
            mismatches += max(0, len(expected) - len(outputs) - (latency + 2))
    result.update({
        "mean_activity": round(float(np.mean(unit_out)), 5) if unit_out else 0.0,
        "max_activity": round(float(np.max(unit_out)), 5) if unit_out else 0.0,
        "outputs": len(outputs), "output_mismatches": mismatches,
        "expected_outputs": None if expected is None else len(expected),
        "activity_override": activity, "delays": delays,
        "runtime_s": round(time.monotonic() - start, 1)})
    return result


def toggle_energy(component, stimulus, workdir, *, clock_mhz: float = CLOCK_MHZ,
                  warmup: int = DEFAULT_WARMUP, expected=None, activity: float | None = None,
                  delays: bool = True, liberty=None, cell_models=None,
                  keep_vcd: bool = False) -> dict:
    """Energy per operation of ``component`` from the toggles of a gate-level simulation.

    Synthesizes like :func:`lnsgen.synth.breakdown.asic_run` (``hierarchy="unit"``), then
    :func:`netlist_energy` in the same folder (see the module docstring for the method).

    Parameters
    ----------
    component : amaranth.lib.wiring.Component
        A unit with a stream input ``i`` and a stream output ``o`` (put in the register ring
        here).
    stimulus : sequence of int, or Stimulus
        The ``i.payload`` word of every beat, warm-up beats first; a :class:`Stimulus` also
        brings the expected outputs.
    workdir : path-like
        Folder of every file of the run (inside the project); created if missing.
    clock_mhz, warmup, expected, activity, delays, cell_models, keep_vcd
        As for :func:`netlist_energy` (``expected`` defaults to the stimulus's).
    liberty : path-like or None
        Default :func:`lnsgen.synth.asic.find_liberty`.

    Returns
    -------
    dict
        :func:`netlist_energy`'s keys, plus from the synthesis ``area_um2``, ``ff``,
        ``critical_path_ns`` and ``uniform_pj_per_op`` (``asic_run``'s energy at its uniform
        activity, ``uniform_activity``).
    """
    if isinstance(stimulus, Stimulus):
        expected = stimulus.expected if expected is None else expected
        stimulus = stimulus.payload
    if cell_models is None and find_cell_models() is None:
        raise SynthError("the OSU 0.18 um cells' Verilog models are not installed: run "
                         "`make setup-asic`")
    if find_iverilog() is None:
        raise SynthError("Icarus Verilog (iverilog, vvp) is not installed")
    asic = asic_run(component, workdir, hierarchy="unit", liberty=liberty, clock_mhz=clock_mhz)
    res = netlist_energy(workdir, stimulus, workdir, clock_mhz=clock_mhz, warmup=warmup,
                         expected=expected, latency=getattr(component, "latency", None),
                         activity=activity, delays=delays,
                         cell_models=cell_models, keep_vcd=keep_vcd)
    return {**_synthesis_keys(asic), **res}


def _synthesis_keys(asic: dict) -> dict:
    return {"area_um2": asic["area_um2"], "ff": asic["ff"],
            "critical_path_ns": asic["critical_path_ns"],
            "uniform_pj_per_op": asic["pj_per_op"], "uniform_activity": asic["activity"]}


# Workloads -------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Stimulus:
    """Input beats of a unit and the outputs its golden model gives.

    Attributes
    ----------
    workload : str
    payload : list of int
        The ``i.payload`` word of every beat.
    expected : list of int
        The output payloads, in order (one per beat, or one per sum for the hybrid MAC).
    fields : dict
        Field name -> codes of every beat (``a``, ``b``, ``c`` or ``last``).
    """

    workload: str
    payload: list
    expected: list
    fields: dict


def dot_values(n_beats: int, *, length: int = DOT_LENGTH, seed: int = 0):
    """The real operands of the ``dot`` workload: ``(a, b)`` of shape ``(n_dots, length)``,
    enough dot products for ``n_beats`` beats. Activations ``a = max(N(0, 1), 0)`` (half
    zeros, the rest ``|N(0, 1)|``), weights ``b ~ N(0, 0.1)``."""
    n_beats = _check_positive_int("n_beats", n_beats)
    length = _check_positive_int("length", length)
    n_dots = -(-n_beats // length)
    rng = np.random.default_rng(seed)
    a = np.maximum(rng.standard_normal((n_dots, length)), 0.0)
    b = rng.normal(0.0, 0.1, (n_dots, length))
    return a, b


def float_words(ffmt, x) -> np.ndarray:
    """Words of the IEEE format ``ffmt`` nearest to the finite floats ``x``
    (:meth:`lnsgen.golden.ieee.FloatFormat.encode`)."""
    return ffmt.encode(x)


def _int_codes(x: np.ndarray, bits: int) -> np.ndarray:
    """Symmetric max-abs quantization of ``x`` to ``bits``-bit two's complement codes."""
    top = (1 << (bits - 1)) - 1
    peak = float(np.max(np.abs(x)))
    q = np.rint(x / peak * top) if peak > 0 else np.zeros_like(x)
    return np.clip(q, -top, top).astype(np.int64) & ((1 << bits) - 1)


def _encode(spec, fmt, x: np.ndarray, field_bits: int) -> np.ndarray:
    """Codes of the real values ``x`` in the arithmetic of ``spec``."""
    from lnsgen.golden import from_float

    if spec.kind in ("mac", "hybrid"):
        return np.asarray(from_float(fmt, x), dtype=np.int64)
    if spec.kind == "fma":
        return float_words(fmt, x)
    if spec.kind == "int-mac":
        return _int_codes(x, field_bits)
    raise ValueError(f"no workload for unit kind {spec.kind!r}: one of mac, hybrid, fma, int-mac")


def workload(spec, name: str, n_beats: int, *, seed: int = 0,
             length: int = DOT_LENGTH) -> Stimulus:
    """The beats of workload ``name`` for the unit of ``spec``, with its golden outputs.

    Parameters
    ----------
    spec : lnsgen.spec.UnitSpec
        A ``mac``, ``fma``, ``int-mac`` or ``hybrid`` unit.
    name : {"dot", "uniform"}
        ``dot``: the dot products of :func:`dot_values` in the unit's arithmetic, ``c`` the
        running sum of the previous beats of the same dot product computed by the unit's
        golden model (0 at the first beat); ``uniform``: every operand code or word uniformly
        random. The hybrid MAC's ``last`` closes a sum every ``length`` beats in both.
    n_beats : int
        Beats (warm-up included).
    seed : int
        The same seed gives the same real dot products in every arithmetic.
    length : int
        Length of the dot products.

    Raises
    ------
    ValueError
        If the workload or the unit kind is unknown, or ``n_beats`` is not positive.
    """
    from lnsgen.verification.models import model_for, pack_fields

    if name not in WORKLOADS:
        raise ValueError(f"workload must be one of {', '.join(WORKLOADS)}, not {name!r}")
    n_beats = _check_positive_int("n_beats", n_beats)
    if spec.kind not in ("mac", "hybrid", "fma", "int-mac"):
        raise ValueError(f"no workload for unit kind {spec.kind!r}: one of mac, hybrid, fma, "
                         "int-mac")
    fmt = spec.model_format
    model = model_for(spec)
    fields = model.fields(fmt)
    bits = dict(fields)
    n_dots = -(-n_beats // length)
    last = np.zeros((n_dots, length), dtype=np.int64)
    last[:, -1] = 1
    rng = np.random.default_rng(seed + 1)
    if name == "uniform":
        values = {f: rng.integers(0, 1 << w, (n_dots, length), dtype=np.int64)
                  for f, w in fields if f != "last"}
    else:
        a, b = dot_values(n_beats, length=length, seed=seed)
        values = {"a": _encode(spec, fmt, a, bits["a"]), "b": _encode(spec, fmt, b, bits["b"])}
    if "last" in bits:
        values["last"] = last
    elif name == "dot":     # c: the running sum, in this arithmetic
        zero = int(_encode(spec, fmt, np.zeros(1), bits["c"])[0])
        c = np.empty_like(values["a"])
        s = np.full(n_dots, zero, dtype=np.int64)
        for j in range(length):
            c[:, j] = s
            s = np.asarray(model.reference(fmt, {"a": values["a"][:, j], "b": values["b"][:, j],
                                                 "c": s}), dtype=np.int64)
        values["c"] = c
    flat = {f: v.reshape(-1)[:n_beats] for f, v in values.items()}
    expected = [int(w) for w in np.asarray(model.reference(fmt, flat)).reshape(-1)]
    return Stimulus(name, pack_fields(fields, flat), expected, flat)


# The table -------------------------------------------------------------------------------------

def _unit(kind, **params):
    from lnsgen.spec import UnitSpec
    return lambda: UnitSpec(kind, **params)


#: Units :func:`energy_table` knows by name: label -> a function making the spec.
UNITS = {
    "lns16-mac-cotrans": _unit("mac", int_bits=5, frac_bits=10, method="cotrans",
                               adder_latency=1),
    "lns16-mac-interp": _unit("mac", int_bits=5, frac_bits=10, method="interp",
                              adder_latency=1),
    "fp16-fma": _unit("fma", float="fp16", latency=1),
    "bf16-fma": _unit("fma", float="bf16", latency=1),
    "int8-mac": _unit("int-mac", latency=1),
    "lns8-mac-cotrans": _unit("mac", int_bits=3, frac_bits=4, method="cotrans",
                              adder_latency=1),
    "lns16-hybrid": _unit("hybrid", int_bits=5, frac_bits=10),
    "lns8-hybrid": _unit("hybrid", int_bits=3, frac_bits=4),
}
#: The units of ``lnsgen energy`` without arguments: the compact (latency 1) multiply-adds.
DEFAULT_UNITS = ("lns16-mac-cotrans", "lns16-mac-interp", "fp16-fma", "bf16-fma", "int8-mac",
                 "lns8-mac-cotrans")
#: The unit every other is compared with.
REFERENCE_UNIT = "fp16-fma"


def energy_table(units, workload_names, n_beats: int, workdir, *, warmup: int = DEFAULT_WARMUP,
                 clock_mhz: float = CLOCK_MHZ, seed: int = 0, zero_delay: bool = True,
                 progress=None) -> list[dict]:
    """Toggle-based energy of every unit under every workload (one synthesis per unit).

    Parameters
    ----------
    units : iterable of str or (str, UnitSpec)
        Names of :data:`UNITS`, or ``(label, spec)`` pairs.
    workload_names : str or iterable of str
        Of :data:`WORKLOADS`.
    n_beats : int
        Measured cycles per run (``warmup`` more beats are simulated first).
    workdir : path-like
        One folder per unit inside, one per workload inside that.
    zero_delay : bool
        Also simulate without the cells' delays: the functional (glitch-free) activity.
    progress : callable or None
        Called with each finished row.

    Returns
    -------
    list of dict
        Per unit and workload: ``unit``, ``spec``, ``workload`` and the keys of
        :func:`toggle_energy`; with ``zero_delay`` the same run's ``functional_pj_per_op``,
        ``functional_dynamic_pj_per_op``, ``functional_mean_activity`` and
        ``functional_output_mismatches``; ``vs_fp16_fma`` (``pj_per_op`` over the fp16 FMA's
        under the same workload, when it is among the units) and ``functional_vs_fp16_fma``.
    """
    n_beats = _check_positive_int("n_beats", n_beats)
    names = [workload_names] if isinstance(workload_names, str) else list(workload_names)
    for name in names:
        if name not in WORKLOADS:
            raise ValueError(f"workload must be one of {', '.join(WORKLOADS)}, not {name!r}")
    pairs = []
    for unit in units:
        if isinstance(unit, str):
            if unit not in UNITS:
                raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
            pairs.append((unit, UNITS[unit]()))
        else:
            pairs.append(tuple(unit))
    if find_liberty() is None or find_cell_models() is None:
        raise SynthError("the OSU 0.18 um liberty or cell models are not installed: run "
                         "`make setup-asic`")
    workdir = pathlib.Path(workdir)
    rows = []
    for label, spec in pairs:
        unit_dir = workdir / spec.name
        comp = spec.build()
        asic = asic_run(comp, unit_dir, hierarchy="unit", clock_mhz=clock_mhz)
        for name in names:
            stim = workload(spec, name, warmup + n_beats, seed=seed)
            res = netlist_energy(unit_dir, stim.payload, unit_dir / name, clock_mhz=clock_mhz,
                                 warmup=warmup, expected=stim.expected, latency=comp.latency)
            row = {"unit": label, "spec": spec.name, "workload": name, **_synthesis_keys(asic),
                   **res}
            if zero_delay:
                res0 = netlist_energy(unit_dir, stim.payload, unit_dir / f"{name}-zero-delay",
                                      clock_mhz=clock_mhz, warmup=warmup,
                                      expected=stim.expected, latency=comp.latency,
                                      delays=False)
                row.update({f"functional_{key}": res0[key] for key in
                            ("pj_per_op", "dynamic_pj_per_op", "datapath_pj_per_op",
                             "mean_activity", "output_mismatches")})
                row["runtime_s"] = round(res["runtime_s"] + res0["runtime_s"], 1)
            rows.append(row)
            if progress is not None:
                progress(row)
    for name in names:
        ref = next((r for r in rows if r["unit"] == REFERENCE_UNIT and r["workload"] == name),
                   None)
        for r in rows:
            if r["workload"] != name:
                continue
            r["vs_fp16_fma"] = (round(r["pj_per_op"] / ref["pj_per_op"], 3)
                                if ref and ref["pj_per_op"] else None)
            if zero_delay:
                r["functional_vs_fp16_fma"] = (
                    round(r["functional_pj_per_op"] / ref["functional_pj_per_op"], 3)
                    if ref and ref["functional_pj_per_op"] else None)
    return rows


def _print_table(rows: list[dict]) -> None:
    print("\n| unit | workload | cycles | dynamic pJ/op: datapath + registers | zero-delay "
          "dynamic pJ/op | leakage pJ/op (uW) | toggles/cycle, zero-delay | uniform-0.1 pJ/op | "
          "vs fp16 FMA (zero-delay) | outputs ok |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['vs_fp16_fma']:.2f}x" if r.get("vs_fp16_fma") is not None else ""
        if r.get("functional_vs_fp16_fma") is not None:
            ratio += f" ({r['functional_vs_fp16_fma']:.2f}x)"
        bad = r["output_mismatches"] + (r.get("functional_output_mismatches") or 0)
        ok = "yes" if bad == 0 else f"NO ({bad} mismatches)"
        functional = r.get("functional_dynamic_pj_per_op")
        zd_pj = "" if functional is None else f"{functional:.2f}"
        zd_act = "" if functional is None else f", {r['functional_mean_activity']:.3f}"
        print(f"| {r['unit']} | {r['workload']} | {r['cycles']} | {r['dynamic_pj_per_op']:.2f}: "
              f"{r['datapath_pj_per_op']:.2f} + {r['registers_pj_per_op']:.2f} | {zd_pj} | "
              f"{r['leakage_pj_per_op']:.5f} ({r['leakage_uw']:.3f}) | "
              f"{r['mean_activity']:.3f}{zd_act} | {r['uniform_pj_per_op']:.2f} | {ratio} | "
              f"{ok} |")


def main(argv=None, *, prog: str = "lnsgen energy") -> int:
    """``[UNIT ...] [--workload dot uniform] [--beats N] [--json F]``: the toggle-based energy
    table (the entry point of a delegated ``lnsgen`` command)."""
    from lnsgen.cli import _Parser

    parser = _Parser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("units", nargs="*", metavar="UNIT",
                        help=f"units to measure, of: {', '.join(UNITS)} (default "
                             f"{' '.join(DEFAULT_UNITS)})")
    parser.add_argument("--workload", nargs="+", choices=WORKLOADS, default=list(WORKLOADS),
                        help="workloads (default both)")
    parser.add_argument("--beats", type=int, default=2000, metavar="N",
                        help="measured cycles per run (default 2000; "
                             f"{DEFAULT_WARMUP} warm-up beats come first)")
    parser.add_argument("--seed", type=int, default=0, help="workload seed (default 0)")
    parser.add_argument("--json", type=pathlib.Path, default=None, metavar="FILE",
                        help="where the results go (default build/reports/energy.json)")
    parser.add_argument("--workdir", type=pathlib.Path, default=None, metavar="DIR",
                        help="the tools' files (default build/energy)")
    args = parser.parse_args(argv)
    if args.beats < 1:
        parser.error(f"argument --beats: expected an integer >= 1, not {args.beats}")
    unknown = [u for u in args.units if u not in UNITS]
    if unknown:
        parser.error(f"unit must be one of {', '.join(UNITS)}, not {unknown[0]!r}")
    units = args.units or list(DEFAULT_UNITS)
    workdir = args.workdir or paths.build_dir() / "energy"
    out_json = args.json or paths.reports_dir() / "energy.json"

    def progress(row):
        print(f"{row['unit']:>18} {row['workload']:>8}: {row['pj_per_op']:8.2f} pJ/op "
              f"(uniform 0.1: {row['uniform_pj_per_op']:.2f}) in {row['runtime_s']:.0f} s",
              flush=True)

    try:
        rows = energy_table(units, args.workload, args.beats, workdir, seed=args.seed,
                            progress=progress)
    except (SynthError, ValueError) as exc:
        print(f"{prog}: {exc}")
        return 1
    _print_table(rows)
    out = {"settings": {"clock_mhz": CLOCK_MHZ, "beats": args.beats, "warmup": DEFAULT_WARMUP,
                        "seed": args.seed, "duty": DUTY, "liberty": "OSU 0.18 um",
                        "simulator": "Icarus Verilog, -gspecify", "power": "OpenSTA 2.0.17"},
           "rows": rows}
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(out, indent=1) + "\n")
    print(f"\nwrote {out_json}")
    return 0 if all(r["output_mismatches"] == 0 and not r.get("functional_output_mismatches")
                    for r in rows) else 1
