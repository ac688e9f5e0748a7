"""Write Verilog for an lnsgen unit: ``python -m hdl UNIT --int-bits I --frac-bits F -o FILE``."""

import argparse
import pathlib
import re
import sys

from lnsgen.golden.cli import format_from_options, output_file

from .units import UNITS, build_unit, to_verilog


def _identifier(text: str) -> str:
    """A Verilog module name: a simple identifier (letters, digits, ``_``, ``$``)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", text):
        raise argparse.ArgumentTypeError(
            f"expected a Verilog identifier (a letter or _, then letters, digits, _ or $), "
            f"not {text!r}")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hdl", description="Generate Verilog for an lnsgen LNS unit.")
    parser.add_argument("unit", choices=sorted(UNITS),
                        help="; ".join(f"{u.name}: {u.help}" for u in UNITS.values()))
    parser.add_argument("--int-bits", type=int, default=5,
                        help="integer bits of the log2 magnitude (default 5)")
    parser.add_argument("--frac-bits", type=int, default=10,
                        help="fractional bits of the log2 magnitude (default 10)")
    parser.add_argument("--name", type=_identifier,
                        help="Verilog module name (default lns_UNIT)")
    parser.add_argument("-o", "--output", type=pathlib.Path,
                        help="output file (default: standard output)")
    args = parser.parse_args(argv)
    fmt = format_from_options(parser, args.int_bits, args.frac_bits)
    output_file(parser, args.output, "-o/--output")
    # A Verilog module name cannot hold '-' (acc-kahan -> lns_acc_kahan).
    text = to_verilog(build_unit(args.unit, fmt), args.name or f"lns_{args.unit.replace('-', '_')}")
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
        print(f"wrote {args.output} ({args.unit}, {fmt})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
