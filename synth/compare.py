"""Is LNS worth it? Every arithmetic of the systolic array side by side, in one run.

The arithmetics (:data:`ARITHMETICS`) are the PEs of one array generator
(:class:`lnsgen.hdl.systolic.SystolicArray` with :mod:`lnsgen.hdl.arithmetic`): LNS with
Gaussian-log adders (plain and Kahan-compensated), the hybrid (ELMA-style: LNS multiply, exact
linear accumulate, one rounding), IEEE fused multiply-add (fp16, bf16; e4m3 at 8 bits) and
int8 x int8 + int32. Every PE takes one MAC per cycle; the FMA's pipeline depth is the LNS
adder's, so the PEs compare at equal throughput and equal depth. Measured, per arithmetic:

``pe`` (one processing element, in the port register ring of :mod:`lnsgen.synth.wrapper`)
    ECP5 (``synth_ecp5`` with and without DSP blocks, nextpnr on the LFE5U-85F): LUT4, CCU2C,
    FF, EBR, DSP, Fmax; OSU 0.18 um (:func:`lnsgen.synth.breakdown.asic_run`): area, FF,
    critical path, energy per MAC at a uniform activity of 0.1 at 50 MHz.
``array`` (a ``rows x cols`` array, default 4x4, its ports behind scan chains)
    The same ECP5 figures (the scan chains' flip-flops left out of FF).
``energy`` (a small array, default 2x2)
    Energy per MAC from the toggles of a gate-level simulation of the OSU netlist
    (:mod:`lnsgen.synth.energy`) under a real workload: the MNIST network's second layer
    (``relu(x W1 + b1) W2``, the float-trained network of ``accuracy``), every output
    checked against the golden model. One input beat per cycle keeps every PE busy:
    ``pJ/MAC = pJ per cycle / (rows cols)``, the array's FIFOs and control included.
``accuracy`` (golden models only, :mod:`lnsgen.golden.arithmetic`)
    The float-trained MNIST network (784-100-10, 5 epochs, seed 0) run on the 10,000
    validation images with both matrix products in the arithmetic (operands rounded to it,
    integers quantized symmetrically per tensor; bias and ReLU in float64): the validation
    error, and each layer's matrix product's relative error ``|C - C64| / |C64|``
    (Frobenius) against float64 on the same float inputs.

Every item is cached in the work folder (keyed on the generated design, so a changed
generator reruns it); ``build/reports/compare.json`` holds the rows, and the ratios of each
arithmetic against fp16 (16 bits) and int8.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pathlib
import time

import numpy as np

from lnsgen import paths

from .breakdown import CLOCK_MHZ, asic_run
from .flow import SynthError, port_bits, run_targets, synthesize, tool_versions
from .wrapper import RegisteredPorts

__all__ = ["ARITHMETICS", "PARTS", "Arithmetic", "accuracy_rows", "arithmetics", "compare", "main",
           "ratios"]

#: What a run can measure (see the module docstring).
PARTS = ("pe", "array", "energy", "accuracy")
#: The ECP5 part every design is placed on (the largest; the 4x4 Kahan array needs it).
ECP5_DEVICE = "85k"
#: Clock target of nextpnr's timing-driven placement (a target, not a claim).
FREQ_MHZ = 150.0


@dataclasses.dataclass(frozen=True)
class Arithmetic:
    """One compared arithmetic at one width.

    Attributes
    ----------
    label : str
        ``lns``, ``lns-kahan``, ``hybrid``, ``fp16``, ``bf16``, ``fp8`` or ``int8``.
    bits : int
        The table it belongs to (16 or 8).
    kind : str
        Its array kind (:data:`lnsgen.spec.ARRAY_KINDS`).
    params : dict
        The array spec's parameters besides ``rows`` and ``cols``.
    """

    label: str
    bits: int
    kind: str
    params: tuple

    def spec(self, rows: int, cols: int):
        from lnsgen.spec import UnitSpec
        return UnitSpec(self.kind, rows=rows, cols=cols, **dict(self.params))

    @property
    def name(self) -> str:
        return f"{self.label}@{self.bits}"


def _arith(label, bits, kind, **params) -> Arithmetic:
    return Arithmetic(label, bits, kind, tuple(sorted(params.items())))


#: The LNS adders' method (the smallest faithful one at 16 bits, docs/adder.md) and latency;
#: the FMAs get the same pipeline depth.
LNS_METHOD, ADDER_LATENCY = "cotrans", 3
_LNS16 = {"int_bits": 5, "frac_bits": 10}
_LNS8 = {"int_bits": 3, "frac_bits": 4}
#: Every compared arithmetic, by width: the six at 16 bits and their 8-bit counterparts.
ARITHMETICS = {
    16: (_arith("lns", 16, "mm", method=LNS_METHOD, adder_latency=ADDER_LATENCY, **_LNS16),
         _arith("lns-kahan", 16, "mm", method=LNS_METHOD, adder_latency=ADDER_LATENCY,
                compensated=True, **_LNS16),
         _arith("hybrid", 16, "mm-hybrid", **_LNS16),
         _arith("fp16", 16, "mm-fma", float="fp16", latency=ADDER_LATENCY),
         _arith("bf16", 16, "mm-fma", float="bf16", latency=ADDER_LATENCY),
         _arith("int8", 16, "mm-int", ab_bits=8, acc_bits=32)),
    8: (_arith("lns", 8, "mm", method=LNS_METHOD, adder_latency=ADDER_LATENCY, **_LNS8),
        _arith("lns-kahan", 8, "mm", method=LNS_METHOD, adder_latency=ADDER_LATENCY,
               compensated=True, **_LNS8),
        _arith("hybrid", 8, "mm-hybrid", **_LNS8),
        _arith("fp8", 8, "mm-fma", float="e4m3", latency=ADDER_LATENCY),
        _arith("int8", 8, "mm-int", ab_bits=8, acc_bits=32)),
}


def arithmetics(bits=(16, 8), labels=None) -> list[Arithmetic]:
    """The arithmetics of the given widths (and labels), in table order."""
    out = [a for b in bits for a in ARITHMETICS[b] if labels is None or a.label in labels]
    return out


# The cache ---------------------------------------------------------------------------------

class NotCached(LookupError):
    """An item is not in the cache and the run may only reuse results."""


def _cached(path: pathlib.Path, key: str, run, *, fresh: bool, reuse_only: bool = False):
    """``run()``'s dict, or the one stored at ``path`` under the same ``key`` (with
    ``reuse_only``, :class:`NotCached` instead of running)."""
    if not fresh and path.is_file():
        stored = json.loads(path.read_text())
        if stored.get("key") == key:
            return stored["result"]
    if reuse_only:
        raise NotCached(str(path))
    result = run()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"key": key, "result": result}, indent=1) + "\n")
    return result


def _design_key(top_v: pathlib.Path, *extra) -> str:
    h = hashlib.sha256(top_v.read_bytes())
    for x in extra:
        h.update(repr(x).encode())
    return h.hexdigest()


def _ecp5(result: dict, ring_ff: int) -> dict:
    e = result["ecp5"]
    return {"lut4": e["lut4"], "ccu2c": e["ccu2c"], "ff": e["ff"] - ring_ff, "ebr": e["ebr"],
            "dsp": e["dsp"], "fmax_mhz": e.get("fmax_mhz")}


# Hardware ----------------------------------------------------------------------------------

def pe_rows(ar: Arithmetic, workdir: pathlib.Path, *, fresh: bool = False) -> dict:
    """ECP5 (with and without DSPs) and OSU figures of one PE of ``ar``."""
    from amaranth.back import verilog

    from lnsgen.hdl.pe import ProcessingElement
    from lnsgen.spec import pe_arithmetic

    spec = ar.spec(1, 1)
    base = workdir / "pe" / spec.name
    base.mkdir(parents=True, exist_ok=True)
    row = {}
    for nodsp in (False, True):
        wd = base / ("ecp5-nodsp" if nodsp else "ecp5")
        wd.mkdir(parents=True, exist_ok=True)
        top = RegisteredPorts(ProcessingElement(pe_arithmetic(spec)))
        (wd / "top.v").write_text(verilog.convert(top, name="top", emit_src=False))
        row.update(latency=top.unit.latency, slots=top.unit.slots)
        res = _cached(wd / "result.json", _design_key(wd / "top.v", "ecp5", nodsp, FREQ_MHZ),
                      lambda wd=wd, nodsp=nodsp: run_targets(
                          wd, targets=("ecp5",), nodsp=nodsp, ecp5_device=ECP5_DEVICE,
                          freq_mhz=FREQ_MHZ),
                      fresh=fresh)
        row["ecp5_nodsp" if nodsp else "ecp5"] = _ecp5(res, port_bits(top.unit))
    wd = base / "osu"
    wd.mkdir(parents=True, exist_ok=True)
    top = RegisteredPorts(ProcessingElement(pe_arithmetic(spec)))
    (wd / "design.v").write_text(verilog.convert(top, name="top", emit_src=False))
    res = _cached(wd / "result.json", _design_key(wd / "design.v", "osu", CLOCK_MHZ),
                  lambda: asic_run(ProcessingElement(pe_arithmetic(spec)), wd,
                                   hierarchy="unit"), fresh=fresh)
    row["osu"] = {k: res[k] for k in ("area_um2", "ff", "critical_path_ns", "pj_per_op")}
    return row


def array_rows(ar: Arithmetic, rows: int, cols: int, workdir: pathlib.Path, *,
               fresh: bool = False, with_nodsp: bool = True, reuse_only: bool = False) -> dict:
    """ECP5 figures (with DSPs, and without them unless ``with_nodsp`` is False) of a
    ``rows x cols`` array of ``ar``."""
    from lnsgen.synth.flow import write_top

    spec = ar.spec(rows, cols)
    out = {"name": spec.name}
    for nodsp in (False, True) if with_nodsp else (False,):
        wd = workdir / "array" / (spec.name + ("-nodsp" if nodsp else ""))
        wd.mkdir(parents=True, exist_ok=True)
        top = write_top(spec, wd, ports="scan")
        ring_ff = 2 * port_bits(top.unit)
        res = _cached(wd / "result.json", _design_key(wd / "top.v", "ecp5", nodsp, FREQ_MHZ),
                      lambda wd=wd, nodsp=nodsp: synthesize(
                          spec, targets=("ecp5",), workdir=wd, nodsp=nodsp,
                          ecp5_device=ECP5_DEVICE, freq_mhz=FREQ_MHZ, ports="scan"),
                      fresh=fresh, reuse_only=reuse_only)
        out["ecp5_nodsp" if nodsp else "ecp5"] = {**_ecp5(res, ring_ff),
                                                   "pnr_error": res["ecp5"].get("pnr_error")}
    return out


# Energy ------------------------------------------------------------------------------------

def layer2_operands(n: int = 64):
    """The second layer's operands of the float-trained network: ``a1`` (``n`` validation
    images' hidden activations, ``n x 100``) and ``W2`` (``100 x 10``)."""
    params, data = trained_network()
    x = data.x_valid[:n]
    a1 = np.maximum(x @ params["W1"] + params["b1"], 0.0)
    return a1, params["W2"]


