"""``lnsgen train``: the four-mode table, ours next to the reference result.

Example (what ``make train`` runs)::

    lnsgen train --int-bits 5 --frac-bits 10 7 --jobs 2

trains ``float`` once and ``lns-matmul``, ``lns``, ``lns-kahan`` for every ``--frac-bits``
(same hyperparameters and seed), and writes ``train.md`` and ``train.json`` under ``--out``
(default ``build/reports``). Finished runs are cached in ``<out>/train_runs/`` and reused by a
later table or sweep with the same settings (``--force`` retrains).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .__main__ import (
    DEFAULTS,
    OneLineParser,
    add_training_args,
    check_data,
    config_from_args,
    log_stderr,
    positive_int,
)
from .model import MODES
from .runner import REFERENCE, run_many

DEFAULT_OUT = Path("build/reports")


def settings_text(cfg, rec) -> str:
    d = rec["data"]
    n_train = f"{d['n_train']} training images" + (
        " (all of MNIST's training split)" if d["name"] == "mnist" and d["n_train"] == 50000
        else f" (a seeded random subset of the {d['name']} training split)")
    return (f"Network {d['n_in']}-{cfg['hidden']}-{d['n_classes']} (ReLU, softmax cross-entropy), "
            f"plain SGD, learning rate {cfg['lr']:g}, batch {cfg['batch']}, {cfg['epochs']} "
            f"epochs, {n_train}; validation error on {d['n_valid']} {d['name']} validation "
            f"images after the last epoch; seed {cfg['seed']}; LNS matmul order "
            f"`{cfg['order']}`, adder `{cfg['method']}`.")


def build(records: dict, fracs: list[int], int_bits: int, data_name: str) -> dict:
    """The table as a JSON-able dict: ``records`` maps (mode, frac_bits or None) to a record."""
    from ..format import LNSFormat
    names = [LNSFormat(int_bits, f).name for f in fracs]
    rows = []
    for mode in MODES:
        row = {"mode": mode, "reference": REFERENCE[mode], "ours": {}, "seconds_per_epoch": {},
               "seconds_valid": {}, "history": {}}
        for f, name in zip(fracs, names):
            rec = records[(mode, None if mode == "float" else f)]
            row["ours"][name] = round(100 * rec["valid_error"], 2)
            row["seconds_per_epoch"][name] = round(rec["seconds_per_epoch"], 1)
            row["seconds_valid"][name] = round(rec["seconds_valid"], 1)
            row["history"][name] = rec["history"]
        rows.append(row)
    any_rec = records[("float", None)]
    cfg = dict(any_rec["config"])
    return {"reference_source": "the reference result (feed-forward network on MNIST, validation "
                                "error %)",
            "data": data_name, "int_bits": int_bits, "frac_bits": fracs, "formats": names,
            "settings": {k: v for k, v in cfg.items() if k not in ("mode", "frac_bits")},
            "settings_text": settings_text(cfg, any_rec), "rows": rows}


def markdown(table: dict) -> str:
    names = table["formats"]
    head = (["mode", "reference %"] + [f"ours {n} %" for n in names]
            + [f"s/epoch {n}" for n in names])
    title = "MNIST" if table["data"] == "mnist" else f"{table['data']} data"
    lines = [f"# LNS training on {title}", "", table["settings_text"], "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in table["rows"]:
        ours = [f"{r['ours'][n]:.2f}" for n in names]
        secs = [f"{r['seconds_per_epoch'][n]:.1f}" for n in names]
        lines.append(f"| {r['mode']} | {r['reference']:.2f} | " + " | ".join(ours + secs) + " |")
    lines += ["", ("`float` does not depend on the format (one run, repeated in each column). "
                   "s/epoch: seconds of one training epoch on one core (validation excluded)."),
              "",
              "Validation error (%) after each epoch:", "",
              "| mode | format | " + " | ".join(
                  f"ep {h['epoch']}" for h in table["rows"][0]["history"][names[0]]) + " |",
              "|---|---|" + "---|" * len(table["rows"][0]["history"][names[0]])]
    for r in table["rows"]:
        for n in (names[:1] if r["mode"] == "float" else names):
            lines.append(f"| {r['mode']} | {'float64' if r['mode'] == 'float' else n} | " +
                         " | ".join(f"{100 * h['valid_error']:.2f}" for h in r["history"][n])
                         + " |")
    lossy = [(r["mode"], n, r["history"][n][-1]) for r in table["rows"] for n in names
             if "updates_ignored" in r["history"][n][-1]]
    if lossy:
        lines += ["", ("Weight updates in the last epoch (fraction of the non-zero gradients): "
                       "*flushed* = the scaled update `lr/batch * grad` underflowed to zero; "
                       "*ignored* = a non-zero update left the parameter unchanged (with Kahan "
                       "it went into the compensation term)."), "",
                  "| mode | format | flushed % | ignored % |", "|---|---|---|---|"]
        for mode, n, h in lossy:
            lines.append(f"| {mode} | {n} | {100 * h['updates_flushed']:.1f} | "
                         f"{100 * h['updates_ignored']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None, prog: str = "lnsgen train") -> int:
    p = OneLineParser(prog=prog,
                      description="Train all four modes (float, LNS matmul, LNS, LNS + Kahan) and write their table.")
    add_training_args(p)
    p.set_defaults(frac_bits=[DEFAULTS.frac_bits])
    for a in p._actions:
        if a.dest == "frac_bits":
            a.nargs = "+"
            a.help = "fractional bits of the LNS formats, one table column each"
    p.add_argument("--jobs", type=positive_int, default=1,
                   help="training runs in parallel (one core each; default %(default)s)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="output folder (default %(default)s)")
    p.add_argument("--force", action="store_true", help="retrain even if a run is cached")
    p.add_argument("--quiet", action="store_true", help="no per-epoch progress lines")
    args = p.parse_args(argv)
    fracs = list(dict.fromkeys(args.frac_bits))
    configs = {("float", None): config_from_args(p, args, "float", fracs[0])}
    for f in fracs:
        for mode in MODES[1:]:
            configs[(mode, f)] = config_from_args(p, args, mode, f)
    check_data(p, args.data)
    recs = run_many(configs.values(), data=args.data, jobs=args.jobs,
                    cache=args.out / "train_runs", force=args.force, quiet=args.quiet,
                    isolate=args.data == "mnist",
                    log=None if args.quiet else log_stderr)
    table = build(dict(zip(configs, recs)), fracs, args.int_bits, args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "train.json").write_text(json.dumps(table, indent=1) + "\n")
    md = markdown(table)
    (args.out / "train.md").write_text(md)
    print(md.split("\n\nValidation error")[0])
    print(f"wrote {args.out / 'train.md'} and {args.out / 'train.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
