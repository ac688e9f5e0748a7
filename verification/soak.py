"""Soak runs: ``python -m verification.soak`` (``make soak``) and :func:`run_soak`.

A soak run pushes a long random stream through one unit on a simulator (Verilator by default),
with random stalls on both streams and random reset pulses between segments, and compares
every result with golden (see :mod:`lnsgen.verification.tb_soak` for exactly what is checked). The CLI
runs it for each unit asked for and merges one row per (unit, format, simulator) into
``build/reports/soak.json``. Exit status: 0 when every run is clean, 1 when one failed,
2 on bad arguments.

*Operands* are accepted input beats, for every unit: an operand pair for mul, div and the
adders, a value summed for the accumulators, and for a systolic array one beat of a tile pass,
which carries ``rows`` values of A and ``cols`` values of B (``B[k, c]`` rides on the ``slots``
beats of its ``k``; the zero padding of partial tiles counts). The LNS values the beats carried
are reported as ``operand_values``: 1,000,000 operands through ``mm2x2`` are 4,000,000 A and B
values. Results are output beats: a sum, or one row of a C tile.

Example::

    python -m verification.soak --unit mul add mm2x2 --operands 1000000 --resets 40
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

from lnsgen import paths
from lnsgen.golden import LNSFormat
from lnsgen.golden.checks import check_format, check_int
from lnsgen.golden.cli import format_arg, int_arg, output_file
from lnsgen.hdl import CONVERTER_UNITS, build_unit

from .config import SoakConfig
from .models import MODELS
from .runner import SIMULATORS, BenchFailure, check_sim, simulate

__all__ = ["SOAK_ARRAY_UNITS", "SOAK_UNITS", "main", "run_soak"]

DEFAULT_OPERANDS = 1_000_000
DEFAULT_RESETS = 40
#: The systolic arrays soaked by default: the smallest of each kind (the larger ones take the
#: same tile passes, only wider, and their benches are in ``verification/test_matmul.py``).
SOAK_ARRAY_UNITS = ("mm2x2", "mm2x2-kahan")
#: The units with a golden model in :data:`lnsgen.verification.models.MODELS` and one input and one
#: output stream that the soak bench drives: the stream units, the converters, then the arrays.
SOAK_UNITS = (("mul", "div", "add", "add-direct", "mac", "acc", "acc-kahan") + tuple(CONVERTER_UNITS)
              + SOAK_ARRAY_UNITS)


def run_soak(unit: str, fmt: LNSFormat, *, operands: int, resets: int, sim: str = "verilator",
             seed: int = 1, model: str | None = None, max_burst: int = 20_000,
             tag: str = "") -> dict:
    """Soak ``unit`` in format ``fmt``: ``operands`` random inputs, ``resets`` reset pulses.

    Parameters
    ----------
    unit : str
        A unit of :data:`lnsgen.hdl.UNITS`.
    fmt : golden.LNSFormat
    operands : int
        Input beats to push through, at least 1 (values summed, for accumulators; beats of
        tile passes, each ``rows + cols`` values of A and B, for arrays).
    resets : int
        Reset pulses between segments, 0 to ``operands - 1`` (a segment needs an operand).
    sim : {"icarus", "verilator"}
    seed : int
        Seeds everything random in the run.
    model : str, optional
        Golden model to compare with (default: the unit's own); a wrong one must fail.
    max_burst : int
        Most operands driven with one stall setting (at least 1).
    tag : str
        Distinguishes build folders and result files of runs with the same unit and format.

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
    if not isinstance(unit, str) or unit not in SOAK_UNITS:
        raise ValueError(f"unit must be one of {list(SOAK_UNITS)}, not {unit!r}")
    check_format(fmt)
    operands = check_int("operands", operands, 1)
    resets = check_int("resets", resets, 0)
    if resets >= operands:
        raise ValueError(f"resets must be in [0, operands - 1] = [0, {operands - 1}] (every "
                         f"segment between resets needs an operand), not {resets}")
    seed = check_int("seed", seed, 0)
    max_burst = check_int("max_burst", max_burst, 1)
    check_sim(sim)
    model = unit if model is None else model
    if not isinstance(model, str) or model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, not {model!r}")
    component = build_unit(unit, fmt)
    name = f"{unit}-{fmt.name}-{sim}" + (f"-{tag}" if tag else "")
    result_file = paths.reports_dir() / "soak" / f"{name}.json"
    cfg = SoakConfig(model=model, int_bits=fmt.int_bits, frac_bits=fmt.frac_bits,
                     operands=operands, resets=resets, seed=seed, latency=component.latency,
                     max_burst=max_burst, sim=sim, result_file=str(result_file))
    start = time.perf_counter()
    summary = simulate(component, unit, sim=sim, name=name, test_module="lnsgen.verification.tb_soak",
                       config_json=cfg.to_json(), result_file=result_file,
                       build_root=paths.build_dir() / "soak")
    summary["unit"] = unit
    summary["total_wall_s"] = round(time.perf_counter() - start, 1)  # build included
    return summary


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m verification.soak",
        description="Soak lnsgen units: a long random stream with random stalls on both sides "
                    "and random reset pulses, every result compared with golden.")
    p.add_argument("--unit", nargs="+", choices=SOAK_UNITS, default=list(SOAK_UNITS),
                   metavar="UNIT", help=f"units to soak, any of {', '.join(SOAK_UNITS)} "
                                        "(default: all)")
    p.add_argument("--format", type=format_arg, default=LNSFormat(5, 10), metavar="I:F",
                   help="format as INT_BITS:FRAC_BITS (default 5:10)")
    p.add_argument("--operands", type=int_arg(1), default=DEFAULT_OPERANDS, metavar="N",
                   help=f"operands (input beats) per unit, at least 1 "
                        f"(default {DEFAULT_OPERANDS:,})")
    p.add_argument("--resets", type=int_arg(0), default=DEFAULT_RESETS, metavar="R",
                   help=f"reset pulses per unit, below --operands (default {DEFAULT_RESETS})")
    p.add_argument("--sim", choices=SIMULATORS, default="verilator",
                   help="simulator (default verilator)")
    p.add_argument("--seed", type=int_arg(0), default=1, help="random seed (default 1)")
    p.add_argument("--report", type=pathlib.Path, metavar="FILE",
                   help="JSON report to merge the rows into (default build/reports/soak.json)")
    return p


