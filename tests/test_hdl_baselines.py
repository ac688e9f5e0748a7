"""The baseline units' Verilog on Icarus, bit-exact against their golden models.

Every run goes through :func:`lnsgen.verification.vectors.run_vectors` (Amaranth -> Verilog with
``emit_src=False`` -> Icarus, random idle input cycles and output stalls) with the bench models
of :mod:`lnsgen.verification.baselines`:

* IEEE FMA: every triple of 4- and 6-bit formats (every latency on the 4-bit one), targeted
  random fp16 and bf16 triples at the default latency and shorter ones, fp32 and e8m1;
* integer MAC: every input of 4x4+8 at each latency and of 3x3+6, targeted random int8x8+32;
* hybrid MAC: streams of sums of 1 to 300 products at lns8 and lns16 (defaults), a wrapping
  accumulator, an accumulator wider than 64 bits, the interpolated log table.
"""

import re

import numpy as np
import pytest
from amaranth.back import verilog

from lnsgen import paths
from lnsgen.golden import LNSFormat
from lnsgen.golden.fma import fma, quiet_nan
from lnsgen.golden.hybrid import HybridMAC, hybrid_stream_sums
from lnsgen.golden.ieee import BF16, FP16, FP32, FloatFormat
from lnsgen.golden.intmac import IntMACFormat
from lnsgen.hdl import LNSMultiplyAdd
from lnsgen.hdl.fma import CUTS, FloatMultiplyAdd
from lnsgen.hdl.hybrid import HybridMultiplyAccumulator
from lnsgen.hdl.intmac import IntMultiplyAdd
from lnsgen.verification.baselines import FMA_MODEL, INTMAC_MODEL, hybrid_model, hybrid_stimuli
from lnsgen.verification.models import UnitModel
from lnsgen.verification.vectors import run_vectors

WORK = paths.build_dir() / "sim" / "baselines"
FP4 = FloatFormat(exp_bits=2, man_bits=1)
FP6 = FloatFormat(exp_bits=3, man_bits=2)


def _check(result, count):
    assert result.received == result.expected == count, result
    assert result.mismatches == 0, "\n".join(result.report)


# IEEE FMA ------------------------------------------------------------------------------------


def test_fma_default_latency_is_the_lns_mac_latency():
    assert FloatMultiplyAdd(FP16).latency == LNSMultiplyAdd.latency == 6
    assert [len(CUTS[n]) for n in sorted(CUTS)] == [n - 1 for n in sorted(CUTS)]


@pytest.mark.parametrize("latency", sorted(CUTS))
def test_fma_every_triple_fp4(latency):
    inputs = FMA_MODEL.stimuli(FP4, None, np.random.default_rng(0))
    result = run_vectors(FloatMultiplyAdd(FP4, latency=latency), FMA_MODEL, FP4, inputs,
                         work=WORK / f"fma-fp4-{latency}", seed=latency)
    _check(result, 16 ** 3)


@pytest.mark.parametrize("ffmt, latency", [(FP6, 6), (FloatFormat(exp_bits=2, man_bits=3), 1)],
                         ids=["e3m2-6", "e2m3-1"])
def test_fma_every_triple_fp6(ffmt, latency):
    inputs = FMA_MODEL.stimuli(ffmt, None, np.random.default_rng(0))
    result = run_vectors(FloatMultiplyAdd(ffmt, latency=latency), FMA_MODEL, ffmt, inputs,
                         work=WORK / f"fma-{ffmt.name}-{latency}")
    _check(result, 64 ** 3)


@pytest.mark.parametrize("ffmt, latency, n", [(FP16, 6, 30_000), (BF16, 6, 30_000),
                                              (FP16, 1, 15_000), (FP16, 3, 15_000),
                                              (BF16, 2, 15_000), (FP32, 6, 2_000),
                                              (FloatFormat(exp_bits=8, man_bits=1), 7, 5_000)],
                         ids=["fp16-6", "bf16-6", "fp16-1", "fp16-3", "bf16-2", "fp32-6",
                              "e8m1-7"])
