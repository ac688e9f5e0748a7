"""Write Verilog for an lnsgen unit: ``python -m hdl UNIT --int-bits I --frac-bits F -o FILE``."""

import argparse
import pathlib
import sys

from golden import LNSFormat

from .units import UNITS, build_unit, to_verilog


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hdl", description="Generate Verilog for an lnsgen LNS unit.")
    parser.add_argument("unit", choices=sorted(UNITS),
                        help="; ".join(f"{u.name}: {u.help}" for u in UNITS.values()))
    parser.add_argument("--int-bits", type=int, default=5,
                        help="integer bits of the log2 magnitude (default 5)")
    parser.add_argument("--frac-bits", type=int, default=10,
                        help="fractional bits of the log2 magnitude (default 10)")
    parser.add_argument("--name", help="Verilog module name (default lns_UNIT)")
    parser.add_argument("-o", "--output", type=pathlib.Path,
                        help="output file (default: standard output)")
    args = parser.parse_args(argv)
    try:
        fmt = LNSFormat(int_bits=args.int_bits, frac_bits=args.frac_bits)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc).replace("int_bits", "--int-bits").replace("frac_bits", "--frac-bits"))
    text = to_verilog(build_unit(args.unit, fmt), args.name or f"lns_{args.unit}")
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        print(f"wrote {args.output} ({args.unit}, {fmt})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
