"""Running many training configurations: a record cache and optional parallel jobs.

Each finished run is stored as ``<cache>/<Config.key>.json``; a later table or sweep with the
same configuration reuses it (``force=True`` retrains). Runs are independent processes when
``jobs > 1`` (numpy's element-wise work is single-threaded, so one job uses one core).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import sys
from pathlib import Path
from typing import Callable, Iterable

from .model import Config, train

__all__ = ["REFERENCE", "run_many", "record_path"]

#: The reference validation error rates (%) of issue 6 (simple feed-forward network, MNIST).
REFERENCE = {"float": 2.14, "lns-matmul": 2.12, "lns": 3.62, "lns-kahan": 2.29}


def record_path(cache: Path, cfg: Config, data_name: str) -> Path:
    return Path(cache) / f"{data_name}_{cfg.key}.json"


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
    if cache is not None:
        path = record_path(Path(cache), cfg, data_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rec, indent=1) + "\n")
    return rec


def run_many(configs: Iterable[Config], *, data: str = "mnist", jobs: int = 1,
             cache: Path | None = None, force: bool = False, quiet: bool = False,
             log: Callable[[str], None] | None = None) -> list[dict]:
    """Run (or load from ``cache``) every configuration; records in the input order."""
    configs = list(configs)
    out: list[dict | None] = [None] * len(configs)
    todo = []
    for i, cfg in enumerate(configs):
        path = record_path(cache, cfg, data) if cache is not None else None
        if path is not None and path.is_file() and not force:
            rec = json.loads(path.read_text())
            if rec.get("config") == dataclasses.asdict(cfg):
                out[i] = rec
                if log:
                    log(f"reusing {path}")
                continue
        todo.append(i)
    cache_s = None if cache is None else str(cache)
    if jobs <= 1 or len(todo) <= 1:
        for i in todo:
            out[i] = _run_one(configs[i], data, cache_s, quiet)
    else:
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as ex:
            futs = {ex.submit(_run_one, configs[i], data, cache_s, quiet): i for i in todo}
            for fut in concurrent.futures.as_completed(futs):
                out[futs[fut]] = fut.result()
    return out
