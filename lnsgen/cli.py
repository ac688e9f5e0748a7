"""The ``lnsgen`` command: one entry point, one spelling of each option.

Every subcommand that works on units takes unit names (a kind such as ``add`` or ``mm``, or a
preset such as ``add-direct`` or ``mm4x4-kahan``; ``lnsgen list`` shows them) and the same unit
options (``--int-bits``, ``--frac-bits``, ``--method``, ``--max-error``, ``--rows``, ``--cols``,
``--compensated``, ``--float``); commands that run many units accept several values per option
and run every combination. ``-o/--out`` is where the output goes: a file for ``verilog``, the
build folder for every other command (default ``./build``, reports in ``build/reports``).

Errors are one line, ``lnsgen <command>: error: ...`` naming the option and what it accepts,
and exit status 2; a failed bench, proof or synthesis exits with 1.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import pathlib
import sys
import time

import lnsgen

from .spec import KINDS, PRESETS, SpecError, resolve

__all__ = ["main"]

_SPEC_PARAMS: dict = {}
for _kind in KINDS.values():
    for _param in _kind.params:
        _SPEC_PARAMS.setdefault(_param.name, []).append((_kind.name, _param))


# Shared option groups ----------------------------------------------------------------------------

def _bool_arg(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("yes", "true", "1", "on"):
        return True
    if lowered in ("no", "false", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, not {text!r}")


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, not {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, not {text!r}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), not {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, not {text!r}")
    return value


def _param_help(name: str) -> str:
    """One help line for a unit option: what it is, per group of kinds that share its range
    and default."""
    groups: dict = {}
    for kind, p in _SPEC_PARAMS[name]:
        default = p.default_text
        groups.setdefault((p.help, p.accepts, default), []).append(kind)
    parts = []
    for (text, accepts, default), kinds in groups.items():
        parts.append(f"{text}: {accepts}, default {default} "
                     f"[{', '.join(kinds)}]")
    return "; ".join(parts)


def add_unit_options(p: argparse.ArgumentParser, *, many: bool) -> None:
    """The unit options (every parameter of every kind). With ``many``, each takes several
    values and the command runs every combination."""
    group = p.add_argument_group(
        "unit options", "parameters of the units; each applies to the kinds in brackets"
        + (" (several values: every combination runs)" if many else ""))
    for name, uses in _SPEC_PARAMS.items():
        param = uses[0][1]
        kwargs = {"dest": f"spec_{name}", "default": None, "help": _param_help(name)}
        if param.is_flag:
            kwargs.update(type=_bool_arg, metavar="yes|no",
                          nargs="*" if many else "?", const=None if many else True)
        else:
            kwargs.update(type=param.parse, metavar=name.upper().replace("_", "-"),
                          nargs="+" if many else None)
        group.add_argument(param.option, **kwargs)


def _spec_error(p: argparse.ArgumentParser, exc: Exception):
    """``p.error`` with the parameter names of ``exc`` spelled as the options."""
    message = str(exc)
    for name in sorted(_SPEC_PARAMS, key=len, reverse=True):
        message = message.replace(f"{name} must", f"--{name.replace('_', '-')} must")
        message = message.replace(f"{name} + ", f"--{name.replace('_', '-')} + ")
        message = message.replace(f"+ {name} ", f"+ --{name.replace('_', '-')} ")
    p.error(message)


def specs_from_args(p: argparse.ArgumentParser, args, units) -> list:
    """Every spec the unit names and unit options of ``args`` ask for, or ``p.error``."""
    given = {}
    for name in _SPEC_PARAMS:
        value = getattr(args, f"spec_{name}")
        if value is None:
            continue
        if isinstance(value, list):
            value = value or [True]  # a flag given with no value
        else:
            value = [value]
        given[name] = list(dict.fromkeys(value))
    specs = []
    for unit in units:
        try:
            base = resolve(unit)
        except SpecError as exc:
            _spec_error(p, exc)
        for name in given:
            if name not in base:
                options = " ".join(f"--{k.replace('_', '-')}" for k in base) or "none"
                p.error(f"--{name.replace('_', '-')} does not apply to unit {unit} (kind "
                        f"{base.kind}; its options: {options})")
        for combo in itertools.product(*given.values()):
            try:
                specs.append(resolve(unit, **dict(zip(given, combo))))
            except SpecError as exc:
                _spec_error(p, exc)
    return list(dict.fromkeys(specs))


def add_out(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", type=pathlib.Path, metavar="DIR",
                   help="build folder: work files under it, reports in DIR/reports "
                        "(default ./build, or $LNSGEN_BUILD)")


@contextlib.contextmanager
def _build_folder(out):
    """Point :mod:`lnsgen.paths` at ``out`` for the duration of a command."""
    if out is None:
        yield
        return
    old = os.environ.get("LNSGEN_BUILD")
    os.environ["LNSGEN_BUILD"] = str(pathlib.Path(out).resolve())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("LNSGEN_BUILD", None)
        else:
            os.environ["LNSGEN_BUILD"] = old


def _check_out_dir(p: argparse.ArgumentParser, out) -> None:
    if out is not None and pathlib.Path(out).exists() and not pathlib.Path(out).is_dir():
        p.error(f"-o/--out: {out} is a file, not a folder")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# Commands ------------------------------------------------------------------------------------------

def cmd_list(p, args) -> int:
    print("Unit kinds (lnsgen <command> KIND --option VALUE ...):\n")
    for kind in KINDS.values():
        print(f"  {kind.name:<11} {kind.summary}")
        for param in kind.params:
            default = param.default_text
            print(f"  {'':<11}   {param.option:<14} {param.accepts} (default {default})")
    print("\nPresets (a kind with some options set):\n")
    for preset in PRESETS.values():
        if preset.name not in KINDS:
            print(f"  {preset.name:<14} {preset.help}")
    return 0


def cmd_verilog(p, args) -> int:
    from .verilog import WAIVER_FILE, generate
    from .verilog import write as write_verilog

    spec = specs_from_args(p, args, [args.unit])[0]
    if args.out is not None:
        if args.out.is_dir():
            p.error(f"-o/--out: {args.out} is a folder, not a file")
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            p.error(f"-o/--out: cannot create the folder of {args.out}: {exc.strerror}")
    try:
        if args.out is None:
            sys.stdout.write(generate(spec))
        else:
            unit = write_verilog(spec, args.out, waivers=not args.no_waivers)
            waived = "" if args.no_waivers else f" and {args.out.parent / WAIVER_FILE}"
            _say(f"wrote {args.out}{waived}: module {spec.module_name}, "
                 f"latency {unit.latency}")
    except (SpecError, ValueError, TypeError) as exc:  # a table too large, say
        _spec_error(p, exc)
    return 0


def cmd_bench(p, args) -> int:
    from .verification.runner import BenchFailure, run_bench

    specs = specs_from_args(p, args, args.units)
    vectors = None if args.vectors == "all" else args.vectors
    failed = 0
    with _build_folder(args.out):
        for spec in specs:
            for sim in dict.fromkeys(args.sim):
                try:
                    s = run_bench(spec, sim=sim, vectors=vectors, seed=args.seed,
                                  idle=args.idle, stall=args.stall)
                except BenchFailure as exc:
                    failed += 1
                    _say(f"{spec.name} on {sim}: FAILED\n{exc}")
                    continue
                except ValueError as exc:  # e.g. no exhaustive bench for this unit
                    _spec_error(p, exc)
                print(f"{spec.name} on {sim}: {s['vectors']:,} vectors, {s['received']:,} "
                      f"results, {s['mismatches']} mismatches, latency "
                      f"{s['min_latency'] if s['min_latency'] is not None else '-'}, "
                      f"{s['vectors_per_s']:,.0f} vectors/s", flush=True)
    return 1 if failed else 0


def _vectors(text: str):
    return "all" if text == "all" else _positive_int(text)


def cmd_soak(p, args) -> int:
    from lnsgen import paths

    from .verification.runner import BenchFailure
    from .verification.soak import merge_rows, run_soak, soak_table

    if args.resets >= args.operands:
        p.error(f"--resets must be below --operands ({args.operands}), not {args.resets}")
    specs = specs_from_args(p, args, args.units)
    rows, failed = [], []
    with _build_folder(args.out):
        for spec in specs:
            try:
                r = run_soak(spec, operands=args.operands, resets=args.resets, sim=args.sim,
                             seed=args.seed)
            except BenchFailure as exc:
                failed.append(spec.name)
                _say(f"{spec.name}: FAILED\n{exc}")
                continue
            rows.append({k: v for k, v in r.items() if k != "result_file"})
            print(soak_table(rows[-1:]).splitlines()[-1] if len(rows) > 1
                  else soak_table(rows), flush=True)
        if rows:
            report = paths.reports_dir() / "soak.json"
            merge_rows(report, rows)
            _say(f"report: {report}")
    if failed:
        _say(f"soak failed for {', '.join(failed)}")
        return 1
    return 0


def cmd_formal(p, args) -> int:
    from lnsgen import paths

    from .verification.formal.proofs import format_trace, plan
    from .verification.formal.sby import missing_tools
    from .verification.soak import merge_rows

    specs = specs_from_args(p, args, args.units)
    try:
        proofs = plan(specs, props=args.props, depth=args.depth, bug=args.inject_bug,
                      strengthen=not args.no_strengthen)
    except ValueError as exc:
        _spec_error(p, exc)
    if not proofs:
        p.error("no proof applies: --inject-bug spec needs unit mul and --props equiv; "
                "equiv needs a reference model (formats of at most 10 bits for the adder)")
    missing = missing_tools()
    if missing:
        _say(f"lnsgen formal: missing tools {', '.join(missing)} (pip install 'lnsgen[formal]')")
        return 1
    head = f"{'unit':<24} {'props':<9} {'mode':<6} {'depth':>5} {'result':<8} {'seconds':>7}"
    print(head)
    print("-" * len(head))
    rows, failures = [], []
    with _build_folder(args.out):
        for proof in proofs:
            result = proof.run(timeout=args.timeout)
            rows.append(proof.row(result))
            at = f" @ step {result.step}" if result.step is not None else ""
            extra = f"  [{', '.join(result.failed)}{at}]" if result.failed else ""
            print(f"{proof.spec.name:<24} {proof.props:<9} {proof.mode:<6} {result.depth:>5} "
                  f"{result.result:<8} {result.seconds:>7.1f}{extra}", flush=True)
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
        name = ("formal-bug.json" if args.inject_bug else
                "formal-weak.json" if args.no_strengthen else "formal.json")
        # Merged by proof, so that the two runs of `make formal` (8 and 16 bits) fill one report.
        report = paths.reports_dir() / name
        merge_rows(report, rows, fields=("unit", "props", "mode", "bug", "strengthen"),
                   sort=False)
    print(f"\n{len(proofs) - len(failures)}/{len(proofs)} passed; report: {report}")
    return 1 if failures else 0


def cmd_synth(p, args) -> int:
    from lnsgen import paths

    from .synth.flow import SynthError, synthesize
    from .synth.report import markdown_table, update_reports

    specs = specs_from_args(p, args, args.units)
    flow = {"nodsp": args.nodsp, "ecp5_device": args.ecp5_device, "package": args.package,
            "ports": args.ports}
    if args.meet_freq:
        from .synth.target import SEARCH_TARGETS, pipeline_depths
        if args.targets[0] not in SEARCH_TARGETS:
            p.error(f"--meet-freq: the first of --targets must be one of "
                    f"{', '.join(SEARCH_TARGETS)} (its Fmax decides), not {args.targets[0]}")
        for spec in specs:
            try:
                pipeline_depths(spec)
            except SpecError as exc:
                p.error(f"--meet-freq: {exc}")
    entries = []
    with _build_folder(args.out):
        for spec in specs:
            try:
                entry = None
                if args.meet_freq:
                    spec, entry = _meet_freq(spec, args, flow)
                if entry is None:
                    _say(f"synth: {spec.name} ({', '.join(args.targets)}) ...")
                    entry = synthesize(spec, targets=args.targets, freq_mhz=args.freq, **flow)
            except SynthError as exc:
                _say(f"{p.prog}: error: {exc}")
                return 1
            _say(f"synth: {spec.name} done in {entry['runtime_s']:.1f} s")
            entries.append(entry)
        json_path, md_path = update_reports(entries, paths.reports_dir())
    _say(f"synth: wrote {json_path} and {md_path}")
    sys.stdout.write(markdown_table(entries))
    return 0


def _meet_freq(spec, args, flow):
    """The spec at the shallowest pipeline depth whose Fmax on the first target reaches
    ``--freq`` (else the fastest), saying what each depth tried reached; and its synthesis
    entry when that target is the only one asked for (None: the others are still to run)."""
    from lnsgen.spec import UnitSpec

    from .synth.target import meet_frequency

    target = args.targets[0]
    _say(f"synth: {spec.name}: pipeline depth for {args.freq:g} MHz on {target} ...")
    found = meet_frequency(spec, args.freq, target=target, **flow)
    for row in found["tried"]:
        fmax = "no Fmax" if row["fmax_mhz"] is None else f"{row['fmax_mhz']:.1f} MHz"
        _say(f"synth:   {found['param']} = {row['depth']}: {fmax}")
    chosen = UnitSpec.from_dict(found["spec"])
    verdict = "meets" if found["met"] else "is the fastest; none meets"
    _say(f"synth: {chosen.name} {verdict} {args.freq:g} MHz")
    return chosen, (found["entry"] if list(args.targets) == [target] else None)


def cmd_sweep(p, args) -> int:
    from lnsgen import paths

    from .synth.sweep import grid, load_config, markdown, run_sweep, write_reports

    points = []
    if args.config:
        try:
            points += load_config(args.config)
        except ValueError as exc:
            p.error(str(exc))
    if args.units:
        specs = specs_from_args(p, args, args.units)
        nodsp = {"no": [False], "yes": [True], "both": [False, True]}[args.nodsp]
        points += grid(specs, nodsp=nodsp, targets=args.targets, asic=not args.no_asic,
                       freq=args.freq, ecp5_device=args.ecp5_device, package=args.package,
                       ports=args.ports)
    elif not args.config:
        p.error("give units (and their options) or --config")
    if args.workers is not None and args.workers < 1:
        p.error("--workers must be at least 1")
    with _build_folder(args.out):
        build = paths.build_dir()
        run = run_sweep(points, workroot=build / "sweep" / "work",
                        cache_dir=build / "sweep" / "cache", serial=args.serial,
                        scheduler=args.scheduler, workers=args.workers,
                        use_cache=not args.no_cache, progress=not args.no_progress)
        json_path, md_path = write_reports(run, paths.reports_dir())
    print(markdown(run.results), end="")
    s = run.stats()
    _say(f"sweep: {s['points']} points, {s['mode']} with {s['workers']} worker(s), "
         f"{s['wall_s']:.1f} s, {s['cache_hits']} cache hits, {s['computed']} computed, "
         f"{s['failed']} failed; wrote {json_path} and {md_path}")
    return 1 if run.failed else 0


def cmd_report(p, args) -> int:
    from lnsgen import paths

    from .synth.htmlreport import find_chromium, screenshot, summary_table, write_report

    specs = specs_from_args(p, args, ["add"])
    with _build_folder(args.out):
        html_path, md_path = write_report(paths.reports_dir(), phi_format=specs[0].fmt)
        table = summary_table(paths.reports_dir())
    print(table or "no results yet: run `lnsgen bench`, `lnsgen synth` or `make` first")
    _say(f"report: wrote {html_path} and {md_path}")
    if args.screenshot != "no":
        if find_chromium() is None:
            if args.screenshot == "yes":
                _say("lnsgen report: chromium not found (Debian: apt-get install chromium)")
                return 1
            _say("report: no screenshot (chromium not installed)")
        else:
            _say(f"report: rendered {screenshot(html_path, html_path.with_name('report_screenshot.png'))}")
    return 0


def cmd_error(p, args) -> int:
    from lnsgen import paths

    from .golden.error import format_table, measure, methods_for, phi_pair, write_plot

    specs = specs_from_args(p, args, ["add"])
    fmt, max_error = specs[0].fmt, specs[0]["max_error"]
    try:
        methods, notes = methods_for(fmt, args.method)
        for m in methods:  # builds (and caches) the tables
            phi_pair(fmt, m, max_error)
    except (ValueError, TypeError) as exc:
        _spec_error(p, exc)
    rows = [measure(g) for m in methods for g in phi_pair(fmt, m, max_error)]
    print(format_table(fmt, rows, notes, max_error))
    with _build_folder(args.out):
        out = paths.reports_dir()
        out.mkdir(parents=True, exist_ok=True)
        (out / "phi_error.json").write_text(json.dumps(
            {"format": {"name": fmt.name, "int_bits": fmt.int_bits, "frac_bits": fmt.frac_bits,
                        "width": fmt.width}, "method": args.method, "max_error": max_error,
             "rows": rows, "notes": notes}, indent=2) + "\n")
        if not args.no_plot:
            write_plot(fmt, methods, max_error, str(out / "phi_error.png"))
    _say(f"error: wrote {out / 'phi_error.json'}"
         + ("" if args.no_plot else f" and {out / 'phi_error.png'}"))
    bad = [r for r in rows if not r["within_bound"]]
    for r in bad:
        _say(f"error: {r['method']} phi_{r['kind']} reaches {r['max_abs_error_ulp']:.6g} ulp "
             f"at d={r['d_at_max_ulp']}, not below its bound {r['bound_ulp']:g}")
    return 1 if bad else 0


def cmd_utilization(p, args) -> int:
    from lnsgen import paths

    from .verification.utilization import measure

    spec = specs_from_args(p, args, ["mm"])[0]
    array = spec.build()
    rows = []
    print(f"{spec.name}: {array.slots} slots per PE, tile {array.tile_rows}x{array.cols}")
    print(f"{'K':>5} {'1 pass cycles':>14} {'util':>6} {f'{args.passes} passes cycles':>16} "
          f"{'util':>6}")
    for k in args.k:
        one = measure(array, k, 1)
        many = measure(array, k, args.passes)
        rows.append({"k": k, "single": one, "steady": many})
        print(f"{k:>5} {one['cycles']:>14} {one['utilization']:>6.1%} {many['cycles']:>16} "
              f"{many['utilization']:>6.1%}", flush=True)
    with _build_folder(args.out):
        path = paths.reports_dir() / f"utilization_{spec.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"spec": spec.to_dict(), "name": spec.name,
                                    "slots": array.slots, "results": rows}, indent=1) + "\n")
    _say(f"utilization: wrote {path}")
    return 0


def cmd_study(p, args) -> int:
    from lnsgen import paths

    from .golden.sumstudy import CHECKPOINTS, markdown, plot, study

    specs = specs_from_args(p, args, ["add"])
    formats = list(dict.fromkeys(s.fmt for s in specs))
    checkpoints = [n for n in CHECKPOINTS if n <= args.max_terms]
    rows = study(formats, trials=args.trials, seed=args.seed, checkpoints=checkpoints)
    with _build_folder(args.out):
        out = paths.reports_dir()
        out.mkdir(parents=True, exist_ok=True)
        (out / "sumstudy.json").write_text(json.dumps(rows, indent=1))
        text = markdown(rows)
        (out / "sumstudy.md").write_text(text + "\n")
        plot(rows, out / "sumstudy.png")
    print(text)
    return 0


def cmd_docs(p, args) -> int:
    from lnsgen import paths

    from .docs import DATA, collect, render_all

    docs = args.docs
    if not (docs / "conf.py").is_file() and not (docs / "index.md").is_file():
        p.error(f"--docs: {docs} is not the documentation folder (no conf.py or index.md)")
    with _build_folder(args.out):
        reports = paths.reports_dir()
        for name in args.collect or []:
            if name not in DATA:
                p.error(f"--collect: one of {', '.join(DATA)}, not {name!r}")
            try:
                _say(f"docs: collected {collect(name, reports=reports, docs=docs)}")
            except FileNotFoundError as exc:
                _say(f"lnsgen docs: {exc}")
                return 1
    for path in render_all(docs, computed=not args.no_computed):
        _say(f"docs: wrote {path}")
    return 0


#: Commands that hand all their arguments to a module's ``main(argv, prog=...)`` (the training
#: emulation's own command lines, with the same spellings: ``--int-bits``, ``--frac-bits``...).
DELEGATED = {
    "train": ("lnsgen.golden.train.table", ("train the MNIST network in the four arithmetic "
              "modes at one or more formats (the published table)")),
    "train-sweep": ("lnsgen.golden.train.sweep", ("validation error against precision for the "
                    "four training modes")),
    "train-run": ("lnsgen.golden.train.__main__", "one training run in one mode"),
    "breakdown": ("lnsgen.synth.breakdown", ("standard-cell area and energy of each block of "
                  "the LNS adder, per Gaussian-log method, beside same-flow fp16/bf16 FMA, "
                  "int8 MAC and hybrid baselines (OSU 0.18 um)")),
    "energy": ("lnsgen.synth.energy", "energy per operation from gate-level toggles (OSU 0.18 um)"),
    "compare": ("lnsgen.synth.compare", ("every arithmetic of the systolic array side by side: "
                "LNS, LNS + Kahan, hybrid, fp16, bf16, int8 PEs and 4x4 arrays on ECP5 and "
                "OSU 0.18 um, pJ/MAC from gate-level toggles, MNIST accuracy")),
    "speed": ("lnsgen.golden.speed", ("the golden model's speed against the peer Python LNS "
              "library xlns (pip install 'lnsgen[bench]'), in one process")),
}


def _delegate(command: str, argv: list) -> int:
    import importlib
    return importlib.import_module(DELEGATED[command][0]).main(argv, prog=f"lnsgen {command}")


# The parser ----------------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """One line per error: ``prog: error: message``, status 2 (the usage is in --help)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_flow_options(p) -> None:
    """The FPGA flow's options, one spelling for every command that places and routes."""
    from .synth.flow import ECP5_DEVICES, FLOW_DEFAULTS, PORTS

    p.add_argument("--freq", type=_positive_float, default=FLOW_DEFAULTS["freq"],
                   metavar="MHZ", help="clock target for nextpnr (default 100); Fmax is "
                                       "reported either way")
    p.add_argument("--ecp5-device", choices=ECP5_DEVICES, default=FLOW_DEFAULTS["ecp5_device"],
                   metavar="DEV", help=f"nextpnr-ecp5 device: {', '.join(ECP5_DEVICES)} "
                                       f"(default {FLOW_DEFAULTS['ecp5_device']})")
    p.add_argument("--package", default=FLOW_DEFAULTS["package"],
                   help=f"ECP5 package (default {FLOW_DEFAULTS['package']})")
    p.add_argument("--ports", choices=PORTS, default=FLOW_DEFAULTS["ports"],
                   help="pins: every port bit a pin (default); scan: the port registers "
                        "loaded and read through two scan chains, for units with more port "
                        "bits than a package has pins (large arrays)")