def energy_workload(ar: Arithmetic, rows: int, cols: int, beats: int, warmup: int):
    """The array's input beats (at least ``warmup + beats``, whole passes of the second layer's
    product) and the golden output rows, as a :class:`lnsgen.synth.energy.Stimulus`."""
    from lnsgen.spec import pe_arithmetic
    from lnsgen.verification.matmul import TileDriver
    from lnsgen.verification.models import pack_fields

    from .energy import Stimulus

    arith = pe_arithmetic(ar.spec(rows, cols))
    drv = TileDriver(arith.golden, rows, cols, arith.slots)
    a1, w2 = layer2_operands(64)
    (a, _), (b, _) = arith.golden.encode(a1), arith.golden.encode(w2)
    payload, expected, n = [], [], 0
    start = 0
    while n < warmup + beats:
        block = a[start % len(a):start % len(a) + drv.tile_rows]
        start += drv.tile_rows
        for tile in drv.passes(block, b):
            payload += pack_fields(drv.input_fields(), drv.beats(tile))
            expected += pack_fields(drv.output_fields(),
                                    drv.outputs(drv.matmul(tile.a, tile.b)))
            n = len(payload)
            if n >= warmup + beats:
                break
    return Stimulus("mnist-layer2", payload, expected, {})


def energy_row(ar: Arithmetic, rows: int, cols: int, workdir: pathlib.Path, *, beats: int,
               warmup: int = 64, fresh: bool = False) -> dict:
    """Toggle-based energy per MAC of a ``rows x cols`` array of ``ar`` (see the module)."""
    from amaranth.back import verilog

    from .energy import netlist_energy

    spec = ar.spec(rows, cols)
    wd = workdir / "energy" / spec.name
    wd.mkdir(parents=True, exist_ok=True)
    comp = spec.build()
    (wd / "design.v").write_text(verilog.convert(RegisteredPorts(spec.build()), name="top",
                                                 emit_src=False))
    stim = energy_workload(ar, rows, cols, beats, warmup)

    def run():
        asic = asic_run(comp, wd, hierarchy="unit")
        res = netlist_energy(wd, stim.payload, wd / "sim", warmup=warmup,
                             expected=stim.expected, latency=comp.latency)
        res0 = netlist_energy(wd, stim.payload, wd / "sim-zero-delay", warmup=warmup,
                              expected=stim.expected, latency=comp.latency, delays=False)
        macs = rows * cols
        return {"area_um2": asic["area_um2"], "critical_path_ns": asic["critical_path_ns"],
                "uniform_pj_per_mac": round(asic["pj_per_op"] / macs, 3),
                "pj_per_mac": round(res["pj_per_op"] / macs, 3),
                "dynamic_pj_per_mac": round(res["dynamic_pj_per_op"] / macs, 3),
                "leakage_pj_per_mac": round(res["leakage_pj_per_op"] / macs, 5),
                "zero_delay_pj_per_mac": round(res0["pj_per_op"] / macs, 3),
                "cycles": res["cycles"], "outputs": res["outputs"],
                "output_mismatches": res["output_mismatches"] + res0["output_mismatches"]}

    key = _design_key(wd / "design.v", "energy", beats, warmup, stim.payload[:8], CLOCK_MHZ)
    return {"name": spec.name, **_cached(wd / "result.json", key, run, fresh=fresh)}


