"""Tests of the synthesis flow: the register ring, the real YoWASP flow on a small unit, the
report files and the command line."""

import json
import pathlib

import pytest
from amaranth.hdl import Fragment
from amaranth.sim import Simulator

from lnsgen import golden
from lnsgen.cli import main
from lnsgen.golden import LNSFormat
from lnsgen.spec import UnitSpec
from lnsgen.synth import RegisteredPorts, synthesize
from lnsgen.synth.flow import entry_key
from lnsgen.synth.report import markdown_table, update_reports

ROOT = pathlib.Path(__file__).resolve().parent.parent
# YoWASP tools map /tmp differently from the host: keep their files inside the project.
BUILD = ROOT / "build" / "test-synth"
SMALL = LNSFormat(int_bits=3, frac_bits=4)
MUL8 = UnitSpec("mul", fmt=SMALL)


@pytest.fixture(scope="module")
def small_mul():
    """The full flow (every target) on the 8-bit multiplier, run once for the module."""
    return synthesize(MUL8, workdir=BUILD / MUL8.name)


# Wrapper ---------------------------------------------------------------------------------


def test_wrapper_keeps_signature_and_adds_two_cycles():
    unit = MUL8.build()
    top = RegisteredPorts(unit)
    assert top.signature.members == unit.signature.members
    assert top.latency == unit.latency + 2
    Fragment.get(top, None)  # elaborates, which also proves the ring is well formed


def test_wrapper_rejects_non_component():
    with pytest.raises(TypeError, match="unit must be an amaranth.lib.wiring.Component"):
        RegisteredPorts(object())


def test_wrapper_delivers_unit_result_after_ring_latency():
    fmt = SMALL
    top = RegisteredPorts(MUL8.build())
    a, b = fmt.pack(0, 5), fmt.pack(1, -3)
    expected = int(golden.mul(fmt, a, b))
    seen = []

    async def bench(ctx):
        ctx.set(top.o.ready, 1)
        ctx.set(top.i.payload.as_value(), a | (b << fmt.width))
        ctx.set(top.i.valid, 1)
        await ctx.tick()
        ctx.set(top.i.valid, 0)
        for cycle in range(1, 8):
            if ctx.get(top.o.valid):
                seen.append((cycle, ctx.get(top.o.payload.as_value())))
            await ctx.tick()

    sim = Simulator(top)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert seen == [(top.latency, expected)]


# Flow ------------------------------------------------------------------------------------


def test_flow_reports_real_numbers(small_mul):
    entry = small_mul
    assert entry["key"] == entry_key(MUL8) == "mul_i3f4"
    assert entry["spec"] == MUL8.to_dict() and entry["unit"] == "mul"
    assert entry["latency"] == 1
    # Output payload and valid of the unit, registered by the ring at least.
    out_bits = SMALL.width + 1
    ecp5, ice40, generic = entry["ecp5"], entry["ice40"], entry["generic"]
    assert ecp5["lut4"] > 0
    assert ecp5["ff"] >= out_bits
    assert ecp5["ff"] >= entry["ring_ff"]
    assert ecp5["dsp"] == 0 and ecp5["ebr"] == 0  # an adder of logs needs neither
    assert ecp5["fmax_mhz"] > 0
    assert ice40["cells"] > 0
    assert ice40["lut4"] > 0 and ice40["ff"] >= out_bits
    assert ice40["fmax_mhz"] > 0
    assert generic["gates"] > 0 and generic["ff"] >= out_bits
    assert entry["tools"]["yosys"].startswith("Yosys ")


def test_flow_counts_match_yosys_stat(small_mul):
    """The entry's numbers are Yosys's own ``stat -json`` counts (read here without the flow's
    parser), bookkeeping cells left out."""
    stat = json.loads((ROOT / small_mul["workdir"] / "stat_ecp5.json").read_text())
    section = stat.get("design") or next(iter(stat["modules"].values()))
    counts = {cell: int(n) for cell, n in section["num_cells_by_type"].items()}
    assert counts["LUT4"] == small_mul["ecp5"]["lut4"]
    assert counts["TRELLIS_FF"] == small_mul["ecp5"]["ff"]
    assert sum(n for cell, n in counts.items() if cell != "$scopeinfo") \
        == small_mul["ecp5"]["cells"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"targets": ("vivado",)}, ValueError, "targets must be"),
    ({"ecp5_device": "5k"}, ValueError, "ecp5_device must be"),
    ({"freq_mhz": 0}, ValueError, "freq_mhz must be"),
    ({"ports": "jtag"}, ValueError, r"ports must be one of \[.pins., .scan.\], not .jtag."),
])
def test_flow_rejects_bad_options_before_running_tools(kwargs, error, match):
    workdir = BUILD / "never-created"
    with pytest.raises(error, match=match):
        synthesize(MUL8, workdir=workdir, **kwargs)
    assert not workdir.exists()


