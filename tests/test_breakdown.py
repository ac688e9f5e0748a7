"""The per-block breakdown and the method table of lnsgen.synth.breakdown.

One real run of the flow on the 8-bit compact adder (Yosys, ABC on the OSU liberty, OpenSTA),
skipped when the liberty or OpenSTA is not installed (``make setup-asic``); the rest checks the
parsing and the bookkeeping on known inputs.
"""

import pathlib

import pytest

from lnsgen.golden import LNSFormat
from lnsgen.hdl import LNSAdder, LNSMultiplier
from lnsgen.synth.asic import find_liberty, find_sta
from lnsgen.synth.breakdown import (
    _block_name,
    _instance_block,
    _local_stats,
    asic_run,
    breakdown,
    main,
    versus,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "test-breakdown"
F8 = LNSFormat(int_bits=3, frac_bits=4)
needs_asic = pytest.mark.skipif(find_liberty() is None or find_sta() is None,
                                reason="OSU liberty or OpenSTA not installed (make setup-asic)")


def test_block_names_from_modules_and_instances():
    assert _block_name("\\top") == "ring"
    assert _block_name("\\top.unit") == "registers"
    assert _block_name("\\top.unit.rom_cot_t2$17") == "rom_cot_t2"
    assert _instance_block("_12_") == "ring"
    assert _instance_block("unit/_3_") == "registers"
    assert _instance_block("unit/rom_e/_40_") == "rom_e"
    assert _instance_block("unit/result$73/_1_") == "result"


def test_local_area_leaves_submodules_out():
    stat = {"modules": {
        "\\top": {"area": 100.0, "num_cells_by_type": {"DFFPOSX1": 1, "top.unit": 1}},
        "\\top.unit": {"area": 90.0, "num_cells_by_type": {"NAND2X1": 1, "top.unit.order": 2}},
        "\\top.unit.order": {"area": 20.0, "num_cells_by_type": {"INVX1": 3}},
    }}
    local = _local_stats(stat)
    assert local["\\top"][0] == 10.0
    assert local["\\top.unit"][0] == 50.0
    assert local["\\top.unit.order"][0] == 20.0


def test_versus_takes_the_fma_of_the_same_depth_and_the_int8_mac():
    def unit(design, latency, area, pj, **kw):
        return {"design": design, "latency": latency, "area_um2": area, "pj_per_op": pj,
                "critical_path_ns": 5.0, **kw}
    baselines = [unit("fma", 1, 80000.0, 50.0, name="fma_fp16_l1"),
                 unit("fma", 6, 100000.0, 80.0, name="fma_fp16_l6"),
                 unit("fma", 1, 70000.0, 40.0, name="fma_bf16_l1"),
                 unit("int-mac", 3, 30000.0, 30.0, name="int_mac_l3"),
                 unit("int-mac", 1, 20000.0, 10.0, name="int_mac_l1")]
    rows = [unit("mac", 1, 40000.0, 25.0, format="lns16_i5f10", method="cotrans"),
            unit("add", 1, 1.0, 1.0, format="lns16_i5f10", method="cotrans"),
            unit("mac", 6, 150000.0, 160.0, format="lns16_i5f10", method="interp"),
            unit("hybrid", 12, 50000.0, 40.0, format="lns16_i5f10")]
    out = versus(rows, baselines)
    assert [(r["design"], r["latency"], r["fma_latency"]) for r in out] == [
        ("mac", 1, 1), ("mac", 6, 6), ("hybrid", 12, 6)]
    assert (out[0]["area_vs_fp16_fma"], out[0]["energy_vs_fp16_fma"]) == (0.5, 0.5)
    assert (out[1]["area_vs_fp16_fma"], out[1]["energy_vs_fp16_fma"]) == (1.5, 2.0)
    assert (out[2]["area_vs_int8_mac"], out[2]["energy_vs_int8_mac"]) == (2.5, 4.0)
    assert versus(rows, []) == []


def test_cli_rejects_a_bad_breakdown_spec(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--int-bits", "3", "--frac-bits", "4", "--breakdown", "cordic:1", "--no-mac"])
    assert exc.value.code == 2
    assert "--breakdown takes METHOD:LATENCY" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--int-bits", "5", "3", "--frac-bits", "10", "4", "6"],
     "--int-bits and --frac-bits pair up: give as many of each, or one of either (got 2 and 3)"),
    (["--int-bits", "12", "--frac-bits", "3"], "int_bits must be an integer in [1, 10], not 12"),
    (["--frac-bits", "x"], "argument --frac-bits: invalid int value: 'x'"),
])
def test_cli_rejects_bad_formats(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_asic_run_rejects_an_unknown_hierarchy():
    with pytest.raises(ValueError, match="hierarchy must be 'unit' or 'blocks', not 'flat'"):
        asic_run(LNSMultiplier(F8), BUILD / "bad", hierarchy="flat")


@needs_asic
def test_blocks_add_up_and_unit_run_leaves_the_ring_out():
    adder = LNSAdder(F8, method="cotrans", latency=2)
    unit = asic_run(adder, BUILD / "unit")
    rows = breakdown(LNSAdder(F8, method="cotrans", latency=2), BUILD / "blocks", ecp5=True)
    blocks = {r["block"]: r for r in rows}
    total = blocks.pop("total (blocks)")
    assert {"order", "rom_cot_t1", "rom_cot_t2", "rom_e", "registers", "result"} <= set(blocks)
    assert abs(sum(r["area_um2"] for r in blocks.values()) - total["area_um2"]) < 1
    # Only the pipeline registers hold flip-flops: the result (8 + valid) and the order cut.
    assert total["ff"] == blocks["registers"]["ff"] > 9
    assert all(r["ff"] == 0 for name, r in blocks.items() if name != "registers")
    # Flattening optimizes across blocks: the unit is no larger than its blocks, and its
    # flip-flops are the design's; the ring's (a, b, op, the result, valid and ready both
    # ways) are left out.
    assert 0 < unit["area_um2"] <= total["area_um2"] + 1
    assert unit["ring_ff"] == 3 * F8.width + 1 + 4
    assert unit["ff"] <= total["ff"]
    assert unit["critical_path_ns"] > 0 and unit["pj_per_op"] > 0
    assert total["lut4"] > 0