def build_parser() -> argparse.ArgumentParser:
    from .docs import DATA as DOC_DATA
    from .synth.flow import TARGETS
    from .verification.formal.bugs import BUGS
    from .verification.formal.harness import PROPERTY_SETS
    from .verification.soak import DEFAULT_OPERANDS, DEFAULT_RESETS, SOAK_PRESETS

    parser = _Parser(prog="lnsgen", description=(
        "Generate, verify and measure Logarithmic Number System (LNS) arithmetic hardware. "
        "Units are kinds with options, or presets: `lnsgen list`."))
    parser.add_argument("--version", action="version", version=f"lnsgen {lnsgen.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def command(name, func, help_text, *, units=None, many=True, out=True):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(run=func, parser=p)
        if units == "one":
            p.add_argument("unit", metavar="UNIT",
                           help="a unit kind or preset (lnsgen list)")
        elif units == "some":
            p.add_argument("units", metavar="UNIT", nargs="+",
                           help="unit kinds or presets (lnsgen list)")
        elif units == "any":
            p.add_argument("units", metavar="UNIT", nargs="*",
                           help="unit kinds or presets (lnsgen list)")
        elif units is not None:
            p.add_argument("units", metavar="UNIT", nargs="*", default=list(units),
                           help=f"unit kinds or presets (lnsgen list); default: "
                                f"{' '.join(units)}")
        if out:
            add_out(p)
        return p

    command("list", cmd_list, "list the unit kinds, their options and the presets", out=False)

    p = command("verilog", cmd_verilog, "write the Verilog of one unit (with a header and the "
                "lint waivers lnsgen.vlt beside it)", units="one", out=False)
    add_unit_options(p, many=False)
    p.add_argument("-o", "--out", type=pathlib.Path, metavar="FILE",
                   help="the Verilog file (default: standard output)")
    p.add_argument("--no-waivers", action="store_true",
                   help=f"do not write the Verilator waiver file {'lnsgen.vlt'} beside -o")

    p = command("bench", cmd_bench, "simulate units with cocotb on Icarus and Verilator, "
                "every result compared bit-exactly with the golden model", units="some")
    add_unit_options(p, many=True)
    p.add_argument("--sim", nargs="+", choices=("icarus", "verilator"),
                   default=["icarus", "verilator"], help="simulators (default both)")
    p.add_argument("--vectors", type=_vectors, default=10_000, metavar="N|all",
                   help="random vectors after the corner cases, or 'all' for every input "
                        "(default 10000)")
    p.add_argument("--seed", type=_non_negative_int, default=1, help="random seed (default 1)")
    p.add_argument("--idle", type=_fraction, default=0.2,
                   help="probability of an idle input cycle (default 0.2)")
    p.add_argument("--stall", type=_fraction, default=0.2,
                   help="probability of a not-ready output cycle (default 0.2)")

    p = command("soak", cmd_soak, "push many random operands through units with random stalls "
                "and resets, every result checked (build/reports/soak.json)",
                units=SOAK_PRESETS)
    add_unit_options(p, many=True)
    p.add_argument("--operands", type=_positive_int, default=DEFAULT_OPERANDS, metavar="N",
                   help=f"input beats per unit (default {DEFAULT_OPERANDS:,})")
    p.add_argument("--resets", type=_non_negative_int, default=DEFAULT_RESETS, metavar="N",
                   help=f"reset pulses per unit, below --operands (default {DEFAULT_RESETS})")
    p.add_argument("--sim", choices=("icarus", "verilator"), default="verilator",
                   help="simulator (default verilator)")
    p.add_argument("--seed", type=_non_negative_int, default=1, help="random seed (default 1)")

    p = command("formal", cmd_formal, "prove the stream protocol and, where a reference model "
                "exists, the function of units (SymbiYosys, Yices)",
                units=("mul", "div", "add"))
    add_unit_options(p, many=True)
    p.add_argument("--props", nargs="+", choices=list(PROPERTY_SETS),
                   help="property sets (default: every one that applies)")
    p.add_argument("--depth", type=_positive_int, metavar="N",
                   help="induction/cover depth (default: latency + 2; covers latency + 4)")
    p.add_argument("--inject-bug", choices=sorted(BUGS),
                   help="; ".join(f"{k}: {v[1]}" for k, v in BUGS.items())
                        + " -- the proofs must then FAIL")
    p.add_argument("--no-strengthen", action="store_true",
                   help="leave out the invariant on the unit's stage valid bits (k-induction "
                        "then cannot prove units of latency > 1)")
    p.add_argument("--timeout", type=_positive_int, default=600, metavar="S",
                   help="seconds per proof (default 600)")

    p = command("synth", cmd_synth, "synthesize units (Yosys, nextpnr): ECP5/iCE40 resources "
                "and Fmax, a generic gate count", units=("mul",))
    add_unit_options(p, many=True)
    p.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS),
                   help="targets (default all)")
    p.add_argument("--nodsp", action="store_true",
                   help="keep ECP5 multipliers out of DSP blocks (synth_ecp5 -nodsp)")
    add_flow_options(p)
    p.add_argument("--meet-freq", action="store_true",
                   help="choose the unit's pipeline depth (--adder-latency, or --latency): "
                        "the shallowest whose place and route on the first target reaches "
                        "--freq (each depth is run, shallowest first)")

    p = command("sweep", cmd_sweep, "evaluate a grid of units on Dask: golden accuracy, FPGA "
                "resources and Fmax, OSU 0.18 um area (cached)", units="any")
    add_unit_options(p, many=True)
    p.add_argument("--config", type=pathlib.Path, metavar="TOML",
                   help="a TOML file with [grid] and/or [[point]] (keys as these options)")
    p.add_argument("--nodsp", choices=("no", "yes", "both"), default="no",
                   help="ECP5 multipliers out of DSP blocks (default no)")
    p.add_argument("--targets", nargs="*", choices=TARGETS, default=["ecp5", "ice40"],
                   help="FPGA targets (default ecp5 ice40; none: --targets alone)")
    add_flow_options(p)
    p.add_argument("--no-asic", action="store_true", help="skip the OSU 0.18 um flow")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--serial", action="store_true", help="one point after another here")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="an existing Dask cluster (its workers must share this folder)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="LocalCluster workers (default one per core)")
    p.add_argument("--no-cache", action="store_true", help="recompute every point")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = command("report", cmd_report, "write build/reports/report.{html,md} from what has run "
                "and print its main table")
    add_unit_options(p, many=False)
    p.add_argument("--screenshot", choices=("auto", "yes", "no"), default="no",
                   help="render the page in headless Chromium (default no)")

    p = command("error", cmd_error, "error of the Gaussian logs phi+ and phi- (the adder's "
                "approximation) over every d, with a plot")
    add_unit_options(p, many=False)
    p.set_defaults(method_choices=True)
    p.add_argument("--no-plot", action="store_true", help="no PNG plot")
    for action in p._actions:  # --method here also takes 'all' (both methods side by side)
        if action.dest == "spec_method":
            action.dest, action.help = "method", (
                "interp, direct or all (both; direct only up to 16 fractional bits); "
                "default interp")
            action.default = "interp"

    p = command("utilization", cmd_utilization, "systolic array cycles and utilization "
                "against K (Amaranth simulation, checked against golden)")
    add_unit_options(p, many=False)
    p.add_argument("--k", type=_positive_int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64],
                   help="depths K (default 1 2 4 8 16 32 64)")
    p.add_argument("--passes", type=_positive_int, default=4,
                   help="passes back to back (default 4)")

    p = command("study", cmd_study, "plain vs Kahan-compensated LNS summation against float64 "
                "(build/reports/sumstudy.*)")
    add_unit_options(p, many=True)
    p.add_argument("--trials", type=_positive_int, default=8, help="sums per point (default 8)")
    p.add_argument("--max-terms", type=_positive_int, default=100_000,
                   help="longest sum (default 100000)")
    p.add_argument("--seed", type=_non_negative_int, default=1, help="random seed (default 1)")

    p = command("docs", cmd_docs, "write the documentation's generated tables (docs/generated) "
                "from docs/data and the code; --collect copies fresh reports into docs/data")
    p.add_argument("--collect", nargs="+", metavar="NAME",
                   help="copy these reports from the build folder's reports (with their "
                        f"provenance) into docs/data first: {', '.join(DOC_DATA)}")
    p.add_argument("--docs", type=pathlib.Path, default=pathlib.Path("docs"), metavar="DIR",
                   help="the documentation folder (default ./docs)")
    p.add_argument("--no-computed", action="store_true",
                   help="skip the tables computed from the code (kinds, formats, phi error)")

    for name, (_, text) in DELEGATED.items():
        sub.add_parser(name, help=text + " (its own options: --help)", add_help=False)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in DELEGATED:
        return _delegate(argv[0], argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "out", None) is not None and args.command not in ("verilog",):
        _check_out_dir(args.parser, args.out)
    if args.command == "error":
        args.spec_method = None if args.method == "all" else args.method
    start = time.monotonic()
    try:
        status = args.run(args.parser, args)
    except KeyboardInterrupt:
        return 130
    if args.command in ("bench", "soak", "formal", "synth", "sweep"):
        _say(f"lnsgen {args.command}: {time.monotonic() - start:.1f} s")
    return status


def entry_point() -> None:
    """The ``lnsgen`` console script."""
    try:
        sys.exit(main())
    except BrokenPipeError:  # piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
