"""The lnsgen report a person reads: one self-contained HTML page and the same tables as Markdown.

``lnsgen report`` (``make report``) writes ``build/reports/report.html`` (plots embedded, no
other file needed) and ``build/reports/report.md`` (plots as PNG files beside it), and prints the
main table:

* per unit and format: latency, accuracy (max/mean ulp of the exhaustive phi error), ECP5 and
  iCE40 resources and Fmax, OSU 0.18 um area and critical path, verification status (vectors
  checked per simulator, mismatches);
* plots (matplotlib PNGs): phi error against d per adder method, area against precision per
  method, and the accuracy-area Pareto front across the sweep.

It reads what the other targets left in ``build/reports`` (``sim/*.json``, ``synth.json``,
``sweep.json``) and says "not run" for whatever is missing; it never fails for a missing report.
``--screenshot`` renders the page in headless Chromium (Debian ``chromium``) to a PNG.
"""

from __future__ import annotations

import base64
import datetime
import html
import io
import json
import os
import pathlib
import shutil
import subprocess

from lnsgen import paths
from lnsgen.golden import LNSFormat
from lnsgen.spec import UnitSpec

from .asic import NOTE as ASIC_NOTE
from .report import dig

__all__ = ["build_rows", "find_chromium", "pareto_front", "screenshot", "summary_table",
           "write_report"]

NOT_RUN = "not run"
#: Accuracy is computed for the table only up to this precision (bigger tables are slow).
MAX_ACCURACY_FRAC = 16
#: Colours of the units in the plots.
COLOURS = {"mul": "tab:green", "div": "tab:olive", "add": "tab:orange",
           "add_direct": "tab:blue", "acc": "tab:red", "acc_kahan": "tab:purple"}


# Inputs -----------------------------------------------------------------------------------------


def _load_json(path: pathlib.Path, notes: list):
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        notes.append(f"{path.name} unreadable ({exc}); treated as not run")
        return None


def _spec_of(entry: dict):
    """The :class:`~lnsgen.spec.UnitSpec` a report entry records, or ``None``."""
    try:
        return UnitSpec.from_dict(entry["spec"])
    except (KeyError, TypeError, ValueError):
        return None


def _sim_rows(reports: pathlib.Path, notes: list) -> dict:
    """``spec name -> {spec, sims, vectors, mismatches}`` from the bench reports (runs against
    a deliberately wrong reference, which fail on purpose, are left out)."""
    rows = {}
    for path in sorted((reports / "sim").glob("*.json")):
        r = _load_json(path, notes)
        if not isinstance(r, dict) or r.get("variant"):
            continue
        spec = _spec_of(r)
        if spec is None:
            continue
        row = rows.setdefault(spec.name, {"spec": spec, "sims": {}, "vectors": 0,
                                          "mismatches": 0})
        row["sims"][r.get("sim", "?")] = row["sims"].get(r.get("sim", "?"), 0) + r.get("vectors", 0)
        row["vectors"] += r.get("vectors", 0)
        row["mismatches"] += r.get("mismatches", 0)
    return rows


def _accuracy(spec, cache: dict):
    """Accuracy of a unit (see :func:`lnsgen.synth.sweep.accuracy`), computed once per
    method, error bound and format."""
    from .sweep import accuracy, accuracy_method
    method = accuracy_method(spec)
    if method is None or spec["frac_bits"] > MAX_ACCURACY_FRAC:
        return None
    key = (method, spec.get("max_error"), spec.fmt)
    if key not in cache:
        try:
            cache[key] = accuracy(spec)
        except (ValueError, TypeError):
            cache[key] = None
    return cache[key]


