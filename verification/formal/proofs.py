"""The catalogue of formal proofs: which property sets apply to which unit, at what depth."""

from __future__ import annotations

import dataclasses
import functools

from lnsgen.golden import LNSFormat
from lnsgen.hdl.units import ARRAY_UNITS, CONVERTER_UNITS, UNITS, build_unit

from .bugs import BUGS, DropValidOnStall
from .harness import PROPERTY_SETS, FormalTop
from .sby import ProofResult, read_vcd, run_sby
from .spec import SPECS, mul_spec, spec_fits

__all__ = ["STREAM_UNITS", "SUM_UNITS", "TILE_UNITS", "Proof", "applicable", "bug_applies", "default_depth", "format_trace", "plan",
           "stream_units"]


#: Units with the contract :class:`FormalTop` checks: one output beat per input beat, a fixed
#: latency, stalling as a whole. (The accumulators emit one beat per ``last``: not these.)
STREAM_UNITS = ("mul", "div", "add", "add-direct", "mac") + tuple(CONVERTER_UNITS)
#: Units that emit one sum per input marked ``last``: the ``sums`` property set.
SUM_UNITS = ("acc", "acc-kahan")
#: Systolic arrays: ``rows`` output rows per input beat marked ``last``: the ``tiles`` set.
TILE_UNITS = tuple(ARRAY_UNITS)
#: The property set of each unit that has exactly one.
_ONLY_SET = {u: "sums" for u in SUM_UNITS}


def applicable(unit: str, props: str, fmt: LNSFormat | None = None) -> bool:
    """Whether property set ``props`` can be checked on ``unit`` (at ``fmt``): ``equiv`` needs
    a spec (the adders' only up to :data:`~lnsgen.verification.formal.spec.MAX_ADD_SPEC_WIDTH` bits);
    ``sums`` is the protocol of :data:`SUM_UNITS`, the other sets that of the others."""
    if unit in _ONLY_SET:
        return props == _ONLY_SET[unit]
    if unit in TILE_UNITS:
        return props in ("tiles", "cover")
    if props == "equiv" and fmt is not None:
        return unit in SPECS and spec_fits(unit, fmt)
    return props not in ("sums", "tiles") and (props != "equiv" or unit in SPECS)


def default_depth(latency: int, props: str) -> int:
    """Induction depth ``latency + 2`` (the strengthened properties are 1-inductive, the margin
    makes the base case cover a full pipeline fill); ``latency + 4`` cycles to reach the covers;
    6 for ``sums``, 4 for ``tiles``.
    """
    if props == "sums":  # 1-inductive with inv_busy, and independent of the (long) latency
        return 6
    if props == "tiles":  # 1-inductive with the invariants of .tiles; latency is a bound only
        return 4
    return latency + (4 if PROPERTY_SETS[props] == "cover" else 2)


def stream_units() -> list[str]:
    """The names of the units with a property set (:data:`STREAM_UNITS`, :data:`SUM_UNITS`,
    :data:`TILE_UNITS`) in :data:`lnsgen.hdl.units.UNITS`."""
    return sorted(u for u in STREAM_UNITS + SUM_UNITS + TILE_UNITS if u in UNITS)


def bug_applies(bug: str, unit: str, props: str) -> bool:
    """Whether :data:`~.bugs.BUGS` entry ``bug`` can be injected into this proof: ``spec``
    into the mul ``equiv`` proof, ``shallow-fifo`` into the arrays, the others into the
    fixed-latency and sum units (they wrap the unit or change its latency claim)."""
    if bug == "spec":
        return (unit, props) == ("mul", "equiv")
    if bug == "shallow-fifo":
        return unit in TILE_UNITS
    return unit not in TILE_UNITS