def _merge(report: pathlib.Path, rows: list[dict]) -> None:
    """Replace the rows of the same (unit, format, simulator) in ``report``, keep the others."""
    old = json.loads(report.read_text()) if report.exists() else []
    key = lambda r: (r["unit"], r["int_bits"], r["frac_bits"], r["sim"])
    new = {key(r) for r in rows}
    merged = [r for r in old if key(r) not in new] + rows
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(sorted(merged, key=key), indent=1) + "\n")


COLUMNS = [("unit", 11), ("operands", 10), ("values", 10), ("results", 9), ("resets", 6),
           ("in idle", 9), ("out stall", 9), ("mism.", 5), ("lost", 4), ("extra", 5),
           ("wall s", 7)]


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.resets >= args.operands:
        parser.error(f"--resets must be below --operands ({args.operands}), not {args.resets}")
    args.report = args.report or paths.reports_dir() / "soak.json"
    output_file(parser, args.report, "--report")
    print(" ".join(f"{name:>{w}}" for name, w in COLUMNS), flush=True)
    rows, failed = [], []
    for unit in dict.fromkeys(args.unit):
        try:
            r = run_soak(unit, args.format, operands=args.operands, resets=args.resets,
                         sim=args.sim, seed=args.seed)
        except BenchFailure as exc:
            failed.append(unit)
            print(f"{unit}: FAILED\n{exc}", file=sys.stderr, flush=True)
            continue
        rows.append({k: v for k, v in r.items() if k != "result_file"})
        cells = [unit, r["operands"], r["operand_values"], r["results"], r["resets"],
                 r["input_idle_cycles"], r["output_stall_cycles"], r["mismatches"], r["lost"],
                 r["extra"], r["total_wall_s"]]
        print(" ".join(f"{c:>{w}}" for c, (_, w) in zip(cells, COLUMNS)), flush=True)
    if rows:
        _merge(args.report, rows)
        print(f"report: {args.report}")
    if failed:
        print(f"soak failed for {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
