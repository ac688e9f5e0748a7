"""``python -m golden.train.sweep``: validation error against LNS precision, all four modes.

Example::

    python -m golden.train.sweep --int-bits 5 --frac-bits 4 5 6 7 8 9 10 11 12 --jobs 2

trains ``float`` once and ``lns-matmul``, ``lns``, ``lns-kahan`` at every ``--frac-bits`` (same
hyperparameters and seed), and writes ``train_sweep.json`` and ``train_sweep.png`` under
``--out`` (default ``build/reports``): the validation error of each mode against the fractional
bits, and the share of weight updates that plain LNS ignores. Runs are cached in
``<out>/train_runs/`` and shared with ``golden.train.table``. Slow (hours at the default
settings); not part of the tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .__main__ import (
    OneLineParser,
    add_training_args,
    check_data,
    config_from_args,
    log_stderr,
    positive_int,
)
from .model import MODES
from .runner import REFERENCE, run_many

DEFAULT_FRACS = [4, 5, 6, 7, 8, 9, 10, 11, 12]
COLORS = {"float": "black", "lns-matmul": "tab:blue", "lns": "tab:red", "lns-kahan": "tab:green"}


def plot(sweep: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fracs = sweep["frac_bits"]
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(7, 7.5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1.4]})
    fl = sweep["float"]["valid_error"]
    ax.axhline(fl, color=COLORS["float"], ls="--", label=f"float64 ({fl:.2f}%)")
    for mode in MODES[1:]:
        ys = [sweep["runs"][mode][str(f)]["valid_error"] for f in fracs]
        ax.plot(fracs, ys, "o-", color=COLORS[mode], label=mode)
    ax.set_yscale("log")
    ax.set_ylabel("validation error (%)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    ax.set_title(f"MNIST MLP, LNS with int_bits={sweep['int_bits']}: error vs precision\n"
                 f"{sweep['short_settings']}", fontsize=9)
    for mode in ("lns", "lns-kahan"):
        ys = [100 * sweep["runs"][mode][str(f)]["updates_ignored"] for f in fracs]
        ax2.plot(fracs, ys, "s-", color=COLORS[mode], label=f"{mode}: ignored")
    ys = [100 * sweep["runs"]["lns"][str(f)]["updates_flushed"] for f in fracs]
    ax2.plot(fracs, ys, "^:", color="gray", label="lns: flushed (underflow)")
    ax2.set_ylabel("updates lost,\nlast epoch (%)")
    ax2.set_xlabel("frac_bits (LNS log fraction bits)")
    ax2.set_xticks(fracs)
    ax2.grid(True, alpha=0.3)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    p = OneLineParser(prog="python -m golden.train.sweep",
                      description="Validation error against frac_bits for all four modes.")
    add_training_args(p)
    for a in p._actions:
        if a.dest == "frac_bits":
            a.nargs, a.default = "+", DEFAULT_FRACS
            a.help = "fractional bits to sweep (default 4 ... 12)"
    p.add_argument("--jobs", type=positive_int, default=1,
                   help="training runs in parallel (one core each; default %(default)s)")
    p.add_argument("--out", type=Path, default=Path("build/reports"),
                   help="output folder (default %(default)s)")
    p.add_argument("--force", action="store_true", help="retrain even if a run is cached")
    p.add_argument("--quiet", action="store_true", help="no per-epoch progress lines")
    args = p.parse_args(argv)
    fracs = sorted(set(args.frac_bits))
    configs = {("float", None): config_from_args(p, args, "float", fracs[-1])}
    for f in fracs:
        for mode in MODES[1:]:
            configs[(mode, f)] = config_from_args(p, args, mode, f)
    check_data(p, args.data)
    recs = dict(zip(configs, run_many(configs.values(), data=args.data, jobs=args.jobs,
                                      cache=args.out / "train_runs", force=args.force,
                                      quiet=args.quiet, isolate=args.data == "mnist",
                                      log=None if args.quiet else log_stderr)))
    fl = recs[("float", None)]
    cfg = fl["config"]
    runs = {mode: {} for mode in MODES[1:]}
    for (mode, f), rec in recs.items():
        if mode == "float":
            continue
        last = rec["history"][-1]
        runs[mode][str(f)] = {"valid_error": 100 * rec["valid_error"],
                              "seconds_per_epoch": rec["seconds_per_epoch"],
                              "updates_ignored": last.get("updates_ignored"),
                              "updates_flushed": last.get("updates_flushed"),
                              "history": rec["history"]}
    sweep = {"data": args.data, "int_bits": args.int_bits, "frac_bits": fracs,
             "settings": {k: v for k, v in cfg.items() if k not in ("mode", "frac_bits")},
             "short_settings": (f"hidden {cfg['hidden']}, lr {cfg['lr']:g}, batch "
                                f"{cfg['batch']}, {cfg['epochs']} epochs, "
                                f"{fl['data']['n_train']} training images, seed {cfg['seed']}"),
             "reference": REFERENCE,
             "float": {"valid_error": 100 * fl["valid_error"],
                       "seconds_per_epoch": fl["seconds_per_epoch"]},
             "runs": runs}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "train_sweep.json").write_text(json.dumps(sweep, indent=1) + "\n")
    plot(sweep, args.out / "train_sweep.png")
    print(f"{'frac_bits':>9} " + " ".join(f"{m:>10}" for m in MODES[1:]) + "  (validation "
          f"error %; float {sweep['float']['valid_error']:.2f})")
    for f in fracs:
        print(f"{f:>9} " + " ".join(f"{runs[m][str(f)]['valid_error']:>10.2f}"
                                    for m in MODES[1:]))
    print(f"wrote {args.out / 'train_sweep.png'} and {args.out / 'train_sweep.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
