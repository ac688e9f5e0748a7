"""Formal proofs of the stream units (SymbiYosys + Yices through YoWASP), the deliberate
failures that show the proofs can fail, and the ``python -m verification.formal`` CLI."""

import functools
import json
import pathlib
import random

import pytest
from amaranth.hdl import Fragment, Module, Signal
from amaranth.sim import Simulator

from lnsgen import golden
from lnsgen.cli import main
from lnsgen.golden import LNSFormat
from lnsgen.spec import UnitSpec, resolve
from lnsgen.verification.formal import (
    DropValidOnStall,
    FormalTop,
    Proof,
    format_trace,
    pipeline_valid_bits,
    run_sby,
)
from lnsgen.verification.formal.sby import missing_tools, read_vcd
from lnsgen.verification.formal.spec import div_spec, mul_spec

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "test-formal"
F8 = LNSFormat(int_bits=3, frac_bits=4)
F16 = LNSFormat(int_bits=5, frac_bits=10)
# Few integer bits: phi- next to cancellation reaches far below the log field's range there
# (the adder once wrapped such sums to -max instead of flushing them to zero).
F1_4 = LNSFormat(int_bits=1, frac_bits=4)
F2_6 = LNSFormat(int_bits=2, frac_bits=6)

needs_tools = pytest.mark.skipif(bool(missing_tools()),
                                 reason=f"formal tools missing: {missing_tools()}")


def run(proof: Proof):
    return proof.run(work=WORK, timeout=300)


# Harness and reference models, no solver ------------------------------------------------


@pytest.mark.parametrize("unit, stages", [("mul", 1), ("div", 1), ("add", 5), ("from-fp16", 5),
                                          ("to-fp32", 5)])
def test_stage_valid_bits_are_found(unit, stages):
    dut = resolve(unit, fmt=F8).build()
    Fragment.get(dut, None)
    bits = pipeline_valid_bits(dut)
    assert [b.name for b in bits] == [f"stage{k}_valid" for k in range(stages)]
    wrapped = DropValidOnStall(resolve(unit, fmt=F8).build())
    Fragment.get(wrapped, None)
    assert pipeline_valid_bits(wrapped) == wrapped.unit.stage_valid
    assert len(pipeline_valid_bits(wrapped)) == stages


def test_formal_top_validates_arguments():
    unit = resolve("mul", fmt=F8).build()
    with pytest.raises(ValueError, match=r"check must be one of \['cover', 'equiv', 'protocol', 'sums', 'tiles'\]"):
        FormalTop(unit, checks=["liveness"])
    with pytest.raises(ValueError, match="the 'equiv' check needs a spec"):
        FormalTop(unit, checks=["equiv"])
    with pytest.raises(ValueError, match="latency must be an integer of at least 1, not 0"):
        FormalTop(unit, latency=0)
    with pytest.raises(ValueError, match="its property set is 'sums', not 'protocol'"):
        Proof(resolve("acc", fmt=F8), "protocol", 3)
    with pytest.raises(ValueError, match="'sums' applies to unit kinds"):
        Proof(resolve("mul", fmt=F8), "sums", 3)
    with pytest.raises(ValueError, match="its property sets are 'tiles' and 'cover', not 'protocol'"):
        Proof(resolve("mm2x2", fmt=F8), "protocol", 3)
    with pytest.raises(ValueError, match="'tiles' applies to unit kinds"):
        Proof(resolve("add", fmt=F8), "tiles", 3)
    with pytest.raises(ValueError, match="the 'shallow-fifo' bug does not apply to the mul_i3f4"):
        Proof(resolve("mul", fmt=F8), "protocol", 3, bug="shallow-fifo")
    with pytest.raises(ValueError, match="the 'drop-valid' bug does not apply to the mm2x2_i3f4"):
        Proof(resolve("mm2x2", fmt=F8), "tiles", 3, bug="drop-valid")
    with pytest.raises(ValueError, match="the reference model of add_i5f10 is too large"):
        Proof(resolve("add", fmt=F16), "equiv", 7)


