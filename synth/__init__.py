"""Synthesis flow of lnsgen: resource counts and Fmax of every unit on open FPGA toolchains.

Run ``lnsgen synth --help``; from Python, :func:`synthesize` runs one unit and format and
:func:`lnsgen.synth.report.update_reports` merges results into ``build/reports/synth.{json,md}``.
"""

from .flow import TARGETS, SynthError, synthesize
from .wrapper import RegisteredPorts

__all__ = ["TARGETS", "RegisteredPorts", "SynthError", "synthesize"]
