"""The catalogue of formal proofs: which property sets apply to which unit, at what depth."""

from __future__ import annotations

import dataclasses
import functools

from golden import LNSFormat
from hdl.units import UNITS, build_unit

from .bugs import BUGS, DropValidOnStall
from .harness import PROPERTY_SETS, FormalTop
from .sby import WORK, ProofResult, read_vcd, run_sby
from .spec import MAX_ADD_SPEC_WIDTH, SPECS, mul_spec

__all__ = ["STREAM_UNITS", "SUM_UNITS", "Proof", "applicable", "default_depth", "format_trace", "plan",
           "stream_units"]


#: Units with the contract :class:`FormalTop` checks: one output beat per input beat, a fixed
#: latency, stalling as a whole. (The accumulators emit one beat per ``last``: not these.)
STREAM_UNITS = ("mul", "div", "add", "add-direct")
#: Units that emit one sum per input marked ``last``: the ``sums`` property set.
SUM_UNITS = ("acc", "acc-kahan")


def applicable(unit: str, props: str, fmt: LNSFormat | None = None) -> bool:
    """Whether property set ``props`` can be checked on ``unit`` (at ``fmt``): ``equiv`` needs
    a spec (the adders' only up to :data:`~verification.formal.spec.MAX_ADD_SPEC_WIDTH` bits);
    ``sums`` is the protocol of :data:`SUM_UNITS`, the other sets that of the others."""
    if unit in SUM_UNITS:
        return props == "sums"
    if props == "equiv" and unit.startswith("add") and fmt is not None:
        return unit in SPECS and fmt.width <= MAX_ADD_SPEC_WIDTH
    return props != "sums" and (props != "equiv" or unit in SPECS)


def default_depth(latency: int, props: str) -> int:
    """Induction depth ``latency + 2`` (the strengthened properties are 1-inductive, the margin
    makes the base case cover a full pipeline fill); ``latency + 4`` cycles to reach the covers;
    6 for ``sums``.
    """
    if props == "sums":  # 1-inductive with inv_busy, and independent of the (long) latency
        return 6
    return latency + (4 if PROPERTY_SETS[props] == "cover" else 2)


def stream_units() -> list[str]:
    """The names of :data:`STREAM_UNITS` and :data:`SUM_UNITS` in :data:`hdl.units.UNITS`."""
    return sorted(u for u in STREAM_UNITS + SUM_UNITS if u in UNITS)


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
        if self.unit not in STREAM_UNITS + SUM_UNITS or self.unit not in UNITS:
            raise ValueError(f"unit must be one of {stream_units()}, not {self.unit!r}")
        if self.props not in PROPERTY_SETS:
            raise ValueError(f"props must be one of {sorted(PROPERTY_SETS)}, not {self.props!r}")
        if self.unit in SUM_UNITS and self.props != "sums":
            raise ValueError(f"{self.unit!r} emits one beat per `last`: its property set is "
                             f"'sums', not {self.props!r}")
        if self.props == "sums" and self.unit not in SUM_UNITS:
            raise ValueError(f"'sums' applies to {list(SUM_UNITS)}, not {self.unit!r}")
        if not applicable(self.unit, self.props):
            raise ValueError(f"no reference model for {self.unit!r}: 'equiv' needs one of "
                             f"{sorted(SPECS)}")
        if not applicable(self.unit, self.props, self.fmt):
            raise ValueError(f"the reference model of {self.unit!r} is built for formats of "
                             f"at most {MAX_ADD_SPEC_WIDTH} bits, not {self.fmt.width}")
        if self.bug is not None and self.bug not in BUGS:
            raise ValueError(f"bug must be one of {sorted(BUGS)}, not {self.bug!r}")
        if self.bug == "spec" and (self.unit, self.props) != ("mul", "equiv"):
            raise ValueError("the 'spec' bug applies to the mul equiv proof only")

    @property
    def mode(self) -> str:
        """SymbiYosys mode. The adders' ``equiv`` is a bounded check (``bmc``): their data
        registers hold values no invariant of the bench describes, so induction cannot close,
        but the datapath is feed-forward (its only state is the pipeline registers and constant
        tables), so the first result after reset, for every input the solver can choose, covers
        the whole function."""
        if self.props == "equiv" and self.unit.startswith("add"):
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
        spec = None
        if self.props == "equiv":
            if kind == "spec":
                spec = functools.partial(mul_spec, self.fmt, saturate=False)
            else:
                spec = functools.partial(SPECS[self.unit], self.fmt)
        return FormalTop(unit, checks=[self.props], latency=latency, spec=spec,
                         strengthen=self.strengthen)

    def run(self, *, work=WORK, timeout: int | None = None) -> ProofResult:
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
                if bug == "spec" and (unit, p) != ("mul", "equiv"):
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