@pytest.mark.parametrize("spec, model", [(mul_spec, golden.mul), (div_spec, golden.div)])
def test_reference_model_agrees_with_golden(spec, model):
    """The formal reference models are independent of hdl; check them against golden on every
    special code and random pairs of the 8-bit format."""
    fmt = F8
    payload = Signal(2 * fmt.width)
    out = Signal(fmt.width)
    m = Module()
    m.d.comb += out.eq(spec(fmt, payload))
    special = [fmt.zero, fmt.zero | 1 << fmt.log_bits, fmt.pack(0, fmt.log_max),
               fmt.pack(1, fmt.log_min), fmt.pack(0, 0), fmt.pack(1, 1), fmt.pack(0, -1)]
    rng = random.Random(7)
    pairs = [(a, b) for a in special for b in special]
    pairs += [(rng.randrange(fmt.n_codes), rng.randrange(fmt.n_codes)) for _ in range(1500)]
    mismatches = []

    async def bench(ctx):
        for a, b in pairs:
            ctx.set(payload, a | b << fmt.width)
            got = ctx.get(out)
            want = model(fmt, a, b)
            if got != want:
                mismatches.append((fmt.describe(a), fmt.describe(b), fmt.describe(got),
                                   fmt.describe(want)))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    assert mismatches == []


# Proofs that must pass --------------------------------------------------------------------

FAST = [("mul", F8, "protocol"), ("mul", F8, "equiv"), ("mul", F8, "cover"),
        ("div", F8, "protocol"), ("div", F8, "equiv"),
        ("add", F8, "protocol"), ("add", F8, "cover"),
        ("mul", F16, "protocol"), ("mul", F16, "equiv"), ("add", F16, "protocol"),
        ("add", F8, "equiv"), ("add-direct", F8, "equiv"),
        ("acc", F8, "sums"), ("acc-kahan", F8, "sums"), ("acc", F16, "sums"),
        ("acc-kahan", F16, "sums"), ("mm2x2", F8, "tiles"), ("mm2x2", F16, "tiles"),
        ("mm2x2-kahan", F8, "tiles"), ("mm2x2", F8, "cover"),
        ("mm2x2-hybrid", F8, "tiles"), ("mm2x2-fp16", None, "tiles"),
        ("mm2x2-int8", None, "tiles"), ("mm2x2-bf16", None, "cover"),
        ("from-fp16", F16, "protocol"), ("to-fp16", F16, "protocol"),
        ("from-fp32", F16, "protocol"), ("to-bf16", F8, "cover"),
        ("from-bf16", F16, "equiv"), ("to-fp16", F8, "equiv"), ("to-fp32", F8, "equiv"),
        ("from-fp32", F8, "equiv"), ("mac", F8, "equiv"), ("mac", F16, "protocol"),
        ("add", F1_4, "equiv"), ("add-direct", F1_4, "equiv"), ("mac", F1_4, "equiv"),
        ("add", F2_6, "equiv"), ("add-direct", F2_6, "equiv")]
# add-direct at 16 bits takes about a minute: its direct tables are large ROMs in the model.
SLOW = [("mul", F16, "cover"), ("div", F16, "protocol"), ("div", F16, "equiv"),
        ("add", F16, "cover"), ("add-direct", F8, "protocol"), ("add-direct", F16, "protocol"),
        ("mm4x4", F8, "tiles"), ("mm2x2-kahan", F16, "tiles"), ("mm4x4", F16, "tiles"),
        ("mm2x2-kahan", F8, "cover"), ("from-bf16", F16, "protocol"),
        ("to-bf16", F16, "protocol"), ("to-fp32", F16, "protocol"), ("from-fp16", F16, "cover"),
        ("from-fp16", F16, "equiv"), ("from-fp16", F8, "equiv"), ("mac", F2_6, "equiv")]


def _ids(cases):
    return [f"{u}-{f.name}-{p}" if f else f"{u}-{p}" for u, f, p in cases]


def _prove(unit, fmt, props):
    spec = resolve(unit, fmt=fmt) if fmt else resolve(unit)
    result = run(Proof(spec, props))  # default depth: latency + 2 (+ 4 for covers)
    assert result.result == "PASS", (result.failed, result.log[-2000:])
    if Proof(spec, props).mode == "prove":
        assert "successful proof by k-induction" in result.log
    return result


@needs_tools
@pytest.mark.parametrize("unit, fmt, props", FAST, ids=_ids(FAST))
def test_proof_passes(unit, fmt, props):
    _prove(unit, fmt, props)


@needs_tools
@pytest.mark.slow
@pytest.mark.parametrize("unit, fmt, props", SLOW, ids=_ids(SLOW))
def test_proof_passes_slow(unit, fmt, props):
    _prove(unit, fmt, props)


