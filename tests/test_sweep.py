"""Tests of ``synth.sweep``: points and configs, cache keys, and one real sweep run serially and
on a two-worker Dask ``LocalCluster`` (same results, cache hit on the rerun, failures reported)."""

import json
import os
import pathlib
import shutil

import pytest

from lnsgen.cli import main
from lnsgen.golden import LNSFormat
from lnsgen.spec import SpecError, UnitSpec
from lnsgen.synth import sweep
from lnsgen.synth.sweep import Point, comparable, grid, load_config, run_sweep

ROOT = pathlib.Path(__file__).resolve().parent.parent
# YoWASP tools map /tmp differently from the host: keep their files inside the project.
BUILD = ROOT / "build" / "test-sweep"
SMALL = LNSFormat(int_bits=3, frac_bits=4)
MUL8 = UnitSpec("mul", fmt=SMALL)
# A valid spec that cannot be built: a direct LNS-to-fp32 table of 2**20 entries.
BAD = Point(UnitSpec("to-float", float="fp32", int_bits=3, frac_bits=20, method="direct"))


# Points and configs --------------------------------------------------------------------------


def test_grid_is_the_product_and_applies_axes_to_the_kinds_that_have_them():
    points = grid(["add", "mul"], {"method": ["interp", "direct"], "int_bits": [3, 5],
                                   "frac_bits": 4})
    # Axes vary in the order given (the last fastest); mul has no method: once per format.
    assert [p.key for p in points] == ["add_i3f4", "add_i5f4", "add_i3f4_direct",
                                       "add_i5f4_direct", "mul_i3f4", "mul_i5f4"]
    assert grid("acc", {"compensated": [False, True]})[1].key == "acc_i5f10_kahan"
    keys = [p.key for p in grid(["mm", "mul"], {"rows": [2, 3], "compensated": [False, True]})]
    assert keys == ["mm2x4_i5f10", "mm2x4_i5f10_kahan", "mm3x4_i5f10", "mm3x4_i5f10_kahan",
                    "mul_i5f10"]
    assert [p.key for p in grid("mm4x4-kahan", nodsp=[False, True])] == [
        "mm4x4_i5f10_kahan", "mm4x4_i5f10_kahan/nodsp"]


def test_grid_rejects_what_applies_to_no_unit_and_bad_values():
    with pytest.raises(SpecError, match="parameter 'rows' applies to none of the units add"):
        grid("add", {"rows": 2})
    with pytest.raises(SpecError, match=r"frac_bits must be an integer in \[1, 23\], not -1"):
        grid("mul", {"frac_bits": -1})
    with pytest.raises(SpecError, match="unit must be a kind"):
        grid("mm3x3")


def test_point_round_trips():
    p = Point(UnitSpec("add", int_bits=5, frac_bits=10), nodsp=True, targets=["ecp5"])
    assert p.key == "add_i5f10/nodsp" and p.targets == ("ecp5",)
    assert Point.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    with pytest.raises(TypeError, match="spec must be an lnsgen.spec.UnitSpec"):
        Point("add")


def test_point_flow_options():
    p = Point(UnitSpec("mm", rows=4, cols=4), freq=150, ecp5_device="85k", ports="scan")
    assert p.flow == {"freq": 150.0, "ecp5_device": "85k", "ports": "scan"}
    # Same unit, two flows: one result key (as lnsgen synth's), two work folders.
    assert p.key == Point(p.spec).key == "mm4x4_i5f10"
    assert p.slug == "mm4x4_i5f10-150mhz-85k-scan" and Point(p.spec).slug == "mm4x4_i5f10"
    assert Point.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    # A point of the default flow keeps the dict, and so the cache key, of before the options.
    assert Point(MUL8).to_dict() == {"spec": MUL8.to_dict(), "nodsp": False,
                                     "targets": ["ecp5", "ice40"], "asic": True}
    with pytest.raises(ValueError, match=r"ecp5_device must be one of \['12k', '25k'"):
        Point(MUL8, ecp5_device="99k")
    with pytest.raises(ValueError, match=r"ports must be one of \['pins', 'scan'\], not 'wires'"):
        Point(MUL8, ports="wires")
    for freq in (0, -5.0, True, "fast"):
        with pytest.raises(ValueError, match="freq must be a positive number of MHz"):
            Point(MUL8, freq=freq)
    with pytest.raises(ValueError, match="package must be an ECP5 package name"):
        Point(MUL8, package="")


