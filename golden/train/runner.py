"""Running many training configurations: a record cache and optional parallel jobs.

Each finished run is stored as ``<cache>/<data>_<Config.key>_<source>.json``, where ``source``
begins the SHA-256 of the source of this module and of every lnsgen module it imports,
transitively (:func:`source_digest`: the model, the data loader, the golden arithmetic): a later
table or sweep with the same configuration *and the same code* reuses it, while an edit of, say,
the golden adder retrains (``force=True`` always retrains).

Runs go to ``jobs`` fresh (spawned) worker processes whose BLAS is limited to one thread
(``OPENBLAS_NUM_THREADS=1`` and friends, set before they import numpy): the networks are small,
and a multithreaded BLAS on a busy 2-core machine made a float epoch ten times slower. numpy's
element-wise work, which is all of the LNS emulation, is single-threaded anyway, so one job
uses one core. ``isolate=False`` runs in this process instead (tests, small data).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from ...sources import source_digest as _source_digest
from .model import Config, train

__all__ = ["REFERENCE", "record_path", "run_many", "source_digest"]

_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

#: The reference validation error rates (%) (simple feed-forward network on MNIST).
REFERENCE = {"float": 2.14, "lns-matmul": 2.12, "lns": 3.62, "lns-kahan": 2.29}


def source_digest() -> str:
    """SHA-256 of the source a training run executes: this module and every lnsgen module it
    imports, transitively (:func:`lnsgen.sources.source_digest`)."""
    return _source_digest([__name__])


def record_path(cache: Path, cfg: Config, data_name: str) -> Path:
    """The cache file of a run: the data, the configuration and the source it ran."""
    return Path(cache) / f"{data_name}_{cfg.key}_{source_digest()[:16]}.json"


def _load_data(name: str, seed: int):
    from .data import load_mnist, synthetic
    return synthetic(seed=seed) if name == "synthetic" else load_mnist()


_DATA = {}


def _run_one(cfg: Config, data_name: str, cache: str | None, quiet: bool) -> dict:
    key = (data_name, cfg.seed if data_name == "synthetic" else None)
    if key not in _DATA:
        _DATA[key] = _load_data(data_name, cfg.seed)
    log = None if quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    rec = train(cfg, _DATA[key], log=log)
    rec["source_digest"] = source_digest()
    if cache is not None:
        path = record_path(Path(cache), cfg, data_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rec, indent=1) + "\n")
    return rec


def run_many(configs: Iterable[Config], *, data: str = "mnist", jobs: int = 1,
             cache: Path | None = None, force: bool = False, quiet: bool = False,
             isolate: bool = True, log: Callable[[str], None] | None = None) -> list[dict]:
    """Run (or load from ``cache``) every configuration; records in the input order."""
    configs = list(configs)
    out: list[dict | None] = [None] * len(configs)
    todo = []
    for i, cfg in enumerate(configs):
        path = record_path(cache, cfg, data) if cache is not None else None
        if path is not None and path.is_file() and not force:
            rec = json.loads(path.read_text())
            if (rec.get("config") == dataclasses.asdict(cfg)
                    and rec.get("source_digest") == source_digest()):
                out[i] = rec
                if log:
                    log(f"reusing {path}")
                continue
        todo.append(i)
    cache_s = None if cache is None else str(cache)
    if not todo:
        return out
    if not isolate:
        for i in todo:
            out[i] = _run_one(configs[i], data, cache_s, quiet)
        return out
    saved = {k: os.environ.get(k) for k in _ONE_THREAD}
    os.environ.update({k: "1" for k in _ONE_THREAD})
    try:
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(todo)),
                                                    mp_context=ctx) as ex:
            futs = {ex.submit(_run_one, configs[i], data, cache_s, quiet): i for i in todo}
            for fut in concurrent.futures.as_completed(futs):
                out[futs[fut]] = fut.result()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out
