"""The published numbers reproduce: rerun the commands behind the quick data files of
``docs/data`` in an empty build folder and compare every number that is not a time.

Slow (``make test-all``): the summation study and the array utilization take a minute or two,
the training table about ten minutes on two cores. The default suite checks only that the
committed tables are what the committed data renders to (tests/test_spec.py).
"""

import json
import pathlib
import shlex

import pytest

from lnsgen import docs as lnsdocs
from lnsgen.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: Keys whose values are measured times or rates (they differ from run to run and machine to
#: machine); everything else must be equal.
TIMING = ("second", "time", "elapsed", "per_s", "rate", "speed")

#: The data files whose commands are quick enough to rerun in a test.
QUICK = ["sumstudy", "utilization", "train"]


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items()
                if not any(word in k.lower() for word in TIMING)}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


@pytest.mark.slow
@pytest.mark.parametrize("name", QUICK)
def test_published_data_reproduces(name, tmp_path, monkeypatch):
    published = ROOT / "docs" / "data" / f"{name}.json"
    assert published.is_file(), f"{published} missing: run its command, then lnsgen docs --collect"
    doc = json.loads(published.read_text())
    argv = shlex.split(doc["provenance"]["command"])
    assert argv[0] == "lnsgen", argv
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LNSGEN_BUILD", str(tmp_path / "build"))
    try:
        status = main(argv[1:])
    except SystemExit as done:  # a delegated command may exit
        status = done.code
    assert status in (0, None)
    report = tmp_path / "build" / "reports" / lnsdocs.DATA[name][0]
    fresh = json.loads(report.read_text())
    assert _without_timings(fresh) == _without_timings(doc["data"])