# Accuracy ----------------------------------------------------------------------------------

def trained_network():
    """The float-trained MNIST network (784-100-10, 5 epochs, seed 0; the training table's
    float run) and the data set."""
    from lnsgen.golden.train.data import load_mnist
    from lnsgen.golden.train.model import Config, train

    cfg = Config(mode="float")
    cache = paths.build_dir() / "compare" / f"{cfg.key}.npz"
    data = load_mnist()
    if cache.is_file():
        params = dict(np.load(cache))
    else:
        params = train(cfg, data, keep_net=True)["net"].params_float()
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **params)
    return params, data


def accuracy_rows(ars, *, n_valid: int | None = None) -> list[dict]:
    """Validation error and per-layer relative error of every arithmetic (see the module)."""
    from lnsgen.spec import pe_arithmetic

    params, data = trained_network()
    x, y = data.x_valid[:n_valid], data.y_valid[:n_valid]
    z1_64 = x @ params["W1"]
    a1_64 = np.maximum(z1_64 + params["b1"], 0.0)
    z2_64 = a1_64 @ params["W2"]
    float_err = float(np.mean((z2_64 + params["b2"]).argmax(axis=1) != y))
    out = []
    for ar in ars:
        t0 = time.monotonic()
        g = pe_arithmetic(ar.spec(1, 1)).golden
        z1 = g.real_matmul(x, params["W1"])
        a1 = np.maximum(z1 + params["b1"], 0.0)
        z2 = g.real_matmul(a1, params["W2"]) + params["b2"]
        z2_iso = g.real_matmul(a1_64, params["W2"])

        def rel(c, ref):
            return float(np.linalg.norm(c - ref) / np.linalg.norm(ref))

        out.append({"arithmetic": ar.label, "bits": ar.bits, "golden": g.name,
                    "validation_error": float(np.mean(z2.argmax(axis=1) != y)),
                    "float64_validation_error": float_err,
                    "layer1_rel_error": rel(z1, z1_64), "layer2_rel_error": rel(z2_iso, z2_64),
                    "images": len(y), "seconds": round(time.monotonic() - t0, 1)})
    return out