def build_rows(reports=None, *, accuracy: bool = True) -> tuple[list[dict], dict, list]:
    """The rows of the main table, the sweep document (or ``None``) and notes on the inputs.

    A row is one unit spec and DSP setting found in any of the bench reports, ``synth.json``
    or ``sweep.json``; each part it lacks is ``None`` (shown as "not run").
    """
    reports = pathlib.Path(reports) if reports is not None else paths.reports_dir()
    notes: list = []
    sims = _sim_rows(reports, notes)
    synth = _load_json(reports / "synth.json", notes) or []
    sweep = _load_json(reports / "sweep.json", notes)
    rows: dict = {}

    def row(spec, nodsp=False):
        fmt = spec.model_format
        return rows.setdefault((spec.name, bool(nodsp)), {
            "unit": spec.label, "name": spec.name, "kind": spec.kind, "spec": spec,
            "format": fmt.name, "int_bits": spec.get("int_bits") or 0,
            "frac_bits": spec.get("frac_bits") or 0,
            "nodsp": bool(nodsp), "latency": getattr(spec.build(), "latency", None),
            "accuracy": None, "fpga": None, "asic": None, "verification": None})

    for v in sims.values():
        row(v["spec"])["verification"] = v
    for entry in synth if isinstance(synth, list) else []:
        spec = _spec_of(entry) if isinstance(entry, dict) else None
        if spec is None:
            continue
        r = row(spec, entry.get("nodsp"))
        r["fpga"], r["latency"] = entry, entry.get("latency", r["latency"])
    for result in (sweep or {}).get("results", []):
        spec = _spec_of(result)
        if result.get("status") != "ok" or spec is None:
            continue
        r = row(spec, result.get("nodsp"))
        r["accuracy"] = result.get("accuracy")
        r["latency"] = result.get("latency", r["latency"])
        if result.get("fpga"):
            r["fpga"] = result["fpga"]
        if (result.get("asic") or {}).get("status") == "ok":
            r["asic"] = result["asic"]
    # Verification of a spec applies to its -nodsp row too: the same RTL.
    for (name, nodsp), r in rows.items():
        if nodsp and r["verification"] is None and name in sims:
            r["verification"] = sims[name]
    cache: dict = {}
    for r in rows.values():
        if accuracy and r["accuracy"] is None:
            r["accuracy"] = _accuracy(r["spec"], cache)
    ordered = sorted(rows.values(), key=lambda r: (r["unit"], r["int_bits"] + r["frac_bits"],
                                                   r["int_bits"], r["nodsp"]))
    return ordered, sweep, notes


# Tables -------------------------------------------------------------------------------------------


def _num(value, digits=1, thousands=True) -> str:
    if value is None:
        return NOT_RUN
    if isinstance(value, float):
        return f"{value:,.{digits}f}" if thousands else f"{value:.{digits}f}"
    if isinstance(value, int) and thousands:
        return f"{value:,}"
    return str(value)


def _label(r) -> str:
    return r["unit"] + (" (-nodsp)" if r["nodsp"] else "")


#: ``(header, cell)`` of the main table; a cell is text (plain, used for HTML and Markdown).
def _columns():
    def acc(r):
        a = r["accuracy"]
        if a is None:
            return "n/a" if _no_model(r) else NOT_RUN
        if a["method"] == "exact":
            return "exact"
        return f"{a['max_ulp']:.3f} / {a['mean_ulp']:.3f}"

    def ecp5(r):
        e = dig(r, "fpga", "ecp5")
        return f"{e['lut4']:,} + {e['ccu2c']:,}" if e else NOT_RUN

    def ecp5_ff(r):
        e = dig(r, "fpga", "ecp5")
        return f"{e['ff'] - (r['fpga'].get('ring_ff') or 0):,}" if e else NOT_RUN

    def ice40_fmax(r):
        e = dig(r, "fpga", "ice40")
        if e and e.get("fmax_mhz") is None and e.get("pnr_error"):
            return "P&R failed" + (" (RAM)" if "RAM" in e["pnr_error"] else "")
        return _num(dig(e, "fmax_mhz"))

    def ver(r):
        v = r["verification"]
        if not v:
            return NOT_RUN
        sims = ", ".join(f"{k} {n:,}" for k, n in sorted(v["sims"].items()))
        return f"{v['vectors']:,} ({sims})"

    def status(r):
        v = r["verification"]
        if not v:
            return NOT_RUN
        return "pass" if v["mismatches"] == 0 else f"FAIL ({v['mismatches']:,} mismatches)"

    return [
        ("unit", _label),
        ("format", lambda r: r["format"]),
        ("latency", lambda r: _num(r["latency"])),
        ("max / mean ulp", acc),
        ("ECP5 LUT4 + CCU2C", ecp5),
        ("DSP", lambda r: _num(dig(r, "fpga", "ecp5", "dsp"))),
        ("EBR", lambda r: _num(dig(r, "fpga", "ecp5", "ebr"))),
        ("FF", ecp5_ff),
        ("Fmax MHz (ECP5)", lambda r: _num(dig(r, "fpga", "ecp5", "fmax_mhz"))),
        ("iCE40 LUT4", lambda r: _num(dig(r, "fpga", "ice40", "lut4"))),
        ("Fmax MHz (iCE40)", ice40_fmax),
        ("ASIC um²", lambda r: _num(dig(r, "asic", "area_um2"), 0)),
        ("ASIC crit. ns", lambda r: _num(dig(r, "asic", "critical_path_ns"), 2)),
        ("vectors checked (simulators)", ver),
        ("verification", status),
    ]


