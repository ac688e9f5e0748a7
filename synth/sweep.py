"""Design-space sweeps: accuracy, FPGA resources and Fmax, ASIC-style area, on Dask.

``python -m synth.sweep --unit add add-direct mul --format 5:6 5:8 5:10`` (or ``--config
sweep.toml``) evaluates every design point of the grid:

* **accuracy** from the golden model: exhaustive phi+/phi- error in ulps over every ``d`` for the
  units built on the LNS adder (``golden.error``); multiplication and division are exact in the
  log domain (0 ulp, saturation aside);
* **FPGA** resources and Fmax with :func:`lnsgen.synth.flow.synthesize` (ECP5 and iCE40 by default);
* **ASIC-style** cell area and critical path on the OSU 0.18 um teaching library
  (:mod:`lnsgen.synth.asic`), when its liberty file is installed (``make setup-asic``).

Each point is a pure task: :func:`evaluate_point` takes the point and a work folder and returns a
JSON-able dict; it never raises (a failing point comes back with ``status: "error"``, its error
and traceback). Points run on ``dask.distributed``: a ``LocalCluster`` with one single-threaded
worker process per core by default, or the cluster of ``--scheduler tcp://host:port`` (its
workers must see the same project folder and tools), or one after the other in this process
with ``--serial``.

Results are cached in ``build/sweep/cache/<hash>.json``; the hash covers the point, the tool
versions (Yosys, nextpnr, Amaranth, numpy, the liberty file, OpenSTA), the source the unit
depends on (:func:`source_files`: its module and the project modules it imports, the catalogue,
the synthesis flows) and :data:`RESULT_VERSION`. A rerun after a change recomputes only the
points whose hash changed (an edit of the adder leaves the multiplier points cached); failed
points are never cached.

Output: ``OUT/sweep.json`` (every number, plus the run's statistics) and ``OUT/sweep.md``; the
FPGA entries are also merged into ``OUT/synth.json`` (see :mod:`lnsgen.synth.report`), so ``make
report`` shows them. ``make report`` draws the plots and the Pareto front from ``sweep.json``.

A config file is TOML::

    [grid]                      # the Cartesian product of these lists
    unit = ["add", "mul"]
    method = ["interp", "direct"]   # optional: add + direct -> add-direct
    format = ["5:6", "5:8"]
    nodsp = [false]

    [[point]]                   # and/or single points
    unit = "acc"
    compensated = true          # acc + compensated -> acc-kahan
    format = "5:10"

    [[point]]
    unit = "mm"                 # systolic matrix unit mm4x4 (if the catalogue has it)
    array = 4
    format = "5:10"
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import functools
import hashlib
import importlib.metadata
import itertools
import json
import math
import os
import pathlib
import platform
import re
import socket
import sys
import time
import tomllib
import traceback

from lnsgen import sources
from lnsgen.golden import LNSFormat

from .report import dig

__all__ = [
    "DEFAULT_TARGETS",
    "RESULT_VERSION",
    "Point",
    "SweepRun",
    "cache_key",
    "comparable",
    "evaluate_point",
    "grid",
    "load_config",
    "main",
    "run_sweep",
    "source_digest",
]

#: Bump when the content of a result changes, so old cache entries are not reused.
RESULT_VERSION = 1
#: FPGA targets of a point unless it says otherwise (the generic gate count is left out).
DEFAULT_TARGETS = ("ecp5", "ice40")
#: The accuracy method of each unit of the catalogue; ``None``: no accuracy model here.
UNIT_METHODS = {"mul": "exact", "div": "exact", "add": "interp", "add-direct": "direct",
                "acc": "interp", "acc-kahan": "interp"}
#: ``(unit, method)`` and ``(unit, compensated)`` spellings of catalogue units.
_METHOD_UNITS = {("add", "interp"): "add", ("add", "direct"): "add-direct",
                 ("acc", "interp"): "acc"}
_COMPENSATED_UNITS = {("acc", False): "acc", ("acc", True): "acc-kahan"}
#: Systolic matrix units of the catalogue (``mm4x4``, ``mm4x4-kahan``): PEs with interp adders.
_ARRAY_UNIT = re.compile(r"mm(\d+)x(\d+)(-kahan)?")


def unit_method(unit: str) -> str | None:
    """The accuracy method of ``unit``: ``exact``, ``interp``, ``direct`` or ``None``."""
    if unit in UNIT_METHODS:
        return UNIT_METHODS[unit]
    return "interp" if _ARRAY_UNIT.fullmatch(unit) else None
#: Result fields that describe a run rather than the design (left out by :func:`comparable`).
RUN_FIELDS = ("runtime_s", "workdir", "host", "cache", "tools")


# Points ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Point:
    """One design point of a sweep.

    Parameters
    ----------
    unit : str
        A unit of :data:`lnsgen.hdl.UNITS` (checked when the point is evaluated, so that a sweep can
        report a bad point instead of refusing to start).
    int_bits, frac_bits : int
        The LNS format (validated by :class:`lnsgen.golden.LNSFormat`).
    nodsp : bool
        Keep ECP5 multipliers out of DSP blocks.
    targets : tuple of str
        FPGA targets of :func:`lnsgen.synth.flow.synthesize`; empty for none.
    asic : bool
        Also run the OSU 0.18 um flow (skipped, with a reason, when its liberty is missing).
    """

    unit: str
    int_bits: int
    frac_bits: int
    nodsp: bool = False
    targets: tuple = DEFAULT_TARGETS
    asic: bool = True

    def __post_init__(self):
        if not isinstance(self.unit, str) or not self.unit:
            raise TypeError(f"unit must be a non-empty string, not {self.unit!r}")
        LNSFormat(int_bits=self.int_bits, frac_bits=self.frac_bits)
        object.__setattr__(self, "targets", tuple(self.targets))

    @property
    def fmt(self) -> LNSFormat:
        return LNSFormat(int_bits=self.int_bits, frac_bits=self.frac_bits)

    @property
    def key(self) -> str:
        """``unit/format[/nodsp]``, the key of :func:`lnsgen.synth.flow.entry_key`."""
        return f"{self.unit}/{self.fmt.name}" + ("/nodsp" if self.nodsp else "")

    @property
    def slug(self) -> str:
        """The point as a folder name."""
        return f"{self.unit}-{self.fmt.name}" + ("-nodsp" if self.nodsp else "")

    def to_dict(self) -> dict:
        return {"unit": self.unit, "int_bits": self.int_bits, "frac_bits": self.frac_bits,
                "nodsp": self.nodsp, "targets": list(self.targets), "asic": self.asic}

    @classmethod
    def from_dict(cls, d: dict) -> Point:
        return cls(unit=d["unit"], int_bits=d["int_bits"], frac_bits=d["frac_bits"],
                   nodsp=d.get("nodsp", False), targets=tuple(d.get("targets", DEFAULT_TARGETS)),
                   asic=d.get("asic", True))


def resolve_unit(unit: str, method: str | None = None, compensated: bool | None = None,
                 array: int | None = None) -> str:
    """The catalogue name of ``unit`` with an adder ``method``, Kahan ``compensated``, ``array``.

    ``("add", "direct")`` is ``add-direct``, ``("acc", compensated=True)`` is ``acc-kahan``,
    ``("mm", array=4, compensated=True)`` is the systolic ``mm4x4-kahan``; ``None`` leaves
    ``unit`` as it is.

    Raises
    ------
    ValueError
        For a combination the catalogue does not have.
    """
    name = unit
    if array is not None or unit == "mm":
        if unit != "mm" or not isinstance(array, int) or array < 1:
            raise ValueError(f"an array size goes with unit 'mm' (systolic mm<N>x<N>), not "
                             f"unit {unit!r} with array {array!r}")
        if method not in (None, "interp"):
            raise ValueError(f"no systolic unit with method {method!r} (interp only)")
        return f"mm{array}x{array}" + ("-kahan" if compensated else "")
    if method is not None:
        if (unit, method) not in _METHOD_UNITS:
            raise ValueError(f"no unit {unit!r} with method {method!r}; units with a method: "
                             f"{sorted({u for u, _ in _METHOD_UNITS})}, methods interp, direct "
                             "(acc: interp only)")
        name = _METHOD_UNITS[(unit, method)]
    if (name, bool(compensated)) in _COMPENSATED_UNITS:
        name = _COMPENSATED_UNITS[(name, bool(compensated))]
    elif compensated:
        raise ValueError(f"no unit {name!r} with compensated={compensated!r}; compensated "
                         "variants: acc (interp) -> acc-kahan, mm<N>x<N> -> mm<N>x<N>-kahan")
    return name


def _parse_format(text) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", str(text))
    if not match:
        raise ValueError(f"expected a format INT_BITS:FRAC_BITS such as 5:10, not {text!r}")
    return int(match.group(1)), int(match.group(2))


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def grid(*, unit, format, method=(None,), compensated=(None,), array=(None,), nodsp=(False,),
         targets=DEFAULT_TARGETS, asic=True) -> list[Point]:
    """The points of the Cartesian product of the given axes (each a value or a list).

    ``format`` values are ``"I:F"`` strings or ``(I, F)`` pairs. Combinations that the
    catalogue does not have (e.g. ``mul`` with method ``direct``) are left out when a ``method``
    or ``compensated`` axis has several values, and are an error when every axis has one value.
    """
    units, methods, comps = _as_list(unit), _as_list(method), _as_list(compensated)
    formats = [f if isinstance(f, (tuple, list)) else _parse_format(f) for f in _as_list(format)]
    points, errors = [], []
    for u, m, c, a, (i, f), nd in itertools.product(units, methods, comps, _as_list(array),
                                                    formats, _as_list(nodsp)):
        # A method axis does not apply to mul/div, an array axis only to mm: keep them once.
        if m is not None and UNIT_METHODS.get(u) == "exact":
            m = None
        if u != "mm":
            a = None
        try:
            name = resolve_unit(u, m, c, a)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        points.append(Point(name, int(i), int(f), nodsp=bool(nd), targets=tuple(targets),
                            asic=bool(asic)))
    if not points and errors:
        raise ValueError(errors[0])
    return list(dict.fromkeys(points))


def load_config(path) -> list[Point]:
    """Points of a TOML file with a ``[grid]`` table and/or ``[[point]]`` entries.

    Both accept ``unit``, ``format``, ``method``, ``compensated``, ``array`` (with unit
    ``mm``: systolic ``mmNxN``), ``nodsp``, ``targets`` and ``asic`` (a ``[[point]]`` takes
    single values).

    Raises
    ------
    ValueError
        For an unreadable file, unknown keys or bad values (the message names the file).
    """
    path = pathlib.Path(path)
    try:
        config = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    allowed = {"unit", "format", "method", "compensated", "array", "nodsp", "targets", "asic"}
    unknown = set(config) - {"grid", "point"}
    sections = ([("[grid]", config["grid"])] if "grid" in config else []) + \
        [(f"[[point]] #{n + 1}", p) for n, p in enumerate(config.get("point", []))]
    for name, section in sections:
        unknown |= {f"{name}.{k}" for k in set(section) - allowed}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}; allowed: [grid] and "
                         f"[[point]] with {sorted(allowed)}")
    points = []
    for name, section in sections:
        if "unit" not in section or "format" not in section:
            raise ValueError(f"{path}: {name} needs 'unit' and 'format'")
        try:
            points += grid(**section)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: {name}: {exc}") from None
    if not points:
        raise ValueError(f"{path}: no points (give a [grid] or [[point]] entries)")
    return list(dict.fromkeys(points))


# Cache keys --------------------------------------------------------------------------------


#: Modules every point depends on: the unit catalogue and the synthesis flows.
_ALWAYS = ("lnsgen.hdl.units", "lnsgen.synth.flow", "lnsgen.synth.wrapper", "lnsgen.synth.asic")


@functools.cache
def _unit_module(unit: str) -> str | None:
    """Module of the component class of ``unit`` (built once at a small format)."""
    from lnsgen.hdl import UNITS, build_unit
    if unit not in UNITS:
        return None
    return type(build_unit(unit, LNSFormat(int_bits=3, frac_bits=4))).__module__


def source_files(unit: str) -> list[pathlib.Path]:
    """The source files a point of ``unit`` depends on.

    The module of the unit's component and the lnsgen modules it imports, transitively
    (``from lnsgen.golden import X`` counts as the submodule that defines ``X``, not all of
    ``golden``), ``golden.error`` and its imports when the unit has an accuracy model, plus the
    catalogue and the synthesis flows (:func:`lnsgen.sources.source_files`). So a change to the
    adder recomputes the adder points and leaves the multiplier's in the cache.
    """
    roots = [m for m in (_unit_module(unit),) if m]
    if unit_method(unit) not in (None, "exact"):
        roots.append("lnsgen.golden.error")
    return sources.source_files(roots, _ALWAYS)


def source_digest(unit: str) -> str:
    """SHA-256 over the module names and contents of :func:`source_files` of ``unit``."""
    roots = [m for m in (_unit_module(unit),) if m]
    if unit_method(unit) not in (None, "exact"):
        roots.append("lnsgen.golden.error")
    return sources.source_digest(roots, _ALWAYS)


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def environment(asic: bool = True) -> dict:
    """Tool versions a result depends on (Yosys, nextpnr, Python packages, ASIC library)."""
    from .flow import tool_versions
    env = dict(tool_versions())
    env["numpy"] = _version("numpy")
    env["python"] = platform.python_version()
    if asic:
        from .asic import asic_versions
        env.update(asic_versions())
    return env


def cache_key(point: Point, env: dict, source: str) -> str:
    """Content hash of a point's result: the point, the tool versions and the source."""
    text = json.dumps({"point": point.to_dict(), "env": env, "source": source,
                       "version": RESULT_VERSION}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


# Evaluation ---------------------------------------------------------------------------------


def accuracy(unit: str, fmt: LNSFormat) -> dict | None:
    """Golden accuracy of ``unit`` at ``fmt``, or ``None`` for a unit without a model here.

    For the adder-based units, the exhaustive phi+/phi- error of :func:`lnsgen.golden.error.error_table`
    (every ``d``): the error of each ``a +- b`` in ulps of the result's log. ``max_rel_error``
    turns the worse max into a relative error of the value, ``2**(max_ulp * 2**-F) - 1``, which
    compares formats of different precision.
    """
    method = unit_method(unit)
    if method is None:
        return None
    if method == "exact":
        return {"method": "exact", "max_ulp": 0.0, "mean_ulp": 0.0, "max_rel_error": 0.0,
                "phi_plus_max_ulp": None, "phi_plus_mean_ulp": None,
                "phi_minus_max_ulp": None, "phi_minus_mean_ulp": None, "table_bits": 0,
                "d_checked": 0, "faithful": True,
                "note": "exact in the log domain (saturation aside)"}
    from lnsgen.golden.error import error_table
    rows = {r["kind"]: r for r in error_table(fmt, method)}
    plus, minus = rows["plus"], rows["minus"]
    worst = max(plus["max_abs_error_ulp"], minus["max_abs_error_ulp"])
    n = plus["n_checked"] + minus["n_checked"]
    mean = (plus["mean_abs_error_ulp"] * plus["n_checked"]
            + minus["mean_abs_error_ulp"] * minus["n_checked"]) / n
    return {
        "method": method,
        "max_ulp": worst,
        "mean_ulp": mean,
        "max_rel_error": 2.0 ** (worst * 2.0 ** -fmt.frac_bits) - 1.0,
        "phi_plus_max_ulp": plus["max_abs_error_ulp"],
        "phi_plus_mean_ulp": plus["mean_abs_error_ulp"],
        "phi_minus_max_ulp": minus["max_abs_error_ulp"],
        "phi_minus_mean_ulp": minus["mean_abs_error_ulp"],
        "table_bits": plus["table_bits"] + minus["table_bits"],
        "d_checked": n,
        "faithful": bool(plus["faithful"] and minus["faithful"]),
    }


def _fpga(point: Point, workdir: pathlib.Path) -> dict | None:
    if not point.targets:
        return None
    from .flow import synthesize
    # One tool at a time per point: the sweep's parallelism is across points.
    return synthesize(point.unit, point.fmt, targets=point.targets, workdir=workdir,
                      nodsp=point.nodsp, jobs=1)


def _asic(point: Point, workdir: pathlib.Path) -> dict:
    from .asic import find_liberty, run_asic
    if not point.asic:
        return {"status": "not run", "reason": "not asked"}
    if find_liberty() is None:
        return {"status": "not run",
                "reason": "OSU 0.18 um liberty not installed (make setup-asic)"}
    return {"status": "ok", **run_asic(point.unit, point.fmt, workdir)}


def evaluate_point(point: dict, workroot: str) -> dict:
    """Accuracy, FPGA and ASIC numbers of one point (a :meth:`Point.to_dict`): a pure task.

    Work files go to ``workroot/<unit>-<format>/{fpga,asic}``. Never raises: a failure gives a
    result with ``status: "error"``, ``error`` (one line) and ``traceback``.
    """
    start = time.monotonic()
    result = {"key": None, "point": point, "status": "ok", "error": None,
              "host": socket.gethostname(), "pid": os.getpid()}
    try:
        p = Point.from_dict(point)
        result["key"] = p.key
        from lnsgen.hdl import UNITS
        if p.unit not in UNITS:
            raise ValueError(f"unit must be one of {sorted(UNITS)}, not {p.unit!r}")
        fmt = p.fmt
        result.update(unit=p.unit, format=fmt.name, int_bits=fmt.int_bits,
                      frac_bits=fmt.frac_bits, width=fmt.width, nodsp=p.nodsp,
                      method=unit_method(p.unit))
        base = pathlib.Path(workroot) / p.slug
        result["accuracy"] = accuracy(p.unit, fmt)
        fpga = _fpga(p, base / "fpga")
        result["fpga"] = fpga
        if fpga:
            result["latency"] = fpga["latency"]
        else:
            from lnsgen.hdl import build_unit
            result["latency"] = getattr(build_unit(p.unit, fmt), "latency", None)
        result["asic"] = _asic(p, base / "asic")
    except Exception as exc:  # noqa: BLE001 - a sweep reports every failure and goes on
        result["status"] = "error"
        lines = str(exc).strip().splitlines()
        result["error"] = f"{type(exc).__name__}: {lines[0] if lines else ''}"
        result["traceback"] = traceback.format_exc()
    result["runtime_s"] = round(time.monotonic() - start, 2)
    return result


def comparable(result: dict) -> dict:
    """``result`` without what depends on the run (times, folders, host, cache, versions)."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in RUN_FIELDS + ("pid",)}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(result)


# Running ------------------------------------------------------------------------------------


@dataclasses.dataclass
class SweepRun:
    """What :func:`run_sweep` returns: results in point order and the run's statistics."""

    results: list
    mode: str
    workers: int
    wall_s: float
    cache_hits: int
    computed: int
    failed: int

    @property
    def hit_rate(self) -> float:
        return self.cache_hits / len(self.results) if self.results else 0.0

    def stats(self) -> dict:
        return {"mode": self.mode, "workers": self.workers, "points": len(self.results),
                "wall_s": round(self.wall_s, 2), "cache_hits": self.cache_hits,
                "computed": self.computed, "failed": self.failed,
                "hit_rate": round(self.hit_rate, 3)}


def _progress(total: int, enabled: bool, desc: str):
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="point", disable=not enabled, file=sys.stderr,
                dynamic_ncols=True)


