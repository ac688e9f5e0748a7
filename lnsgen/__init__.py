"""lnsgen: a generator of Logarithmic Number System (LNS) arithmetic hardware.

Subpackages (each importable on its own; the dependency direction is golden <- hdl <-
verification, synth):

:mod:`lnsgen.golden`
    The bit-exact numpy model of the number format and of every unit (no amaranth).
:mod:`lnsgen.hdl`
    Amaranth 0.5 components of the units.
:mod:`lnsgen.verification`
    cocotb benches, formal proofs and soak runs against the golden model.
:mod:`lnsgen.synth`
    Yosys / nextpnr / standard-cell flows, sweeps and reports.

The command line is ``lnsgen`` (:mod:`lnsgen.cli`).
"""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("lnsgen")
except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
