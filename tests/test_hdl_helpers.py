"""The shared building blocks of lnsgen.hdl: leading-one helpers, Pipeline, AccumulationStep."""

import itertools

import pytest
from amaranth.back import rtlil
from amaranth.hdl import Module, Signal, signed
from amaranth.sim import Simulator

from lnsgen.golden import LNSFormat
from lnsgen.golden.gaussian import gaussian_logs
from lnsgen.hdl import funcapprox
from lnsgen.hdl.bits import highest_one, leading_zeros
from lnsgen.hdl.pipeline import Pipeline
from lnsgen.hdl.step import AccumulationStep

F8 = LNSFormat(int_bits=3, frac_bits=4)


@pytest.mark.parametrize("width", [1, 2, 3, 5, 8, 10])
def test_highest_one_and_leading_zeros_every_value(width):
    v = Signal(width)
    hi, lz = Signal(range(max(width, 2))), Signal(range(width + 1))
    m = Module()
    m.d.comb += [hi.eq(highest_one(v)), lz.eq(leading_zeros(v))]
    assert len(highest_one(v)) == max(1, (width - 1).bit_length())
    wrong = []

    async def bench(ctx):
        for x in range(1 << width):
            ctx.set(v, x)
            want_hi = max(0, x.bit_length() - 1)  # 0 for 0 and for bit 0 alone
            want_lz = width - x.bit_length()
            if (ctx.get(hi), ctx.get(lz)) != (want_hi, want_lz):
                wrong.append((x, ctx.get(hi), ctx.get(lz)))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    assert wrong == []


def test_pipeline_with_constant_enable_never_stalls():
    m = Module()
    x = Signal(4)
    pipe = Pipeline(m, 1)
    data, flag = pipe.delay(x, 2, name="x"), pipe.flag(x[0], 2, name="x0")
    assert [data.name, flag.name] == ["x_2", "x0_2"]
    seen = []

    async def bench(ctx):
        for k in range(6):
            ctx.set(x, k + 1)
            await ctx.tick()
            seen.append((ctx.get(data), ctx.get(flag)))

    sim = Simulator(m)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert seen == [(0, 0), (1, 1), (2, 0), (3, 1), (4, 0), (5, 1)]


@pytest.mark.parametrize("enable", [0, 2])
def test_pipeline_constant_enable_must_be_one(enable):
    with pytest.raises(ValueError, match=f"a constant enable must be 1, not {enable}"):
        Pipeline(Module(), enable)


def test_accumulation_step_latency_and_parameters():
    plain = AccumulationStep(F8, adder_latency=2)
    kahan = AccumulationStep(F8, compensated=True, adder_latency=2)
    assert (len(plain.cores), plain.latency) == (1, 2)
    assert (len(kahan.cores), kahan.latency) == (4, 8)
    with pytest.raises(TypeError, match="compensated must be a bool, not 1"):
        AccumulationStep(F8, compensated=1)
    with pytest.raises(ValueError, match="latency must be one of"):
        AccumulationStep(F8, adder_latency=4)


def _pipelined_values(build, inputs, stages):
    """Run a never-stalling pipeline ``build(m, pipe, x) -> outputs`` over ``inputs``; the
    outputs ``stages`` cycles after each input."""
    m = Module()
    x = Signal(signed(16))
    outs = build(m, Pipeline(m, 1), x)
    got = []

    async def bench(ctx):
        for k in range(len(inputs) + stages):
            ctx.set(x, inputs[min(k, len(inputs) - 1)])
            await ctx.tick()
            if k + 1 >= stages:
                got.append([ctx.get(o) for o in outs])

    sim = Simulator(m)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return got[:len(inputs)]


CUT_SETS = [cuts for n in range(len(funcapprox.CUTS) + 1)
            for cuts in itertools.combinations(funcapprox.CUTS, n)]


@pytest.mark.parametrize("cuts", CUT_SETS, ids=lambda c: "+".join(c) or "none")
def test_table_evaluators_match_golden_at_every_cut_set(cuts):
    """Every table of lns8 (interp and direct), alone and sharing one multiplier, with an
    offset, at every combination of the optional register stages: golden's evaluate at
    every d in the tables' range, exactly stages(cuts) cycles later."""
    plus, minus = gaussian_logs(F8, "interp", 1.0)
    direct, _ = gaussian_logs(F8, "direct", 1.0)
    d = list(range(plus.table.func.lo, 1))
    stages = funcapprox.stages(cuts)

    def build(m, pipe, x):
        alone = funcapprox.evaluate(m, pipe, plus.table, x, name="plus", cuts=cuts)
        table = funcapprox.evaluate(m, pipe, direct.table, x, name="direct", offset=x,
                                    cuts=cuts)
        select = Signal(range(2))
        m.d.comb += select.eq(x < minus.table.func.hi + 1)
        shared = funcapprox.evaluate_shared(
            m, pipe, [(plus.table, x, "s_plus"), (minus.table, x, "s_minus")], select,
            name="shared", offsets=[x, x], cuts=cuts)
        return [alone, table, *shared]

    got = _pipelined_values(build, d, stages)
    for x, (alone, table, s_plus, s_minus) in zip(d, got):
        assert alone == plus.table.evaluate(x), (x, cuts)
        assert table == direct.table.evaluate(x) + x, (x, cuts)
        if x > minus.table.func.hi:
            assert s_plus == plus.table.evaluate(x) + x, (x, cuts)
        else:
            assert s_minus == minus.table.evaluate(x) + x, (x, cuts)


def test_table_cuts_are_checked():
    with pytest.raises(ValueError, match=r"cuts must be among \('address', 'partial', "
                                         r"'product'\), not \['rom'\]"):
        funcapprox.stages(["rom"])


def test_address_cut_asks_for_tables_as_logic():
    """Behind a registered address a table is LUT logic: a block RAM's clock-to-output would
    start the next stage late (rom_style: Yosys's memory mapping attribute)."""
    plus, _ = gaussian_logs(F8, "interp", 1.0)
    for cuts, has_style in [((), False), (("address",), True)]:
        m = Module()
        x, y = Signal(signed(16)), Signal(16)
        m.d.comb += y.eq(funcapprox.evaluate(m, Pipeline(m, 1), plus.table, x, name="t",
                                             cuts=cuts))
        text = rtlil.convert(m, ports=[x, y])
        assert ('attribute \\rom_style "logic"' in text) == has_style
