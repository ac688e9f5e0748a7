"""lnsgen compare: the compared arithmetics, the energy workload, the ratios, the accuracy and a
real PE measured through both flows."""

import pytest

from lnsgen.golden.train.data import mnist_path
from lnsgen.spec import pe_arithmetic
from lnsgen.synth import compare
from lnsgen.synth.asic import find_liberty, find_sta
from lnsgen.verification.matmul import TileDriver

needs_asic = pytest.mark.skipif(find_liberty() is None or find_sta() is None,
                                reason="OSU liberty or OpenSTA missing (make setup-asic)")
needs_mnist = pytest.mark.skipif(mnist_path() is None, reason="MNIST not installed")


def test_six_arithmetics_at_16_bits_and_five_at_8_all_build():
    labels = {b: [a.label for a in compare.ARITHMETICS[b]] for b in (16, 8)}
    assert labels[16] == ["lns", "lns-kahan", "hybrid", "fp16", "bf16", "int8"]
    assert labels[8] == ["lns", "lns-kahan", "hybrid", "fp8", "int8"]
    for ar in compare.arithmetics():
        arith = pe_arithmetic(ar.spec(4, 4))
        assert arith.golden.operand_bits == (8 if ar.label == "int8" else ar.bits)


def test_the_fma_pipelines_are_as_deep_as_the_lns_adders():
    """Equal throughput (one MAC per PE per cycle) and equal depth."""
    for bits in (16, 8):
        by = {a.label: pe_arithmetic(a.spec(1, 1)) for a in compare.ARITHMETICS[bits]}
        fp = by["fp16" if bits == 16 else "fp8"]
        assert fp.slots == by["lns"].slots == compare.ADDER_LATENCY


@pytest.mark.parametrize("label", ["lns-kahan", "fp16", "int8"])
def test_energy_workload_is_whole_passes_of_golden_rows(label):
    ar = next(a for a in compare.ARITHMETICS[16] if a.label == label)
    stim = compare.energy_workload(ar, 2, 2, beats=100, warmup=20)
    arith = pe_arithmetic(ar.spec(2, 2))
    drv = TileDriver(arith.golden, 2, 2, arith.slots)
    # Whole passes of K = 100 (the hidden layer), each tile_rows output rows.
    assert len(stim.payload) >= 120 and len(stim.payload) % (100 * arith.slots) == 0
    passes = len(stim.payload) // (100 * arith.slots)
    assert len(stim.expected) == passes * drv.tile_rows
    # The first pass's first row is the golden product of the layer's first rows.
    a1, w2 = compare.layer2_operands(64)
    (a, _), (b, _) = arith.golden.encode(a1), arith.golden.encode(w2)
    want = arith.golden.matmul(a[:drv.tile_rows], b[:, :2])[0]
    w = arith.golden.result_bits
    row = stim.expected[0]
    assert [(row >> (w * c)) & ((1 << w) - 1) for c in range(2)] == list(want)


def test_ratios_against_the_float_and_int8_pes():
    def row(label, area, pj, bits=16):
        return {"arithmetic": label, "bits": bits, "pe": {"osu": {"area_um2": area,
                                                                   "pj_per_op": 1.0}},
                "energy": {"pj_per_mac": pj, "zero_delay_pj_per_mac": pj / 2}}
    rows = [row("lns", 60.0, 30.0), row("fp16", 100.0, 60.0), row("int8", 40.0, 20.0),
            row("lns", 10.0, 5.0, bits=8)]
    compare.ratios(rows)
    assert rows[0]["area_vs_fp"] == 0.6 and rows[0]["energy_vs_fp"] == 0.5
    assert rows[0]["area_vs_int8"] == 1.5 and rows[0]["zero_delay_energy_vs_int8"] == 1.5
    assert "area_vs_fp" not in rows[3]  # no float PE in the 8-bit table here


@needs_mnist
def test_accuracy_of_every_16_bit_arithmetic_on_a_few_images():
    rows = compare.accuracy_rows(compare.ARITHMETICS[16], n_valid=300)
    by = {r["arithmetic"]: r for r in rows}
    for r in rows:
        assert r["images"] == 300 and 0 <= r["validation_error"] < 0.2
        assert 0 < r["layer1_rel_error"] < 0.05
    # Compensated and exact sums are closer to float64 than plain LNS sums of 16-bit products.
    assert by["lns-kahan"]["layer1_rel_error"] < by["lns"]["layer1_rel_error"]
    assert by["hybrid"]["layer1_rel_error"] < by["lns"]["layer1_rel_error"]
    # bf16 keeps 8 significand bits, fp16 11.
    assert by["fp16"]["layer1_rel_error"] < by["bf16"]["layer1_rel_error"]


@needs_asic
def test_one_int8_pe_through_ecp5_and_osu(tmp_path):
    ar = next(a for a in compare.ARITHMETICS[8] if a.label == "int8")
    row = compare.pe_rows(ar, tmp_path)
    assert row["latency"] == 2 and row["slots"] == 1
    # 8 x 8 multiply in one DSP with DSPs, in LUTs without; 8 + 8 + 32-bit registers and more.
    assert row["ecp5"]["dsp"] == 1 and row["ecp5_nodsp"]["dsp"] == 0
    assert row["ecp5_nodsp"]["lut4"] > row["ecp5"]["lut4"]
    assert row["ecp5"]["fmax_mhz"] > 50 and row["osu"]["area_um2"] > 0
    assert row["osu"]["ff"] >= 8 + 8 + 16 + 32


@pytest.mark.parametrize("argv, message", [
    (["--beats", "0"], "--beats: expected an integer >= 1, not 0"),
    (["--bits", "16", "--arithmetic", "fp8"], "no arithmetic of --arithmetic"),
    (["--parts", "power"], "argument --parts: invalid choice"),
])
def test_cli_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        compare.main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err
