"""Formal proofs of lnsgen's stream units with SymbiYosys (YoWASP) and Yices.

* :mod:`.harness`: :class:`FormalTop`, a test bench around any stream unit with the protocol,
  equivalence and cover properties;
* :mod:`.spec`: reference models written from the format's definition;
* :mod:`.sby`: the SymbiYosys runner and a trace reader;
* :mod:`.proofs`: which proofs apply to which unit; :mod:`.bugs`: deliberate bugs;
* ``lnsgen formal``: the command line.
"""

from .bugs import BUGS, DropValidOnStall
from .harness import PROPERTY_SETS, FormalTop, pipeline_valid_bits
from .proofs import Proof, format_trace, plan
from .sby import ProofResult, run_sby
from .spec import SPEC_KINDS, reference_for

__all__ = [
           "BUGS",
           "PROPERTY_SETS",
           "SPEC_KINDS",
           "DropValidOnStall",
           "FormalTop",
           "Proof",
           "ProofResult",
           "format_trace",
           "pipeline_valid_bits",
           "plan",
           "reference_for",
           "run_sby",
]
