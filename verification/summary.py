"""The summary table of ``make``: per unit and format, vectors checked, mismatches, area, Fmax.

Reads the bench results (``build/reports/sim/*.json``) and the synthesis results
(``build/reports/synth.json``), prints a Markdown table and writes it to
``build/reports/summary.md``.
"""

from __future__ import annotations

import collections
import json
import sys

from lnsgen import paths
from lnsgen.golden import LNSFormat
from lnsgen.hdl.units import UNITS


def collect() -> list[dict]:
    rows = collections.OrderedDict()
    for path in sorted((paths.reports_dir() / "sim").glob("*.json")):
        r = json.loads(path.read_text())
        if r["model"] not in UNITS:
            continue  # a self-test against a deliberately wrong model, failing on purpose
        fmt = LNSFormat(int_bits=r["int_bits"], frac_bits=r["frac_bits"])
        row = rows.setdefault((r["model"], fmt.name), {
            "unit": r["model"], "format": fmt.name, "sims": {}, "vectors": 0, "mismatches": 0})
        sim = r["sim"]
        row["sims"][sim] = row["sims"].get(sim, 0) + r["vectors"]
        row["vectors"] += r["vectors"]
        row["mismatches"] += r["mismatches"]
    synth_file = paths.reports_dir() / "synth.json"
    for entry in json.loads(synth_file.read_text()) if synth_file.exists() else []:
        if entry.get("nodsp"):
            continue
        row = rows.setdefault((entry["unit"], entry["format"]), {
            "unit": entry["unit"], "format": entry["format"], "sims": {}, "vectors": 0,
            "mismatches": 0})
        row["synth"] = entry
    return list(rows.values())


def markdown(rows: list[dict]) -> str:
    head = ("| unit | format | vectors checked (per simulator) | mismatches | ECP5 LUT4 + CCU2C "
            "| ECP5 FF | Fmax MHz (ECP5) | iCE40 cells | latency |")
    lines = [head, "|---" * 9 + "|"]
    for r in rows:
        s = r.get("synth")
        ecp5, ice40 = (s or {}).get("ecp5"), (s or {}).get("ice40")
        sims = ", ".join(f"{k} {v:,}" for k, v in sorted(r["sims"].items())) or "not simulated"
        area = f"{ecp5['lut4']} + {ecp5['ccu2c']}" if ecp5 else "-"
        ff = ecp5["ff"] - s.get("ring_ff", 0) if ecp5 else "-"
        # No Fmax: place and route failed (a design larger than the device)
        fmax = "-" if not ecp5 else ecp5.get("fmax_mhz") or "no fit"
        lines.append(
            f"| {r['unit']} | {r['format']} | {r['vectors']:,} ({sims}) | {r['mismatches']} | "
            f"{area} | {ff} | {fmax} | {ice40['cells'] if ice40 else '-'} | "
            f"{s['latency'] if s else '-'} |")
    lines.append("")
    lines.append("ECP5 FF counts the unit's own registers (the port register ring that makes Fmax "
                 "a register-to-register number is subtracted); LUT4 and Fmax include the ring.")
    return "\n".join(lines)


def main() -> int:
    rows = collect()
    if not rows:
        print("no results yet: run `make sim` and `make synth` first", file=sys.stderr)
        return 1
    text = markdown(rows)
    (paths.reports_dir() / "summary.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
