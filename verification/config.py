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


@dataclasses.dataclass(frozen=True)
class BenchConfig(_JsonConfig):
    """One bench run.

    Attributes
    ----------
    model : str
        Key of :data:`lnsgen.verification.models.MODELS` giving stimuli and the golden reference.
    int_bits, frac_bits : int
        The LNS format.
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

    model: str
    int_bits: int
    frac_bits: int
    vectors: int | None
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
    model : str
        Key of :data:`lnsgen.verification.models.MODELS` (stimuli and golden reference).
    int_bits, frac_bits : int
        The LNS format.
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

    model: str
    int_bits: int
    frac_bits: int
    operands: int
    resets: int
    seed: int = 1
    latency: int = 1
    max_burst: int = 20_000
    sim: str = ""
    result_file: str = ""