def _cache_read(cache_dir: pathlib.Path, key: str) -> dict | None:
    path = cache_dir / f"{key}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _cache_write(cache_dir: pathlib.Path, key: str, result: dict) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f".{key}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    os.replace(tmp, cache_dir / f"{key}.json")


def _failed(point: Point, exc: BaseException) -> dict:
    """The result of a point whose task itself failed (e.g. a worker died)."""
    return {"key": point.key, "point": point.to_dict(), "status": "error",
            "error": f"{type(exc).__name__}: {exc}", "traceback": None, "runtime_s": None}


def _cost(point: Point) -> int:
    """A rough rank of a point's run time, so the longest start first (Dask priority)."""
    method = unit_method(point.unit)
    return point.frac_bits * {"direct": 4, "interp": 2}.get(method, 1)


def run_sweep(points, *, workroot, cache_dir, serial: bool = False, scheduler: str | None = None,
              workers: int | None = None, use_cache: bool = True, progress: bool = True,
              client=None) -> SweepRun:
    """Evaluate ``points`` (a list of :class:`Point`), from the cache where possible.

    Parameters
    ----------
    points : list of Point
        The design points; duplicates are evaluated once.
    workroot, cache_dir : path-like
        Work folders of the tools (inside the project, not ``/tmp``) and the result cache.
    serial : bool
        Evaluate in this process, one point after the other.
    scheduler : str or None
        Address of a running Dask scheduler (``tcp://host:port``); default: a ``LocalCluster``.
    workers : int or None
        Worker processes of the ``LocalCluster`` (default: one per core); one thread each.
    use_cache : bool
        Read the cache (results are written to it either way).
    progress : bool
        Show a progress bar on stderr.
    client : distributed.Client or None
        An existing client to use instead of ``scheduler``/``workers``.

    Returns
    -------
    SweepRun
    """
    points = list(dict.fromkeys(points))
    workroot = pathlib.Path(workroot).resolve()
    cache_dir = pathlib.Path(cache_dir).resolve()
    start = time.monotonic()
    envs = {flag: environment(asic=flag) for flag in {p.asic for p in points}}
    sources = {u: source_digest(u) for u in {p.unit for p in points}}
    keys = [cache_key(p, envs[p.asic], sources[p.unit]) for p in points]
    results: list = [None] * len(points)
    hits = 0
    todo = []
    for i, key in enumerate(keys):
        cached = _cache_read(cache_dir, key) if use_cache else None
        if cached is not None and cached.get("status") == "ok":
            cached["cache"] = "hit"
            results[i] = cached
            hits += 1
        else:
            todo.append(i)

    def finish(i: int, result: dict) -> None:
        result["tools"] = envs[points[i].asic]
        if result.get("status") == "ok":
            _cache_write(cache_dir, keys[i], result)
        result["cache"] = "miss"
        results[i] = result

    mode, n_workers = ("serial" if todo else "cache only"), 1
    bar = _progress(len(points), progress, "sweep")
    bar.update(hits)
    try:
        if serial:
            for i in todo:
                finish(i, evaluate_point(points[i].to_dict(), str(workroot)))
                bar.update(1)
        elif todo:
            from dask.distributed import Client, LocalCluster, as_completed
            cluster = own_client = None
            if client is None:
                if scheduler:
                    own_client = client = Client(scheduler)
                    mode = f"dask {scheduler}"
                else:
                    n = workers or os.cpu_count() or 1
                    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
                    own_client = client = Client(cluster)
                    mode = "dask LocalCluster"
            else:
                mode = "dask client"
            try:
                n_workers = len(client.scheduler_info()["workers"])
                futures = {}
                for i in todo:
                    future = client.submit(evaluate_point, points[i].to_dict(), str(workroot),
                                           key=f"lnsgen-point-{keys[i]}", pure=False,
                                           priority=_cost(points[i]))
                    futures[future] = i
                for future in as_completed(futures):
                    i = futures[future]
                    try:
                        result = future.result()
                    except Exception as exc:  # noqa: BLE001 - the task itself failed
                        result = _failed(points[i], exc)
                    finish(i, result)
                    bar.update(1)
            finally:
                if own_client is not None:
                    own_client.close()
                if cluster is not None:
                    cluster.close()
    finally:
        bar.close()
    failed = sum(1 for r in results if r.get("status") != "ok")
    return SweepRun(results=results, mode=mode, workers=n_workers,
                    wall_s=time.monotonic() - start, cache_hits=hits,
                    computed=len(todo), failed=failed)