def test_fma_targeted_random(ffmt, latency, n):
    rng = np.random.default_rng(ffmt.width * 10 + latency)
    inputs = FMA_MODEL.stimuli(ffmt, n, rng)
    result = run_vectors(FloatMultiplyAdd(ffmt, latency=latency), FMA_MODEL, ffmt, inputs,
                         work=WORK / f"fma-{ffmt.name}-{latency}", seed=latency)
    _check(result, len(inputs["a"]))
    # The stimuli reach the hard results: subnormal, infinite, NaN, exact zeros of both signs.
    got = fma(ffmt, inputs["a"], inputs["b"], inputs["c"])
    exp = (got >> ffmt.man_bits) & ffmt.exp_max_field
    assert ((exp == 0) & (got & ((1 << ffmt.man_bits) - 1) != 0)).sum() > 20
    assert (got == quiet_nan(ffmt)).sum() > 100 and ((got & ~ffmt.sign_bit) == ffmt.inf).sum()
    assert (got == 0).sum() > 50 and (got == ffmt.sign_bit).sum() > 10


def test_fma_bench_catches_a_wrong_model():
    """The same bench against a model that flushes subnormal results must report mismatches."""
    def flushing(ffmt, x):
        got = fma(ffmt, x["a"], x["b"], x["c"])
        sub = (got >> ffmt.man_bits) & ffmt.exp_max_field == 0
        return np.where(sub, got & ffmt.sign_bit, got)
    wrong = UnitModel(FMA_MODEL.fields, FMA_MODEL.stimuli, flushing)
    inputs = FMA_MODEL.stimuli(FP4, None, np.random.default_rng(0))
    result = run_vectors(FloatMultiplyAdd(FP4), wrong, FP4, inputs, work=WORK / "fma-wrong")
    assert result.received == result.expected and result.mismatches > 100


@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_fma_parameters_are_validated():
    with pytest.raises(TypeError, match="fmt must be a golden.ieee.FloatFormat"):
        FloatMultiplyAdd((5, 10))
    with pytest.raises(ValueError, match=r"latency must be an integer in \[1, 7\], not 0"):
        FloatMultiplyAdd(FP16, latency=0)
    with pytest.raises(ValueError, match=r"latency must be an integer in \[1, 7\], not 8"):
        FloatMultiplyAdd(FP16, latency=8)
    with pytest.raises(TypeError, match=r"latency must be an integer"):
        FloatMultiplyAdd(FP16, latency=6.0)
    with pytest.raises(TypeError):
        FloatMultiplyAdd(FP16, 6)  # keyword-only


# Integer MAC ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ab_bits, acc_bits, latency", [(4, 8, 1), (4, 8, 2), (4, 8, 3),
                                                        (3, 6, 2)])
def test_intmac_every_input(ab_bits, acc_bits, latency):
    fmt = IntMACFormat(ab_bits, acc_bits)
    inputs = INTMAC_MODEL.stimuli(fmt, None, np.random.default_rng(0))
    unit = IntMultiplyAdd(ab_bits=ab_bits, acc_bits=acc_bits, latency=latency)
    result = run_vectors(unit, INTMAC_MODEL, fmt, inputs,
                         work=WORK / f"intmac-{fmt.name}-{latency}", seed=latency)
    _check(result, 1 << (2 * ab_bits + acc_bits))


@pytest.mark.parametrize("ab_bits, acc_bits", [(8, 32), (8, 16), (12, 40)])
def test_intmac_targeted_random(ab_bits, acc_bits):
    fmt = IntMACFormat(ab_bits, acc_bits)
    inputs = INTMAC_MODEL.stimuli(fmt, 30_000, np.random.default_rng(ab_bits + acc_bits))
    unit = IntMultiplyAdd(ab_bits=ab_bits, acc_bits=acc_bits)
    result = run_vectors(unit, INTMAC_MODEL, fmt, inputs, work=WORK / f"intmac-{fmt.name}")
    _check(result, len(inputs["a"]))
    # Some sums wrap: the signed result differs from the exact c + a*b.
    exact = (_signed(inputs["c"], acc_bits)
             + _signed(inputs["a"], ab_bits) * _signed(inputs["b"], ab_bits))
    assert (np.abs(exact) >= 1 << (acc_bits - 1)).sum() > 100


