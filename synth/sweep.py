"""Design-space sweeps: accuracy, FPGA resources and Fmax, ASIC-style area, on Dask.

``lnsgen sweep add mul --int-bits 5 --frac-bits 6 8 10 --method interp direct`` (or ``lnsgen
sweep --config sweep.toml``) evaluates every design point of the grid (unit specs, see
:mod:`lnsgen.spec`; a parameter axis applies to the units whose kind has it):

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

A config file is TOML: keys are the command's (``unit``, every spec parameter, ``nodsp``,
``targets``, ``asic`` and the FPGA flow's ``freq``, ``ecp5_device``, ``package``, ``ports``)::

    [grid]                      # the Cartesian product of these lists
    unit = ["add", "mul"]
    method = ["interp", "direct"]   # mul has no method: that axis leaves it alone
    int_bits = 5
    frac_bits = [6, 8]

    [[point]]                   # and/or single points
    unit = "acc-kahan"          # a preset, or a kind with its parameters
    frac_bits = 10

    [[point]]
    unit = "mm"
    rows = 4
    cols = 4
    ecp5_device = "85k"         # as lnsgen synth's --ecp5-device
    ports = "scan"              # more port bits than the package has pins
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import importlib.metadata
import itertools
import json
import math
import os
import pathlib
import platform
import socket
import sys
import time
import tomllib
import traceback

from lnsgen import sources
from lnsgen.spec import KINDS, SpecError, UnitSpec, resolve

from .flow import FLOW_DEFAULTS
from .report import dig

__all__ = [
    "DEFAULT_TARGETS",
    "FLOW_DEFAULTS",
    "RESULT_VERSION",
    "Point",
    "SweepRun",
    "cache_key",
    "comparable",
    "evaluate_point",
    "grid",
    "load_config",
    "markdown",
    "run_sweep",
    "source_digest",
    "write_reports",
]

#: Bump when the content of a result changes, so old cache entries are not reused.
RESULT_VERSION = 2  # 2: points are unit specs
#: FPGA targets of a point unless it says otherwise (the generic gate count is left out).
DEFAULT_TARGETS = ("ecp5", "ice40")
#: Result fields that describe a run rather than the design (left out by :func:`comparable`).
RUN_FIELDS = ("runtime_s", "workdir", "host", "cache", "tools")


# Points ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Point:
    """One design point of a sweep.

    Parameters
    ----------
    spec : lnsgen.spec.UnitSpec
        The unit.
    nodsp : bool
        Keep ECP5 multipliers out of DSP blocks.
    targets : tuple of str
        FPGA targets of :func:`lnsgen.synth.flow.synthesize`; empty for none.
    asic : bool
        Also run the OSU 0.18 um flow (skipped, with a reason, when its liberty is missing).
    freq : float
        Clock target of nextpnr in MHz (the achieved Fmax is reported either way).
    ecp5_device, package : str
        nextpnr-ecp5 device (one of :data:`lnsgen.synth.flow.ECP5_DEVICES`) and package.
    ports : {"pins", "scan"}
        Every port bit a pin, or the port registers behind scan chains (large arrays).
    """

    spec: UnitSpec
    nodsp: bool = False
    targets: tuple = DEFAULT_TARGETS
    asic: bool = True
    freq: float = FLOW_DEFAULTS["freq"]
    ecp5_device: str = FLOW_DEFAULTS["ecp5_device"]
    package: str = FLOW_DEFAULTS["package"]
    ports: str = FLOW_DEFAULTS["ports"]

    def __post_init__(self):
        from .flow import check_flow_options
        if not isinstance(self.spec, UnitSpec):
            raise TypeError(f"spec must be an lnsgen.spec.UnitSpec, not {self.spec!r}")
        object.__setattr__(self, "targets", tuple(self.targets))
        object.__setattr__(self, "freq", check_flow_options(
            freq=self.freq, ecp5_device=self.ecp5_device, package=self.package,
            ports=self.ports, freq_name="freq"))

    @property
    def flow(self) -> dict:
        """The FPGA flow options that differ from :data:`FLOW_DEFAULTS`."""
        return {k: getattr(self, k) for k, v in FLOW_DEFAULTS.items() if getattr(self, k) != v}

    @property
    def key(self) -> str:
        """``name[/nodsp]``, the key of :func:`lnsgen.synth.flow.entry_key`."""
        return self.spec.name + ("/nodsp" if self.nodsp else "")

    @property
    def slug(self) -> str:
        """The point as a folder name: the unit, then the options that are not the defaults
        (two points of one unit on two devices must not share a work folder)."""
        tags = [f"{v:g}mhz" if k == "freq" else str(v) for k, v in self.flow.items()]
        return "-".join([self.spec.name] + (["nodsp"] if self.nodsp else []) + tags)

    def to_dict(self) -> dict:
        # The flow options only where they are not the defaults: a point of the default flow
        # keeps the dict (and so the cache key) it had before these options existed.
        return {"spec": self.spec.to_dict(), "nodsp": self.nodsp, "targets": list(self.targets),
                "asic": self.asic, **self.flow}

    @classmethod
    def from_dict(cls, d: dict) -> Point:
        return cls(UnitSpec.from_dict(d["spec"]), nodsp=d.get("nodsp", False),
                   targets=tuple(d.get("targets", DEFAULT_TARGETS)), asic=d.get("asic", True),
                   **{k: d[k] for k in FLOW_DEFAULTS if k in d})


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def grid(units, params: dict | None = None, *, nodsp=(False,), targets=DEFAULT_TARGETS,
         asic=True, **flow) -> list[Point]:
    """The points of the Cartesian product of ``units`` (kinds or presets) and ``params``
    (spec parameter -> a value or a list of values), each with the FPGA ``flow`` options
    (keys of :data:`FLOW_DEFAULTS`, one value each).

    A parameter applies to the units whose kind has it and leaves the others alone (``method``
    does not multiply ``mul``'s points). A parameter that applies to none of the units, a
    unit that does not exist and a value out of range are errors.
    """
    params = {k: _as_list(v) for k, v in (params or {}).items()}
    points = []
    specs = [resolve(u) for u in _as_list(units)]
    for name in params:
        if not any(name in spec for spec in specs):
            raise SpecError(f"parameter {name!r} applies to none of the units "
                            f"{', '.join(_as_list(units))}")
    for unit, base in zip(_as_list(units), specs):
        axes = {k: v for k, v in params.items() if k in base}
        for combo in itertools.product(*axes.values()):
            spec = resolve(unit, **dict(zip(axes, combo)))
            for nd in _as_list(nodsp):
                points.append(Point(spec, nodsp=bool(nd), targets=tuple(targets),
                                    asic=bool(asic), **flow))
    return list(dict.fromkeys(points))


def load_config(path) -> list[Point]:
    """Points of a TOML file with a ``[grid]`` table and/or ``[[point]]`` entries.

    Both take ``unit`` (kinds or presets), any spec parameter, ``nodsp``, ``targets``, ``asic``
    and the flow options of :data:`FLOW_DEFAULTS` (one value each); a ``[[point]]`` takes
    single values.

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
    spec_params = {p.name for k in KINDS.values() for p in k.params}
    options_keys = ("nodsp", "targets", "asic", *FLOW_DEFAULTS)
    allowed = {"unit", *options_keys} | spec_params
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
        if "unit" not in section:
            raise ValueError(f"{path}: {name} needs a 'unit'")
        section = dict(section)
        options = {k: section.pop(k) for k in options_keys if k in section}
        try:
            points += grid(section.pop("unit"), section, nodsp=options.pop("nodsp", (False,)),
                           targets=options.pop("targets", DEFAULT_TARGETS),
                           asic=options.pop("asic", True), **options)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: {name}: {exc}") from None
    if not points:
        raise ValueError(f"{path}: no points (give a [grid] or [[point]] entries)")
    return list(dict.fromkeys(points))


# Cache keys --------------------------------------------------------------------------------


#: Modules every point depends on: the spec and the synthesis flows.
_ALWAYS = ("lnsgen.spec", "lnsgen.synth.flow", "lnsgen.synth.wrapper", "lnsgen.synth.asic")


def _roots(spec: UnitSpec) -> list[str]:
    roots = [spec.kind_info.module]  # not built: a point that cannot be built still has a key
    if accuracy_method(spec) not in (None, "exact"):
        roots.append("lnsgen.golden.error")
    return roots


def source_files(spec: UnitSpec) -> list[pathlib.Path]:
    """The source files a point of ``spec`` depends on.

    The module of the unit's component and the lnsgen modules it imports, transitively
    (``from lnsgen.golden import X`` counts as the submodule that defines ``X``, not all of
    ``golden``), ``golden.error`` and its imports when the unit has an accuracy model here,
    plus the spec and the synthesis flows (:func:`lnsgen.sources.source_files`). So a change to
    the adder recomputes the adder points and leaves the multiplier's in the cache.
    """
    return sources.source_files(_roots(spec), _ALWAYS)


def source_digest(spec: UnitSpec) -> str:
    """SHA-256 over the module names and contents of :func:`source_files` of ``spec``."""
    return sources.source_digest(_roots(spec), _ALWAYS)


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


def accuracy_method(spec: UnitSpec) -> str | None:
    """``exact`` (mul, div), the Gaussian-log method of the units built on the adder, or
    ``None`` for a kind without an accuracy model here (the converters)."""
    if spec.kind in ("mul", "div"):
        return "exact"
    if spec.kind in ("add", "mac", "acc", "mm"):
        return spec["method"]
    return None  # converters, baselines: their benches check them bit-exactly


def accuracy(spec: UnitSpec) -> dict | None:
    """Golden accuracy of the unit of ``spec``, or ``None`` for a kind without a model here.

    For the adder-based units, the exhaustive phi+/phi- error of :func:`lnsgen.golden.error.error_table`
    (every ``d``): the error of each ``a +- b`` in ulps of the result's log. ``max_rel_error``
    turns the worse max into a relative error of the value, ``2**(max_ulp * 2**-F) - 1``, which
    compares formats of different precision.
    """
    method = accuracy_method(spec)
    if method is None:
        return None
    fmt = spec.fmt
    if method == "exact":
        return {"method": "exact", "max_ulp": 0.0, "mean_ulp": 0.0, "max_rel_error": 0.0,
                "phi_plus_max_ulp": None, "phi_plus_mean_ulp": None,
                "phi_minus_max_ulp": None, "phi_minus_mean_ulp": None, "table_bits": 0,
                "d_checked": 0, "faithful": True,
                "note": "exact in the log domain (saturation aside)"}
    from lnsgen.golden.error import error_table
    rows = {r["kind"]: r for r in error_table(fmt, method, spec["max_error"])}
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
    return synthesize(point.spec, targets=point.targets, workdir=workdir, nodsp=point.nodsp,
                      freq_mhz=point.freq, ecp5_device=point.ecp5_device,
                      package=point.package, ports=point.ports, jobs=1)


def _asic(point: Point, workdir: pathlib.Path) -> dict:
    from .asic import find_liberty, run_asic
    if not point.asic:
        return {"status": "not run", "reason": "not asked"}
    if find_liberty() is None:
        return {"status": "not run",
                "reason": "OSU 0.18 um liberty not installed (make setup-asic)"}
    return {"status": "ok", **run_asic(point.spec, workdir)}


def evaluate_point(point: dict, workroot: str) -> dict:
    """Accuracy, FPGA and ASIC numbers of one point (a :meth:`Point.to_dict`): a pure task.

    Work files go to ``workroot/<point slug>/{fpga,asic}``. Never raises: a failure gives a
    result with ``status: "error"``, ``error`` (one line) and ``traceback``.
    """
    start = time.monotonic()
    result = {"key": None, "point": point, "status": "ok", "error": None,
              "host": socket.gethostname(), "pid": os.getpid()}
    try:
        p = Point.from_dict(point)
        result["key"] = p.key
        fmt = p.spec.model_format
        result.update(unit=p.spec.label, name=p.spec.name, kind=p.spec.kind,
                      spec=p.spec.to_dict(),
                      format=fmt.name, int_bits=p.spec.get("int_bits"),
                      frac_bits=p.spec.get("frac_bits"),
                      width=fmt.width, nodsp=p.nodsp, method=accuracy_method(p.spec))
        base = pathlib.Path(workroot) / p.slug
        result["accuracy"] = accuracy(p.spec)
        fpga = _fpga(p, base / "fpga")
        result["fpga"] = fpga
        if fpga:
            result["latency"] = fpga["latency"]
        else:
            result["latency"] = getattr(p.spec.build(), "latency", None)
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
    method = accuracy_method(point.spec)
    bits = point.spec.get("frac_bits") or point.spec.model_format.width
    return bits * {"direct": 4, "interp": 2}.get(method, 1)


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
    digests = {spec: source_digest(spec) for spec in {p.spec for p in points}}
    keys = [cache_key(p, envs[p.asic], digests[p.spec]) for p in points]
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
            (r.get("unit") or p.get("spec", {}).get("kind", "?"))
            + (" (-nodsp)" if p.get("nodsp") else ""),
            r.get("format") or "?",
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