#: Arrays of other shapes: three rows make tile_rows no power of 2, whose output counter's
#: unreachable values kept k-induction from closing until an invariant bounded them.
SHAPES = [pytest.param(3, 1, F8, id="mm3x1-i3f4"), pytest.param(1, 3, F8, id="mm1x3-i3f4"),
          pytest.param(3, 2, F8, id="mm3x2-i3f4", marks=pytest.mark.slow),
          pytest.param(3, 5, LNSFormat(4, 7), id="mm3x5-i4f7", marks=pytest.mark.slow)]


@needs_tools
@pytest.mark.parametrize("rows, cols, fmt", SHAPES)
def test_tiles_proof_of_other_array_shapes(rows, cols, fmt):
    result = run(Proof(UnitSpec("mm", fmt=fmt, rows=rows, cols=cols), "tiles"))
    assert result.result == "PASS", (result.failed, result.log[-2000:])
    assert "successful proof by k-induction" in result.log


@needs_tools
def test_proof_runs_in_a_folder_under_tmp(tmp_path):
    """YoWASP hides the host's /tmp behind its own scratch folder; the runs must still work there
    (a clean clone under /tmp is how CI runs), because SymbiYosys only gets relative paths."""
    result = Proof(resolve("mul", fmt=F8), "protocol").run(work=tmp_path, timeout=300)
    assert result.result == "PASS", result.log[-2000:]


@needs_tools
def test_adder_protocol_needs_the_stage_invariant():
    """Without ``inv_stages`` an unbounded stall hides any state of the inner stages from the
    induction step: the proof stays inconclusive however deep, which is why it exists."""
    result = run(Proof(resolve("add", fmt=F8), "protocol", 12, strengthen=False))
    assert result.result == "UNKNOWN"
    assert "latency" in result.failed


@needs_tools
def test_array_tiles_need_the_invariants():
    """Without the invariants of :mod:`lnsgen.verification.formal.tiles` a stall freezes any state of
    the grid and FIFOs: induction cannot rule out a lost row or a deadlock."""
    from lnsgen.verification.formal.tiles import TILE_PROPERTIES
    result = run(Proof(resolve("mm2x2", fmt=F8), "tiles", 6, strengthen=False))
    assert result.result == "UNKNOWN"
    assert result.failed and set(result.failed) <= set(TILE_PROPERTIES)


def test_array_exposes_what_the_invariants_read():
    """The tiles invariants read the array's documented attributes: its enable and output
    counters from construction, its FIFOs, PEs and each row's path once elaborated."""
    array = resolve("mm2x2", fmt=F8).build()
    R, C, T = array.rows, array.cols, array.slots
    assert [array.out_row.name, array.out_count.name, array.grid_take.name] == [
        "row", "count", "grid_take"]
    with pytest.raises(AttributeError, match="available after the array is elaborated"):
        _ = array.last_paths
    Fragment.get(array, None)
    assert array.grid_en.name == "grid_en" and array.enable_copies[0] is array.grid_en
    # one copy of the enable for the control, each array row and each column; a late one
    # for each row's output and each PE
    assert len(array.enable_copies) == 1 + R + C
    assert len(array.late_enable_copies) == R + R * C
    assert array.fifo_write_enables == array.late_enable_copies[:R]
    assert all(c.attrs.get("keep") == 1
               for c in array.enable_copies + array.late_enable_copies)
    assert len(array.queued_lasts) == 2
    # one queue slice for the control (`last`), each row's `a` and each column's `b`
    assert array.queue_copies[0] is array.queue_count
    assert [c.name for c in array.queue_copies] == [
        "queue_count_last", *(f"queue_count_a{r}" for r in range(R)),
        *(f"queue_count_b{c}" for c in range(C))]
    assert all(c.attrs.get("keep") == 1 for c in array.queue_copies)
    assert len(array.fifos) == R and all(f.depth == array.fifo_depth for f in array.fifos)
    pe = array.pes[1][1]
    assert len(pe.last_stages) == pe.latency == T + 1
    assert pe.last_stages[-1].name == f"ring_done_{T}"
    # input register, r skew stages, C - 1 east links, the last PE's stages
    assert [len(p) for p in array.last_paths] == [1 + r + C - 1 + T + 1 for r in range(R)]


# Proofs that must fail ---------------------------------------------------------------------