def test_config_file(tmp_path):
    config = tmp_path / "sweep.toml"
    config.write_text('[grid]\nunit = ["mul", "add"]\nint_bits = 3\nfrac_bits = 4\n\n'
                      '[[point]]\nunit = "acc"\ncompensated = true\n'
                      'targets = ["ecp5"]\nasic = false\n')
    points = load_config(config)
    assert [p.key for p in points] == ["mul_i3f4", "add_i3f4", "acc_i5f10_kahan"]
    assert points[-1].targets == ("ecp5",) and not points[-1].asic
    config.write_text('[[point]]\nunit = "mm"\nrows = 4\ncols = 4\necp5_device = "85k"\n'
                      'ports = "scan"\nfreq = 125\n')
    (point,) = load_config(config)
    assert point.flow == {"freq": 125.0, "ecp5_device": "85k", "ports": "scan"}
    config.write_text('[[point]]\nunit = "mul"\necp5_device = "85"\n')
    with pytest.raises(ValueError, match=r"\[\[point\]\] #1: ecp5_device must be one of"):
        load_config(config)
    config.write_text('[grid]\nunit = ["mul"]\nformat = ["3:4"]\n')
    with pytest.raises(ValueError, match=r"unknown keys \['\[grid\].format'\]"):
        load_config(config)


def test_the_sweep_of_make_sweep_loads():
    points = load_config(ROOT / "synth" / "sweep.toml")
    assert len(points) == 11
    assert Point(UnitSpec("add", int_bits=5, frac_bits=10, method="direct")) in points


def test_cli_takes_the_flow_options_of_synth(tmp_path, capsys):
    # No target and no ASIC: the points are evaluated (accuracy) and written, no tool runs.
    assert main(["sweep", "mul", "--int-bits", "3", "--frac-bits", "4", "--targets",
                 "--no-asic", "--ecp5-device", "45k", "--ports", "scan", "--freq", "80",
                 "--serial", "--no-progress", "-o", str(tmp_path)]) == 0
    (result,) = json.loads((tmp_path / "reports" / "sweep.json").read_text())["results"]
    assert result["point"]["ecp5_device"] == "45k" and result["point"]["ports"] == "scan"
    assert result["point"]["freq"] == 80.0
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "mul", "--ecp5-device", "99k"])
    assert exc.value.code == 2
    assert "--ecp5-device: invalid choice: '99k'" in capsys.readouterr().err


def test_cli_rejects_unknown_unit(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "mul", "nope", "--int-bits", "3", "--frac-bits", "4"])
    assert exc.value.code == 2
    assert "unit must be a kind" in capsys.readouterr().err


# Cache keys ------------------------------------------------------------------------------------


def test_source_files_follow_the_units_imports():
    mul, add = UnitSpec("mul"), UnitSpec("add")
    names = {str(p.relative_to(ROOT)) for p in sweep.source_files(mul)}
    assert {"hdl/mul.py", "golden/format.py", "lnsgen/spec.py", "synth/flow.py"} <= names
    assert "hdl/adder.py" not in names  # an adder edit leaves multiplier results cached
    assert sweep.source_digest(mul) != sweep.source_digest(add)
    adder = {str(p.relative_to(ROOT)) for p in sweep.source_files(add)}
    assert {"hdl/adder.py", "golden/gaussian.py", "golden/error.py"} <= adder


def test_cache_key_changes_with_point_tools_and_source():
    p, env = Point(MUL8), {"yosys": "Yosys 0.70"}
    key = sweep.cache_key(p, env, "src")
    assert key == sweep.cache_key(Point(UnitSpec("mul", fmt=SMALL)), dict(env), "src")
    assert key != sweep.cache_key(Point(MUL8.replace(frac_bits=5)), env, "src")
    assert key != sweep.cache_key(p, {"yosys": "Yosys 0.71"}, "src")
    assert key != sweep.cache_key(p, env, "src2")


# A real sweep ----------------------------------------------------------------------------------


