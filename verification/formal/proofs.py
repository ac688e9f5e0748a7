"""The catalogue of formal proofs: which property sets apply to which unit, at what depth."""

from __future__ import annotations

import dataclasses
import functools

from lnsgen.spec import ARRAY_KINDS

from .bugs import BUGS, DropValidOnStall
from .harness import PROPERTY_SETS, FormalTop
from .sby import ProofResult, read_vcd, run_sby
from .spec import SPEC_KINDS, mul_spec, reference_for, spec_fits

__all__ = ["STREAM_KINDS", "SUM_KINDS", "TILE_KINDS", "Proof", "applicable", "bug_applies",
           "default_depth", "format_trace", "plan"]


#: Unit kinds with the contract :class:`FormalTop` checks: one output beat per input beat, a
#: fixed latency, stalling as a whole.
STREAM_KINDS = ("mul", "div", "add", "mac", "from-float", "to-float", "fma", "int-mac")
#: Kinds that emit one sum per input marked ``last``: the ``sums`` property set.
SUM_KINDS = ("acc",)
#: Systolic arrays: ``rows`` output rows per input beat marked ``last``: the ``tiles`` set.
TILE_KINDS = ARRAY_KINDS


def applicable(spec, props: str) -> bool:
    """Whether property set ``props`` can be checked on the unit of ``spec``: ``equiv`` needs a
    reference model that fits (:func:`~.spec.spec_fits`); ``sums`` is the protocol of the
    accumulators, ``tiles`` that of the arrays, the other sets that of the stream units."""
    if spec.kind in SUM_KINDS:
        return props == "sums"
    if spec.kind in TILE_KINDS:
        return props in ("tiles", "cover")
    if spec.kind not in STREAM_KINDS:
        return False
    if props == "equiv":
        return spec.kind in SPEC_KINDS and spec_fits(spec)
    return props not in ("sums", "tiles")


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


def bug_applies(bug: str, spec, props: str) -> bool:
    """Whether :data:`~.bugs.BUGS` entry ``bug`` can be injected into this proof: ``spec``
    into the mul ``equiv`` proof, ``shallow-fifo`` into the arrays, the others into the
    fixed-latency and sum units (they wrap the unit or change its latency claim)."""
    if bug == "spec":
        return (spec.kind, props) == ("mul", "equiv")
    if bug == "shallow-fifo":
        return spec.kind in TILE_KINDS
    return spec.kind not in TILE_KINDS


@dataclasses.dataclass(frozen=True)
class Proof:
    """One SymbiYosys run: a unit at a format, one property set, a depth, maybe a bug.

    ``depth=None`` takes :func:`default_depth` of the unit's latency when the proof runs (so a
    plan does not build every unit twice: large formats' tables take a while).
    """

    spec: object
    props: str
    depth: int | None = None
    bug: str | None = None
    strengthen: bool = True

    def __post_init__(self):
        from lnsgen.spec import resolve
        object.__setattr__(self, "spec", resolve(self.spec))
        spec = self.spec
        if self.props not in PROPERTY_SETS:
            raise ValueError(f"props must be one of {sorted(PROPERTY_SETS)}, not {self.props!r}")
        if spec.kind not in STREAM_KINDS + SUM_KINDS + TILE_KINDS:
            raise ValueError(f"no formal bench for unit kind {spec.kind!r}")
        if spec.kind in SUM_KINDS and self.props != "sums":
            raise ValueError(f"{spec.name} emits beats per `last`, not per input: its "
                             f"property set is 'sums', not {self.props!r}")
        if spec.kind in TILE_KINDS and self.props not in ("tiles", "cover"):
            raise ValueError(f"{spec.name} emits rows per `last`, not beats per input: its "
                             f"property sets are 'tiles' and 'cover', not {self.props!r}")
        for group, kinds in (("sums", SUM_KINDS), ("tiles", TILE_KINDS)):
            if self.props == group and spec.kind not in kinds:
                raise ValueError(f"{group!r} applies to unit kinds {list(kinds)}, not "
                                 f"{spec.kind!r}")
        if self.props == "equiv":
            reference_for(spec)  # raises with the reason when there is none
        if self.bug is not None and self.bug not in BUGS:
            raise ValueError(f"bug must be one of {sorted(BUGS)}, not {self.bug!r}")
        if self.bug is not None and not bug_applies(self.bug, spec, self.props):
            raise ValueError(f"the {self.bug!r} bug does not apply to the {spec.name} "
                             f"{self.props!r} proof")

    @property
    def mode(self) -> str:
        """SymbiYosys mode. The adders' and converters' ``equiv`` is a bounded check (``bmc``): their data
        registers hold values no invariant of the bench describes, so induction cannot close,
        but the datapath is feed-forward (its only state is the pipeline registers and constant
        tables), so the first result after reset, for every input the solver can choose, covers
        the whole function."""
        if self.props == "equiv" and self.spec.kind not in ("mul", "div"):
            return "bmc"
        return PROPERTY_SETS[self.props]

    @property
    def name(self) -> str:
        bug = f"_bug-{self.bug}" if self.bug else ""
        weak = "" if self.strengthen else "_weak"
        return f"{self.spec.name}_{self.props}{weak}{bug}"

    def top(self) -> FormalTop:
        """The test bench of this proof, with its bug (if any) in place."""
        unit = self.spec.build()
        kind = BUGS[self.bug][0] if self.bug else None
        latency = unit.latency + 1 if kind == "latency" else None
        if kind == "design":
            unit = DropValidOnStall(unit)
        if kind == "fifo":  # shallower than one array row's slots: see .tiles
            unit.fifo_depth = unit.slots - 1
        spec = None
        if self.props == "equiv":
            if kind == "spec":
                spec = functools.partial(mul_spec, self.spec.fmt, saturate=False)
            else:
                spec = reference_for(self.spec)
        return FormalTop(unit, checks=[self.props], latency=latency, spec=spec,
                         strengthen=self.strengthen)

    def run(self, *, work=None, timeout: int | None = None) -> ProofResult:
        top = self.top()
        depth = self.depth or default_depth(top.unit.latency, self.props)
        return run_sby(top, self.name, mode=self.mode, depth=depth, work=work, timeout=timeout)

    def row(self, result: ProofResult) -> dict:
        """The report row of this proof's ``result`` (JSON-friendly)."""
        return {
            "unit": self.spec.name, "kind": self.spec.kind, "spec": self.spec.to_dict(),
            "format": self.spec.model_format.name, "props": self.props, "mode": self.mode,
            "depth": result.depth, "strengthen": self.strengthen, "bug": self.bug,
            "result": result.result,
            "seconds": round(result.seconds, 2), "failed": result.failed, "step": result.step,
            "trace": str(result.trace) if result.trace else None,
        }


def plan(specs, *, props=None, depth=None, bug=None, strengthen=True) -> list[Proof]:
    """The proofs for every spec: each requested (default: every) property set that applies
    to its unit, at ``depth`` (``None``: the :func:`default_depth`)."""
    proofs = []
    for spec in specs:
        for p in props or PROPERTY_SETS:
            if not applicable(spec, p):
                continue
            if bug is not None and not bug_applies(bug, spec, p):
                continue
            proofs.append(Proof(spec, p, depth, bug, strengthen))
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
