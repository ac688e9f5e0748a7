"""Quick checks of the adder in Amaranth's simulator, and of its parameter validation.

The cocotb benches (verification/test_add.py) are the verification of record.
"""

import numpy as np
import pytest
from amaranth.back import rtlil
from amaranth.sim import Simulator

from lnsgen import golden
from lnsgen.golden import LNSFormat
from lnsgen.hdl import LNSAdder


def simulate(dut, payloads, n_out, rng):
    got = []

    async def source(ctx):
        for p in payloads:
            ctx.set(dut.i.payload.as_value(), p)
            ctx.set(dut.i.valid, 1)
            await ctx.tick().until(dut.i.ready)
            ctx.set(dut.i.valid, 0)
            if rng.random() < 0.2:
                await ctx.tick()

    async def sink(ctx):
        while len(got) < n_out:
            ready = int(rng.random() < 0.8)
            ctx.set(dut.o.ready, ready)
            _, _, valid, payload = await ctx.tick().sample(dut.o.valid, dut.o.payload.as_value())
            if valid and ready:
                got.append(payload)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(source)
    sim.add_testbench(sink)
    sim.run()
    return got


@pytest.mark.parametrize("fmt", [LNSFormat(int_bits=3, frac_bits=4),
                                 LNSFormat(int_bits=2, frac_bits=6)], ids=lambda f: f.name)
@pytest.mark.parametrize("method, latency", [("interp", None), ("direct", None),
                                             ("cotrans", 1), ("cotrans", 2), ("interp", 3)])
def test_adder_matches_golden_in_amaranth_sim(fmt, method, latency):
    rng = np.random.default_rng(11)
    a = rng.integers(0, fmt.n_codes, 200)
    b = np.where(rng.random(200) < 0.3, a ^ (1 << fmt.log_bits), rng.integers(0, fmt.n_codes, 200))
    op = rng.integers(0, 2, 200)
    expected = golden.addsub(fmt, a, b, op, method=method).tolist()
    payloads = (a | (b << fmt.width) | (op << (2 * fmt.width))).tolist()
    dut = LNSAdder(fmt, method=method, latency=latency)
    assert simulate(dut, payloads, len(expected), rng) == expected


@pytest.mark.parametrize("method, latency, expected", [
    ("interp", None, 5), ("direct", None, 5), ("cotrans", None, 3), ("interp", 1, 1),
    ("direct", 2, 2), ("cotrans", 1, 1), ("interp", 5, 5), ("interp", 9, 9), ("direct", 10, 10)])
def test_latency_follows_the_datapath(method, latency, expected):
    from lnsgen.hdl import LNSMultiplyAdd
    from lnsgen.hdl.adder import AddSubPath
    from lnsgen.hdl.compact import CompactAddSubPath

    fmt = LNSFormat(int_bits=3, frac_bits=4)
    adder = LNSAdder(fmt, method=method, latency=latency)
    assert adder.latency == expected
    assert isinstance(adder.path, AddSubPath if expected >= 5 else CompactAddSubPath)
    # The multiply-add registers its product only in front of the pipelined datapath, in two
    # stages in front of the deepest.
    mac = LNSMultiplyAdd(fmt, method=method, latency=latency)
    assert mac.latency == expected + (0 if expected < 5 else 1 if expected < 10 else 2)


def test_spec_offers_every_adder_latency():
    from lnsgen.hdl.adder import LATENCIES
    from lnsgen.spec import ADDER_LATENCIES
    assert ADDER_LATENCIES == LATENCIES


def test_deepest_adder_has_no_multiplier_cell():
    """Latency 10 builds its multipliers from partial products: no $mul for a DSP mapper."""
    fmt = LNSFormat(int_bits=5, frac_bits=10)
    assert "cell $mul" in rtlil.convert(LNSAdder(fmt, latency=9))
    assert "cell $mul" not in rtlil.convert(LNSAdder(fmt, latency=10))


def test_compact_datapath_has_no_memory_and_one_multiplier_for_cotrans():
    """Tables are case logic (no $mem for an ASIC flow to map); cotrans has one multiplier."""
    fmt = LNSFormat(int_bits=5, frac_bits=10)
    text = rtlil.convert(LNSAdder(fmt, method="cotrans", latency=1))
    assert "cell $mem" not in text and "memory" not in text
    assert text.count("cell $mul") == 1
    assert rtlil.convert(LNSAdder(fmt, method="interp", latency=1)).count("cell $mul") == 2


