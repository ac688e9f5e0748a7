"""Driving a :class:`lnsgen.hdl.SystolicArray`: tile passes for any C = A x B, and assembly of C.

The array computes one ``tile_rows x cols`` tile of C per pass, for any K (see
:mod:`lnsgen.hdl.systolic`), in any of its arithmetics (:mod:`lnsgen.golden.arithmetic`).
:class:`TileDriver` cuts A into row blocks and B into column blocks, pads the last ones with
exact zeros (padding rows and columns only: a pass always takes the whole of K, so no output
that is kept sees a padded operand), lists the input beats of every pass,
and puts the output rows it gets back into C. It knows nothing of simulators: the cocotb
bench, the Amaranth simulation in :mod:`lnsgen.verification.utilization` and user code share it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lnsgen.golden import LNSFormat
from lnsgen.golden.arithmetic import LNSArithmetic, MatmulArithmetic

__all__ = ["TileDriver", "TilePass"]


@dataclasses.dataclass(frozen=True)
class TilePass:
    """One pass: the tile of C at rows ``row0 ...`` and columns ``col0 ...``.

    Attributes
    ----------
    row0, col0 : int
        Position of the tile in C.
    a : numpy.ndarray, shape ``(tile_rows, K)``
        The block of A, zero-padded.
    b : numpy.ndarray, shape ``(K, cols)``
        The block of B, zero-padded.
    """

    row0: int
    col0: int
    a: np.ndarray
    b: np.ndarray


class TileDriver:
    """Tile passes and beat packing for an array of ``rows x cols`` PEs with ``slots`` sums each.

    Parameters
    ----------
    arithmetic : golden.arithmetic.MatmulArithmetic or golden.LNSFormat
        The array's number system (a format: plain LNS sums in it).
    rows, cols, slots : int
        The array's ``rows``, ``cols`` and ``slots`` (take them from the component).

    Attributes
    ----------
    arithmetic : golden.arithmetic.MatmulArithmetic
    fmt : golden.LNSFormat or None
        The LNS format of an LNS or hybrid arithmetic.
    """

    def __init__(self, arithmetic, rows: int, cols: int, slots: int):
        if isinstance(arithmetic, LNSFormat):
            arithmetic = LNSArithmetic(arithmetic)
        if not isinstance(arithmetic, MatmulArithmetic):
            raise TypeError(f"arithmetic must be a golden MatmulArithmetic or an LNSFormat, not "
                            f"{arithmetic!r}")
        for name, value in (("rows", rows), ("cols", cols), ("slots", slots)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        self.arithmetic = arithmetic
        self.fmt = getattr(arithmetic, "fmt", None)
        self.rows, self.cols, self.slots = rows, cols, slots
        self.tile_rows = rows * slots

    @classmethod
    def for_array(cls, array) -> TileDriver:
        """The driver matching a :class:`lnsgen.hdl.SystolicArray` instance."""
        return cls(array.arithmetic.golden, array.rows, array.cols, array.slots)

    # Fields of the packed payloads, lowest bits first (the layouts of hdl.systolic).
    def input_fields(self) -> list[tuple[str, int]]:
        w = self.arithmetic.operand_bits
        return ([(f"a{r}", w) for r in range(self.rows)] + [(f"b{c}", w) for c in range(self.cols)]
                + [("last", 1)])

    def output_fields(self) -> list[tuple[str, int]]:
        return [(f"c{c}", self.arithmetic.result_bits) for c in range(self.cols)] + [("last", 1)]

    def matmul(self, a, b):
        """The golden product of a pass's blocks (:meth:`~lnsgen.golden.arithmetic.
        MatmulArithmetic.matmul`)."""
        return self.arithmetic.matmul(a, b)

    def passes(self, a, b) -> list[TilePass]:
        """The passes computing ``a @ b`` (codes, ``(M, K)`` and ``(K, N)``), row blocks outer."""
        arith = self.arithmetic
        a, b = arith.check_operands(a, "a"), arith.check_operands(b, "b")
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0] or a.shape[1] < 1:
            raise ValueError(f"a and b must be 2-D with a's columns equal to b's rows (at least "
                             f"1): shapes {a.shape} and {b.shape}")
        (M, K), N = a.shape, b.shape[1]
        out = []
        for row0 in range(0, M, self.tile_rows):
            block_a = np.full((self.tile_rows, K), arith.zero, dtype=np.int64)
            rows = min(self.tile_rows, M - row0)
            block_a[:rows] = a[row0:row0 + rows]
            for col0 in range(0, N, self.cols):
                block_b = np.full((K, self.cols), arith.zero, dtype=np.int64)
                cols = min(self.cols, N - col0)
                block_b[:, :cols] = b[:, col0:col0 + cols]
                out.append(TilePass(row0, col0, block_a, block_b))
        return out

    def beats(self, tile: TilePass) -> dict[str, np.ndarray]:
        """The pass's input beats as field arrays (see :meth:`input_fields`).

        Beat ``n = k slots + t`` carries ``A[r slots + t, k]`` for array row ``r`` and
        ``B[k, c]`` for column ``c``; ``last`` marks the beats of the final ``k``.
        """
        T, R = self.slots, self.rows
        K = tile.a.shape[1]
        # a_blocks[r, t, k] = A[r T + t, k]  ->  beat order (k, t)
        a_blocks = tile.a.reshape(R, T, K)
        fields = {f"a{r}": a_blocks[r].T.reshape(-1) for r in range(R)}
        for c in range(self.cols):
            fields[f"b{c}"] = np.repeat(tile.b[:, c], T)
        last = np.zeros(K * T, dtype=np.int64)
        last[-T:] = 1
        fields["last"] = last
        return fields

    def outputs(self, tile_c: np.ndarray) -> dict[str, np.ndarray]:
        """The output beats a pass gives for the C tile ``tile_c`` (``tile_rows x cols``)."""
        fields = {f"c{c}": np.asarray(tile_c[:, c], dtype=np.int64) for c in range(self.cols)}
        last = np.zeros(self.tile_rows, dtype=np.int64)
        last[-1] = 1
        fields["last"] = last
        return fields

    def assemble(self, tiles, shape: tuple[int, int]) -> np.ndarray:
        """C of ``shape`` from ``(TilePass, tile_c)`` pairs, dropping the padding."""
        M, N = shape
        c = np.full((M, N), self.arithmetic.zero, dtype=np.int64)
        for tile, tile_c in tiles:
            rows = min(self.tile_rows, M - tile.row0)
            cols = min(self.cols, N - tile.col0)
            c[tile.row0:tile.row0 + rows, tile.col0:tile.col0 + cols] = \
                np.asarray(tile_c)[:rows, :cols]
        return c