def _signed(code, bits):
    code = np.asarray(code, dtype=np.int64)
    return code - ((code >> (bits - 1)) << bits)


@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_intmac_parameters_are_validated():
    with pytest.raises(ValueError, match=r"ab_bits must be an integer in \[2, 24\], not 25"):
        IntMultiplyAdd(ab_bits=25, acc_bits=60)
    with pytest.raises(ValueError, match=r"acc_bits must be an integer in \[16, 62\], not 15"):
        IntMultiplyAdd(ab_bits=8, acc_bits=15)
    with pytest.raises(ValueError, match=r"latency must be an integer in \[1, 3\], not 4"):
        IntMultiplyAdd(latency=4)
    with pytest.raises(TypeError):
        IntMultiplyAdd(8, 32)  # keyword-only
    assert IntMultiplyAdd().latency == 2


# Hybrid (ELMA-style) MAC ---------------------------------------------------------------------

HYBRID_CASES = [
    (LNSFormat(int_bits=3, frac_bits=4), {}, 20_000),
    (LNSFormat(int_bits=5, frac_bits=10), {}, 60_000),
    (LNSFormat(int_bits=3, frac_bits=4), {"guard_bits": 0}, 20_000),        # wraps
    (LNSFormat(int_bits=1, frac_bits=1), {"guard_bits": 0}, 5_000),         # 7-bit accumulator
    (LNSFormat(int_bits=6, frac_bits=9), {"guard_bits": 4}, 20_000),        # 81-bit accumulator
    (LNSFormat(int_bits=4, frac_bits=7), {"method": "interp", "lin_frac_bits": 7}, 20_000),
    (LNSFormat(int_bits=2, frac_bits=3), {"lin_frac_bits": 11, "guard_bits": 1}, 10_000),
]


@pytest.mark.parametrize("fmt, kw, n", HYBRID_CASES,
                         ids=[f"{f.name}-{'-'.join(f'{k}{v}' for k, v in kw.items()) or 'default'}"
                              for f, kw, _ in HYBRID_CASES])
def test_hybrid_stream_sums(fmt, kw, n):
    model = hybrid_model(**kw)
    rng = np.random.default_rng(fmt.width * 7 + len(kw))
    inputs = model.stimuli(fmt, n, rng)
    dut = HybridMultiplyAccumulator(fmt, **kw)
    assert dut.acc_bits == HybridMAC(fmt, **kw).acc_bits
    name = f"hybrid-{fmt.name}-" + "-".join(f"{k}{v}" for k, v in kw.items())
    result = run_vectors(dut, model, fmt, inputs, work=WORK / name, seed=fmt.width)
    _check(result, int(inputs["last"].sum()))
    sums = model.reference(fmt, inputs)
    assert (sums == fmt.zero).sum() >= 3                        # exact cancellations
    if kw.get("guard_bits") == 0:  # the accumulator did wrap: a wide one gives other sums
        wide = hybrid_stream_sums(fmt, inputs["a"], inputs["b"], inputs["last"],
                                  **{**kw, "guard_bits": 16})
        assert (wide != sums).sum() >= 5