# The run -----------------------------------------------------------------------------------

def _ratio(x, y):
    return round(x / y, 3) if x is not None and y else None


def ratios(rows: list[dict]) -> None:
    """Add ``vs_fp16`` / ``vs_int8`` ratios (PE area and energies) to every row, in place:
    against the fp16 PE (16-bit table; the fp8 one at 8 bits) and the int8 PE."""
    for bits in {r["bits"] for r in rows}:
        table = [r for r in rows if r["bits"] == bits]
        ref_float = next((r for r in table if r["arithmetic"] in ("fp16", "fp8")), None)
        ref_int = next((r for r in table if r["arithmetic"] == "int8"), None)
        for r in table:
            for name, ref in (("fp", ref_float), ("int8", ref_int)):
                if ref is None:
                    continue
                r[f"area_vs_{name}"] = _ratio(_get(r, "pe", "osu", "area_um2"),
                                              _get(ref, "pe", "osu", "area_um2"))
                r[f"energy_vs_{name}"] = _ratio(_get(r, "energy", "pj_per_mac"),
                                                _get(ref, "energy", "pj_per_mac"))
                r[f"zero_delay_energy_vs_{name}"] = _ratio(
                    _get(r, "energy", "zero_delay_pj_per_mac"),
                    _get(ref, "energy", "zero_delay_pj_per_mac"))
                r[f"uniform_energy_vs_{name}"] = _ratio(_get(r, "pe", "osu", "pj_per_op"),
                                                        _get(ref, "pe", "osu", "pj_per_op"))