@needs_tools
def test_array_with_shallow_fifos_deadlocks():
    """FIFOs one row shallower than the slots: the output waits for row 0's last result of a
    round while row 1's FIFO is full and the grid stopped: a real deadlock, found from reset."""
    result = run(Proof(resolve("mm2x2", fmt=F8), "tiles", 20, bug="shallow-fifo"))
    assert result.result == "FAIL"
    assert "no_deadlock" in result.failed and result.step is not None
    trace = read_vcd(result.trace)
    s = result.step
    assert (trace["i_ready"][s], trace["o_valid"][s]) == (0, 0)


@needs_tools
@pytest.mark.parametrize("props", ["protocol", "equiv"])
@pytest.mark.parametrize("unit, latency", [("add", 6), ("add", 7), ("add", 8), ("add", 9),
                                           ("add", 10), ("add-direct", 8), ("add-direct", 10),
                                           ("mac", 6), ("mac", 7), ("mac", 8), ("mac", 9),
                                           ("mac", 10), ("from-fp16", 8), ("to-fp16", 8)])
def test_deeper_adder_pipelines_are_proved(unit, latency, props):
    """Every added pipeline depth: the stream protocol by induction and the function against
    golden's tables at lns8 (the depth bounds the check to every input's full flight)."""
    depth = {"latency": latency} if unit.startswith(("from", "to")) else \
        {"adder_latency": latency}
    spec = resolve(unit, fmt=F8, **depth)
    result = run(Proof(spec, props))
    assert result.result == "PASS", (result.failed, result.log[-2000:])


@needs_tools
@pytest.mark.parametrize("unit", ["mm2x2-fp16", "mm2x2-int8"])
def test_arrays_of_other_arithmetics_with_shallow_fifos_fail(unit):
    """The same FIFO depth argument holds for every arithmetic's slots (6 for the FMA, 1 for
    the integer MAC): one row less and the tiles proof fails."""
    result = run(Proof(resolve(unit), "tiles", 20, bug="shallow-fifo"))
    assert result.result == "FAIL" and "FAIL for basecase" in result.log  # reachable from reset


@needs_tools
def test_adder_against_other_tables_fails_with_counterexample():
    """The interp adder checked against the direct tables' phi: they differ at some d (both
    faithful, not identical), and the bounded equivalence check must find such an input."""
    from lnsgen.verification.formal.spec import add_spec
    top = FormalTop(resolve("add", fmt=F8).build(), checks=["equiv"],
                    spec=functools.partial(add_spec, F8, method="direct"))
    result = run_sby(top, "add_lns8_equiv_wrong_tables", mode="bmc", depth=7, work=WORK,
                     timeout=300)
    assert result.result == "FAIL"
    assert result.failed == ["equiv"]


@needs_tools
def test_converter_against_other_table_fails_with_counterexample():
    """from-bf16 (direct table) checked against golden's interpolated table, which rounds
    some words differently: the bounded check must find one."""
    from lnsgen.golden.ieee import BF16
    from lnsgen.verification.formal.spec import from_float_spec
    top = FormalTop(resolve("from-bf16", fmt=F8).build(), checks=["equiv"],
                    spec=functools.partial(from_float_spec, F8, ffmt=BF16, method="interp"))
    result = run_sby(top, "from-bf16_lns8_equiv_wrong_table", mode="bmc", depth=7, work=WORK,
                     timeout=300)
    assert result.result == "FAIL"
    assert result.failed == ["equiv"]


@needs_tools
def test_accumulator_sums_need_the_busy_invariant():
    """Without ``inv_busy`` the induction step may start in a state no reset reaches (in the
    OUTPUT state with no sum owed, or owing a sum while taking input); with it the sums
    protocol is 1-inductive. Which of the two properties the solver's step counterexample breaks
    first depends on the netlist (the adder's widths changed it once)."""
    result = run(Proof(resolve("acc", fmt=F8), "sums", 12, strengthen=False))
    assert result.result == "UNKNOWN"
    assert result.failed and set(result.failed) <= {"valid_needs_sum", "sum_count_range"}


@needs_tools
def test_accumulator_dropping_valid_fails_with_counterexample():
    """Deep enough for a sum to reach the output (the base case), a dropped output is found."""
    result = run(Proof(resolve("acc", fmt=F8), "sums", 40, bug="drop-valid"))
    assert result.result == "FAIL"
    assert "hold" in result.failed and result.step is not None



