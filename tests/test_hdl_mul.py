"""Quick checks of the multiplier in Amaranth's own simulator, and of the Verilog CLI.

The cocotb benches in verification/ are the verification of record; these catch elaboration
and parameter errors in a second.
"""

import pathlib
import subprocess
import sys

import numpy as np
import pytest
from amaranth.sim import Simulator

from lnsgen import golden
from lnsgen.golden import LNSFormat
from lnsgen.hdl import LNSMultiplier
from lnsgen.spec import SpecError, UnitSpec, resolve
from lnsgen.verilog import generate


@pytest.mark.parametrize("divide", [False, True])
def test_multiplier_in_amaranth_sim(divide):
    fmt = LNSFormat(int_bits=3, frac_bits=4)
    dut = LNSMultiplier(fmt, divide=divide)
    rng = np.random.default_rng(5)
    a = rng.integers(0, fmt.n_codes, 300)
    b = rng.integers(0, fmt.n_codes, 300)
    expected = (golden.div if divide else golden.mul)(fmt, a, b).tolist()
    got = []

    async def source(ctx):
        for x, y in zip(a.tolist(), b.tolist()):
            ctx.set(dut.i.payload.as_value(), x | (y << fmt.width))
            ctx.set(dut.i.valid, 1)
            await ctx.tick().until(dut.i.ready)
            ctx.set(dut.i.valid, 0)
            if rng.random() < 0.3:
                await ctx.tick()

    async def sink(ctx):
        while len(got) < len(expected):
            ready = int(rng.random() < 0.7)
            ctx.set(dut.o.ready, ready)
            _, _, valid, payload = await ctx.tick().sample(dut.o.valid, dut.o.payload.as_value())
            if valid and ready:
                got.append(payload)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(source)
    sim.add_testbench(sink)
    sim.run()
    assert got == expected


@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_parameters_are_validated():
    with pytest.raises(TypeError, match="fmt must be a golden.LNSFormat"):
        LNSMultiplier((5, 10))
    with pytest.raises(TypeError, match="divide must be a bool"):
        LNSMultiplier(LNSFormat(int_bits=5, frac_bits=10), divide="yes")
    with pytest.raises(SpecError, match=r"unit must be a kind \(mul, .*; not 'fmac'"):
        resolve("fmac")


def test_verilog_ports_and_no_source_paths():
    text = generate(UnitSpec("mul", int_bits=5, frac_bits=10))
    for port in ["input [31:0] i__payload", "output [15:0] o__payload", "input i__valid",
                 "output i__ready", "output o__valid", "input o__ready", "input clk", "input rst"]:
        assert port in text
    assert "/work" not in text and ".py" not in text


def run_cli(*args):
    lnsgen = pathlib.Path(sys.executable).with_name("lnsgen")  # the console script
    return subprocess.run([str(lnsgen), "verilog", *args], capture_output=True, text=True,
                          check=False)


def test_cli_writes_verilog(tmp_path):
    out = tmp_path / "v" / "m.v"
    result = run_cli("div", "--int-bits", "6", "--frac-bits", "9", "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "module lnsgen_div_i6f9(" in text
    assert text.startswith("// lnsgen ") and "// latency: 1 cycles" in text
    assert (tmp_path / "v" / "lnsgen.vlt").read_text().startswith("`verilator_config")


@pytest.mark.parametrize("args, message", [
    (["mul", "--int-bits", "0"], "--int-bits must be an integer in [1, 10], not 0"),
    (["mul", "--frac-bits", "24"], "--frac-bits must be an integer in [1, 23], not 24"),
    (["mul", "--int-bits", "10", "--frac-bits", "23"], "must be at most 31"),
    (["mul", "--int-bits", "five"], "expected an integer, not 'five'"),
    (["fmac"], "unit must be a kind"),
])
def test_cli_rejects_bad_parameters_without_traceback(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("lnsgen verilog: error:")