def test_hybrid_takes_one_product_per_cycle_across_sums():
    """With the output always ready, N products in N consecutive cycles: no drain between
    sums (Amaranth's simulator)."""
    from amaranth.sim import Simulator

    fmt = LNSFormat(int_bits=3, frac_bits=4)
    dut = HybridMultiplyAccumulator(fmt)
    x = hybrid_stimuli(fmt, 300, np.random.default_rng(3))
    expected = hybrid_stream_sums(fmt, x["a"], x["b"], x["last"]).tolist()
    beats = [int(a) | (int(b) << fmt.width) | (int(last) << (2 * fmt.width))
             for a, b, last in zip(x["a"], x["b"], x["last"])]
    got, accepted = [], []

    async def bench(ctx):
        ctx.set(dut.o.ready, 1)
        ctx.set(dut.i.valid, 1)
        cycle = 0
        for beat in beats:
            ctx.set(dut.i.payload.as_value(), beat)
            while True:
                _, _, ready, valid, out = await ctx.tick().sample(
                    dut.i.ready, dut.o.valid, dut.o.payload.as_value())
                cycle += 1
                if valid:
                    got.append(out)
                if ready:
                    accepted.append(cycle)
                    break
        ctx.set(dut.i.valid, 0)
        for _ in range(dut.latency + 2):
            _, _, valid, out = await ctx.tick().sample(dut.o.valid, dut.o.payload.as_value())
            if valid:
                got.append(out)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert got == expected
    assert accepted == list(range(1, len(beats) + 1))


@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_hybrid_parameters_are_validated():
    fmt = LNSFormat(int_bits=5, frac_bits=10)
    with pytest.raises(TypeError, match="fmt must be a golden.LNSFormat"):
        HybridMultiplyAccumulator((5, 10))
    with pytest.raises(ValueError, match=r"guard_bits must be an integer in \[0, 32\], not -1"):
        HybridMultiplyAccumulator(fmt, guard_bits=-1)
    with pytest.raises(ValueError, match=r"lin_frac_bits must be an integer in \[10, 18\]"):
        HybridMultiplyAccumulator(fmt, lin_frac_bits=19)
    with pytest.raises(ValueError, match=r"fmt.frac_bits must be at most 16"):
        HybridMultiplyAccumulator(LNSFormat(int_bits=3, frac_bits=20))
    with pytest.raises(TypeError):
        HybridMultiplyAccumulator(fmt, 8)  # keyword-only
    assert HybridMultiplyAccumulator(fmt).acc_bits == 54


# A million vectors per unit on Verilator (slow; run with -m slow) -----------------------------

MILLION = [
    ("fma-fp16", lambda: FloatMultiplyAdd(FP16), FMA_MODEL, FP16),
    ("fma-bf16", lambda: FloatMultiplyAdd(BF16), FMA_MODEL, BF16),
    ("int8mac", lambda: IntMultiplyAdd(), INTMAC_MODEL, IntMACFormat(8, 32)),
    ("hybrid-lns16", lambda: HybridMultiplyAccumulator(LNSFormat(5, 10)), hybrid_model(),
     LNSFormat(5, 10)),
]


@pytest.mark.slow
@pytest.mark.verilator
@pytest.mark.parametrize("name, unit, model, fmt", MILLION, ids=[u[0] for u in MILLION])
def test_a_million_vectors_on_verilator(name, unit, model, fmt):
    inputs = model.stimuli(fmt, 1_000_000, np.random.default_rng(2024))
    result = run_vectors(unit(), model, fmt, inputs, sim="verilator", work=WORK / f"m-{name}",
                         seed=7)
    count = len(inputs["a"]) if model.one_to_one else int(inputs["last"].sum())
    _check(result, count)


# Verilog -------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", [lambda: FloatMultiplyAdd(FP16), lambda: FloatMultiplyAdd(BF16),
                                  lambda: IntMultiplyAdd(),
                                  lambda: HybridMultiplyAccumulator(LNSFormat(5, 10))],
                         ids=["fma-fp16", "fma-bf16", "intmac", "hybrid-lns16"])
def test_verilog_has_stream_ports_and_no_paths(unit):
    text = verilog.convert(unit(), name="top", emit_src=False)
    for port in ("clk", "rst", "i__payload", "i__valid", "i__ready", "o__payload", "o__valid",
                 "o__ready"):
        assert re.search(rf"\b(input|output)\b[^;]*\b{port}\b", text), port
    assert "/work/" not in text and "src =" not in text
