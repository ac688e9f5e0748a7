"""The synthesis report: ``synth.json`` (every number) and ``synth.md`` (the summary table).

Entries are keyed by unit, format and DSP setting (:func:`lnsgen.synth.flow.entry_key`). A new run
replaces the entry with its key and leaves the others alone, so the report grows as units and
formats are synthesized one at a time.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile

__all__ = ["COLUMNS", "dig", "load_entries", "markdown_table", "merge_entries", "update_reports"]

JSON_NAME = "synth.json"
MD_NAME = "synth.md"


def dig(d, *path):
    """The value at ``path`` in nested dicts ``d``, or ``None`` where any step is missing or None."""
    for key in path:
        if not isinstance(d, dict) or d.get(key) is None:
            return None
        d = d[key]
    return d


def _get(*path):
    """A column getter: the value at ``path`` in an entry, or ``None`` if absent."""
    def get(entry):
        value = entry
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return value
    return get


def _unit_label(entry) -> str:
    return entry["unit"] + (" (-nodsp)" if entry.get("nodsp") else "")


#: ``(header, getter)`` of each column of the Markdown table.
COLUMNS = (
    ("unit", _unit_label),
    ("format", _get("format")),
    ("latency", _get("latency")),
    ("ECP5 LUT4", _get("ecp5", "lut4")),
    ("CCU2C", _get("ecp5", "ccu2c")),
    ("DSP", _get("ecp5", "dsp")),
    ("EBR", _get("ecp5", "ebr")),
    ("FF", _get("ecp5", "ff")),
    ("Fmax MHz", _get("ecp5", "fmax_mhz")),
    ("iCE40 LUT4", _get("ice40", "lut4")),
    ("iCE40 carry", _get("ice40", "carry")),
    ("iCE40 FF", _get("ice40", "ff")),
    ("iCE40 cells", _get("ice40", "cells")),
    ("generic gates", _get("generic", "gates")),
)


def load_entries(path) -> list[dict]:
    """Entries of an existing ``synth.json``, or ``[]`` if there is none yet.

    Raises
    ------
    ValueError
        If the file exists but is not a JSON list of entries with a ``key``.
    """
    path = pathlib.Path(path)
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}); delete it to start afresh") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "key" in e
                                                for e in entries):
        raise ValueError(f"{path} must hold a list of synthesis entries with a 'key'")
    return entries


def _sort_key(entry):
    return (entry.get("unit", ""), entry.get("width", 0), entry.get("int_bits", 0),
            bool(entry.get("nodsp")), entry["key"])


def merge_entries(existing, new) -> list[dict]:
    """``existing`` with each entry of ``new`` replacing the one with its key, sorted.

    Entries are sorted by unit, then width, so the table reads the same whatever order the
    runs happened in.
    """
    merged = {entry["key"]: entry for entry in existing}
    merged.update((entry["key"], entry) for entry in new)
    return sorted(merged.values(), key=_sort_key)


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def markdown_table(entries) -> str:
    """A Markdown table of ``entries`` with the columns of :data:`COLUMNS`."""
    headers = [header for header, _ in COLUMNS]
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(headers))) + "|"]
    for entry in entries:
        lines.append("| " + " | ".join(_cell(get(entry)) for _, get in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def _devices(entries, target) -> str:
    found = sorted({f"{e[target]['device']} {e[target]['package']}"
                    for e in entries if isinstance(e.get(target), dict)})
    return ", ".join(found) or "–"


def _notes(entries) -> str:
    tools = sorted({f"{e['tools'].get('yosys')}, {e['tools'].get('nextpnr')}"
                    for e in entries if e.get("tools")})
    return "\n".join([
        ("Each unit is synthesized inside a ring of registers on every port, so Fmax is a "
         "register-to-register figure; the FF columns include that ring (`ring_ff` in "
         f"`{JSON_NAME}`). Latency is the unit's own, without the ring."),
        "",
        (f"- ECP5: `synth_ecp5`, nextpnr-ecp5 on {_devices(entries, 'ecp5')}; "
         "DSP = MULT18X18D, EBR = DP16KD + PDPW16KD."),
        (f"- iCE40: `synth_ice40`, nextpnr-ice40 on {_devices(entries, 'ice40')}; "
         "FF = all SB_DFF* flavours; cells = all cells."),
        ("- generic: `synth -flatten; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX`, gates = every "
         "non-storage cell (NOT included)."),
        f"- Tools: {'; '.join(tools) or '–'}.",
    ]) + "\n"


def _write_atomic(path: pathlib.Path, text: str) -> None:
    """Replace ``path`` in one step, so a reader never sees a half-written report."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.replace(tmp, path)


def update_reports(entries, out_dir) -> tuple[pathlib.Path, pathlib.Path]:
    """Merge ``entries`` into ``out_dir/synth.json`` and rewrite ``out_dir/synth.md``.

    Parameters
    ----------
    entries : list of dict
        Results of :func:`lnsgen.synth.synthesize`.
    out_dir : path-like
        Report folder, created if missing.

    Returns
    -------
    tuple of pathlib.Path
        The JSON and Markdown files written.
    """
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / JSON_NAME, out_dir / MD_NAME
    merged = merge_entries(load_entries(json_path), entries)
    _write_atomic(json_path, json.dumps(merged, indent=2) + "\n")
    _write_atomic(md_path, "# lnsgen synthesis results\n\n" + markdown_table(merged) + "\n"
                  + _notes(merged))
    return json_path, md_path
