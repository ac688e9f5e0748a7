"""Soak runs: ``lnsgen soak`` (``make soak``) and :func:`run_soak`.

A soak run pushes a long random stream through one unit on a simulator (Verilator by default),
with random stalls on both streams and random reset pulses between segments, and compares
every result with golden (see :mod:`lnsgen.verification.tb_soak` for exactly what is checked). The CLI
runs it for each unit asked for and merges one row per (unit, simulator) into
``build/reports/soak.json``. Exit status: 0 when every run is clean, 1 when one failed,
2 on bad arguments.

*Operands* are accepted input beats, for every unit: an operand pair for mul, div and the
adders, a value summed for the accumulators, and for a systolic array one beat of a tile pass,
which carries ``rows`` values of A and ``cols`` values of B (``B[k, c]`` rides on the ``slots``
beats of its ``k``; the zero padding of partial tiles counts). The LNS values the beats carried
are reported as ``operand_values``: 1,000,000 operands through ``mm2x2`` are 4,000,000 A and B
values. Results are output beats: a sum, or one row of a C tile.

Example::

    lnsgen soak mul add mm2x2 --operands 1000000 --resets 40
"""

from __future__ import annotations

import json
import pathlib
import time

from lnsgen import paths
from lnsgen.golden.checks import check_int

from .config import SoakConfig
from .models import model_for

__all__ = ["DEFAULT_OPERANDS", "DEFAULT_RESETS", "SOAK_PRESETS", "merge_rows", "run_soak",
           "soak_table"]

DEFAULT_OPERANDS = 1_000_000
DEFAULT_RESETS = 40
#: What ``lnsgen soak`` runs by default: the stream units, the converters and the smallest
#: array of each kind (larger arrays take the same tile passes, only wider). Any spec with a
#: bench model soaks the same way.
SOAK_PRESETS = ("mul", "div", "add", "add-direct", "mac", "acc", "acc-kahan", "from-fp16",
                "from-bf16", "from-fp32", "to-fp16", "to-bf16", "to-fp32", "mm2x2",
                "mm2x2-kahan")


def run_soak(spec, *, operands: int, resets: int, sim: str = "verilator", seed: int = 1,
             variant: str | None = None, max_burst: int = 20_000, tag: str = "") -> dict:
    """Soak the unit of ``spec``: ``operands`` random inputs, ``resets`` reset pulses.

    Parameters
    ----------
    spec : lnsgen.spec.UnitSpec or str
        The unit (a kind or preset name is resolved with its defaults).
    operands : int
        Input beats to push through, at least 1 (values summed, for accumulators; beats of
        tile passes, each ``rows + cols`` values of A and B, for arrays).
    resets : int
        Reset pulses between segments, 0 to ``operands - 1`` (a segment needs an operand).
    sim : {"icarus", "verilator"}
    seed : int
        Seeds everything random in the run.
    variant : str, optional
        A deliberately wrong reference (:data:`~lnsgen.verification.models.VARIANTS`); the
        soak must fail against it.
    max_burst : int
        Most operands driven with one stall setting (at least 1).
    tag : str
        Distinguishes build folders and result files of runs of the same spec.

    Returns
    -------
    dict
        The soak summary: operands (input beats), operand values, results (output beats),
        resets, stall cycles, mismatches, lost and extra beats, cycles, wall time.

    Raises
    ------
    BenchFailure
        On any mismatch, lost or extra beat, or protocol error.
    """
    from lnsgen.spec import resolve

    from .runner import check_sim, simulate  # cocotb: only when a soak runs

    spec = resolve(spec)
    operands = check_int("operands", operands, 1)
    resets = check_int("resets", resets, 0)
    if resets >= operands:
        raise ValueError(f"resets must be in [0, operands - 1] = [0, {operands - 1}] (every "
                         f"segment between resets needs an operand), not {resets}")
    seed = check_int("seed", seed, 0)
    max_burst = check_int("max_burst", max_burst, 1)
    check_sim(sim)
    model_for(spec, variant)  # checks the variant
    component = spec.build()
    name = f"{spec.name}-{sim}" + (f"-{variant}" if variant else "") + (f"-{tag}" if tag else "")
    result_file = paths.reports_dir() / "soak" / f"{name}.json"
    cfg = SoakConfig(spec=spec.to_dict(), variant=variant, operands=operands, resets=resets,
                     seed=seed, latency=component.latency, max_burst=max_burst, sim=sim,
                     result_file=str(result_file))
    start = time.perf_counter()
    summary = simulate(component, spec, sim=sim, name=name,
                       test_module="lnsgen.verification.tb_soak", config_json=cfg.to_json(),
                       result_file=result_file, build_root=paths.build_dir() / "soak")
    summary["total_wall_s"] = round(time.perf_counter() - start, 1)  # build included
    return summary


def merge_rows(report: pathlib.Path, rows: list[dict], fields=("unit", "sim"), *,
               sort: bool = True) -> None:
    """Replace the rows of ``report`` with the same ``fields`` (default: unit and simulator)
    by ``rows``, keep the others: several commands fill one report. ``sort``: order the
    result by ``fields``; otherwise the kept rows come first, then ``rows`` in their order."""
    old = json.loads(report.read_text()) if report.exists() else []

    def key(r):
        return tuple(str(r[f]) for f in fields)
    new = {key(r) for r in rows}
    merged = [r for r in old if key(r) not in new] + rows
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(sorted(merged, key=key) if sort else merged, indent=1) + "\n")


COLUMNS = [("unit", 18), ("operands", 10), ("values", 10), ("results", 9), ("resets", 6),
           ("in idle", 9), ("out stall", 9), ("mism.", 5), ("lost", 4), ("extra", 5),
           ("wall s", 7)]


def soak_table(rows: list[dict]) -> str:
    """The fixed-width table ``lnsgen soak`` prints, one line per row (header first)."""
    lines = [" ".join(f"{name:>{w}}" for name, w in COLUMNS)]
    for r in rows:
        cells = [r["unit"], r["operands"], r["operand_values"], r["results"], r["resets"],
                 r["input_idle_cycles"], r["output_stall_cycles"], r["mismatches"], r["lost"],
                 r["extra"], r["total_wall_s"]]
        lines.append(" ".join(f"{c:>{w}}" for c, (_, w) in zip(cells, COLUMNS)))
    return "\n".join(lines)
