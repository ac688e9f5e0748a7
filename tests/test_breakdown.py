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
    FMA_YARDSTICK,
    _block_name,
    _instance_block,
    _local_stats,
    asic_run,
    breakdown,
    main,
    versus_fma,
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


def test_versus_fma_adds_the_input_registers_share():
    row = {"design": "mac", "latency": 1, "format": "lns16_i5f10", "method": "cotrans",
           "area_um2": 60000.0, "pj_per_op": 40.0, "ring_ff": 68, "ring_area_um2": 6800.0,
           "ring_pj_per_op": 17.0, "critical_path_ns": 14.0}
    other = dict(row, design="add")
    (out,) = versus_fma([row, other, dict(row, latency=3)])
    # 48 of the 68 ring flip-flops hold the three 16-bit operands.
    assert out["registered_area_um2"] == 60000 + 4800
    assert out["registered_pj_per_op"] == 52.0
    assert out["area_ratio"] == round(64800 / FMA_YARDSTICK["area_um2"], 3)


def test_cli_rejects_a_bad_breakdown_spec(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--format", "3:4", "--breakdown", "cordic:1", "--no-mac"])
    assert exc.value.code == 2
    assert "--breakdown takes METHOD:LATENCY" in capsys.readouterr().err


def test_cli_rejects_a_bad_format(capsys):
    with pytest.raises(SystemExit):
        main(["--format", "5-10"])
    assert "a format is INT:FRAC (e.g. 5:10), not '5-10'" in capsys.readouterr().err


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
