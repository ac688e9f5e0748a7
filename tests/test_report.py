"""Tests of the HTML/Markdown report (``synth.htmlreport``): tables from bench, synthesis and sweep
results, "not run" for what is missing, the Pareto front, and a headless-Chromium rendering."""

import json

import numpy as np
import pytest

from lnsgen.cli import main
from lnsgen.golden import LNSFormat
from lnsgen.spec import UnitSpec, resolve
from lnsgen.synth.htmlreport import find_chromium, pareto_front, screenshot, write_report

SMALL = LNSFormat(int_bits=3, frac_bits=4)
MUL8 = UnitSpec("mul", fmt=SMALL)


def _sweep_result(unit, frac_bits, method, max_ulp, lut4, area, ebr=0):
    spec = resolve(unit, int_bits=5, frac_bits=frac_bits)
    fmt = spec.fmt
    return {
        "key": spec.name, "status": "ok", "unit": spec.label, "name": spec.name,
        "kind": spec.kind, "spec": spec.to_dict(), "format": fmt.name,
        "int_bits": 5, "frac_bits": frac_bits, "width": fmt.width, "nodsp": False,
        "method": method, "latency": 5 if method != "exact" else 1,
        "accuracy": {"method": method, "max_ulp": max_ulp, "mean_ulp": max_ulp / 4,
                     "max_rel_error": 2.0 ** (max_ulp * 2.0 ** -frac_bits) - 1.0},
        "fpga": {"unit": spec.label, "spec": spec.to_dict(), "format": fmt.name, "latency": 5,
                 "ring_ff": 40,
                 "ecp5": {"lut4": lut4, "ccu2c": 10, "dsp": 0, "ebr": ebr, "ff": 100,
                          "fmax_mhz": 100.0},
                 "ice40": {"lut4": 2 * lut4, "cells": 3 * lut4, "fmax_mhz": 80.0}},
        "asic": {"status": "ok", "area_um2": float(area), "critical_path_ns": 5.0},
    }


@pytest.fixture
def reports(tmp_path):
    """A report folder with one bench result, one synthesis entry and a small sweep."""
    (tmp_path / "sim").mkdir()
    mul = MUL8.to_dict()
    (tmp_path / "sim" / "mul-lns8-icarus.json").write_text(json.dumps(
        {"spec": mul, "variant": None, "sim": "icarus", "vectors": 65536, "mismatches": 0}))
    (tmp_path / "sim" / "broken.json").write_text(json.dumps(
        {"spec": mul, "variant": "wraps", "sim": "icarus", "vectors": 9, "mismatches": 9}))
    (tmp_path / "synth.json").write_text(json.dumps([
        {"key": "mul_i3f4", "unit": "mul", "spec": mul, "format": "lns8_i3f4", "int_bits": 3,
         "frac_bits": 4, "latency": 1, "ring_ff": 24, "nodsp": False,
         "ecp5": {"lut4": 20, "ccu2c": 8, "dsp": 0, "ebr": 0, "ff": 33, "fmax_mhz": 126.0},
         "ice40": {"lut4": 27, "cells": 80, "fmax_mhz": 145.4},
         "tools": {"yosys": "Yosys 0.70", "nextpnr": "nextpnr-0.11.1", "amaranth": "0.5.10"}}]))
    results = [_sweep_result("add", 6, "interp", 0.9, 300, 60000),
               _sweep_result("add-direct", 6, "direct", 0.5, 150, 40000, ebr=1),
               _sweep_result("add", 10, "interp", 0.9, 700, 150000),
               _sweep_result("add-direct", 10, "direct", 0.5, 250, 160000, ebr=18),
               {"key": "acc_i5f6", "point": {"spec": {"kind": "acc"}}, "status": "error",
                "error": "SynthError: nextpnr failed"}]
    (tmp_path / "sweep.json").write_text(json.dumps(
        {"generated": "now", "results": results,
         "stats": {"points": 5, "mode": "serial", "workers": 1, "wall_s": 1.0, "cache_hits": 0,
                   "computed": 5, "failed": 1}}))
    return tmp_path


def test_pareto_front():
    pts = [{"error": 1.0, "area": 10}, {"error": 0.5, "area": 20}, {"error": 0.6, "area": 30},
           {"error": 0.1, "area": 20}, {"error": 2.0, "area": 5}]
    assert pareto_front(pts) == [{"error": 0.1, "area": 20}, {"error": 1.0, "area": 10},
                                 {"error": 2.0, "area": 5}]