def _points():
    # The smallest real points: two 8-bit units on ECP5 and iCE40 (and the ASIC flow when its
    # liberty is installed), plus a point that cannot be built, which must fail alone.
    # The divider runs on another device behind scan chains: the flow options reach the tools.
    return [Point(MUL8), Point(UnitSpec("div", fmt=SMALL), ecp5_device="12k", ports="scan"),
            BAD]


def test_sweep_serial_and_on_a_two_worker_local_cluster():
    """One real sweep, serially and on a 2-worker LocalCluster, then again from the cache.

    A single test rather than a module fixture: under pytest-xdist a fixture shared by several
    tests could run in each worker.
    """
    build = BUILD / f"run-{os.getpid()}"
    if build.exists():
        shutil.rmtree(build)
    serial = run_sweep(_points(), workroot=build / "serial", cache_dir=build / "cache-serial",
                       serial=True, progress=False)
    first = run_sweep(_points(), workroot=build / "dask", cache_dir=build / "cache-dask",
                      workers=2, progress=False)
    again = run_sweep(_points(), workroot=build / "dask", cache_dir=build / "cache-dask",
                      workers=2, progress=False)

    # Real numbers.
    mul = serial.results[0]
    assert mul["status"] == "ok" and mul["key"] == "mul_i3f4"
    assert mul["accuracy"]["max_ulp"] == 0.0 and mul["latency"] == 1
    assert mul["fpga"]["ecp5"]["lut4"] > 0 and mul["fpga"]["ecp5"]["fmax_mhz"] > 0
    assert mul["fpga"]["ice40"]["cells"] > 0
    assert mul["asic"]["status"] in ("ok", "not run")
    if mul["asic"]["status"] == "ok":
        assert mul["asic"]["area_um2"] > 0
    div = serial.results[1]["fpga"]
    assert mul["fpga"]["ecp5"]["device"] == "25k" and div["ecp5"]["device"] == "12k"
    assert div["ports"] == "scan" and mul["fpga"]["ports"] == "pins"

    # The failing point is reported with its error and does not stop the others.
    for run in (serial, first, again):
        bad = run.results[2]
        assert bad["status"] == "error"
        assert "method='direct' needs a table of" in bad["error"]
        assert [r["status"] for r in run.results[:2]] == ["ok", "ok"]
        assert run.failed == 1

    # Dask gives what the serial run gives, from other processes.
    assert serial.mode == "serial" and first.mode == "dask LocalCluster"
    assert first.workers == 2
    assert [comparable(r) for r in first.results] == [comparable(r) for r in serial.results]
    assert {r["pid"] for r in first.results}.isdisjoint({r["pid"] for r in serial.results})

    # The rerun takes the two good points from the cache and tries the failed one again.
    assert first.cache_hits == 0 and first.computed == 3
    assert again.cache_hits == 2 and again.computed == 1
    assert [r["cache"] for r in again.results] == ["hit", "hit", "miss"]
    assert [comparable(r) for r in again.results] == [comparable(r) for r in first.results]
    shutil.rmtree(build)


def test_reports_are_written(tmp_path):
    ok = {"key": "mul_i3f4", "point": Point(MUL8).to_dict(), "status": "ok",
          "unit": "mul", "format": "lns8_i3f4", "int_bits": 3, "frac_bits": 4, "nodsp": False,
          "method": "exact", "latency": 1, "accuracy": sweep.accuracy(MUL8),
          "fpga": None, "asic": {"status": "not run", "reason": "not asked"}}
    bad = sweep.evaluate_point(BAD.to_dict(), str(BUILD))
    run = sweep.SweepRun(results=[ok, bad], mode="serial", workers=1, wall_s=1.0,
                         cache_hits=0, computed=2, failed=1)
    json_path, md_path = sweep.write_reports(run, tmp_path, merge_synth=False)
    doc = json.loads(json_path.read_text())
    assert doc["stats"]["points"] == 2 and doc["stats"]["failed"] == 1
    text = md_path.read_text()
    assert "| mul | lns8_i3f4 | exact | 1 | 0.000 |" in text
    assert "error: ValueError: method='direct' needs a table of" in text
    assert "teaching standard-cell library" in text