def _no_model(r) -> bool:
    from .sweep import accuracy_method
    return accuracy_method(r["spec"]) is None


def _table_cells(rows) -> tuple[list[str], list[list[str]]]:
    cols = _columns()
    return [h for h, _ in cols], [[get(r) for _, get in cols] for r in rows]


def markdown_table(head, body) -> str:
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"


def html_table(head, body, numeric_from=2) -> str:
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head)
           + "</tr></thead>", "<tbody>"]
    for cells in body:
        tds = []
        for i, c in enumerate(cells):
            cls = []
            if i >= numeric_from:
                cls.append("num")
            if c == NOT_RUN:
                cls.append("missing")
            if c.startswith(("FAIL", "error", "P&R failed")):
                cls.append("fail")
            attr = f' class="{" ".join(cls)}"' if cls else ""
            tds.append(f"<td{attr}>{html.escape(c)}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


# Pareto ----------------------------------------------------------------------------------------------


def pareto_front(points):
    """The points not dominated in ``(error, area)`` (both smaller is better), by error.

    ``points`` are dicts with ``error`` and ``area``; a point is dominated when another has
    error and area no larger and one of them smaller.
    """
    ordered = sorted(points, key=lambda p: (p["error"], p["area"]))
    front, best = [], float("inf")
    for p in ordered:
        if p["area"] < best:
            front.append(p)
            best = p["area"]
    return front


def _sweep_points(sweep) -> list[dict]:
    """Adder-type results of the sweep (those with an error) with their area measures."""
    out = []
    for r in (sweep or {}).get("results", []):
        acc = r.get("accuracy") or {}
        if r.get("status") != "ok" or acc.get("method") in (None, "exact"):
            continue
        e5 = dig(r, "fpga", "ecp5") or {}
        out.append({
            "unit": r["unit"], "kind": r.get("kind"), "format": r["format"],
            "frac_bits": r["frac_bits"],
            "nodsp": r.get("nodsp", False), "method": acc["method"],
            "error": acc["max_rel_error"], "max_ulp": acc["max_ulp"],
            "asic": dig(r, "asic", "area_um2") if dig(r, "asic", "status") == "ok" else None,
            "ecp5": (e5["lut4"] + e5["ccu2c"]) if e5 else None,
            "ebr": e5.get("ebr"), "dsp": e5.get("dsp"),
        })
    return out


def pareto_analysis(sweep) -> dict | None:
    """Front of the sweep's adder-type points on ASIC area (or ECP5 LUT4 + CCU2C without it)."""
    pts = _sweep_points(sweep)
    if not pts:
        return None
    measure = "asic" if all(p["asic"] is not None for p in pts) else "ecp5"
    pts = [dict(p, area=p[measure]) for p in pts if p[measure] is not None]
    if not pts:
        return None
    front = pareto_front(pts)
    by_method = {}
    for p in front:
        by_method.setdefault(p["method"], []).append(p)
    parts = []
    for method, ps in sorted(by_method.items()):
        formats = ", ".join(f"{p['format']} ({p['unit']})" for p in ps)
        parts.append(f"{method}: {formats}")
    unit = "um² (OSU 0.18 um)" if measure == "asic" else "ECP5 LUT4 + CCU2C (EBR/DSP not counted)"
    finding = (f"{len(front)} of {len(pts)} adder-type points are Pareto-optimal in "
               f"(max relative error, area in {unit}). On the front, " + "; ".join(parts) + ".")
    # Where each method wins: per precision, the cheaper method at that format.
    wins = []
    by_fmt = {}
    for p in pts:
        if p["kind"] == "add" and not p["nodsp"]:
            by_fmt.setdefault(p["format"], {})[p["method"]] = p
    for name, d in sorted(by_fmt.items(), key=lambda kv: next(iter(kv[1].values()))["frac_bits"]):
        if len(d) == 2:
            cheaper = min(d.values(), key=lambda p: p["area"])
            other = max(d.values(), key=lambda p: p["area"])
            wins.append(f"{name}: {cheaper['method']} is {other['area'] / cheaper['area']:.2f}x "
                        f"smaller than {other['method']}")
    if wins:
        finding += " Same format, interp vs direct: " + "; ".join(wins) + "."
    return {"measure": measure, "unit": unit, "points": pts, "front": front, "finding": finding}


# Plots ------------------------------------------------------------------------------------------------


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    _plt().close(fig)
    return buf.getvalue()


def plot_phi_error(fmt: LNSFormat) -> bytes:
    """Signed phi+/phi- error against d for both methods (:func:`lnsgen.golden.error.write_plot`)."""
    from lnsgen.golden.error import methods_for, write_plot
    methods = methods_for(fmt, "all")[0]
    tmp = paths.reports_dir() / f".phi_error_{os.getpid()}.png"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_plot(fmt, methods, 1.0, str(tmp))
        return tmp.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)


