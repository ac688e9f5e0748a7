"""The settings of one bench run, passed from pytest to the simulator's Python as JSON."""

from __future__ import annotations

import dataclasses
import json

__all__ = ["BenchConfig", "SoakConfig"]


class _JsonConfig:
    """Round trip of a config dataclass through the JSON the simulator's Python reads."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str):
        return cls(**json.loads(text))

    def unit_spec(self):
        """The :class:`lnsgen.spec.UnitSpec` of :attr:`spec`."""
        from lnsgen.spec import UnitSpec
        return UnitSpec.from_dict(self.spec)


@dataclasses.dataclass(frozen=True)
class BenchConfig(_JsonConfig):
    """One bench run.

    Attributes
    ----------
    spec : dict
        The unit's :class:`lnsgen.spec.UnitSpec` as a dict (:meth:`~lnsgen.spec.UnitSpec.to_dict`).
    variant : str or None
        A deliberately wrong reference of :data:`lnsgen.verification.models.VARIANTS`, or None
        for the unit's own golden model.
    vectors : int or None
        Random vectors after the corner cases; None for every input combination.
    seed : int
        Seeds stimuli and stall patterns: a run is reproducible from its config.
    idle, stall : float
        Probability of an idle input cycle / a not-ready output cycle.
    latency : int
        The unit's stated latency, checked against the measured one.
    sim : str
        The simulator (recorded in the summary).
    result_file : str
        Where the bench writes its JSON summary.
    """

    spec: dict
    vectors: int | None
    variant: str | None = None
    seed: int = 1
    idle: float = 0.2
    stall: float = 0.2
    latency: int = 1
    sim: str = ""
    result_file: str = ""



@dataclasses.dataclass(frozen=True)
class SoakConfig(_JsonConfig):
    """One soak run (:mod:`lnsgen.verification.tb_soak`): many operands in segments ended by resets.

    Attributes
    ----------
    spec : dict
        The unit's :class:`lnsgen.spec.UnitSpec` as a dict.
    variant : str or None
        A deliberately wrong reference (see :class:`BenchConfig`), or None.
    operands : int
        Input beats to push through the unit, at least (values summed, for accumulators;
        beats of tile passes, for systolic arrays).
    resets : int
        Reset pulses, one at the end of every segment but the last.
    seed : int
        Seeds stimuli, stalls, segment sizes and reset timing.
    latency : int
        The unit's stated latency (bounds how long the bench waits for a drain).
    max_burst : int
        Largest number of operands driven with one idle/stall setting.
    sim, result_file :
        As for :class:`BenchConfig`.
    """

    spec: dict
    operands: int
    resets: int
    variant: str | None = None
    seed: int = 1
    latency: int = 1
    max_burst: int = 20_000
    sim: str = ""
    result_file: str = ""