def test_report_tables_and_plots(reports, tmp_path):
    out = tmp_path / "out"
    html_path, md_path = write_report(out, reports=reports, phi_format=SMALL)
    page, md = html_path.read_text(), md_path.read_text()
    # The multiplier row joins bench and synthesis; the sweep gives the adders.
    assert "65,536 (icarus 65,536)" in page and "pass" in page
    assert "65,545" not in page  # the run against a wrong model is not counted
    assert "| mul | lns8_i3f4 | 1 | exact | 20 + 8 | 0 | 0 | 9 | 126.0 |" in md
    assert "| add_direct | lns16_i5f10 | 5 | 0.500 / 0.125 | 250 + 10 | 0 | 18 | 60 |" in md
    # No bench ran the adders: said so rather than left blank.
    assert md.count("not run") >= 4
    assert "teaching standard-cell library" in page and "teaching standard-cell library" in md
    assert "acc_i5f6: SynthError: nextpnr failed" in page
    # Self-contained: four embedded PNGs (the depth curve is the published one: this
    # build's sweep varies no adder latency), no external references.
    assert page.count('src="data:image/png;base64,') == 4
    assert "pipeline depth (published: docs/data/depth.json)" in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    for name in ("phi_error", "area_vs_precision", "pareto", "depth"):
        assert (out / f"report_{name}.png").stat().st_size > 1000
        assert f"(report_{name}.png)" in md
    # The front: direct at F=6 (smaller and more accurate), both at F=10 (a trade-off).
    assert "3 of 4 adder-type points are Pareto-optimal" in md
    assert "lns12_i5f6: direct is 1.50x smaller than interp" in md


def test_report_with_nothing_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no docs/data here either: no published depth curve
    html_path, md_path = write_report(tmp_path, phi_format=SMALL)
    page = html_path.read_text()
    assert "no bench, synthesis or sweep results yet" in page
    assert "Sweep: not run" in page and "Pareto front: not run" in page
    assert page.count('src="data:image/png;base64,') == 1  # the phi error plot needs no run
    assert "not run" in md_path.read_text()


def test_cli_writes_report_elsewhere(tmp_path, capsys):
    assert main(["report", "-o", str(tmp_path), "--int-bits", "3", "--frac-bits", "4"]) == 0
    assert (tmp_path / "reports" / "report.html").exists()
    with pytest.raises(SystemExit):
        main(["report", "-o", str(tmp_path), "--int-bits", "30"])


@pytest.mark.skipif(find_chromium() is None,
                    reason="chromium not installed (Debian: apt-get install chromium)")
def test_report_renders_in_headless_chromium(reports, tmp_path):
    from matplotlib import image
    html_path, _ = write_report(tmp_path / "out", reports=reports, phi_format=SMALL)
    png = screenshot(html_path, tmp_path / "shot.png", width=1200, height=1600)
    pixels = image.imread(png)
    assert pixels.shape[:2] == (1600, 1200)
    rgb = pixels[..., :3]
    # Not a blank page: dark text and coloured plot markers are on it.
    assert (rgb.mean(axis=2) < 0.3).mean() > 0.005
    assert (np.ptp(rgb, axis=2) > 0.3).sum() > 500


def test_depth_curves_need_three_depths_of_one_unit():
    """The depth plot draws a unit whose adder latency takes at least three values, from
    this build's sweep; two depths are not a curve."""
    from lnsgen.synth.htmlreport import depth_curves, plot_depth

    def point(latency, fmax):
        return {"status": "ok", "kind": "add", "format": "lns16_i5f10", "nodsp": False,
                "spec": {"kind": "add", "adder_latency": latency},
                "fpga": {"ecp5": {"fmax_mhz": fmax, "lut4": 700, "ccu2c": 100, "ff": 400}}}

    sweep = {"results": [point(10, 168.6), point(5, 97.3), point(8, 119.2)]}
    curves = depth_curves(sweep)
    assert [r["spec"]["adder_latency"] for r in curves[("add", "lns16_i5f10")]] == [5, 8, 10]
    assert plot_depth(sweep)[:8] == b"\x89PNG\r\n\x1a\n"
    assert depth_curves({"results": sweep["results"][:2]}) == {}
    assert plot_depth({"results": sweep["results"][:2]}) is None