def plot_area_vs_precision(sweep) -> bytes | None:
    """Area against fractional bits, one line per unit: ECP5 logic, ECP5 EBR + DSP, ASIC."""
    results = [r for r in (sweep or {}).get("results", []) if r.get("status") == "ok"
               and not r.get("nodsp")]
    if not results:
        return None
    plt = _plt()
    has_asic = any(dig(r, "asic", "status") == "ok" for r in results)
    panels = [("ECP5 LUT4 + CCU2C", lambda r: (dig(r, "fpga", "ecp5", "lut4") or 0)
               + (dig(r, "fpga", "ecp5", "ccu2c") or 0) if dig(r, "fpga", "ecp5") else None),
              ("ECP5 block RAMs (EBR) + DSPs", lambda r: (dig(r, "fpga", "ecp5", "ebr") or 0)
               + (dig(r, "fpga", "ecp5", "dsp") or 0) if dig(r, "fpga", "ecp5") else None)]
    if has_asic:
        panels.append(("ASIC area, um² (OSU 0.18 um, teaching library)",
                       lambda r: dig(r, "asic", "area_um2")
                       if dig(r, "asic", "status") == "ok" else None))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2),
                             constrained_layout=True)
    units = sorted({r["unit"] for r in results})
    for ax, (title, get) in zip(axes, panels):
        for unit in units:
            pts = sorted((r["frac_bits"], get(r), r["int_bits"]) for r in results
                          if r["unit"] == unit and get(r) is not None)
            if not pts:
                continue
            label = f"{unit} ({next(r for r in results if r['unit'] == unit)['method']})"
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=label,
                    color=COLOURS.get(unit))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("fractional bits F (precision 2^-F in log2)")
        ax.grid(alpha=0.3)
        if "um²" in title or "LUT4" in title:
            ax.set_yscale("log")
        ax.legend(fontsize=8)
    return _png(fig)