@dataclasses.dataclass(frozen=True)
class Proof:
    """One SymbiYosys run: a unit at a format, one property set, a depth, maybe a bug.

    ``depth=None`` takes :func:`default_depth` of the unit's latency when the proof runs (so a
    plan does not build every unit twice: large formats' tables take a while).
    """

    unit: str
    fmt: LNSFormat
    props: str
    depth: int | None = None
    bug: str | None = None
    strengthen: bool = True

    def __post_init__(self):
        if self.unit not in stream_units():
            raise ValueError(f"unit must be one of {stream_units()}, not {self.unit!r}")
        if self.props not in PROPERTY_SETS:
            raise ValueError(f"props must be one of {sorted(PROPERTY_SETS)}, not {self.props!r}")
        only = _ONLY_SET.get(self.unit)
        if only is not None and self.props != only:
            raise ValueError(f"{self.unit!r} emits beats per `last`, not per input: its "
                             f"property set is {only!r}, not {self.props!r}")
        if self.unit in TILE_UNITS and self.props not in ("tiles", "cover"):
            raise ValueError(f"{self.unit!r} emits rows per `last`, not beats per input: its "
                             f"property sets are 'tiles' and 'cover', not {self.props!r}")
        for group, units in (("sums", SUM_UNITS), ("tiles", TILE_UNITS)):
            if self.props == group and self.unit not in units:
                raise ValueError(f"{group!r} applies to {list(units)}, not {self.unit!r}")
        if not applicable(self.unit, self.props):
            raise ValueError(f"no reference model for {self.unit!r}: 'equiv' needs one of "
                             f"{sorted(SPECS)}")
        if not applicable(self.unit, self.props, self.fmt):
            raise ValueError(f"the reference model of {self.unit!r} is not built for "
                             f"{self.fmt.name}: its tables are limited to 2**10 entries (the "
                             f"adders' to formats of at most 10 bits)")
        if self.bug is not None and self.bug not in BUGS:
            raise ValueError(f"bug must be one of {sorted(BUGS)}, not {self.bug!r}")
        if self.bug is not None and not bug_applies(self.bug, self.unit, self.props):
            raise ValueError(f"the {self.bug!r} bug does not apply to the {self.unit!r} "
                             f"{self.props!r} proof")

    @property
    def mode(self) -> str:
        """SymbiYosys mode. The adders' and converters' ``equiv`` is a bounded check (``bmc``): their data
        registers hold values no invariant of the bench describes, so induction cannot close,
        but the datapath is feed-forward (its only state is the pipeline registers and constant
        tables), so the first result after reset, for every input the solver can choose, covers
        the whole function."""
        if self.props == "equiv" and self.unit not in ("mul", "div"):
            return "bmc"
        return PROPERTY_SETS[self.props]

    @property
    def name(self) -> str:
        bug = f"_bug-{self.bug}" if self.bug else ""
        weak = "" if self.strengthen else "_weak"
        return f"{self.unit}_{self.fmt.name}_{self.props}{weak}{bug}"

    def top(self) -> FormalTop:
        """The test bench of this proof, with its bug (if any) in place."""
        unit = build_unit(self.unit, self.fmt)
        kind = BUGS[self.bug][0] if self.bug else None
        latency = unit.latency + 1 if kind == "latency" else None
        if kind == "design":
            unit = DropValidOnStall(unit)
        if kind == "fifo":  # shallower than one array row's slots: see .tiles
            unit.fifo_depth = unit.slots - 1
        spec = None
        if self.props == "equiv":
            if kind == "spec":
                spec = functools.partial(mul_spec, self.fmt, saturate=False)
            else:
                spec = functools.partial(SPECS[self.unit], self.fmt)
        return FormalTop(unit, checks=[self.props], latency=latency, spec=spec,
                         strengthen=self.strengthen)

    def run(self, *, work=None, timeout: int | None = None) -> ProofResult:
        top = self.top()
        depth = self.depth or default_depth(top.unit.latency, self.props)
        return run_sby(top, self.name, mode=self.mode, depth=depth, work=work, timeout=timeout)

    def row(self, result: ProofResult) -> dict:
        """The report row of this proof's ``result`` (JSON-friendly)."""
        return {
            "unit": self.unit, "format": self.fmt.name, "int_bits": self.fmt.int_bits,
            "frac_bits": self.fmt.frac_bits, "props": self.props, "mode": self.mode,
            "depth": result.depth, "strengthen": self.strengthen, "bug": self.bug,
            "result": result.result,
            "seconds": round(result.seconds, 2), "failed": result.failed, "step": result.step,
            "trace": str(result.trace) if result.trace else None,
        }


def plan(units, formats, *, props=None, depth=None, bug=None,
         strengthen=True) -> list[Proof]:
    """The proofs for every unit and format: each requested (default: every) property set that
    applies to the unit, at ``depth`` (``None``: the :func:`default_depth`)."""
    proofs = []
    for fmt in formats:
        for unit in units:
            for p in props or PROPERTY_SETS:
                if not applicable(unit, p, fmt):
                    continue
                if bug is not None and not bug_applies(bug, unit, p):
                    continue
                proofs.append(Proof(unit, fmt, p, depth, bug, strengthen))
    return proofs


_TRACE_COLUMNS = ["rst", "i_valid", "i_ready", "i_payload", "o_valid", "o_ready", "o_payload",
                  "in_flight"]


def format_trace(result: ProofResult, *, limit: int = 12) -> str:
    """The counterexample of ``result`` as a table of the test bench's ports, one row a step."""
    if result.trace is None:
        return "(no trace)"
    values = read_vcd(result.trace, signed=["in_flight"])
    cols = [c for c in _TRACE_COLUMNS if c in values]
    steps = len(values[cols[0]]) if cols else 0
    if result.step is not None:
        steps = min(steps, result.step + 1)
    lines = ["step " + " ".join(f"{c:>9}" for c in cols)]
    for s in range(max(0, steps - limit), steps):
        cells = []
        for c in cols:
            v = values[c][s]
            cells.append(f"{'x' if v is None else (hex(v) if 'payload' in c else v):>9}")
        lines.append(f"{s:>4} " + " ".join(cells))
    return "\n".join(lines)
