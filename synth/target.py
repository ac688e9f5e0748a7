"""Pipeline depth from a target frequency: the shallowest depth that a real flow places at it.

FloPoCo lets a user ask for a frequency and pipelines the operator to it from a delay model
of the device. Here the depth of a unit is one spec parameter (``adder_latency`` for every
unit with a Gaussian-log adder, ``latency`` for the converters and the IEEE baselines), and
each depth is a fixed set of cut points (:data:`lnsgen.hdl.adder.PIPELINED_CUTS`); so the
choice is made by measurement instead: place and route the unit at each allowed depth, from
the shallowest, and stop at the first one whose Fmax reaches the target (``lnsgen synth
--meet-freq``). For the 16-bit adder, multiply-add and PE the published depth curve
(``docs/data/depth.json``, ``make depth``) shows what such a search finds on each device.
"""

from __future__ import annotations

from lnsgen.spec import SpecError, UnitSpec, resolve

__all__ = ["PIPELINE_PARAMS", "SEARCH_TARGETS", "meet_frequency", "pipeline_depths"]

#: Spec parameters that set a unit's pipeline depth, in the order they are looked for.
PIPELINE_PARAMS = ("adder_latency", "latency")
#: Flow targets a search can aim at (the ones that report an Fmax).
SEARCH_TARGETS = ("ecp5", "ice40")
#: Depths tried for a parameter: every one the spec accepts (the checks say which).
_CANDIDATES = range(1, 17)


def pipeline_depths(spec: UnitSpec | str) -> tuple[str, tuple[int, ...]]:
    """The pipeline parameter of ``spec``'s kind and every depth it accepts, shallowest first.

    Raises
    ------
    SpecError
        If the kind has no pipeline depth parameter (the multiplier: one stage).
    """
    spec = resolve(spec) if isinstance(spec, str) else spec
    for name in PIPELINE_PARAMS:
        if name in spec:
            depths = []
            for depth in _CANDIDATES:
                try:
                    spec.replace(**{name: depth})
                except SpecError:
                    continue
                depths.append(depth)
            return name, tuple(depths)
    raise SpecError(f"unit {spec.name} has no pipeline depth parameter (one of "
                    f"{', '.join(PIPELINE_PARAMS)}): nothing to choose for a frequency")


def meet_frequency(spec: UnitSpec | str, freq_mhz: float, *, target: str = "ecp5",
                   workdir=None, **flow) -> dict:
    """Place and route ``spec`` at each pipeline depth, shallowest first, until one reaches
    ``freq_mhz`` on ``target``.

    Parameters
    ----------
    spec : UnitSpec or str
        The unit; its own pipeline depth is ignored (every accepted one is a candidate).
    freq_mhz : float
        The clock to reach, in MHz; also nextpnr's timing target.
    target : {"ecp5", "ice40"}
        The flow target whose Fmax counts.
    workdir : path-like, optional
        Parent folder of the runs (one subfolder per depth; default ``build/synth``).
    **flow
        Further keywords of :func:`lnsgen.synth.flow.synthesize` (``nodsp``, ``ecp5_device``,
        ``ports``, ...).

    Returns
    -------
    dict
        ``param`` (the depth parameter), ``freq_mhz``, ``target``, ``met`` (whether a depth
        reached it), ``spec`` (the chosen depth's spec as a dict: the shallowest that met the
        target, else the fastest tried), ``entry`` (its :func:`~lnsgen.synth.flow.synthesize`
        result) and ``tried``: ``[{"depth", "fmax_mhz", "critical_path"}, ...]`` in order.

    Raises
    ------
    ValueError
        If ``freq_mhz`` is not a positive number or ``target`` is not one of
        :data:`SEARCH_TARGETS` (before any tool runs).
    SpecError
        If the unit has no pipeline depth parameter.
    """
    import pathlib

    from .flow import synthesize

    if isinstance(freq_mhz, bool) or not isinstance(freq_mhz, (int, float)) or freq_mhz <= 0:
        raise ValueError(f"freq_mhz must be a positive number of MHz, not {freq_mhz!r}")
    if target not in SEARCH_TARGETS:
        raise ValueError(f"target must be one of {list(SEARCH_TARGETS)}, not {target!r}")
    spec = resolve(spec) if isinstance(spec, str) else spec
    param, depths = pipeline_depths(spec)
    tried, best = [], None
    for depth in depths:
        candidate = spec.replace(**{param: depth})
        where = None if workdir is None else pathlib.Path(workdir) / candidate.name
        entry = synthesize(candidate, targets=(target,), workdir=where, freq_mhz=freq_mhz,
                           **flow)
        fmax = entry[target].get("fmax_mhz")
        tried.append({"depth": depth, "fmax_mhz": fmax,
                      "critical_path": entry[target].get("critical_path")})
        if fmax is not None and (best is None or fmax > best[1][target]["fmax_mhz"]):
            best = (candidate, entry)
        if fmax is not None and fmax >= freq_mhz:
            best = (candidate, entry)
            break
    met = best is not None and best[1][target]["fmax_mhz"] >= freq_mhz
    return {"param": param, "freq_mhz": freq_mhz, "target": target, "met": met,
            "spec": best[0].to_dict() if best else None, "entry": best[1] if best else None,
            "tried": tried}
