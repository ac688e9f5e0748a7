"""The shared building blocks of lnsgen.hdl: leading-one helpers, Pipeline, AccumulationStep."""

import pytest
from amaranth.hdl import Module, Signal
from amaranth.sim import Simulator

from lnsgen.golden import LNSFormat
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