@needs_tools
@pytest.mark.parametrize("unit, depth", [("mul", 3), ("add", 7), ("to-fp16", 7)])
def test_dropped_valid_fails_with_counterexample(unit, depth):
    result = run(Proof(resolve(unit, fmt=F8), "protocol", depth, bug="drop-valid"))
    assert result.result == "FAIL"
    assert "hold" in result.failed
    trace = read_vcd(result.trace)
    s = result.step
    # The counterexample: a stall, then valid falls although nothing was taken.
    assert (trace["o_valid"][s - 1], trace["o_ready"][s - 1]) == (1, 0)
    assert trace["o_valid"][s] == 0
    assert "o_valid" in format_trace(result)


@needs_tools
def test_dropped_valid_makes_a_cover_unreachable():
    result = run(Proof(resolve("mul", fmt=F8), "cover", 5, bug="drop-valid"))
    assert result.result == "FAIL"
    assert result.failed == ["delivery_after_stall (unreached)"]


@needs_tools
@pytest.mark.parametrize("unit, depth", [("mul", 3), ("add", 7)])
def test_wrong_latency_claim_fails(unit, depth):
    result = run(Proof(resolve(unit, fmt=F8), "protocol", depth, bug="latency"))
    assert result.result == "FAIL"
    assert "latency" in result.failed


@needs_tools
def test_wrong_reference_model_fails_on_a_saturating_product():
    """The spec without saturation: the counterexample is an input whose product overflows, and
    there the unit (like golden) is right and the broken spec wrong."""
    fmt = F8
    result = run(Proof(resolve("mul", fmt=fmt), "equiv", 3, bug="spec"))
    assert result.result == "FAIL" and result.failed == ["equiv"]
    trace = read_vcd(result.trace)
    s = result.step
    taken = [t for t in range(s) if trace["i_valid"][t] and trace["i_ready"][t]][-1]
    payload = trace["i_payload"][taken]
    a, b = payload & (fmt.n_codes - 1), payload >> fmt.width
    assert trace["o_payload"][s] == golden.mul(fmt, a, b)
    (_, la, za), (_, lb, zb) = fmt.unpack(a), fmt.unpack(b)
    assert not za and not zb and la + lb > fmt.log_max


# Command line ------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--int-bits", "11"], "--int-bits must be an integer in [1, 10], not 11"),
    (["fmac"], "unit must be a kind"),
    (["mm3x3"], "unit must be a kind"),
    (["--depth", "0"], "expected an integer >= 1, not '0'"),
    (["--props", "liveness"], "invalid choice: 'liveness'"),
    (["add", "--inject-bug", "spec"], "no proof applies"),
])
def test_cli_rejects_bad_arguments(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["formal", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("lnsgen formal: error: ")
    assert message in err[-1]


@needs_tools
def test_cli_prints_table_and_writes_report(tmp_path, capsys):
    code = main(["formal", "mul", "--int-bits", "3", "--frac-bits", "4", "--props", "protocol",
                 "equiv", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].split() == ["unit", "props", "mode", "depth", "result",
                                           "seconds"]
    rows = json.loads((tmp_path / "reports" / "formal.json").read_text())
    assert [(r["unit"], r["format"], r["props"], r["mode"], r["depth"], r["result"])
            for r in rows] == [("mul_i3f4", "lns8_i3f4", "protocol", "prove", 3, "PASS"),
                               ("mul_i3f4", "lns8_i3f4", "equiv", "prove", 3, "PASS")]
    # A second run (another format, one proof again) adds to the report and replaces its row.
    assert main(["formal", "mul", "--int-bits", "2", "--frac-bits", "3", "--props", "protocol",
                 "-o", str(tmp_path)]) == 0
    assert main(["formal", "mul", "--int-bits", "3", "--frac-bits", "4", "--props", "equiv",
                 "-o", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "reports" / "formal.json").read_text())
    assert [(r["unit"], r["props"]) for r in rows] == [
        ("mul_i3f4", "protocol"), ("mul_i2f3", "protocol"), ("mul_i3f4", "equiv")]


@needs_tools
def test_cli_injected_bug_exits_1_and_shows_counterexample(tmp_path, capsys):
    code = main(["formal", "mul", "--int-bits", "3", "--frac-bits", "4", "--props", "protocol",
                 "--inject-bug", "drop-valid", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out and "hold" in out
    assert "trace.vcd" in out
    assert (tmp_path / "reports" / "formal-bug.json").exists()