def test_flow_rejects_unknown_unit():
    with pytest.raises(ValueError, match="unit must be a kind"):
        synthesize("nope", workdir=BUILD / "nope")
    assert not (BUILD / "nope").exists()


# Report ----------------------------------------------------------------------------------


def test_report_merges_by_key(small_mul):
    out = BUILD / "reports"
    for stale in out.glob("synth.*"):
        stale.unlink()
    other = {**small_mul, "key": small_mul["key"] + "/nodsp", "nodsp": True}
    update_reports([small_mul], out)
    update_reports([small_mul, other], out)
    json_path, md_path = update_reports([small_mul], out)

    entries = json.loads(json_path.read_text())
    assert [e["key"] for e in entries] == ["mul_i3f4", "mul_i3f4/nodsp"]
    md = md_path.read_text()
    assert "| unit | format | latency | ECP5 LUT4 | CCU2C | DSP | EBR | FF | Fmax MHz |" in md
    assert f"| mul | {SMALL.name} | 1 | {small_mul['ecp5']['lut4']} |" in md
    assert "| mul (-nodsp) |" in md


def test_markdown_marks_missing_targets():
    entry = {"key": "mul/x", "unit": "mul", "format": "x", "latency": 1}
    row = markdown_table([entry]).splitlines()[-1]
    assert row == "| mul | x | 1 |" + " – |" * 11


# Command line ----------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["nope"], "unit must be a kind"),
    (["--int-bits", "0"], "--int-bits must be an integer in [1, 10], not 0"),
    (["--frac-bits", "30"], "--frac-bits must be an integer in [1, 23], not 30"),
    (["add", "--rows", "3"], "--rows does not apply to unit add"),
])
def test_cli_rejects_bad_parameters(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["synth", *args, "-o", str(BUILD / "cli")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert errors[0].startswith("lnsgen synth: error: ")
    assert message in errors[0]
    assert not (BUILD / "cli").exists()


# Pipeline depth from a target frequency ----------------------------------------------------


def test_pipeline_depths_are_what_each_spec_accepts():
    from lnsgen.spec import ADDER_LATENCIES, SpecError, resolve
    from lnsgen.synth.target import pipeline_depths
    assert pipeline_depths(UnitSpec("add", fmt=SMALL)) == ("adder_latency", ADDER_LATENCIES)
    assert pipeline_depths(resolve("mm2x2-kahan")) == ("adder_latency", ADDER_LATENCIES)
    assert pipeline_depths(UnitSpec("add", fmt=SMALL, method="cotrans")) == \
        ("adder_latency", (1, 2, 3))
    assert pipeline_depths("from-fp16") == ("latency", (5, 6, 7, 8))
    with pytest.raises(SpecError, match="has no pipeline depth parameter"):
        pipeline_depths(MUL8)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"freq_mhz": 0}, ValueError, "freq_mhz must be a positive number"),
    ({"freq_mhz": 100, "target": "generic"}, ValueError, r"target must be one of \['ecp5'"),
])
def test_meet_frequency_rejects_bad_options_before_running_tools(kwargs, error, match):
    from lnsgen.synth.target import meet_frequency
    with pytest.raises(error, match=match):
        meet_frequency(UnitSpec("add", fmt=SMALL), workdir=BUILD / "never", **kwargs)
    assert not (BUILD / "never").exists()


def test_meet_frequency_stops_at_the_first_depth_that_reaches_it():
    """A target every depth reaches: the search runs the real flow once, at the shallowest
    depth, and reports what it reached; a target none reaches returns the fastest tried."""
    from lnsgen.synth.target import meet_frequency
    spec = UnitSpec("add", fmt=SMALL, method="cotrans")
    found = meet_frequency(spec, 1.0, workdir=BUILD / "meet")
    assert found["met"] and found["param"] == "adder_latency"
    assert [row["depth"] for row in found["tried"]] == [1]
    assert found["spec"]["adder_latency"] == 1
    assert found["entry"]["ecp5"]["fmax_mhz"] == found["tried"][0]["fmax_mhz"] > 1.0
    found = meet_frequency(spec, 5000.0, workdir=BUILD / "meet")
    fmaxes = [row["fmax_mhz"] for row in found["tried"]]
    assert not found["met"] and [row["depth"] for row in found["tried"]] == [1, 2, 3]
    assert found["entry"]["ecp5"]["fmax_mhz"] == max(fmaxes)


@pytest.mark.parametrize("args, message", [
    (["mul", "--meet-freq"], "unit mul_i3f4 has no pipeline depth parameter"),
    (["add", "--meet-freq", "--targets", "generic"], "the first of --targets must be one of"),
])
def test_cli_meet_freq_rejects_what_it_cannot_search(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["synth", *args, "--int-bits", "3", "--frac-bits", "4", "-o", str(BUILD / "cli")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (BUILD / "cli").exists()