# Reports ------------------------------------------------------------------------------------


def _fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:.{digits}f}"
    return str(value)


def markdown(results: list[dict]) -> str:
    """The sweep as a Markdown table: one row per point."""
    head = ["unit", "format", "method", "latency", "max ulp", "mean ulp", "max rel. error",
            "ECP5 LUT4 + CCU2C", "DSP", "EBR", "Fmax MHz (ECP5)", "iCE40 LUT4", "Fmax MHz (iCE40)",
            "ASIC um^2", "ASIC crit. ns", "status"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        p = r.get("point", {})
        e5 = dig(r, "fpga", "ecp5")
        acc = r.get("accuracy") or {}
        asic = r.get("asic") or {}
        lines.append("| " + " | ".join([
            r.get("unit") or p.get("unit", "?") + (" (-nodsp)" if p.get("nodsp") else ""),
            r.get("format") or f"{p.get('int_bits')}:{p.get('frac_bits')}",
            _fmt(r.get("method")), _fmt(r.get("latency")),
            _fmt(acc.get("max_ulp"), 3), _fmt(acc.get("mean_ulp"), 3),
            f"{acc['max_rel_error']:.2e}" if acc.get("max_rel_error") is not None else "–",
            f"{e5['lut4']} + {e5['ccu2c']}" if e5 else "–",
            _fmt(dig(e5, "dsp")), _fmt(dig(e5, "ebr")), _fmt(dig(e5, "fmax_mhz")),
            _fmt(dig(r, "fpga", "ice40", "lut4")),
            "P&R failed" if dig(r, "fpga", "ice40", "pnr_error")
            else _fmt(dig(r, "fpga", "ice40", "fmax_mhz")),
            _fmt(asic.get("area_um2"), 0) if asic.get("status") == "ok" else "not run",
            _fmt(asic.get("critical_path_ns"), 2) if asic.get("status") == "ok" else "not run",
            "ok" if r.get("status") == "ok" else f"error: {r.get('error')}",
        ]) + " |")
    return "\n".join(lines) + "\n"


def write_reports(run: SweepRun, out_dir, *, merge_synth: bool = True) -> tuple:
    """Write ``out_dir/sweep.json`` and ``sweep.md``; merge FPGA entries into ``synth.json``."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {"generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
           "stats": run.stats(), "results": run.results}
    json_path, md_path = out_dir / "sweep.json", out_dir / "sweep.md"
    json_path.write_text(json.dumps(doc, indent=1) + "\n")
    stats = run.stats()
    md_path.write_text(
        "# lnsgen design-space sweep\n\n" + markdown(run.results) + "\n"
        f"{stats['points']} points, {stats['mode']} with {stats['workers']} worker(s), "
        f"{stats['wall_s']:.1f} s wall, {stats['cache_hits']} cache hits, "
        f"{stats['computed']} computed, {stats['failed']} failed.\n\n"
        "ASIC: OSU 0.18 um, a teaching standard-cell library, not a production node.\n")
    if merge_synth:
        from .report import JSON_NAME, load_entries, update_reports
        entries = [r["fpga"] for r in run.results if r.get("status") == "ok" and r.get("fpga")]
        if entries:
            # Keep the targets of an existing entry that the sweep did not run (e.g. generic).
            try:
                existing = {e["key"]: e for e in load_entries(out_dir / JSON_NAME)}
            except ValueError:
                existing = {}
            update_reports([{**existing.get(e["key"], {}), **e} for e in entries], out_dir)
    return json_path, md_path


# CLI -----------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from .flow import TARGETS
    parser = argparse.ArgumentParser(
        prog="python -m synth.sweep",
        description="Sweep lnsgen design points (unit x format x ...) on Dask: golden "
                    "accuracy, ECP5/iCE40 resources and Fmax, OSU 0.18 um area and timing.",
        epilog="Results: OUT/sweep.{json,md} (FPGA entries also merged into OUT/synth.json); "
               "cache: CACHE/<hash>.json. A failed point is reported and the sweep goes on "
               "(exit status 1 at the end).")
    parser.add_argument("--config", type=pathlib.Path, metavar="TOML",
                        help="a TOML file with [grid] and/or [[point]] (see the module doc)")
    parser.add_argument("--unit", nargs="+", metavar="UNIT", help="units (grid axis)")
    parser.add_argument("--format", nargs="+", metavar="I:F", dest="formats",
                        help="formats INT_BITS:FRAC_BITS (grid axis), e.g. 5:6 5:8 5:10")
    parser.add_argument("--method", nargs="+", choices=("interp", "direct"),
                        help="adder methods (grid axis): add + direct = add-direct")
    parser.add_argument("--array", nargs="+", type=int, metavar="N",
                        help="systolic array sizes (grid axis) for unit mm: mm<N>x<N>")
    parser.add_argument("--compensated", choices=("no", "yes", "both"),
                        help="Kahan-compensated variants (grid axis): acc -> acc-kahan, "
                             "mm<N>x<N> -> mm<N>x<N>-kahan")
    parser.add_argument("--nodsp", choices=("no", "yes", "both"), default="no",
                        help="ECP5 multipliers out of DSP blocks (default no)")
    parser.add_argument("--targets", nargs="*", choices=TARGETS, default=list(DEFAULT_TARGETS),
                        metavar="TARGET", help="FPGA targets (default ecp5 ice40; none: "
                                               "--targets with no value)")
    parser.add_argument("--no-asic", action="store_true", help="skip the OSU 0.18 um flow")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--serial", action="store_true",
                       help="evaluate in this process, one point after another")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on an existing Dask cluster (workers must share this folder)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="LocalCluster worker processes (default: one per core)")
    parser.add_argument("--no-cache", action="store_true",
                        help="recompute every point (results are still cached)")
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path("build/sweep/cache"))
    parser.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("build/sweep/work"))
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("build/reports"))
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _points(parser, args) -> list[Point]:
    points = []
    if args.config:
        try:
            points += load_config(args.config)
        except ValueError as exc:
            parser.error(str(exc))
    if args.unit or args.formats:
        if not (args.unit and args.formats):
            parser.error("--unit and --format go together")
        nodsp = {"no": [False], "yes": [True], "both": [False, True]}[args.nodsp]
        try:
            comp = {None: [None], "no": [False], "yes": [True],
                    "both": [False, True]}[args.compensated]
            points += grid(unit=args.unit, format=args.formats, method=args.method or [None],
                           compensated=comp, array=args.array or [None], nodsp=nodsp,
                           targets=args.targets, asic=not args.no_asic)
        except (TypeError, ValueError) as exc:
            parser.error(str(exc))
    elif not args.config:
        parser.error("give --unit and --format, or --config")
    from lnsgen.hdl import UNITS
    unknown = sorted({p.unit for p in points} - set(UNITS))
    if unknown:
        parser.error(f"unknown unit(s) {unknown}; units: {sorted(UNITS)}")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    return list(dict.fromkeys(points))


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    points = _points(parser, args)
    print(f"sweep: {len(points)} points", file=sys.stderr, flush=True)
    run = run_sweep(points, workroot=args.workdir, cache_dir=args.cache_dir, serial=args.serial,
                    scheduler=args.scheduler, workers=args.workers, use_cache=not args.no_cache,
                    progress=not args.no_progress)
    json_path, md_path = write_reports(run, args.out)
    for r in run.results:
        if r.get("status") != "ok":
            print(f"sweep: {r.get('key') or r.get('point')} failed: {r.get('error')}",
                  file=sys.stderr)
    s = run.stats()
    print(f"sweep: {s['points']} points in {s['wall_s']:.1f} s ({s['mode']}, {s['workers']} "
          f"worker(s)); cache hits {s['cache_hits']}/{s['points']}, computed {s['computed']}, "
          f"failed {s['failed']}; wrote {json_path} and {md_path}", file=sys.stderr)
    sys.stdout.write(markdown(run.results))
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
