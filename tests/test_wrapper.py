"""The synthesis wrappers: the register ring and its scan-chain variant (Amaranth simulation;
expected results from the golden model)."""

from amaranth.hdl import Value
from amaranth.sim import Simulator

from lnsgen import golden
from lnsgen.golden import LNSFormat
from lnsgen.hdl import LNSMultiplier
from lnsgen.synth.wrapper import ScanPorts

F8 = LNSFormat(int_bits=3, frac_bits=4)


def _chain(wrapper, flow):
    """(path, width) of the ring's members of ``flow``, in chain order."""
    from amaranth.lib.wiring import In
    return [(path, len(Value.cast(value))) for path, member, value
            in wrapper.ring.signature.flatten(wrapper.ring) if (member.flow == In) == flow]


def test_scan_ports_load_inputs_and_read_back_the_units_outputs():
    unit = LNSMultiplier(F8)
    top = ScanPorts(unit)
    ins, outs = _chain(top, True), _chain(top, False)
    assert top.scan_bits == sum(w for _, w in ins) + sum(w for _, w in outs)
    cases = [(0x13, 0x25), (0x80, 0x11), (0x7F, 0x7F), (0xC4, 0x03)]

    async def bench(ctx):
        for a, b in cases:
            values = {("i", "payload"): a | (b << F8.width), ("i", "valid"): 1,
                      ("o", "ready"): 1}
            bits = []
            for path, width in ins:
                v = values[path]
                bits += [(v >> k) & 1 for k in range(width)]
            # The first bit shifted in ends at the far end of the chain.
            ctx.set(top.scan_en, 1)
            for bit in reversed(bits):
                ctx.set(top.scan_in, bit)
                await ctx.tick()
            ctx.set(top.scan_en, 0)
            for _ in range(5):  # ring in, unit, ring out, capture (and one spare)
                await ctx.tick()
            ctx.set(top.scan_en, 1)
            got = []
            for _ in range(sum(w for _, w in outs)):
                got.append(ctx.get(top.scan_out))
                await ctx.tick()
            fields, pos = {}, 0
            for path, width in outs:
                fields[path] = sum(bit << k for k, bit in enumerate(got[pos:pos + width]))
                pos += width
            assert fields[("o", "valid")] == 1
            assert fields[("i", "ready")] == 1
            assert fields[("o", "payload")] == int(golden.mul(F8, a, b)), (a, b)

    sim = Simulator(top)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def test_scan_ports_show_every_unit_input_and_output_in_the_verilog():
    from amaranth.back import verilog
    text = verilog.convert(ScanPorts(LNSMultiplier(F8)), name="top", emit_src=False)
    assert "module top(" in text
    header = text[text.index("module top("):].splitlines()[0]
    assert sorted(p.strip(" );") for p in header.split("(", 1)[1].split(",")) == [
        "clk", "rst", "scan_en", "scan_in", "scan_out"]
