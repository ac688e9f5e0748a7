"""Argument types and checks shared by lnsgen's command lines.

Every CLI reports a bad argument the argparse way: the usage, then one line
``PROG: error: ...`` naming the option and what it accepts, and exit status 2, never a
traceback. The ``*_arg`` functions are argparse ``type=`` callables; the others take the
parser and call ``parser.error`` themselves.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import re

from .format import LNSFormat

__all__ = ["float_arg", "format_arg", "format_from_options", "int_arg", "output_file"]


def format_arg(text: str) -> LNSFormat:
    """``"I:F"`` as ``LNSFormat(I, F)``, or an ``ArgumentTypeError`` saying what is wrong."""
    match = re.fullmatch(r"\s*([+-]?\d+)\s*:\s*([+-]?\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"expected INT_BITS:FRAC_BITS such as 5:10, not {text!r}")
    try:
        return LNSFormat(int_bits=int(match.group(1)), frac_bits=int(match.group(2)))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None


def int_arg(lo: int, hi: int | None = None):
    """An argparse type: an integer in ``[lo, hi]`` (``hi`` None: no upper bound)."""
    what = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, not {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"expected {what}, not {text!r}")
        return value
    parse.__name__ = "integer"  # argparse names the type in some messages
    return parse


def float_arg(accepted: str, ok):
    """An argparse type: a finite float for which ``ok(value)`` holds (``accepted`` says which)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not ok(value):
            raise argparse.ArgumentTypeError(f"expected a number {accepted}, not {text!r}")
        return value
    parse.__name__ = "number"
    return parse


def format_from_options(parser: argparse.ArgumentParser, int_bits, frac_bits) -> LNSFormat:
    """The format of ``--int-bits``/``--frac-bits``, or ``parser.error`` naming the options."""
    try:
        return LNSFormat(int_bits=int_bits, frac_bits=frac_bits)
    except (TypeError, ValueError) as exc:
        message = str(exc).replace("int_bits", "--int-bits").replace("frac_bits", "--frac-bits")
        parser.error(message)


def output_file(parser: argparse.ArgumentParser, path, option: str) -> pathlib.Path | None:
    """``path`` if a file can be written there (its folder is created), else ``parser.error``.

    Checked before any work is done, so a long run does not fail at its very end.
    """
    if path is None:
        return None
    path = pathlib.Path(path)
    if path.is_dir():
        parser.error(f"{option}: {path} is a directory, not a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"{option}: cannot create the folder of {path}: {exc.strerror}")
    if not path.parent.is_dir():
        parser.error(f"{option}: {path.parent} is not a directory")
    return path
