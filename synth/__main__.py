"""Synthesize lnsgen units and report their size and speed: ``python -m synth --help``."""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

from lnsgen.golden import LNSFormat
from lnsgen.hdl import UNITS

from .flow import ECP5_DEVICES, TARGETS, SynthError, synthesize
from .report import markdown_table, update_reports

DEFAULT_INT_BITS, DEFAULT_FRAC_BITS = 5, 10


def _format_arg(text: str) -> tuple[int, int]:
    """``"I:F"`` as ``(I, F)``; the range check is left to :class:`LNSFormat`."""
    match = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected INT_BITS:FRAC_BITS such as 5:10, not {text!r}")
    return int(match.group(1)), int(match.group(2))


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line parser of ``python -m synth``."""
    parser = argparse.ArgumentParser(
        prog="python -m synth",
        description="Synthesize lnsgen units with Yosys and nextpnr (YoWASP) and report "
                    "ECP5 / iCE40 resources, Fmax and a generic gate count.",
        epilog="Results are merged into OUT/synth.json and OUT/synth.md; the table of this "
               "run is printed at the end.")
    parser.add_argument("--unit", action="extend", nargs="+", choices=sorted(UNITS),
                        metavar="UNIT",
                        help="units to synthesize (default mul); any of: "
                             + "; ".join(f"{u.name}: {u.help}" for u in UNITS.values()))
    parser.add_argument("--int-bits", type=int, metavar="I",
                        help=f"integer bits of the log2 magnitude (default {DEFAULT_INT_BITS})")
    parser.add_argument("--frac-bits", type=int, metavar="F",
                        help=f"fractional bits of the log2 magnitude (default {DEFAULT_FRAC_BITS})")
    parser.add_argument("--format", action="extend", nargs="+", type=_format_arg,
                        metavar="I:F", dest="formats",
                        help="formats as INT_BITS:FRAC_BITS, e.g. 5:10 8:23; "
                             "instead of --int-bits/--frac-bits")
    parser.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS),
                        metavar="TARGET",
                        help=f"targets to run, any of {', '.join(TARGETS)} (default all)")
    parser.add_argument("--nodsp", action="store_true",
                        help="keep ECP5 multipliers out of DSP blocks (synth_ecp5 -nodsp)")
    parser.add_argument("--freq", type=_positive_float, default=100.0, metavar="MHZ",
                        help="clock target for nextpnr in MHz (default 100); the achieved "
                             "Fmax is reported either way")
    parser.add_argument("--ecp5-device", choices=ECP5_DEVICES, default="25k", metavar="DEV",
                        help="nextpnr-ecp5 device, e.g. 25k or 85k (default 25k)")
    parser.add_argument("--package", default="CABGA381",
                        help="ECP5 package (default CABGA381)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("build/reports"),
                        help="report folder (default build/reports)")
    parser.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("build/synth"),
                        help="folder of the per-run work folders UNIT-FORMAT "
                             "(default build/synth)")
    return parser


def _formats(parser: argparse.ArgumentParser, args) -> list[LNSFormat]:
    """The formats asked for, validated, or a one-line ``parser.error``."""
    if args.formats and (args.int_bits is not None or args.frac_bits is not None):
        parser.error("--format cannot be combined with --int-bits/--frac-bits")
    if args.formats:
        pairs = [(f"--format {i}:{f}: ", i, f) for i, f in args.formats]
    else:
        pairs = [("", DEFAULT_INT_BITS if args.int_bits is None else args.int_bits,
                  DEFAULT_FRAC_BITS if args.frac_bits is None else args.frac_bits)]
    formats = []
    for prefix, int_bits, frac_bits in pairs:
        try:
            formats.append(LNSFormat(int_bits=int_bits, frac_bits=frac_bits))
        except (TypeError, ValueError) as exc:
            message = str(exc)
            if not prefix:  # name the options the user typed rather than the fields
                message = message.replace("int_bits", "--int-bits")
                message = message.replace("frac_bits", "--frac-bits")
            parser.error(prefix + message)
    return list(dict.fromkeys(formats))


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    units = list(dict.fromkeys(args.unit or ["mul"]))
    formats = _formats(parser, args)

    entries = []
    for unit in units:
        for fmt in formats:
            suffix = "-nodsp" if args.nodsp else ""
            workdir = args.workdir / f"{unit}-{fmt.name}{suffix}"
            print(f"synth: {unit} {fmt.name} ({', '.join(args.targets)}) in {workdir} ...",
                  file=sys.stderr, flush=True)
            try:
                entry = synthesize(unit, fmt, targets=args.targets, workdir=workdir,
                                   nodsp=args.nodsp, ecp5_device=args.ecp5_device,
                                   package=args.package, freq_mhz=args.freq)
            except SynthError as exc:
                print(f"{parser.prog}: error: {exc}", file=sys.stderr)
                return 1
            print(f"synth: {unit} {fmt.name} done in {entry['runtime_s']:.1f} s",
                  file=sys.stderr, flush=True)
            entries.append(entry)

    json_path, md_path = update_reports(entries, args.out)
    print(f"synth: wrote {json_path} and {md_path}", file=sys.stderr)
    sys.stdout.write(markdown_table(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