def plot_pareto(analysis) -> bytes | None:
    """Max relative error against area for every adder-type point, the front joined."""
    if not analysis:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8.5, 5.5), constrained_layout=True)
    on_front = {id(p) for p in analysis["front"]}
    for unit in sorted({p["unit"] for p in analysis["points"]}):
        pts = [p for p in analysis["points"] if p["unit"] == unit]
        ax.scatter([p["error"] for p in pts], [p["area"] for p in pts], s=40,
                   color=COLOURS.get(unit), label=f"{unit} ({pts[0]['method']})", zorder=3,
                   edgecolors=["black" if id(p) in on_front else "none" for p in pts])
        for p in pts:
            ax.annotate(p["format"].split("_")[1] + (" nodsp" if p["nodsp"] else ""),
                        (p["error"], p["area"]), textcoords="offset points", xytext=(5, 4),
                        fontsize=7)
    front = analysis["front"]
    xs, ys = [], []
    for p in front:  # staircase: nothing below-left of it exists
        if xs:
            xs.append(p["error"])
            ys.append(ys[-1])
        xs.append(p["error"])
        ys.append(p["area"])
    ax.plot(xs, ys, "--", color="black", linewidth=1, label="Pareto front", zorder=2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("max relative error of a ± b  (2^(max ulp · 2^-F) − 1), exhaustive over d")
    ax.set_ylabel("area, " + analysis["unit"])
    ax.set_title("Accuracy-area trade-off of the sweep (lower left is better)", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return _png(fig)


def depth_curves(sweep) -> dict:
    """``{(kind, format): [result, ...]}`` of the sweep's points that vary the adder latency
    (at least three depths of one kind and format), each list sorted by latency."""
    groups = {}
    for r in (sweep or {}).get("results", []):
        latency = (r.get("spec") or {}).get("adder_latency")
        if r.get("status") == "ok" and latency is not None:
            groups.setdefault((r["kind"], r["format"]), []).append(r)
    return {key: sorted(rs, key=lambda r: (r["spec"]["adder_latency"], r.get("nodsp", False)))
            for key, rs in sorted(groups.items())
            if len({r["spec"]["adder_latency"] for r in rs}) >= 3}


def plot_depth(sweep) -> bytes | None:
    """Fmax and size against the adder's pipeline depth, per unit kind: ECP5 with and without
    DSPs, iCE40, OSU 0.18 um (1 / critical path); ECP5 LUT4 + CCU2C and flip-flops."""
    curves = depth_curves(sweep)
    if not curves:
        return None
    plt = _plt()
    fig, (ax_f, ax_a) = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    series = [("ECP5", False, lambda r: dig(r, "fpga", "ecp5", "fmax_mhz"), "o-"),
              ("ECP5 -nodsp", True, lambda r: dig(r, "fpga", "ecp5", "fmax_mhz"), "s--"),
              ("iCE40", False, lambda r: dig(r, "fpga", "ice40", "fmax_mhz"), "^:"),
              ("OSU 0.18 um", False, lambda r: (1000 / dig(r, "asic", "critical_path_ns"))
               if dig(r, "asic", "critical_path_ns") else None, "d-.")]
    colours = ["tab:orange", "tab:blue", "tab:green", "tab:red", "tab:purple", "tab:brown"]
    for colour, ((kind, fmt), rs) in zip(colours, curves.items()):
        spec = rs[0]["spec"]
        kind = f"PE ({kind}{spec['rows']}x{spec['cols']})" if "rows" in spec else kind
        for label, nodsp, get, style in series:
            pts = [(r["spec"]["adder_latency"], get(r)) for r in rs
                   if r.get("nodsp", False) == nodsp and get(r) is not None]
            if pts:
                ax_f.plot(*zip(*pts), style, color=colour, label=f"{kind} {label}",
                          markersize=4)
        size = [(r["spec"]["adder_latency"], (dig(r, "fpga", "ecp5", "lut4") or 0)
                 + (dig(r, "fpga", "ecp5", "ccu2c") or 0), dig(r, "fpga", "ecp5", "ff"))
                for r in rs if not r.get("nodsp") and dig(r, "fpga", "ecp5")]
        if size:
            x, luts, ffs = zip(*size)
            ax_a.plot(x, luts, "o-", color=colour, label=f"{kind} LUT4 + CCU2C", markersize=4)
            ax_a.plot(x, ffs, "s:", color=colour, label=f"{kind} flip-flops", markersize=4)
    fmts = ", ".join(sorted({fmt for _, fmt in curves}))
    ax_f.set_title(f"Fmax against the adder's pipeline depth ({fmts})", fontsize=10)
    ax_f.set_ylabel("MHz (OSU: 1 / critical path)")
    ax_a.set_title("ECP5 size against the adder's pipeline depth (with DSPs)", fontsize=10)
    for ax in (ax_f, ax_a):
        ax.set_xlabel("adder latency (register stages; 1-3 tables as logic, 5-8 table ROMs, "
                      "9-10 tables in LUTs)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
    return _png(fig)


# The page ---------------------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 2em auto;
       max-width: 1400px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; font-size: 1.25em;
     border-bottom: 1px solid #ccc; }
.meta { color: #666; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
th, td { border: 1px solid #ccc; padding: 3px 7px; } th { background: #f0f3f7; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.missing { color: #999; font-style: italic; } td.fail { color: #b00; font-weight: bold; }
tbody tr:nth-child(even) { background: #fafafa; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.5em 0.8em; }
.finding { background: #eef6ee; border-left: 4px solid #3a3; padding: 0.5em 0.8em; }
img { max-width: 100%; border: 1px solid #ddd; }
"""


def _img_html(png: bytes | None, alt: str) -> str:
    if png is None:
        return f'<p class="missing"><em>{NOT_RUN}: {html.escape(alt)}</em></p>'
    data = base64.b64encode(png).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _tools(rows, sweep) -> str:
    found = set()
    for r in rows:
        t = dig(r, "fpga", "tools")
        if t:
            found.add(f"{t.get('yosys')}, {t.get('nextpnr')}, Amaranth {t.get('amaranth')}")
    for r in (sweep or {}).get("results", []):
        t = r.get("tools") or {}
        if t.get("opensta"):
            found.add(f"OpenSTA {t['opensta']}, liberty {t.get('liberty')} "
                      f"(sha256 {t.get('liberty_sha256')})")
    return "; ".join(sorted(found)) or NOT_RUN


def _sweep_section(sweep) -> tuple[str, str]:
    """(HTML, Markdown) of the sweep's statistics and failed points."""
    if not sweep:
        text = f"Sweep: {NOT_RUN} (`make sweep`)."
        return f"<p class='missing'>{html.escape(text)}</p>", text + "\n"
    s = sweep.get("stats", {})
    text = (f"Sweep of {s.get('points')} points ({s.get('mode')}, {s.get('workers')} worker(s)): "
            f"{s.get('wall_s')} s wall, {s.get('cache_hits')} cache hits, "
            f"{s.get('computed')} computed, {s.get('failed')} failed; generated "
            f"{sweep.get('generated')}.")
    failed = [r for r in sweep.get("results", []) if r.get("status") != "ok"]
    md = text + "\n"
    out = f"<p>{html.escape(text)}</p>"
    if failed:
        out += "<ul>" + "".join(f"<li class='fail'>{html.escape(str(r.get('key')))}: "
                                f"{html.escape(str(r.get('error')))}</li>" for r in failed) + "</ul>"
        md += "".join(f"- failed: {r.get('key')}: {r.get('error')}\n" for r in failed)
    return out, md


def write_report(out_dir=None, *, reports=None, phi_format: LNSFormat | None = None,
                 accuracy: bool = True) -> tuple[pathlib.Path, pathlib.Path]:
    """Write ``out_dir/report.html`` (self-contained) and ``out_dir/report.md`` (+ PNG files).

    Parameters
    ----------
    out_dir : path-like
        Where the report goes (default ``build/reports``).
    reports : path-like or None
        Where the inputs are (default ``out_dir``).
    phi_format : golden.LNSFormat or None
        Format of the phi error plot (default ``lns16_i5f10``); ``None`` in tests is the default.
    accuracy : bool
        Compute the accuracy of rows the sweep did not cover (golden, a few seconds per format).

    Returns
    -------
    tuple of pathlib.Path
        The HTML and Markdown files.
    """
    out_dir = pathlib.Path(out_dir) if out_dir is not None else paths.reports_dir()
    reports = pathlib.Path(reports) if reports is not None else out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    phi_format = phi_format or LNSFormat(int_bits=5, frac_bits=10)
    rows, sweep, notes = build_rows(reports, accuracy=accuracy)
    head, body = _table_cells(rows)
    analysis = pareto_analysis(sweep)
    # The depth curve: from this build's sweep when it varies the adder latency, else the
    # published one (docs/data/depth.json), said so in the caption.
    depth_sweep, depth_source = sweep, "this build's sweep"
    if not depth_curves(sweep):
        published = _load_json(pathlib.Path("docs", "data", "depth.json"), notes)
        depth_sweep = (published or {}).get("data")
        depth_source = "published: docs/data/depth.json"
    depth_plot = (plot_depth(depth_sweep),
                  f"Fmax and ECP5 size against the adder's pipeline depth ({depth_source})")
    plots = {
        "phi_error": (plot_phi_error(phi_format),
                      f"phi+ and phi- error against d, both methods, {phi_format.name}"),
        "area_vs_precision": (plot_area_vs_precision(sweep),
                              "area against precision per unit and method (from the sweep)"),
        "pareto": (plot_pareto(analysis), "accuracy-area Pareto front (from the sweep)"),
        "depth": depth_plot,
    }
    for name, (png, _) in plots.items():
        path = out_dir / f"report_{name}.png"
        if png is not None:
            path.write_bytes(png)
        else:
            path.unlink(missing_ok=True)

    generated = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    tools = _tools(rows, sweep)
    sweep_html, sweep_md = _sweep_section(sweep)
    finding = analysis["finding"] if analysis else f"Pareto front: {NOT_RUN} (`make sweep`)."
    legend = ("Accuracy: max / mean |error| in ulps of the result's log over every d of phi+ "
              "and phi- (golden, exhaustive): the error of each a ± b; mul/div are exact in "
              "the log domain. LUT4, CCU2C and Fmax include a register ring on every port "
              "(Fmax is register to register); FF counts the unit's own flip-flops. ASIC: "
              "cell area incl. the ring, critical path = clock period − worst slack (OpenSTA, "
              "ideal clock, no wire load). Verification: vectors checked bit-exactly against "
              "the golden model, per simulator.")

    md = ["# lnsgen report", "", f"Generated {generated}. Tools: {tools}.", "",
          "## Units", "", markdown_table(head, body), legend, "", f"> {ASIC_NOTE}", "",
          "## Sweep", "", sweep_md, f"**Pareto front.** {finding}", ""]
    for name, (png, alt) in plots.items():
        md.append(f"![{alt}](report_{name}.png)" if png else f"*{alt}: {NOT_RUN}*")
        md.append("")
    if notes:
        md += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    md_path = out_dir / "report.md"
    md_path.write_text("\n".join(md))

    page = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        "<title>lnsgen report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>lnsgen: LNS arithmetic units</h1>",
        f"<p class='meta'>Generated {html.escape(generated)}. Tools: {html.escape(tools)}.</p>",
        "<h2>Units: area, speed, accuracy, verification</h2>",
        html_table(head, body) if body else f"<p class='missing'>{NOT_RUN}: no bench, "
        "synthesis or sweep results yet (make sim, make synth, make sweep)</p>",
        f"<p class='meta'>{html.escape(legend)}</p>",
        f"<p class='note'>{html.escape(ASIC_NOTE)}</p>",
        "<h2>Accuracy-area trade-off</h2>", sweep_html,
        f"<p class='finding'><b>Pareto front.</b> {html.escape(finding)}</p>",
        _img_html(plots["pareto"][0], plots["pareto"][1]),
        "<h2>Clock speed against pipeline depth</h2>",
        _img_html(plots["depth"][0], plots["depth"][1]),
        "<h2>Area against precision</h2>",
        _img_html(plots["area_vs_precision"][0], plots["area_vs_precision"][1]),
        "<h2>Gaussian-log error against d</h2>",
        ("<p>phi± is the LNS adder's only approximation: the integer the hardware computes "
         "minus the exact value, in ulps, at every d; dashed lines at ±1 ulp (faithful).</p>"),
        _img_html(plots["phi_error"][0], plots["phi_error"][1]),
    ]
    if notes:
        page += ["<h2>Notes</h2><ul>"] + [f"<li>{html.escape(n)}</li>" for n in notes] + ["</ul>"]
    page.append("</body></html>\n")
    html_path = out_dir / "report.html"
    html_path.write_text("\n".join(page))
    return html_path, md_path


# Screenshot ---------------------------------------------------------------------------------------------


def find_chromium() -> str | None:
    """Path of a headless-capable Chromium (Debian ``chromium``), or ``None``."""
    for name in ("chromium", "chromium-browser", "chromium-headless-shell", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(html_path, png_path, *, width: int = 1400, height: int = 3200,
               timeout: float = 120.0) -> pathlib.Path:
    """Render ``html_path`` in headless Chromium and save a PNG of the page.

    Raises
    ------
    FileNotFoundError
        If Chromium is not installed.
    RuntimeError
        If Chromium fails or writes no image.
    """
    chromium = find_chromium()
    if chromium is None:
        raise FileNotFoundError("chromium not found (Debian: apt-get install chromium)")
    html_path = pathlib.Path(html_path).resolve()
    png_path = pathlib.Path(png_path).resolve()
    png_path.unlink(missing_ok=True)
    args = [chromium, "--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-dev-shm-usage", f"--window-size={width},{height}",
            f"--screenshot={png_path}", html_path.as_uri()]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)
    if proc.returncode != 0 or not png_path.exists() or png_path.stat().st_size == 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
        raise RuntimeError(f"chromium failed (status {proc.returncode}):\n{tail}")
    return png_path


def summary_table(reports=None) -> str:
    """The main table as Markdown (what ``lnsgen report`` prints), without the accuracy
    columns' computation for rows the sweep did not cover."""
    rows, _, _ = build_rows(reports)
    if not rows:
        return ""
    return markdown_table(*_table_cells(rows))