def _get(row, *keys):
    for k in keys:
        if not isinstance(row, dict) or row.get(k) is None:
            return None
        row = row[k]
    return row


def compare(ars, *, parts=PARTS, rows: int = 4, cols: int = 4, energy_rows: int = 2,
            energy_cols: int = 2, beats: int = 400, workdir=None, fresh: bool = False,
            n_valid: int | None = None, array_nodsp: bool = True, arrays_cached: bool = False,
            progress=None) -> list[dict]:
    """One row per arithmetic with the ``parts`` measured (see the module docstring)."""
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise ValueError(f"parts must be of {', '.join(PARTS)}, not {unknown[0]!r}")
    workdir = pathlib.Path(workdir) if workdir is not None else paths.build_dir() / "compare"
    out = [{"arithmetic": ar.label, "bits": ar.bits, "kind": ar.kind,
            "params": dict(ar.params)} for ar in ars]
    if "accuracy" in parts:
        for row, acc in zip(out, accuracy_rows(ars, n_valid=n_valid), strict=True):
            row["accuracy"] = acc
            if progress:
                progress(row, "accuracy")
    for row, ar in zip(out, ars, strict=True):
        if "pe" in parts:
            row["pe"] = pe_rows(ar, workdir, fresh=fresh)
            if progress:
                progress(row, "pe")
        if "energy" in parts:
            row["energy"] = {"rows": energy_rows, "cols": energy_cols,
                             **energy_row(ar, energy_rows, energy_cols, workdir, beats=beats,
                                          fresh=fresh)}
            if progress:
                progress(row, "energy")
        if "array" in parts:
            try:
                row["array"] = {"rows": rows, "cols": cols,
                                **array_rows(ar, rows, cols, workdir, fresh=fresh,
                                             with_nodsp=array_nodsp,
                                             reuse_only=arrays_cached)}
            except NotCached:
                continue
            if progress:
                progress(row, "array")
    ratios(out)
    return out


