"""``lnsgen train-sweep``: validation error against LNS precision, all four modes.

Example (the sweep reported in ``golden/train/README.md``)::

    lnsgen train-sweep --int-bits 5 --frac-bits 4 5 6 7 8 10 12 --epochs 2 --jobs 1

trains ``float`` once and ``lns-matmul``, ``lns``, ``lns-kahan`` at every ``--frac-bits`` (same
hyperparameters and seed), and writes ``train_sweep.json``, ``train_sweep.png`` and
``train_sweep.md`` under ``--out`` (default ``build/reports``): the validation error of each
mode against the fractional bits, the Kahan gain (plain ``lns`` minus ``lns-kahan``, in
percentage points), the share of weight updates that are lost, the seconds per epoch. Runs are
cached in ``<out>/train_runs/`` and shared with ``golden.train.table``. Slow (about 45 minutes
on one core for 7 precisions at ``--epochs 2``, hours at the default 5 epochs); not part of the
tests.
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


def breakdown(sweep: dict, mode: str, margin: float = 1.0) -> int | None:
    """The largest ``frac_bits`` at which ``mode`` is worse than float by more than
    ``margin`` percentage points (None if it never is): below it, the mode has broken down."""
    fl = sweep["float"]["valid_error"]
    bad = [f for f in sweep["frac_bits"]
           if sweep["runs"][mode][str(f)]["valid_error"] > fl + margin]
    return max(bad) if bad else None


def plot(sweep: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fracs = sweep["frac_bits"]
    fig, (ax, axk, ax2) = plt.subplots(3, 1, figsize=(7.5, 9.5), sharex=True,
                                       gridspec_kw={"height_ratios": [3, 1.3, 1.3]})
    fl = sweep["float"]["valid_error"]
    ax.axhline(fl, color=COLORS["float"], ls="--", label=f"float64 ({fl:.2f}%)")
    for mode in MODES[1:]:
        ys = [sweep["runs"][mode][str(f)]["valid_error"] for f in fracs]
        ax.plot(fracs, ys, "o-", color=COLORS[mode], label=mode)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.set_ylabel("validation error (%, log scale)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    data = "MNIST" if sweep["data"] == "mnist" else f"{sweep['data']} data,"
    net = f"{sweep['n_in']}-{sweep['settings']['hidden']}-{sweep['n_classes']}"
    ax.set_title(f"{data} {net} MLP, LNS int_bits={sweep['int_bits']}: "
                 f"validation error vs precision\n"
                 f"{sweep['short_settings']}", fontsize=9)
    gain = [sweep["runs"]["lns"][str(f)]["valid_error"]
            - sweep["runs"]["lns-kahan"][str(f)]["valid_error"] for f in fracs]
    axk.bar(fracs, gain, color=[COLORS["lns-kahan"] if g >= 0 else COLORS["lns"] for g in gain],
            width=0.6)
    for f, g in zip(fracs, gain):
        axk.annotate(f"{g:+.2f}", (f, g), ha="center", va="bottom" if g >= 0 else "top",
                     fontsize=7, xytext=(0, 2 if g >= 0 else -2), textcoords="offset points")
    axk.axhline(0, color="black", lw=0.8)
    lo, hi = min(0.0, *gain), max(0.0, *gain)
    pad = 0.25 * max(hi - lo, 0.4)
    axk.set_ylim(lo - pad, hi + pad)
    axk.set_ylabel("Kahan gain (points)\nerr(lns) - err(lns-kahan)", fontsize=8)
    axk.grid(True, alpha=0.3)
    for mode in ("lns", "lns-kahan"):
        ys = [100 * sweep["runs"][mode][str(f)]["updates_ignored"] for f in fracs]
        ax2.plot(fracs, ys, "s-", color=COLORS[mode], label=f"{mode}: ignored")
    ys = [100 * sweep["runs"]["lns"][str(f)]["updates_flushed"] for f in fracs]
    ax2.plot(fracs, ys, "^:", color="gray", label="flushed (update underflows)")
    ax2.set_ylabel("weight updates lost,\nlast epoch (%)", fontsize=8)
    ax2.set_xlabel("frac_bits (fractional bits of the LNS log)")
    ax2.set_xticks(fracs)
    ax2.grid(True, alpha=0.3)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def markdown(sweep: dict) -> str:
    """The sweep as Markdown: error per mode and precision, Kahan gain, lost updates, speed."""
    fracs = sweep["frac_bits"]
    runs = sweep["runs"]
    fl = sweep["float"]["valid_error"]
    head = "| mode | " + " | ".join(f"F={f}" for f in fracs) + " |"
    sep = "|---|" + "---|" * len(fracs)
    title = (f"Validation error (%) against `frac_bits` F (int_bits {sweep['int_bits']}; "
             f"{sweep['short_settings']}):")
    lines = [title, "", head, sep,
             "| float64 | " + " | ".join(f"{fl:.2f}" for _ in fracs) + " |"]
    for mode in MODES[1:]:
        lines.append(f"| {mode} | " + " | ".join(f"{runs[mode][str(f)]['valid_error']:.2f}"
                                                 for f in fracs) + " |")
    lines.append("| Kahan gain (lns - lns-kahan, points) | " + " | ".join(
        f"{runs['lns'][str(f)]['valid_error'] - runs['lns-kahan'][str(f)]['valid_error']:+.2f}"
        for f in fracs) + " |")
    for mode, what in (("lns", "updates_ignored"), ("lns", "updates_flushed"),
                       ("lns-kahan", "updates_ignored")):
        lines.append(f"| {mode}: {what.split('_')[1]} updates, last epoch (%) | " + " | ".join(
            f"{100 * runs[mode][str(f)][what]:.1f}" for f in fracs) + " |")
    lines += ["", "Seconds per training epoch (one core, wall clock, validation excluded):", "",
              head, sep,
              "| float64 | " + " | ".join(f"{sweep['float']['seconds_per_epoch']:.1f}"
                                         for _ in fracs) + " |"]
    for mode in MODES[1:]:
        lines.append(f"| {mode} | " + " | ".join(
            f"{runs[mode][str(f)]['seconds_per_epoch']:.1f}" for f in fracs) + " |")
    cpu = {m: [runs[m][str(f)].get("cpu_seconds_per_epoch") for f in fracs] for m in MODES[1:]}
    if any(v is not None for vs in cpu.values() for v in vs):
        fl_cpu = sweep["float"].get("cpu_seconds_per_epoch")
        note = ("CPU seconds per training epoch (not inflated by other load; - where the "
                "run record predates this field):")
        lines += ["", note, "", head, sep,
                  "| float64 | " + " | ".join("-" if fl_cpu is None else f"{fl_cpu:.1f}"
                                             for _ in fracs) + " |"]
        for mode in MODES[1:]:
            lines.append(f"| {mode} | " + " | ".join("-" if v is None else f"{v:.1f}"
                                                     for v in cpu[mode]) + " |")
    lines += ["", "Breakdown (largest F at which the mode is more than 1 point worse than "
                  "float64): " + ", ".join(f"{m} {breakdown(sweep, m) or 'none'}"
                                           for m in MODES[1:]) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None, prog: str = "lnsgen train-sweep") -> int:
    p = OneLineParser(prog=prog,
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
                              "cpu_seconds_per_epoch": rec.get("cpu_seconds_per_epoch"),
                              "updates_ignored": last.get("updates_ignored"),
                              "updates_flushed": last.get("updates_flushed"),
                              "history": rec["history"]}
    sweep = {"data": args.data, "n_in": fl["data"]["n_in"], "n_classes": fl["data"]["n_classes"],
             "int_bits": args.int_bits, "frac_bits": fracs,
             "settings": {k: v for k, v in cfg.items() if k not in ("mode", "frac_bits")},
             "short_settings": (f"hidden {cfg['hidden']}, lr {cfg['lr']:g}, batch "
                                f"{cfg['batch']}, {cfg['epochs']} epochs, "
                                f"{fl['data']['n_train']} training images, seed {cfg['seed']}"),
             "reference": REFERENCE,
             "float": {"valid_error": 100 * fl["valid_error"],
                       "seconds_per_epoch": fl["seconds_per_epoch"],
                       "cpu_seconds_per_epoch": fl.get("cpu_seconds_per_epoch")},
             "runs": runs}
    args.out.mkdir(parents=True, exist_ok=True)
    sweep["breakdown_frac_bits"] = {m: breakdown(sweep, m) for m in MODES[1:]}
    (args.out / "train_sweep.json").write_text(json.dumps(sweep, indent=1) + "\n")
    (args.out / "train_sweep.md").write_text(markdown(sweep))
    plot(sweep, args.out / "train_sweep.png")
    print(f"{'frac_bits':>9} " + " ".join(f"{m:>10}" for m in MODES[1:]) + "  (validation "
          f"error %; float {sweep['float']['valid_error']:.2f})")
    for f in fracs:
        print(f"{f:>9} " + " ".join(f"{runs[m][str(f)]['valid_error']:>10.2f}"
                                    for m in MODES[1:]))
    print(f"wrote {args.out / 'train_sweep.png'}, {args.out / 'train_sweep.json'} and "
          f"{args.out / 'train_sweep.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