@pytest.mark.parametrize("max_error", [0.51, 0.625, 2.5])
def test_adder_near_zero_guard_follows_max_error(max_error):
    """Tight bounds widen the near-zero terms (more guard bits, golden.gaussian.sum_guard): the
    hardware must use the same width as golden, on the d the near region covers."""
    fmt = LNSFormat(int_bits=3, frac_bits=4)
    rng = np.random.default_rng(5)
    a = rng.integers(0, fmt.n_codes, 150)
    b = a ^ (1 << fmt.log_bits) ^ rng.integers(0, 1 << fmt.frac_bits, 150)  # |d| < 1
    op = rng.integers(0, 2, 150)
    expected = golden.addsub(fmt, a, b, op, max_error=max_error).tolist()
    payloads = (a | (b << fmt.width) | (op << (2 * fmt.width))).tolist()
    dut = LNSAdder(fmt, max_error=max_error)
    assert simulate(dut, payloads, len(expected), rng) == expected


@pytest.mark.parametrize("fmt, method, multipliers", [
    (LNSFormat(int_bits=5, frac_bits=10), "interp", 2),
    (LNSFormat(int_bits=5, frac_bits=10), "direct", 0)], ids=["interp", "direct"])
def test_adder_shares_its_multiplier(fmt, method, multipliers):
    """phi+, phi- and the near-zero g share one multiplier; log2(1 + m) has the other."""
    text = rtlil.convert(LNSAdder(fmt, method=method))
    assert text.count("cell $mul") == multipliers


def test_latency_is_stated():
    assert LNSAdder(LNSFormat(int_bits=5, frac_bits=10)).latency == 5


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "cotrans", "latency": 5}, (r"latency must be one of \(1, 2, 3\) for method "
                                          r"'cotrans', not 5")),
    ({"method": "interp", "latency": 4}, (r"latency must be one of \(1, 2, 3, 5, 6, 7, 8, 9, 10\) for method "
                                         r"'interp', not 4")),
    ({"latency": 0}, r"latency must be one of \(1, 2, 3, 5, 6, 7, 8, 9, 10\) for method 'interp', not 0"),
    ({"latency": True}, r"latency must be one of .*, not True"),
    ({"latency": "1"}, r"latency must be one of .*, not '1'"),
])
def test_bad_latency(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LNSAdder(LNSFormat(int_bits=3, frac_bits=4), **kwargs)


def test_pipelined_path_refuses_cotrans():
    from lnsgen.hdl.adder import AddSubPath

    with pytest.raises(ValueError, match=r"method 'cotrans' has no pipelined datapath: build it "
                                         r"with latency \(1, 2, 3\)"):
        AddSubPath(LNSFormat(int_bits=3, frac_bits=4), method="cotrans")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"method": "cordic"}, ValueError, r"method must be one of \('direct', 'interp', 'cotrans'\), not 'cordic'"),
    ({"max_error": 0.4}, ValueError, r"max_error must be in \[0.51, 4\] ulp, not 0.4"),
    ({"max_error": 9}, ValueError, r"max_error must be in \[0.51, 4\] ulp, not 9"),
])
def test_bad_parameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        LNSAdder(LNSFormat(int_bits=5, frac_bits=10), **kwargs)


def test_format_must_be_an_lns_format():
    with pytest.raises(TypeError, match="fmt must be a golden.LNSFormat, not 16"):
        LNSAdder(16)


def test_max_error_must_be_a_number():
    with pytest.raises(TypeError, match=r"max_error must be a number in \[0.51, 4\] ulp, not '1'"):
        LNSAdder(LNSFormat(int_bits=5, frac_bits=10), max_error="1")


def test_accumulator_parameters():
    from lnsgen.hdl import LNSAccumulator
    fmt = LNSFormat(int_bits=5, frac_bits=10)
    assert LNSAccumulator(fmt).lanes == 5
    assert LNSAccumulator(fmt, compensated=True).lanes == 20
    with pytest.raises(TypeError, match="compensated must be a bool, not 'yes'"):
        LNSAccumulator(fmt, compensated="yes")
    with pytest.raises(ValueError, match="method must be one of"):
        LNSAccumulator(fmt, method="table")