def main(argv=None, *, prog: str = "lnsgen compare") -> int:
    """``[--bits 16 8] [--arithmetic ...] [--parts ...] [--beats N] [--json F]``: the comparison
    (the entry point of a delegated ``lnsgen`` command)."""
    from lnsgen.cli import _Parser
    from lnsgen.docs import arithmetic_tables

    parser = _Parser(prog=prog, description=__doc__.split("\n\n")[0])
    labels = sorted({a.label for b in ARITHMETICS.values() for a in b})
    parser.add_argument("--bits", type=int, nargs="+", choices=sorted(ARITHMETICS),
                        default=[16, 8], help="tables to measure (default 16 8)")
    parser.add_argument("--arithmetic", nargs="+", choices=labels, default=None,
                        help="arithmetics to measure (default all of each table)")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS),
                        help="what to measure (default all)")
    parser.add_argument("--beats", type=int, default=400, metavar="N",
                        help="measured cycles of the energy simulation (default 400)")
    parser.add_argument("--images", type=int, default=None, metavar="N",
                        help="validation images of the accuracy (default all 10,000)")
    parser.add_argument("--no-array-nodsp", action="store_true",
                        help="place the arrays with DSP blocks only (the -nodsp arrays of "
                             "tables as logic take the longest)")
    parser.add_argument("--arrays-cached", action="store_true",
                        help="report only the arrays already placed (in the cache)")
    parser.add_argument("--fresh", action="store_true", help="ignore the cached results")
    parser.add_argument("--json", type=pathlib.Path, default=None, metavar="FILE",
                        help="where the results go (default build/reports/compare.json)")
    parser.add_argument("--workdir", type=pathlib.Path, default=None, metavar="DIR",
                        help="the tools' files and the cache (default build/compare)")
    args = parser.parse_args(argv)
    if args.beats < 1:
        parser.error(f"argument --beats: expected an integer >= 1, not {args.beats}")
    if args.images is not None and args.images < 1:
        parser.error(f"argument --images: expected an integer >= 1, not {args.images}")
    ars = arithmetics(args.bits, args.arithmetic)
    if not ars:
        parser.error("no arithmetic of --arithmetic is in the tables of --bits")
    out_json = args.json or paths.reports_dir() / "compare.json"

    def progress(row, part):
        print(f"{row['arithmetic']:>10}@{row['bits']}: {part} done", flush=True)

    start = time.monotonic()
    try:
        rows = compare(ars, parts=args.parts, beats=args.beats, workdir=args.workdir,
                       fresh=args.fresh, n_valid=args.images,
                       array_nodsp=not args.no_array_nodsp,
                       arrays_cached=args.arrays_cached, progress=progress)
    except (SynthError, ValueError, FileNotFoundError) as exc:
        print(f"{prog}: {exc}")
        return 1
    print()
    print(arithmetic_tables(rows))
    out = {"settings": {"clock_mhz": CLOCK_MHZ, "ecp5_device": ECP5_DEVICE,
                        "freq_target_mhz": FREQ_MHZ, "lns_method": LNS_METHOD,
                        "adder_latency": ADDER_LATENCY, "energy_beats": args.beats,
                        "parts": args.parts, "tools": tool_versions(),
                        "runtime_s": round(time.monotonic() - start, 1)},
           "rows": rows}
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {out_json}")
    bad = [r for r in rows if (_get(r, "energy", "output_mismatches") or 0) > 0]
    return 1 if bad else 0
